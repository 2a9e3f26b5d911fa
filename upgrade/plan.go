package upgrade

import (
	"fmt"
	"strings"
	"sync"

	"phoneflash/firmware"
)

// Symptom is what a phone that needs rescuing shows (FACTS.md §4).
type Symptom int

// Symptoms the planner knows.
const (
	SymptomNone                Symptom = iota
	ProtocolApplicationInvalid         // 7940/7960: the loader took, the application did not
	StuckUpgrading                     // "Upgrading" that never ends
	AuthFail                           // "AUTH FAIL" while it loads its default loads or config
	DefaultLoadsLoop                   // termNN.default.loads asked for again and again
)

var symptomNames = [...]string{
	SymptomNone:                "none",
	ProtocolApplicationInvalid: "protocol-application-invalid",
	StuckUpgrading:             "stuck-upgrading",
	AuthFail:                   "auth-fail",
	DefaultLoadsLoop:           "default-loads-loop",
}

func (s Symptom) String() string {
	if s < 0 || int(s) >= len(symptomNames) {
		return fmt.Sprintf("Symptom(%d)", int(s))
	}
	return symptomNames[s]
}

var symptomTexts = [...]string{
	SymptomNone:                "is healthy",
	ProtocolApplicationInvalid: `shows "Protocol Application Invalid"`,
	StuckUpgrading:             `is stuck on "Upgrading"`,
	AuthFail:                   "shows AUTH FAIL",
	DefaultLoadsLoop:           "asks for its default loads again and again",
}

// Describe completes "the phone …": `shows "Protocol Application Invalid"`.
func (s Symptom) Describe() string {
	if s < 0 || int(s) >= len(symptomTexts) {
		return s.String()
	}
	return symptomTexts[s]
}

// SymptomNames lists the names ParseSymptom accepts.
func SymptomNames() []string { return append([]string(nil), symptomNames[:]...) }

// ParseSymptom reads a symptom name ("auth-fail"; case, spaces and underscores are
// forgiven: "AUTH FAIL", "Protocol Application Invalid"). "" is SymptomNone.
func ParseSymptom(s string) (Symptom, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "-", "_", "-").Replace(k)
	if k == "" {
		return SymptomNone, nil
	}
	for i, n := range symptomNames {
		if k == n {
			return Symptom(i), nil
		}
	}
	return SymptomNone, fmt.Errorf("unknown symptom %q: want one of %s", s, strings.Join(symptomNames[:], ", "))
}

// PlanRequest is what the technician asks for.
type PlanRequest struct {
	Model   string  // "7960", "CP-7941G" …
	From    string  // the load the phone runs now; "" = unknown
	To      string  // the target load ID
	Symptom Symptom // a phone to rescue, or SymptomNone
}

// Plan is the ordered path from the phone's current load to the target.
type Plan struct {
	Model       Model
	From, To    string // load IDs; From "" when unknown
	FromUnknown bool
	Symptom     Symptom
	Steps       []Step
	Missing     []string // what the technician must still get, one sentence each
	Hints       []string // what to know or do, one sentence each

	// Bridges, with the phone's load unknown: the steps a phone that proves older takes
	// before Steps, in order, each with its Gate (whose Evidence says what proves it).
	// The tracker stages them for that phone alone; a phone on the target takes none.
	Bridges []Step
	// IfOlder says what is missing for a bridge: the plan can start without it, and
	// the tracker names it again if the phone turns out to need it.
	IfOlder []string

	// CallManager is written as processNodeName in the configs Stage generates; the
	// Session sets it to the server's address. "" means DefaultCallManager.
	CallManager string

	// Line is line 1 the SIP target registers with (SetLine checks it); nil writes none.
	Line *LineSettings

	stage *stageState // what Stage wrote last, and file contents read ahead
}

// Step is one load the phone takes on the way.
type Step struct {
	ID       string         // the load ID; "" when no load for the step is at hand
	Load     *firmware.Load // nil when not at hand
	Family   firmware.Family
	Protocol firmware.Protocol
	Version  firmware.Version
	Why      string   // why this step is needed
	How      string   // what makes the phone take it
	Files    []string // what the phone fetches for it, in order
	Gate     string   // the gate this step bridges; "" for the target
	Missing  string   // what is missing for this step; "" when its load is at hand and complete
	Notes    []string // step-specific cautions (e.g. no termNN.default.loads in the load)
}

// Complete reports whether every step's load is at hand and complete.
func (p *Plan) Complete() bool {
	for _, s := range p.Steps {
		if s.Missing != "" {
			return false
		}
	}
	return len(p.Missing) == 0
}

// StepIndex returns the 0-based index of the step that installs load id (any case), or -1.
func (p *Plan) StepIndex(id string) int {
	for i, s := range p.Steps {
		if s.ID != "" && strings.EqualFold(s.ID, id) {
			return i
		}
	}
	return -1
}

// InputError is a plan request that cannot be planned as asked: an unknown model, a
// load name that is not one, a target of another family, a step the phone refuses.
// The CLI reports it as bad usage (exit 2).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// MakePlan plans the steps from req.From (or from anywhere, when unknown) to req.To with
// the loads of lib (nil: none at hand). It fails only for bad input (*InputError); loads
// that are missing or incomplete are listed in Plan.Missing.
func MakePlan(lib *firmware.Library, req PlanRequest) (*Plan, error) {
	model, err := FindModel(req.Model)
	if err != nil {
		return nil, &InputError{err.Error()}
	}
	if req.Symptom < 0 || int(req.Symptom) >= len(symptomNames) {
		return nil, inputErrorf("unknown symptom %d", int(req.Symptom))
	}
	tfam, tproto, tver, err := parseLoadFor(model, "target", req.To)
	if err != nil {
		return nil, err
	}
	p := &Plan{Model: model, To: strings.TrimSpace(req.To), Symptom: req.Symptom, stage: &stageState{}}
	cur := running{}
	if strings.TrimSpace(req.From) == "" {
		p.FromUnknown = true
	} else {
		_, fproto, fver, err := parseLoadFor(model, "current", req.From)
		if err != nil {
			return nil, err
		}
		p.From = strings.TrimSpace(req.From)
		cur = running{known: true, protocol: fproto, version: fver}
	}
	target := findLoad(lib, p.To)
	if target != nil {
		p.To = target.ID
	}

	if cur.known && cur.protocol == tproto && cur.version.Compare(tver) == 0 && req.Symptom == SymptomNone {
		// One step that loads nothing: its configs name the load the phone runs, and the
		// tracker confirms it from the phone's own requests (a bench that only
		// provisions lines is this plan).
		s := targetStep(model, target, p.To, tfam, tproto, tver)
		s.Why = "the load it runs already: nothing is loaded, its configs name it"
		s.How = how(model, cur, cur)
		p.Steps = []Step{s}
		if s.Missing != "" {
			p.Missing = append(p.Missing, s.Missing)
		}
		p.Hints = append(p.Hints, fmt.Sprintf("The phone already runs %s: nothing to load. phoneflash serves configs "+
			"that name it and confirms it from the phone's own requests.", p.To))
		return p, nil
	}

	// A symptom that means "refused signature" makes the key gate bind whatever the
	// phone claims to run: the technician has seen the evidence already.
	gateRun := cur
	forced := model.Java() && (req.Symptom == AuthFail || req.Symptom == DefaultLoadsLoop)
	if forced {
		gateRun.known = false
	}
	steps, after := walkGates(lib, model, cur, gateRun, tproto, tver)
	steps = append(steps, targetStep(model, target, p.To, tfam, tproto, tver))
	after = append(after, running{known: true, protocol: tproto, version: tver})

	// Never plan a step the phone refuses.
	before := cur
	for i := range steps {
		s := &steps[i]
		if rf, bad := refusedBy(model.Family, before, after[i].protocol, after[i].version); bad && s.ID != "" {
			who := "the phone"
			if !before.known {
				who = "a phone in an unknown state"
			}
			return nil, inputErrorf("cannot plan %s (%s %s) for %s: %s; if you know it runs something older, give the load it runs now (e.g. %s)",
				s.ID, s.Protocol, s.Version, who, rf.Why, exampleFrom(model))
		}
		s.How = how(model, before, after[i])
		s.Notes = stepNotes(model, *s)
		before = after[i]
	}
	if p.FromUnknown && !forced {
		// Learn from the phone: serve the target, which every phone already on it or
		// past the gates takes at once; the bridges wait for the phone to show it
		// needs them (FACTS.md §12). Nobody is sent backwards on a guess.
		p.Bridges, steps = steps[:len(steps)-1], steps[len(steps)-1:]
		steps[0].How = how(model, running{}, after[len(after)-1]) // whatever it runs
		for _, b := range p.Bridges {
			if b.Missing != "" {
				p.IfOlder = append(p.IfOlder, b.Missing)
			}
		}
	}
	p.Steps = steps
	for _, s := range p.Steps {
		if s.Missing != "" {
			p.Missing = append(p.Missing, s.Missing)
		}
	}
	p.Hints = append(p.Hints, hints(p)...)
	return p, nil
}

// walkGates returns the bridge steps a phone running cur takes before a target of
// protocol tproto and version tver (gates judged against gateRun, which a symptom may make unknown),
// and what the phone runs after each.
func walkGates(lib *firmware.Library, model Model, cur, gateRun running, tproto firmware.Protocol, tver firmware.Version) ([]Step, []running) {
	var steps []Step
	var after []running
	prev := cur
	for _, g := range gates() {
		if !g.binds(model.Family, cur, gateRun, tproto, tver) {
			continue
		}
		s := bridgeStep(lib, model, g, prev, tproto)
		next := running{known: true, protocol: s.Protocol, version: s.Version}
		if s.Load == nil { // not at hand: assume the start of the window to walk on
			next = running{known: true, protocol: firstProto(s.Protocol, prev.protocol, tproto), version: version(g.Min)}
		}
		steps = append(steps, s)
		after = append(after, next)
		prev, gateRun = next, next
	}
	return steps, after
}

// parseLoadFor reads a load ID and checks it belongs to the model's family.
func parseLoadFor(model Model, what, id string) (firmware.Family, firmware.Protocol, firmware.Version, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", "", firmware.Version{}, inputErrorf("no %s load given: name one, e.g. %s", what, exampleFrom(model))
	}
	f, p, v, err := firmware.ParseID(id)
	if err != nil {
		return "", "", firmware.Version{}, inputErrorf("%s load: %v", what, err)
	}
	if f != model.Family {
		return "", "", firmware.Version{}, inputErrorf("%s load %s is for the %s family; a %s takes %s loads (e.g. %s)",
			what, id, f, model.Name, model.Family, exampleFrom(model))
	}
	return f, p, v, nil
}

// exampleFrom is a load name of the model's family, for messages.
func exampleFrom(m Model) string {
	if !m.Java() {
		return "P00308000900"
	}
	return "SCCP" + m.Prefix + ".8-5-2S"
}

// firstProto is the first protocol given.
func firstProto(ps ...firmware.Protocol) firmware.Protocol {
	for _, p := range ps {
		if p != "" {
			return p
		}
	}
	return ""
}

func findLoad(lib *firmware.Library, id string) *firmware.Load {
	if lib == nil {
		return nil
	}
	return lib.Find(id)
}

// bridgeStep picks the best load at hand inside the gate's window: complete before
// incomplete, the protocol the phone runs, then the target's, then the newest.
func bridgeStep(lib *firmware.Library, m Model, g Gate, r running, targetProto firmware.Protocol) Step {
	var best *firmware.Load
	score := func(l *firmware.Load) int {
		s := 0
		if l.Complete() {
			s += 4
		}
		if r.known && l.Protocol == r.protocol {
			s += 2
		}
		if l.Protocol == targetProto {
			s++
		}
		return s
	}
	if lib != nil {
		for _, l := range lib.ByFamily(m.Family) {
			if !g.admits(m.Family, l.Protocol, l.Version) {
				continue
			}
			if _, bad := refusedBy(m.Family, r, l.Protocol, l.Version); bad {
				continue
			}
			if best == nil || score(l) > score(best) || score(l) == score(best) && l.Version.Compare(best.Version) > 0 {
				best = l
			}
		}
	}
	if best == nil { // the protocol only when the gate fixes it; no version: none is at hand
		var proto firmware.Protocol
		if g.Protocols != nil {
			proto = g.Protocols[0]
		}
		return Step{Family: m.Family, Protocol: proto, Why: g.Why, Gate: g.Name, Missing: g.need(m)}
	}
	s := loadStep(best)
	s.Why, s.Gate = g.Why, g.Name
	return s
}

func targetStep(m Model, l *firmware.Load, id string, f firmware.Family, p firmware.Protocol, v firmware.Version) Step {
	if l == nil {
		return Step{ID: id, Family: f, Protocol: p, Version: v, Why: "the target",
			Missing: fmt.Sprintf("the target %s is not in the firmware given: download it for the %s and add its folder or archive", id, m.Name)}
	}
	s := loadStep(l)
	s.Why = "the target"
	return s
}

// loadStep describes a load at hand; Missing says what it lacks when incomplete.
func loadStep(l *firmware.Load) Step {
	s := Step{ID: l.ID, Load: l, Family: l.Family, Protocol: l.Protocol, Version: l.Version}
	var missing []string
	for _, f := range l.Files {
		s.Files = append(s.Files, f.Name)
		if !f.Present {
			missing = append(missing, f.Name)
		}
	}
	switch {
	case len(l.Files) == 0:
		s.Missing = fmt.Sprintf("%s (from %s) lists no files: %s", l.ID, l.Source, problemText(l))
	case len(missing) > 0:
		s.Missing = fmt.Sprintf("%s (from %s) is incomplete: missing or empty %s", l.ID, l.Source, strings.Join(missing, ", "))
	}
	return s
}

func problemText(l *firmware.Load) string {
	if len(l.Problems) == 0 {
		return "its manifest could not be read"
	}
	return strings.Join(l.Problems, "; ")
}

// how says what makes a phone running r take the step that leaves it running s
// (FACTS.md §1.4, §4).
func how(m Model, r running, s running) string {
	if m.Java() {
		h := "loadInformation in " + XMLDefaultName + " (and SEP<MAC>.cnf.xml) names it; after a factory reset " + m.DefaultLoads() + " does"
		if r.known && r.protocol != s.protocol {
			h = fmt.Sprintf("%s to %s: ", r.protocol, s.protocol) + h + " (jar and cvm files are per protocol)"
		}
		return h
	}
	switch {
	case !r.known:
		return "each image reads its own: OS79XX.TXT (images before 5.0, and after a factory reset), " +
			"loadInformation in " + XMLDefaultName + " (SCCP), image_version in " + SIPDefaultName + " (SIP); all name it"
	case unsignedImage(m.Family, r.protocol, r.version):
		return "OS79XX.TXT names it: images before 5.0 read the selector first"
	case r.protocol == firmware.SIP && s.protocol != firmware.SIP:
		return fmt.Sprintf("SIP to %s: image_version in %s and OS79XX.TXT name it", s.protocol, SIPDefaultName)
	case r.protocol == firmware.SIP:
		return "image_version in " + SIPDefaultName + " names it"
	case s.protocol != r.protocol:
		return fmt.Sprintf("%s to %s: loadInformation in %s names it; the phone flashes the loader, reboots, then loads the %s application",
			r.protocol, s.protocol, XMLDefaultName, s.protocol)
	default:
		return "loadInformation in " + XMLDefaultName + " names it"
	}
}

// stepNotes warns about a Java load without the model's default-loads file: a phone
// after a factory reset asks for it before anything else.
func stepNotes(m Model, s Step) []string {
	if !m.Java() || s.Load == nil {
		return nil
	}
	for _, d := range s.Load.Defaults {
		if strings.EqualFold(d, m.DefaultLoads()) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s comes without %s: a %s after a factory reset asks for that file first, so do not "+
		"factory reset it during this step (it reads loadInformation otherwise).", s.ID, m.DefaultLoads(), m.Name)}
}

// stageState is what Stage keeps between calls (see stage.go).
type stageState struct {
	mu      sync.Mutex
	written map[string]map[string]bool   // per MAC ("" = none given): names the last Stage for it set
	files   map[string]map[string][]byte // per load ID: term files read from the load
	lineMAC string                       // the phone the line went to: the first staged on a SIP step
}
