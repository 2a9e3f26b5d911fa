package upgrade

import (
	"fmt"
	"slices"
	"strings"

	"phoneflash/firmware"
)

// Gate is one rule of the upgrade path (CISCO.md §4): a phone that runs a version below
// Below cannot go straight to a load beyond the gate's window; it must first take a
// bridge load inside the window. Versions are written as Cisco writes them and parsed
// when used (a test parses them all).
type Gate struct {
	Name      string
	Families  []firmware.Family
	Running   []firmware.Protocol // the gate binds phones running these protocols; nil: any
	Below     string              // it binds while the phone runs a version below this
	Min       string              // the bridge window, inclusive …
	Max       string              // … up to Max inclusive, or
	Under     string              // … up to Under exclusive
	Protocols []firmware.Protocol // a bridge load speaks one of these; nil: any
	Range     string              // the window in words, for "a 7941 load <Range>"
	Example   string              // a load known to do it; "NN" stands for the family's file code
	Why       string              // shown in the plan
	Source    string              // confidence and source (CISCO.md tags)
}

var javaFamilies = []firmware.Family{
	firmware.Family7911, firmware.Family7941, firmware.Family7942,
	firmware.Family7945, firmware.Family7970, firmware.Family7975,
}

// gates is the table, in the order a phone meets them.
func gates() []Gate {
	return []Gate{
		{
			Name:     "signed 5.x",
			Families: []firmware.Family{firmware.Family7940},
			Below:    "5.0", Min: "5.0", Under: "6.0",
			Protocols: []firmware.Protocol{firmware.SCCP},
			Range:     "from the signed SCCP 5.x line",
			Example:   "P00305000500",
			Why: "images before 5.0 take only unsigned .bin images; a signed 5.x load brings the loader " +
				"that takes signed images (and from then on, only signed ones)",
			Source: "[V: Cisco doc 68244 and the 7940/7960 readmes for the signed/unsigned rule; " +
				"S: the 5.x bridge is the seed chain; P00305000500 itself was not found anywhere, U]",
		},
		{
			Name:     "SCCP 8.0(9)",
			Families: []firmware.Family{firmware.Family7940},
			Running:  []firmware.Protocol{firmware.SCCP},
			Below:    "8.0(9)", Min: "8.0(9)", Max: "8.0(9)",
			Protocols: []firmware.Protocol{firmware.SCCP},
			Range:     "of SCCP 8.0(9)",
			Example:   "P00308000900",
			Why: "SCCP images older than 8.0(9) go through 8.0(9) before later SCCP loads or SIP " +
				"(a 7960 was seen refusing newer loads straight from older images)",
			Source: "[S/U: the seed chain; CISCO.md §4.1 'Strange Fail' thread]",
		},
		{
			Name:     "signing keys",
			Families: javaFamilies,
			Below:    "8.3(3)", Min: "8.3(3)", Max: "8.5(2)",
			Range:   "between 8.3(3) and 8.5(2)",
			Example: "SCCPNN.8-5-2S",
			Why: "loads from 8.5(3) on are signed with new keys; 8.3(3) to 8.5(2) know the old and the new, " +
				"so a phone below 8.3(3) takes one of them first (plain 8.5(2), not 8.5(2)SR1: that already needs the new keys)",
			Source: "[S: blog.qsolved.com; Cisco 9.2 release notes quoted by sysop.ca; crimsonsilo for SR1; " +
				"7975: whether it ever ran loads below 8.3(3) is U]",
		},
	}
}

// Refusal is a load a phone will not take, whatever the config says: planning such a
// step would leave the phone looping.
type Refusal struct {
	Families []firmware.Family
	From     string // a phone running this version or later …
	Below    string // … refuses loads below this version
	Why      string
	Source   string
}

func refusals() []Refusal {
	return []Refusal{
		{
			Families: []firmware.Family{firmware.Family7940},
			From:     "5.0", Below: "5.0",
			Why:    "a 7940/7960 on a signed image (5.0 or later) refuses unsigned images (before 5.0)",
			Source: "[V: 7940/7960 readmes: signed loads 'can only be upgraded or downgraded to other signed releases']",
		},
		{
			Families: javaFamilies,
			From:     "8.5(3)", Below: "8.3(3)",
			Why:    "a phone on 8.5(3) or later knows only the new signing keys and refuses loads before 8.3(3)",
			Source: "[I: from the key change, CISCO.md §4.2]",
		},
	}
}

// version parses a version from the tables; they are tested, so a failure is a bug.
// BeforeUniversalLoader reports whether a phone of family f running version v is a 7940/7960 on an
// image from before the universal loader (5.0): it reads OS79XX.TXT first and takes
// only unsigned .bin images (CISCO.md §4.1).
func BeforeUniversalLoader(f firmware.Family, v firmware.Version) bool {
	return f == firmware.Family7940 && !v.IsZero() && v.Compare(universalLoader) < 0
}

var universalLoader = version("5.0")

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

// binds reports whether the gate stands between a phone running r and the target.
// An unknown running load is assumed to be the oldest, so every gate binds it.
func (g Gate) binds(f firmware.Family, r running, target firmware.Version) bool {
	if !slices.Contains(g.Families, f) || !g.beyond(target) {
		return false
	}
	if !r.known {
		return true
	}
	if g.Running != nil && !slices.Contains(g.Running, r.protocol) {
		return false
	}
	return r.version.Compare(version(g.Below)) < 0
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
	return fmt.Sprintf("a %s load %s, e.g. %s", m.Name, g.Range, strings.ReplaceAll(g.Example, "NN", m.Prefix))
}

// refusedBy returns the refusal that keeps a phone running r from taking load v, if
// any. An unknown running load may be anything, so it is refused when any phone would.
func refusedBy(f firmware.Family, r running, v firmware.Version) (Refusal, bool) {
	for _, rf := range refusals() {
		if !slices.Contains(rf.Families, f) || v.Compare(version(rf.Below)) >= 0 {
			continue
		}
		if !r.known || r.version.Compare(version(rf.From)) >= 0 {
			return rf, true
		}
	}
	return Refusal{}, false
}
