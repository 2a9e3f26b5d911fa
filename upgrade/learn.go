package upgrade

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Learning from the phone: with its load unknown, the plan serves the target, and the
// phone's own requests say whether it needs a bridge first (FACTS.md §12). Each piece
// of evidence names the gates it proves (Gate.Evidence); the bridges of those gates go
// into this phone's route before the step it is on, and the first is staged at once.

// learn takes evidence e about phone p (what it did, in words, and the file if one
// showed it). Bridges are staged once per evidence; evidence the plan has no bridge
// for (its load was given, or no gate binds the target) changes nothing.
func (t *Tracker) learn(p *Phone, e Evidence, now time.Time, file, what string, out []Event) []Event {
	bridges := t.bridgesFor(p, e)
	if len(bridges) == 0 {
		return out
	}
	p.evidence[e] = true
	p.Learned = e.String()
	m, _ := FindModel(p.Model)
	if first := bridges[0]; first.Load == nil || first.Missing != "" {
		// Nothing to stage: what is staged stays, and the technician hears exactly
		// what to fetch.
		need := first.Missing
		if first.Load == nil {
			g, _ := gateNamed(first.Gate)
			need = g.need(m)
		}
		return append(out, t.hint(p, now, file, fmt.Sprintf(
			"The phone is older than the target allows: %s. It needs %s first, which is not at hand: add it to the "+
				"firmware and start phoneflash again; until then the phone cannot take %s.",
			what, need, p.route[len(p.route)-1].ID)))
	}
	at := min(p.Step, len(p.route)-1)
	p.route = slices.Insert(slices.Clone(p.route), at, bridges...)
	recs := make([]StepRecord, len(bridges))
	for i, b := range bridges {
		recs[i] = StepRecord{Load: b.ID, Bridge: true}
	}
	p.Steps = slices.Insert(slices.Clone(p.Steps), at, recs...)
	p.Step = at
	p.Phase = PhaseConfig
	p.FinalLoad = ""
	t.progress(p)
	first := bridges[0]
	t.stageFor(p)
	if p.MAC == "" && t.stage != nil {
		t.stage(first, "") // the shared files: XMLDefault, OS79XX.TXT, the default loads
	}
	ids := make([]string, len(bridges))
	for i, b := range bridges {
		ids[i] = b.ID
	}
	return append(out, t.hint(p, now, file, fmt.Sprintf(
		"The phone is older than the target allows: %s. It takes %s first: staged for it now (%s). "+
			"It asks again by itself; if it stays silent for a minute, power-cycle it.",
		what, strings.Join(ids, ", then "), first.Why)))
}

// canLearn reports whether evidence e would give p bridges it does not have yet.
func (t *Tracker) canLearn(p *Phone, e Evidence) bool { return len(t.bridgesFor(p, e)) > 0 }

// bridgesFor are the plan's bridges that evidence e proves p needs and that it has not
// been given yet.
func (t *Tracker) bridgesFor(p *Phone, e Evidence) []Step {
	if t.plan == nil || p.evidence[e] || len(p.route) == 0 {
		return nil
	}
	var bridges []Step
	for _, b := range t.plan.Bridges {
		if evidenceOf(b) == e && !slices.ContainsFunc(p.route, func(s Step) bool { return s.Gate == b.Gate }) {
			bridges = append(bridges, b)
		}
	}
	return bridges
}

// verify reads a request of a phone the tracker called done: an image means it did not
// keep the load it took (it booted its old application, as 7960s were seen to do,
// FACTS.md §2.2), so the step opens again and the report says so. Configs, manifests
// and locale files are a normal boot.
func (t *Tracker) verify(p *Phone, now time.Time, name string, out []Event) []Event {
	if Classify(name) != ReqLoadImage {
		return out
	}
	k, _ := t.stepOf(p, name)
	if k < 0 {
		return append(out, t.hint(p, now, name, fmt.Sprintf(
			"The phone asks for %s after it took %s: it runs something else now. Check that no other TFTP or "+
				"DHCP server answers it.", name, p.FinalLoad)))
	}
	p.NotKept++
	took := p.route[k].ID
	p.Step, p.Phase, p.FinalLoad, p.AlreadyRan = k, PhaseLoading, "", false
	rec := &p.Steps[k]
	rec.Ended, rec.Skipped = time.Time{}, false
	delete(rec.filesDone, strings.ToLower(trimRequest(name))) // what it asks again is what it lost
	msg := fmt.Sprintf("Booted the old application again: the %s asks for %s after it had taken %s, so it did not "+
		"keep the load. It is fetching it once more; if it comes back again, factory reset it and watch its screen "+
		"for AUTH FAIL or \"image authentication failed\".", modelOr(p), name, took)
	out = append(out, t.hint(p, now, name, msg))
	return t.learn(p, EvidenceReverted, now, name, "it took "+took+" and came back asking for it again", out)
}

// oldLegacyImage reports whether option 60 is the bare class of a 7940/7960 image from
// before 5.0: it names no model (FACTS.md §6 [S]).
func oldLegacyImage(class string) bool {
	m, ok := ModelFromClass(class)
	return ok && strings.Contains(m, "/")
}

// unsignedRequest reports whether name is an unsigned 7940/7960 image (.bin): only an
// image from before 5.0 asks for one (FACTS.md §4.1 [V]).
func unsignedRequest(name string) bool {
	n := trimRequest(name)
	return strings.EqualFold(path.Ext(n), ".bin") && strings.HasPrefix(strings.ToUpper(n), "P0")
}
