package upgrade

import (
	"fmt"
	"slices"
	"strings"

	"phoneflash/firmware"
)

// symptomHint is one piece of advice for a phone showing a symptom (FACTS.md §4).
// {model} and {term} are replaced by the model name and its default-loads file.
type symptomHint struct {
	Symptom Symptom
	Java    bool     // for Java phones (true) or 7940/7960 (false)
	Only    []string // models it applies to; nil: all of the platform
	Text    string
}

func symptomHints() []symptomHint {
	return []symptomHint{
		// [S: adrianandgenese.com 2011/02/16; "Cisco7960 Setup with FreePBX"; velocityreviews; voip-info]
		{ProtocolApplicationInvalid, false, nil, `"Protocol Application Invalid": the new loader was flashed but the application (.sb2) was not, ` +
			"usually because the loader upgrade wiped the TFTP server and DHCP gave none. phoneflash's DHCP gives option 150: " +
			"power-cycle the phone and let it fetch the application."},
		{ProtocolApplicationInvalid, false, nil, `If it comes back the same, factory reset it (answer 2 at "Keep network cfg?"): ` +
			"the reset alone does not clear the message, the download that follows does."},
		{ProtocolApplicationInvalid, false, nil, "Once phoneflash knows the phone's MAC it also serves SEP<MAC>.cnf.xml with a callManagerGroup " +
			"and loadInformation, which ended a CTLSEP/SEP request loop in the one report of it."},
		{ProtocolApplicationInvalid, true, nil, `"Protocol Application Invalid" is a 7940/7960 message; a {model} in trouble usually shows ` +
			`"Upgrading" or AUTH FAIL: factory reset it (hold #, 123456789*0#) with phoneflash running and follow the plan.`},

		// [S: lparakhin; puck.nether.net; Cisco TAC K43691258]
		{StuckUpgrading, true, nil, `A {model} stuck on "Upgrading" waits for its default loads ({term}) or a file they list: ` +
			"phoneflash stages {term} for each step, so factory reset it (hold #, 123456789*0#) with phoneflash running."},
		{StuckUpgrading, true, nil, "Writing flash takes 4-5 minutes without a word on the network (longer after 3491672850*#): " +
			"wait before you call it stuck."},
		{StuckUpgrading, true, nil, "If it asks for {term} again and again, the load is refused or a file is missing: " +
			"the plan goes through a load between 8.3(3) and 8.5(2) when needed; check Missing."},
		{StuckUpgrading, true, []string{"7970", "7971"}, "A {model} on PoE cannot load its default loads: power it from the AC brick."},
		{StuckUpgrading, false, nil, `A 7940/7960 that never gets past "Upgrading" has a loader without its application: ` +
			`power-cycle it with phoneflash running; if that fails, factory reset it (answer 2 at "Keep network cfg?").`},

		// [S: itwurx.net; blog.qsolved.com; crimsonsilo; lparakhin for the key files]
		{AuthFail, true, nil, "AUTH FAIL: the phone rejected the load's signature. A phone below 8.3(3) does not know the " +
			"signing keys of 8.5(3) and later, so the plan goes through a load between 8.3(3) and 8.5(2) first " +
			"(plain 8.5(2), not 8.5(2)SR1)."},
		{AuthFail, true, nil, "If AUTH FAIL shows on SEP<MAC>.cnf.xml rather than on a load, an old trust list is in the way: " +
			"a factory reset (123456789*0#) deletes the phone's key files."},
		{AuthFail, false, nil, "Image authentication failed on a 7940/7960: images from 5.0 on are signed and need the signed " +
			"loader; a phone on 5.0 or later refuses unsigned .bin images, so the plan never goes back below 5.0."},

		// [S: sysop.ca; itwurx; traces T4, T5]
		{DefaultLoadsLoop, true, nil, "The phone asks for {term} again and again: a file it lists is missing (or named in another " +
			"case, which phoneflash forgives), or the phone refuses the load (AUTH FAIL). Missing lists what is not at hand."},
		{DefaultLoadsLoop, true, nil, "When every file is there, the phone refuses the signature: the plan goes through a load " +
			"between 8.3(3) and 8.5(2) first; in one report only another firmware version helped."},
		{DefaultLoadsLoop, false, nil, "7940/7960 have no default-loads file; a loop on OS79XX.TXT or SEPDefault.cnf means the " +
			"image OS79XX.TXT names is missing: phoneflash writes OS79XX.TXT for every step."},
	}
}

// hints collects what the technician should know about the plan.
func hints(p *Plan) []string {
	var out []string
	m := p.Model
	if p.FromUnknown && len(p.Bridges) > 0 {
		out = append(out, "The phone's load is unknown: phoneflash serves the target and learns from the phone's own "+
			"requests whether it needs a bridge first; a phone already on the target, or past every gate, takes nothing "+
			"it does not need. If you know the load it runs now (on the phone: Settings, Model Information or Status > "+
			"Firmware Versions), give it.")
		for i := 0; i < len(p.Bridges); {
			j := i + 1 // bridges proved by the same evidence go in one sentence
			for j < len(p.Bridges) && evidenceOf(p.Bridges[j]) == evidenceOf(p.Bridges[i]) {
				j++
			}
			out = append(out, bridgeHint(m, p.Bridges[i:j]))
			i = j
		}
	}

	r := strings.NewReplacer("{model}", m.Name, "{term}", m.DefaultLoads())
	for _, h := range symptomHints() {
		if h.Symptom != p.Symptom || h.Java != m.Java() || h.Only != nil && !slices.Contains(h.Only, m.Name) {
			continue
		}
		out = append(out, r.Replace(h.Text))
	}
	if m.Family == firmware.Family7940 && len(p.Steps) > 0 && p.Steps[len(p.Steps)-1].Protocol == firmware.SIP {
		out = append(out, unprovisionedHint)
	}
	if len(p.Missing) > 0 {
		out = append(out, "phoneflash firmware PATH lists every load found and what each one lacks.")
	}
	for _, s := range p.Steps {
		out = append(out, s.Notes...)
	}
	return out
}

// evidenceOf is what proves a phone needs bridge b.
func evidenceOf(b Step) Evidence {
	g, _ := gateNamed(b.Gate)
	return g.Evidence
}

// bridgeHint says when bridges of a learn-from-the-phone plan come into play (one
// piece of evidence for them all), and whether they are at hand.
func bridgeHint(m Model, bs []Step) string {
	var take, need []string
	for _, b := range bs {
		switch {
		case b.Load == nil:
			g, _ := gateNamed(b.Gate)
			need = append(need, g.need(m)+", which is not in the firmware given")
		case b.Missing != "":
			need = append(need, b.Missing)
		default:
			take = append(take, fmt.Sprintf("%s (%s %s)", b.ID, b.Protocol, b.Version))
		}
	}
	h := fmt.Sprintf("If %s", evidenceOf(bs[0]))
	if len(take) > 0 {
		h += fmt.Sprintf(", it takes %s first: phoneflash stages that for this phone by itself", strings.Join(take, ", then "))
	}
	if len(need) > 0 {
		h += fmt.Sprintf("; it needs %s: get it before you start if you can", strings.Join(need, "; and "))
	}
	return h + "."
}

// unprovisionedHint is said of a SIP 7940/7960 plan until a line is set (SetLine).
const unprovisionedHint = "After the SIP load the phone reads SIPDefault.cnf and SIP<MAC>.cnf for its lines: without " +
	"line settings phoneflash writes only image_version there, and the phone shows UNPROVISIONED."
