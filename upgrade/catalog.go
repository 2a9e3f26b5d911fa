// Package upgrade is where phoneflash knows Cisco phones: the model catalog and reset
// sequences, the files a phone reads (generated and parsed), the requests a phone makes,
// the upgrade gates and the planner that walks them, and staging of each step into the
// TFTP root's overlay. The facts come from FACTS.md (beside this file, with their sources) and live in tables, so that a wrong
// fact is a one-line fix with a test beside it.
package upgrade

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"phoneflash/firmware"
)

// Model is one phone model as phoneflash knows it.
type Model struct {
	Name      string              // "7960", "7941"
	Family    firmware.Family     // the firmware line it installs
	Prefix    string              // family digits in Java file names: "41" in SCCP41…, jar41…; "" for 7940/7960
	Term      string              // default-loads name stem: "term61" (term61.default.loads); "" for 7940/7960
	Classes   []string            // DHCP option 60 as phones send it, most likely first (trailing NULs included)
	Protocols []firmware.Protocol // what loads exist for it
	XMLIDs    []XMLModel          // the loadInformationNNN IDs and model names of XMLDefault.cnf.xml
	Resets    []Reset             // factory reset first, then the flash-format reset where there is one

	// FlashQuiet is how long the phone may be silent on the network while it writes
	// flash: longer silence is a stall, shorter is normal.
	FlashQuiet time.Duration
	// FormatQuiet is the same after the flash-format reset (longer: it formats first).
	FormatQuiet time.Duration
}

// XMLModel is one model entry of XMLDefault.cnf.xml: <loadInformation{ID} model="{Name}">.
type XMLModel struct {
	ID   int
	Name string
}

// DefaultLoads is the default-loads file a Java phone asks for after a factory reset
// ("term61.default.loads"), "" for 7940/7960.
func (m Model) DefaultLoads() string {
	if m.Term == "" {
		return ""
	}
	return m.Term + ".default.loads"
}

// Java reports whether the model is one of the Java-based phones (79x1/79x2/79x5/797x/7906/7911).
func (m Model) Java() bool { return m.Family != firmware.Family7940 }

// Patience for flash writes, per platform (issue 4: "4-5 minutes is normal, longer
// after 3491672850*#"; FACTS.md §5 "looks dead 5+ minutes while formatting" [S]).
// The 7940/7960 figure is our inference [I]: a 130 KB loader plus a 700 KB application.
const (
	legacyFlashQuiet = 2 * time.Minute
	javaFlashQuiet   = 5 * time.Minute
	javaFormatQuiet  = 10 * time.Minute
)

// VendorClass starts the DHCP option 60 of every phone we know (FACTS.md §6): the servers
// answer only clients whose class starts with it, and the probe for other DHCP servers
// asks with it, as a phone would.
const VendorClass = "Cisco Systems, Inc. IP Phone"

// cls builds the option 60 string a phone sends: "Cisco Systems, Inc. IP Phone CP-7941G"
// plus a trailing NUL (FACTS.md §6, [V] for 7940/7941/7960 from wazo's comments; the NUL
// on the other models is our inference [I] from those).
func cls(model string) string { return VendorClass + " CP-" + model + "G\x00" }

// oldLegacyClass is what pre-universal-loader 7940/7960 SCCP images send: no model in it
// [S: voip-info "Single Step Upgrade"].
const oldLegacyClass = VendorClass + "\x00"

var (
	legacyProtocols = []firmware.Protocol{firmware.SCCP, firmware.SIP, firmware.MGCP}
	javaProtocols   = []firmware.Protocol{firmware.SCCP, firmware.SIP}
)

// catalog is the table of models. XML IDs: staskobzar sccp/XMLDefault.cnf.xml [V] for
// 7/8/115/309/30018/308/434/404/307; 30006 (7970) [S: chan-sccp]; 435/436 [V: same file
// family, FACTS.md §7]; 369 (7906), 119 (7971), 437 (7975) [S: chan-sccp/sccp_manager
// device tables in the code index]. Model-attribute names are how CUCM files spell them
// [S]; a phone may match on either the number or the name [U], so we write both.
func catalog() []Model {
	legacy := func(name string, id int) Model {
		return Model{
			Name: name, Family: firmware.Family7940,
			Classes:    []string{cls(name), oldLegacyClass},
			Protocols:  legacyProtocols,
			XMLIDs:     []XMLModel{{id, "IP Phone " + name}},
			Resets:     legacyResets(),
			FlashQuiet: legacyFlashQuiet,
		}
	}
	java := func(name string, fam firmware.Family, prefix, holdShows string, ids ...XMLModel) Model {
		term := "term" + name[2:] // term06 … term75: the model's last two digits [V: FACTS.md §1.2]
		return Model{
			Name: name, Family: fam, Prefix: prefix, Term: term,
			Classes:     []string{cls(name)},
			Protocols:   javaProtocols,
			XMLIDs:      ids,
			Resets:      javaResets(name, term, holdShows),
			FlashQuiet:  javaFlashQuiet,
			FormatQuiet: javaFormatQuiet,
		}
	}
	const (
		amber   = "the line buttons flash amber"                          // [S: lparakhin, sysop.ca]
		upgr    = amber + `; the screen shows "Upgrading"`                // 7941/7961 [S: support.xtium.com]
		red     = "the line buttons flash red"                            // 7942/7962 [S: support.xtium.com]
		handset = "the light on the handset rest (red indicator) flashes" // 7906/7911 [S]
	)
	return []Model{
		legacy("7940", 8),
		legacy("7960", 7),
		java("7906", firmware.Family7911, "11", handset, XMLModel{369, "Cisco 7906"}),
		java("7911", firmware.Family7911, "11", handset, XMLModel{307, "Cisco 7911"}),
		java("7941", firmware.Family7941, "41", upgr, XMLModel{115, "Cisco 7941"}, XMLModel{309, "Cisco 7941G-GE"}),
		java("7961", firmware.Family7941, "41", upgr, XMLModel{30018, "Cisco 7961"}, XMLModel{308, "Cisco 7961G-GE"}),
		java("7942", firmware.Family7942, "42", red, XMLModel{434, "Cisco 7942"}),
		java("7962", firmware.Family7942, "42", red, XMLModel{404, "Cisco 7962"}),
		java("7945", firmware.Family7945, "45", amber, XMLModel{435, "Cisco 7945"}),
		java("7965", firmware.Family7945, "45", amber, XMLModel{436, "Cisco 7965"}),
		java("7970", firmware.Family7970, "70", amber, XMLModel{30006, "Cisco 7970"}),
		java("7971", firmware.Family7970, "70", amber, XMLModel{119, "Cisco 7971"}),
		java("7975", firmware.Family7975, "75", amber, XMLModel{437, "Cisco 7975"}),
	}
}

// Models returns the catalog, in the order of the list (a fresh copy each call).
func Models() []Model { return catalog() }

// table is the catalog built once, for lookups: the tracker asks on every DHCP event.
// Read only: the Models it hands out share their slices with it.
var table = sync.OnceValue(catalog)

// FamilyModels returns the catalog's models of one family, in catalog order.
func FamilyModels(f firmware.Family) []Model {
	var out []Model
	for _, m := range table() {
		if m.Family == f {
			out = append(out, m)
		}
	}
	return out
}

// modelName matches how people write a model: "7960", "7960G", "CP-7960G", "cp-7960g-ge".
var modelName = regexp.MustCompile(`(?i)^\s*(?:cisco\s+)?(?:ip\s+phone\s+)?(?:cp-?)?(79\d\d)(?:g)?(?:-ge)?\s*$`)

// FindModel finds a model by name: "7960", "7960G", "CP-7960G", any case. A family name
// ("7940/7960") gives the family's first model: the option 60 of old 7940/7960 SCCP
// images names only the family. The error lists the models phoneflash knows.
func FindModel(name string) (Model, error) {
	all := table()
	if m := modelName.FindStringSubmatch(name); m != nil {
		for _, mod := range all {
			if mod.Name == m[1] {
				return mod, nil
			}
		}
	}
	for _, mod := range all {
		if strings.EqualFold(string(mod.Family), strings.TrimSpace(name)) {
			return mod, nil
		}
	}
	return Model{}, fmt.Errorf("unknown phone model %q: phoneflash knows %s", name, strings.Join(ModelNames(), ", "))
}

// ModelNames lists the known model names in catalog order.
func ModelNames() []string {
	var names []string
	for _, m := range table() {
		names = append(names, m.Name)
	}
	return names
}

// classModel finds the model in an option 60 string (wazo's matcher, FACTS.md §6 [V]).
var classModel = regexp.MustCompile(`Phone (?:(79\d\d)|CP-(79\d\d)G?|CP-(\d{4}))`)

// ModelFromClass reads the model from a DHCP option 60 (vendor class) value. Trailing
// NULs are ignored. The bare "Cisco Systems, Inc. IP Phone" of old 7940/7960 SCCP images
// names no model: it gives the family name "7940/7960" (FindModel accepts it). ok is
// false for anything that is not one of our Cisco phones.
func ModelFromClass(class string) (string, bool) {
	c := strings.TrimSpace(strings.TrimRight(class, "\x00"))
	if !strings.HasPrefix(c, VendorClass) {
		return "", false
	}
	if m := classModel.FindStringSubmatch(c); m != nil {
		name := m[1] + m[2] + m[3]
		for _, mod := range table() {
			if mod.Name == name {
				return name, true
			}
		}
		return "", false
	}
	if c == strings.TrimRight(oldLegacyClass, "\x00") {
		return string(firmware.Family7940), true
	}
	return "", false
}
