package upgrade

import (
	"fmt"
	"slices"
	"strings"

	"phoneflash/firmware"
)

// Gate is one rule of the upgrade path (FACTS.md §4): a phone that runs a version below
// Below cannot go straight to a load beyond the gate's window; it must first take a
// bridge load inside the window. Versions are written as Cisco writes them and parsed
// when used (a test parses them all). On the 7940/7960, SCCP and SIP count their
// versions separately (SIP 8.12 is not "after" SCCP 8.0(9)), so a gate compares a
// version only with versions of the protocol it is written in (FACTS.md §1.1).
type Gate struct {
	Name     string
	Families []firmware.Family
	Running  []firmware.Protocol // the gate binds phones running these protocols; nil: any
	Below    string              // it binds while the phone runs a version below this (in Running's numbering)
	Origin   bool                // Below is about what the phone ran before its first step, not before this one
	Targets  []firmware.Protocol // it binds on the way to loads of these protocols; nil: any
	Min      string              // the bridge window, inclusive …
	Max      string              // … up to Max inclusive, or
	Under    string              // … up to Under exclusive
	// Protocols: a bridge load speaks one of these; nil: any. The window's versions
	// are in the numbering of the first one.
	Protocols []firmware.Protocol
	Range     string   // the window in words, for "a 7941 load <Range>"
	Example   string   // a load known to exist in the window; "NN" stands for the family's file code
	Why       string   // shown in the plan
	Evidence  Evidence // what a phone of unknown load shows on the wire that puts it below the gate
	Source    string   // confidence and source (FACTS.md tags)
}

// Evidence is what the tracker sees a phone of unknown load do that places it below a
// gate: the phone tells, before anyone has to guess (FACTS.md §12).
type Evidence int

// Kinds of evidence.
const (
	NoEvidence Evidence = iota
	// EvidenceUnsigned: a 7940/7960 image from before 5.0: it asks for an unsigned .bin
	// image, or its option 60 names no model [V: Cisco doc 68244; S: voip-info].
	EvidenceUnsigned
	// EvidenceRefused: a Java phone asks for a load's manifest again and again and takes
	// no image of it, while every file the manifest lists is at hand: AUTH FAIL [S].
	EvidenceRefused
	// EvidenceReverted: it took every image of the load and came back asking for them
	// again: it booted its old application [S].
	EvidenceReverted
)

var evidenceTexts = [...]string{
	NoEvidence:       "",
	EvidenceUnsigned: "it asks for an unsigned .bin image, or its DHCP class names no model (an image from before 5.0)",
	EvidenceRefused:  "it asks for the load's manifest again and again and takes no image (AUTH FAIL on its screen)",
	EvidenceReverted: "it takes the load and comes back asking for it again (it booted its old application)",
}

// String is the evidence in words: "it asks for an unsigned .bin image, …".
func (e Evidence) String() string {
	if e < 0 || int(e) >= len(evidenceTexts) {
		return fmt.Sprintf("Evidence(%d)", int(e))
	}
	return evidenceTexts[e]
}

var javaFamilies = []firmware.Family{
	firmware.Family7911, firmware.Family7941, firmware.Family7942,
	firmware.Family7945, firmware.Family7970, firmware.Family7975,
}

var sccpOnly = []firmware.Protocol{firmware.SCCP}

// gates is the table, in the order a phone meets them.
func gates() []Gate {
	return []Gate{
		{
			Name:     "signed 5.x",
			Families: []firmware.Family{firmware.Family7940},
			Running:  sccpOnly, Below: "5.0",
			Min: "5.0", Under: "6.0", Protocols: sccpOnly,
			Range:   "from the signed SCCP 5.x line",
			Example: "P00305000200",
			Why: "images before 5.0 take only unsigned .bin images; a signed 5.x load brings the loader " +
				"that takes signed images (and from then on, only signed ones)",
			Evidence: EvidenceUnsigned,
			Source: "[V: Cisco doc 68244 and the 7940/7960 readmes for the signed/unsigned rule; " +
				"S: the 5.x bridge is the seed chain; P00305000200 [V] and P00305000600 [S] exist, FACTS.md §1.1]",
		},
		{
			Name:     "SCCP 8.0(9)",
			Families: []firmware.Family{firmware.Family7940},
			Running:  sccpOnly, Below: "8.0(9)", Targets: sccpOnly,
			Min: "8.0(9)", Max: "8.0(9)", Protocols: sccpOnly,
			Range:   "of SCCP 8.0(9)",
			Example: "P00308000900",
			Why: "SCCP images older than 8.0(9) go through 8.0(9) before later SCCP loads " +
				"(a 7960 was seen refusing newer SCCP loads straight from older images)",
			Evidence: EvidenceReverted,
			Source:   "[S/U: the seed chain; the 'Strange Fail' thread, FACTS.md §2.2, §4.1]",
		},
		{
			Name:     "seed chain",
			Families: []firmware.Family{firmware.Family7940},
			Running:  sccpOnly, Below: "5.0", Origin: true, Targets: []firmware.Protocol{firmware.SIP, firmware.MGCP},
			Min: "8.0(9)", Max: "8.0(9)", Protocols: sccpOnly,
			Range:   "of SCCP 8.0(9)",
			Example: "P00308000900",
			Why: "a phone that came from an image before 5.0 goes through SCCP 8.0(9) before SIP: the route " +
				"reported to work (3.x -> 5.x -> 8.0(9) -> SIP); a signed SCCP phone can also go straight to SIP",
			Evidence: EvidenceUnsigned,
			Source:   "[S: the seed chain; I: the direct route from signed SCCP, FACTS.md §4.1]",
		},
		{
			Name:     "signing keys",
			Families: javaFamilies,
			Below:    "8.3(3)", Min: "8.3(3)", Max: "8.5(2)",
			Range:   "between 8.3(3) and 8.5(2)",
			Example: "SCCPNN.8-5-2S",
			Why: "loads from 8.5(3) on are signed with new keys; 8.3(3) to 8.5(2) know the old and the new, " +
				"so a phone below 8.3(3) takes one of them first (plain 8.5(2), not 8.5(2)SR1: that already needs the new keys)",
			Evidence: EvidenceRefused,
			Source: "[S: blog.qsolved.com; Cisco 9.2 release notes quoted by sysop.ca; crimsonsilo for SR1; " +
				"7975: whether it ever ran loads below 8.3(3) is U]",
		},
	}
}

// Refusal is a load a phone will not take, whatever the config says: planning such a
// step would leave the phone looping.
type Refusal struct {
	Families []firmware.Family
	Running  []firmware.Protocol // a phone running one of these (nil: any) …
	From     string              // … at this version or later ("": any version) …
	Loads    []firmware.Protocol // … refuses loads of these protocols (nil: any) …
	Below    string              // … below this version (in the load's numbering)
	Why      string
	Source   string
}

func refusals() []Refusal {
	unsigned := "a 7940/7960 on a signed image refuses unsigned images (SCCP before 5.0)"
	return []Refusal{
		{
			Families: []firmware.Family{firmware.Family7940},
			Running:  sccpOnly, From: "5.0", Loads: sccpOnly, Below: "5.0",
			Why:    unsigned,
			Source: "[V: 7940/7960 readmes: signed loads 'can only be upgraded or downgraded to other signed releases']",
		},
		{
			Families: []firmware.Family{firmware.Family7940},
			Running:  []firmware.Protocol{firmware.SIP, firmware.MGCP}, Loads: sccpOnly, Below: "5.0",
			Why:    unsigned,
			Source: "[I: the SIP and MGCP loads in reach are signed; same readmes]",
		},
		{
			Families: javaFamilies,
			From:     "8.5(3)", Below: "8.3(3)",
			Why:    "a phone on 8.5(3) or later knows only the new signing keys and refuses loads before 8.3(3)",
			Source: "[I: from the key change, FACTS.md §4.2]",
		},
	}
}

// unsignedImage reports whether a phone of family f running protocol p at version v
// is a 7940/7960 on an SCCP image from before the universal loader (5.0): it reads
// OS79XX.TXT first and takes only unsigned .bin images (FACTS.md §4.1).
func unsignedImage(f firmware.Family, p firmware.Protocol, v firmware.Version) bool {
	return f == firmware.Family7940 && p == firmware.SCCP && !v.IsZero() && v.Compare(version("5.0")) < 0
}

// version parses a version from the tables; they are tested, so a failure is a bug.
func version(s string) firmware.Version {
	v, err := firmware.ParseVersion(s)
	if err != nil {
		panic(fmt.Sprintf("upgrade tables: %v", err))
	}
	return v
}

// running is what a phone runs, as far as the planner knows.
type running struct {
	known    bool
	protocol firmware.Protocol
	version  firmware.Version
}

// sameNumbering reports whether versions of protocols a and b of family f may be
// compared: Java phones number SIP and SCCP loads in one release line, the 7940/7960
// does not (FACTS.md §1.1). "" (a window open to any protocol) compares with all.
func sameNumbering(f firmware.Family, a, b firmware.Protocol) bool {
	return f != firmware.Family7940 || a == "" || b == "" || a == b
}

// windowProtocol is the protocol the gate's window is numbered in ("" any).
func (g Gate) windowProtocol() firmware.Protocol {
	if len(g.Protocols) == 0 {
		return ""
	}
	return g.Protocols[0]
}

// binds reports whether the gate stands between a phone and the target: origin is what
// the phone ran before its first step, r what it runs now. An unknown load is assumed
// to be the oldest, so every gate binds it.
func (g Gate) binds(f firmware.Family, origin, r running, tproto firmware.Protocol, target firmware.Version) bool {
	if !slices.Contains(g.Families, f) || g.Targets != nil && !slices.Contains(g.Targets, tproto) {
		return false
	}
	if sameNumbering(f, g.windowProtocol(), tproto) && !g.beyond(target) {
		return false // a target inside the window, or before it, needs no bridge
	}
	ph := r
	if g.Origin {
		ph = origin
	}
	if !ph.known {
		return true
	}
	if g.Running != nil && !slices.Contains(g.Running, ph.protocol) {
		return false
	}
	return ph.version.Compare(version(g.Below)) < 0
}

// admits reports whether a load of protocol p at version v lies in the bridge window.
func (g Gate) admits(f firmware.Family, p firmware.Protocol, v firmware.Version) bool {
	if g.Protocols != nil && !slices.Contains(g.Protocols, p) || !sameNumbering(f, g.windowProtocol(), p) {
		return false
	}
	return g.contains(v)
}

// contains reports whether v lies in the bridge window.
func (g Gate) contains(v firmware.Version) bool {
	if v.Compare(version(g.Min)) < 0 {
		return false
	}
	if g.Max != "" && v.Compare(version(g.Max)) > 0 {
		return false
	}
	return g.Under == "" || v.Compare(version(g.Under)) < 0
}

// beyond reports whether v lies past the window (a target inside it needs no bridge).
func (g Gate) beyond(v firmware.Version) bool {
	return v.Compare(version(g.Min)) >= 0 && !g.contains(v)
}

// need says what is missing when no bridge load is at hand:
// "a 7941 load between 8.3(3) and 8.5(2), e.g. SCCP41.8-5-2S".
func (g Gate) need(m Model) string {
	return fmt.Sprintf("a %s load %s, e.g. %s", m.Name, g.Range, g.example(m))
}

// example is a load known to do it, for this model's family.
func (g Gate) example(m Model) string { return strings.ReplaceAll(g.Example, "NN", m.Prefix) }

// gateNamed returns the gate of that name.
func gateNamed(name string) (Gate, bool) {
	for _, g := range gates() {
		if g.Name == name {
			return g, true
		}
	}
	return Gate{}, false
}

// refusedBy returns the refusal that keeps a phone running r from taking a load of
// protocol p at version v, if any. An unknown running load may be anything, so it is
// refused when any phone would.
func refusedBy(f firmware.Family, r running, p firmware.Protocol, v firmware.Version) (Refusal, bool) {
	for _, rf := range refusals() {
		if !slices.Contains(rf.Families, f) || rf.Loads != nil && !slices.Contains(rf.Loads, p) ||
			v.Compare(version(rf.Below)) >= 0 {
			continue
		}
		if !r.known {
			return rf, true
		}
		if rf.Running != nil && !slices.Contains(rf.Running, r.protocol) {
			continue
		}
		if rf.From == "" || r.version.Compare(version(rf.From)) >= 0 {
			return rf, true
		}
	}
	return Refusal{}, false
}
