package upgrade

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A loop is a file a phone asks for again and again with no image finished in between.
// Each loop kind has its causes in a table, likeliest first, each with its source
// (FACTS.md §2, §4, §12); the tracker says the first cause whose condition holds, and
// never advice that names what is staged already. Where a cause is evidence of an
// older load (a Java phone refusing a signature), the tracker acts on it instead:
// it stages the bridge (learn.go).

// loopContext is what the causes look at.
type loopContext struct {
	model    Model
	kind     RequestKind
	name     string // the file, as asked
	count    int
	from     running  // what the plan says the phone ran (unknown: it did not say)
	step     *Step    // the step the phone is on; nil without a plan or past the last
	bridge   bool     // … and it is a bridge the phone showed it needs
	target   *Step    // the last step of its route
	missing  []string // files of the step that are not at hand, or that the server did not have
	selector string   // the image OS79XX.TXT names for the step (7940/7960)
}

// loopCause is one row of the table.
type loopCause struct {
	Kinds  []RequestKind
	When   func(c loopContext) bool // nil: always
	Say    func(c loopContext) string
	Source string
}

var manifests = []RequestKind{ReqDefaultLoads, ReqLoadManifest}

func loopCauses() []loopCause {
	return []loopCause{
		{manifests, func(c loopContext) bool { return len(c.missing) > 0 }, func(c loopContext) string {
			return fmt.Sprintf("The phone keeps asking for %s: a file it lists is missing or named in another case: %s. "+
				"Add it to the firmware folder with the name the manifest gives; the phone gives up on the load until then.",
				c.name, strings.Join(c.missing, ", "))
		}, "[S: a 7911 asked for Jar11sip… (capital J), got no file and aborted, sysop.ca; FACTS.md §2.3, §4.2]"},

		{manifests, func(c loopContext) bool { return c.model.Java() && c.step != nil && c.step.Gate == "signing keys" }, func(c loopContext) string {
			g, _ := gateNamed("signing keys")
			return fmt.Sprintf("The phone keeps asking for %s and takes no image: it refuses even the bridge %s. "+
				"Try another load %s (plain 8.5(2), not 8.5(2)SR1), or factory reset it (123456789*0#) to delete old "+
				"trust files; in one report only another firmware version helped.", c.name, c.step.ID, g.Range)
		}, "[S: itwurx.net; crimsonsilo for SR1; GaryJS3/HomeIPhone notes on a 7965 that looped on term65.default.loads]"},

		{manifests, func(c loopContext) bool { return c.model.Java() && keyGateBinds(c) }, func(c loopContext) string {
			g, _ := gateNamed("signing keys")
			return fmt.Sprintf("The phone keeps asking for %s and takes no image: it refuses the load's signature "+
				"(AUTH FAIL on its screen). %s. If it runs a load below %s, it needs %s first: give the load it runs now, "+
				"or the symptom AUTH FAIL.", c.name, capital(g.Why), g.Below, g.need(c.model))
		}, "[S: blog.qsolved.com; itwurx.net; FACTS.md §4.2]"},

		{manifests, func(c loopContext) bool { return c.model.Java() }, func(c loopContext) string {
			return fmt.Sprintf("The phone keeps asking for %s and takes no image: it refuses the load (AUTH FAIL on its "+
				"screen) or cannot read the manifest. Compare the file with the download; a factory reset (123456789*0#) "+
				"deletes trust files left from another system.", c.name)
		}, "[S: itwurx.net; FACTS.md §4.2]"},

		{manifests, nil, func(c loopContext) string {
			h := fmt.Sprintf("The phone keeps asking for %s and takes no image: the image it runs cannot check this "+
				"load (\"image authentication failed\").", c.name)
			if c.step != nil && !c.bridge && c.step.Protocol != "" {
				if g, ok := gateNamed("SCCP 8.0(9)"); ok && c.step.ID != "" && !strings.EqualFold(c.step.ID, g.example(c.model)) {
					h += fmt.Sprintf(" An SCCP image older than 8.0(9) needs %s first: give the load it runs now.", g.need(c.model))
				}
			}
			return h
		}, "[S: a 7960 refused newer SCCP loads, the 'Strange Fail' thread; FACTS.md §2.2, §4.1]"},

		{[]RequestKind{ReqDeviceConfig}, nil, func(c loopContext) string {
			return fmt.Sprintf("The phone keeps asking for %s: it reads its config and starts over. A SIP phone with no "+
				"line configured deletes the file and boots again (\"Line 1 not configured\" on its console); a trust "+
				"list from another system makes it reject configs (a factory reset clears it).", c.name)
		}, "[V: a 7945 console log; S: a 7912 in a config-stage loop, chan-sccp#568; FACTS.md §10]"},

		{[]RequestKind{ReqSecurity}, nil, func(c loopContext) string {
			return fmt.Sprintf("The phone keeps asking for %s: it finds no trust list and tries again (a 7961 gives up "+
				"after three tries and asks DHCP again). The known fix is to serve empty files: put empty "+
				"CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv and ITLFile.tlv in the firmware folder.", c.name)
		}, "[S: blog.phpguy.org 2008; lparakhin/-Cisco-7962G-SIP README; voip-info; FACTS.md §2.1]"},

		{[]RequestKind{ReqSelector}, nil, func(c loopContext) string {
			img := c.selector
			if img == "" {
				img = "the image it names"
			}
			return fmt.Sprintf("The phone keeps reading OS79XX.TXT: %s is missing, or the image it runs cannot take it "+
				"(an image before 5.0 takes only .bin images). A trailing space after the name also makes a phone "+
				"ask for a file that is not there.", img)
		}, "[S: voip-info 'Single Step Upgrade'; Cisco bug CSCdv19260; FACTS.md §1.4]"},

		{[]RequestKind{ReqDefaultConfig}, func(c loopContext) bool { return sepDefault.MatchString(trimRequest(c.name)) }, func(c loopContext) string {
			return fmt.Sprintf("The phone keeps asking for %s: an image from before 5.0 loops on it until OS79XX.TXT names "+
				"an image it can take: the signed 5.x line (%s).", c.name, mustGate("signed 5.x").need(c.model))
		}, "[S: voip-info 'Single Step Upgrade'; FACTS.md §2.2]"},

		{[]RequestKind{ReqLoadImage}, nil, func(c loopContext) string {
			return fmt.Sprintf("The phone has asked for %s %d times in this step: it starts the file and gives up. "+
				"It may refuse the load, or the file may be damaged; compare its size with the download.", c.name, c.count)
		}, "[I: a repeated image request means the transfer or the image failed, FACTS.md §3]"},
	}
}

// loop counts a request and explains a loop once, by its likeliest cause.
func (t *Tracker) loop(p *Phone, now time.Time, name string, out []Event) []Event {
	if p.Phase == PhaseDone && IsLoadFile(name) {
		return out // a phone on its load reads its own manifest every boot; verify judges images
	}
	key := strings.ToLower(trimRequest(name))
	p.repeats[key]++
	if p.repeats[key] < loopRepeats || p.looped[key] {
		return out
	}
	c := t.loopContext(p, name)
	if p.sawLoad && !IsLoadFile(name) {
		// Its trust lists and configs come round again with every boot; while it also
		// asks for a load's files, the loop is there, not here.
		return out
	}
	p.looped[key] = true
	if slices.Contains(manifests, c.kind) && c.model.Java() && len(c.missing) == 0 && t.canLearn(p, EvidenceRefused) {
		return t.learn(p, EvidenceRefused, now, name, fmt.Sprintf(
			"it asks for %s again and again and takes no image of it (AUTH FAIL on its screen)", name), out)
	}
	if c.kind == ReqDefaultConfig && !c.model.Java() && t.canLearn(p, EvidenceUnsigned) {
		return t.learn(p, EvidenceUnsigned, now, name, fmt.Sprintf(
			"it loops on %s, as images from before 5.0 do", name), out)
	}
	for _, cause := range loopCauses() {
		if slices.Contains(cause.Kinds, c.kind) && (cause.When == nil || cause.When(c)) {
			return append(out, t.hint(p, now, name, cause.Say(c)))
		}
	}
	return out
}

func (t *Tracker) loopContext(p *Phone, name string) loopContext {
	m, _ := FindModel(p.Model)
	if t.plan != nil {
		m = t.plan.Model
	}
	c := loopContext{model: m, kind: Classify(name), name: name, count: p.repeats[strings.ToLower(trimRequest(name))]}
	if t.plan != nil && !t.plan.FromUnknown {
		if _, proto, v, err := parseLoadFor(m, "current", t.plan.From); err == nil {
			c.from = running{known: true, protocol: proto, version: v}
		}
	}
	if p.Step < len(p.route) {
		s := p.route[p.Step]
		c.step, c.bridge = &s, p.Steps[p.Step].Bridge
		if s.Load != nil {
			c.selector = loaderName(s)
			for _, f := range s.Load.Files {
				if !f.Present {
					c.missing = append(c.missing, f.Name)
				}
			}
		}
		for n := range p.Steps[p.Step].missing {
			if !slices.Contains(c.missing, n) {
				c.missing = append(c.missing, n)
			}
		}
		slices.Sort(c.missing)
	}
	if len(p.route) > 0 {
		c.target = &p.route[len(p.route)-1]
	}
	return c
}

// keyGateBinds reports whether the signing-key gate lies between some older phone and
// the target: only then is the key bridge advice worth giving.
func keyGateBinds(c loopContext) bool {
	if c.target == nil {
		return false
	}
	g := mustGate("signing keys")
	return g.binds(c.model.Family, c.from, c.from, c.target.Protocol, c.target.Version)
}

func mustGate(name string) Gate {
	g, ok := gateNamed(name)
	if !ok {
		panic("upgrade tables: no gate " + name)
	}
	return g
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
