package upgrade

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
)

// Phase is where a phone is in its upgrade, as the Watch screen shows it.
type Phase string

// Phases, in the order a phone goes through them (Loading and Flashing repeat per step).
const (
	PhaseWaiting  Phase = "waiting for the phone"
	PhaseAddress  Phase = "address given"
	PhaseConfig   Phase = "reading config"
	PhaseLoading  Phase = "loading"
	PhaseFlashing Phase = "writing flash, rebooting"
	PhaseDone     Phase = "done"
)

// Tracker timings: how long a transfer may make no progress, how long a phone may be
// silent outside a flash write, and how many requests of one file in a step make a loop.
const (
	transferStall = 15 * time.Second
	configQuiet   = 3 * time.Minute
	loopRepeats   = 3
)

// Phone is what the tracker knows of one phone.
type Phone struct {
	MAC   string // aa:bb:cc:dd:ee:ff; "" until seen (TFTP-only mode, first requests)
	IP    string
	Model string // "7960"; the plan's model when the phone's option 60 names only a family
	Class string // option 60 as sent

	Phase Phase
	Step  int    // 0-based index of the plan step in progress; len(Steps) when done
	Load  string // the load it is fetching or has just fetched

	// The transfer in flight (or the last one).
	File                 string
	FileIndex, FileCount int // 1-based position of File in the step's files
	Bytes, Size          int64
	Rate                 float64 // bytes per second of the last finished transfer
	// XferStarted and XferLast: when the transfer in flight began and when it last
	// moved; zero when none is in flight (see InFlight).
	XferStarted, XferLast time.Time

	Steps      []StepRecord // one per plan step
	Retries    int          // files of a step requested again
	Failures   int          // transfers that failed (tftp.error)
	FirstSeen  time.Time
	LastSeen   time.Time
	Hints      []Hint
	FinalLoad  string // what it ended up running, once done
	AlreadyRan bool   // it was already on the target when it came
	// NotKept counts the times it took a load and then asked for it again: it booted
	// its old application (FACTS.md §2.2); the report says so.
	NotKept int
	// Learned is what the phone showed of its load when the plan did not know it
	// ("it asks for an unsigned .bin image, …"), once it did.
	Learned string

	route    []Step               // the plan's steps for this phone: bridges it proved it needs come first
	evidence map[Evidence]bool    // what it has shown already, so each bridge is staged once
	repeats  map[string]int       // requests per file since the last finished image: a loop shows here
	looped   map[string]bool      // loops already explained since the last finished image
	sawLoad  bool                 // it asked for a load's file since the last finished image
	said     map[string]time.Time // hints given once (key -> when), so Tick does not repeat them
}

// InFlight is the transfer in flight: the share done, its rate in bytes per second and
// the time left at that rate (both zero until it has moved); ok is false when none is
// in flight or its size is unknown. The Watch screen and serve show the same numbers.
func (p Phone) InFlight() (frac, rate float64, left time.Duration, ok bool) {
	if p.XferStarted.IsZero() || p.Size <= 0 {
		return 0, 0, 0, false
	}
	frac = float64(p.Bytes) / float64(p.Size)
	if el := p.XferLast.Sub(p.XferStarted).Seconds(); el > 0 && p.Bytes > 0 {
		rate = float64(p.Bytes) / el
		left = time.Duration(float64(p.Size-p.Bytes) / rate * float64(time.Second))
	}
	return frac, rate, left, true
}

// StepRecord is one plan step as this phone went through it.
type StepRecord struct {
	Load           string
	Started, Ended time.Time // zero until the step starts (its first image) / ends
	Retries        int
	Skipped        bool // the phone already ran this load
	Bridge         bool // a bridge the phone showed it needs (its load was unknown)
	filesDone      map[string]bool
	manifestRead   bool            // its manifest was read in this boot: an image, or nothing, follows
	missing        map[string]bool // files of it the server did not have
}

// Duration is how long the step took, or has taken so far until now.
func (s StepRecord) Duration(now time.Time) time.Duration {
	switch {
	case s.Started.IsZero():
		return 0
	case s.Ended.IsZero():
		return now.Sub(s.Started)
	}
	return s.Ended.Sub(s.Started)
}

// Hint is one explanation the tracker gave for a phone.
type Hint struct {
	Time time.Time
	File string
	Msg  string
}

// Stager puts the files a phone needs for a step into the TFTP root. The tracker calls
// it synchronously, so the next step is in place before the phone asks again. mac is
// "" while the phone's MAC is not known (only the shared files are written).
type Stager func(s Step, mac string)

// Tracker follows each phone through the plan from the servers' events. It is not safe
// for concurrent use: the Session feeds it from one goroutine.
type Tracker struct {
	plan    *Plan // nil: no plan, the tracker only explains
	lib     *firmware.Library
	stage   Stager
	phones  []*Phone
	byMAC   map[string]*Phone
	byIP    map[string]*Phone
	loadOf  map[string]string // lower-case file name -> load ID, from the library
	flights map[string]*flight
}

// flight is a transfer in progress, for stall detection.
type flight struct {
	phone    *Phone
	file     string
	last     time.Time
	bytes    int64
	stallMsg bool
}

// NewTracker makes a tracker for plan (nil: explain only) over the loads of lib (may be
// nil). stage (may be nil) is called for the first step of each new phone and for each
// next step once the phone has every file of the current one.
func NewTracker(plan *Plan, lib *firmware.Library, stage Stager) *Tracker {
	t := &Tracker{plan: plan, lib: lib, stage: stage,
		byMAC: map[string]*Phone{}, byIP: map[string]*Phone{}, loadOf: map[string]string{}, flights: map[string]*flight{}}
	if lib != nil {
		for _, l := range lib.Loads {
			for _, f := range l.Files {
				t.loadOf[strings.ToLower(f.Name)] = l.ID
			}
		}
	}
	return t
}

// Phones returns a copy of every phone's state, in the order they were first seen.
func (t *Tracker) Phones() []Phone {
	out := make([]Phone, len(t.phones))
	for i, p := range t.phones {
		out[i] = *p
		out[i].Steps = slices.Clone(p.Steps)
		out[i].Hints = slices.Clone(p.Hints)
		out[i].route = slices.Clone(p.route)
	}
	return out
}

// Observe takes one server event. It fills in the event's MAC and model where the
// tracker knows them (TFTP events carry only the client address) and returns the
// tracker's own events that follow from it.
func (t *Tracker) Observe(ev *Event) []Event {
	p := t.phoneFor(ev)
	if p == nil {
		return nil
	}
	if ev.MAC == "" {
		ev.MAC = p.MAC
	}
	if ev.Model == "" {
		ev.Model = p.Model
	}
	if ev.Kind != servers.TFTPProgress {
		p.LastSeen = ev.Time
	}
	var out []Event
	switch ev.Kind {
	case servers.DHCPDiscover, servers.DHCPOffer, servers.DHCPAck:
		if ev.Kind == servers.DHCPAck {
			p.IP = ev.IP
			t.byIP[ev.IP] = p
			if p.Step < len(p.route) {
				p.Steps[p.Step].manifestRead = false // a new boot
			}
		}
		out = t.cameBack(p, ev, out)
		if p.Phase == PhaseWaiting || ev.Kind == servers.DHCPAck && p.Phase != PhaseDone {
			p.Phase = PhaseAddress
		}
		if oldLegacyImage(ev.Class) {
			out = t.learn(p, EvidenceUnsigned, ev.Time, "", "its DHCP class names no model", out)
		}
	case servers.TFTPRequest:
		out = t.request(p, ev, out)
	case servers.TFTPProgress:
		if SameRequest(asked(ev), p.File) {
			p.Bytes, p.Size, p.XferLast = ev.Bytes, ev.Size, ev.Time
		}
		if f := t.flights[flightKey(ev)]; f != nil && ev.Bytes > f.bytes {
			f.bytes, f.last = ev.Bytes, ev.Time
		}
	case servers.TFTPDone:
		delete(t.flights, flightKey(ev))
		if SameRequest(asked(ev), p.File) { // transfers overlap: the card follows the newest
			p.Bytes, p.Size, p.Rate = ev.Bytes, ev.Size, ev.Rate
			p.XferStarted = time.Time{}
		}
		out = t.done(p, ev, out)
	case servers.TFTPError, servers.TFTPMissing, servers.TFTPDenied:
		if SameRequest(asked(ev), p.File) {
			p.XferStarted = time.Time{} // nothing in flight any more
		}
	}
	switch ev.Kind {
	case servers.TFTPError:
		delete(t.flights, flightKey(ev))
		if servers.Reason(ev.Event) == servers.Stopped {
			break // phoneflash was stopped: nothing the phone did
		}
		p.Failures++
		out = append(out, t.hint(p, ev.Time, asked(ev), fmt.Sprintf(
			"The transfer of %s stopped: %s. If the phone lost power or its cable, it starts over by itself; "+
				"if it keeps failing, check the cable and try a TFTP block size of 512.", asked(ev), strings.TrimSpace(ev.Msg))))
	case servers.TFTPMissing:
		out = t.missing(p, ev, out)
	case servers.TFTPDenied:
		out = t.denied(p, ev, out)
	}
	return out
}

// Tick looks for silence: stalled transfers, and phones quiet for longer than their
// model writes flash. Call it every few seconds.
func (t *Tracker) Tick(now time.Time) []Event {
	var out []Event
	for _, f := range t.flights {
		if !f.stallMsg && now.Sub(f.last) > transferStall {
			f.stallMsg = true
			out = append(out, t.hint(f.phone, now, f.file, fmt.Sprintf(
				"The transfer of %s has made no progress for %s: the phone stopped answering. Check its power and "+
					"cable; it asks again by itself after a reboot.", f.file, now.Sub(f.last).Round(time.Second))))
		}
	}
	for _, p := range t.phones {
		quiet := now.Sub(p.LastSeen)
		m, _ := FindModel(p.Model)
		switch p.Phase {
		case PhaseFlashing:
			limit := m.FlashQuiet
			if limit == 0 {
				limit = javaFlashQuiet
			}
			if quiet > limit/2 {
				out = t.once(p, now, out, "writing "+p.Load, fmt.Sprintf(
					"Still writing flash, this is normal for a %s: it can stay silent for up to %s.", modelOr(p), limit))
			}
			if quiet > limit {
				out = t.stalled(p, now, out, fmt.Sprintf(
					"The %s has been silent for %s after taking %s, longer than a flash write takes. Unplug it, plug "+
						"it back in and watch for a DHCP request; if none comes, do the factory reset again.",
					modelOr(p), quiet.Round(time.Second), p.Load))
			}
		case PhaseAddress:
			if quiet > configQuiet {
				what := "the TFTP server option 150 names (phoneflash: it names itself)"
				if m.Java() {
					what = "its default loads (" + m.DefaultLoads() + "), or its config"
				}
				out = t.stalled(p, now, out, fmt.Sprintf(
					"The %s took an address (%s) %s ago and has asked for nothing since: it should ask for %s. "+
						"A phone whose own default-load name is corrupt does this (its console says so); factory reset "+
						"it again, and check that nothing between it and phoneflash drops TFTP.",
					modelOr(p), orWhat(p.IP, "no address known"), quiet.Round(time.Second), what))
			}
		case PhaseConfig, PhaseLoading:
			if quiet > configQuiet {
				out = t.stalled(p, now, out, fmt.Sprintf(
					"The %s has been silent for %s while %s. Check that it still has link and power; a "+
						"power cycle makes it start over.", modelOr(p), quiet.Round(time.Second), p.Phase))
			}
		}
	}
	return out
}

// phoneFor finds (or creates) the phone an event is about.
func (t *Tracker) phoneFor(ev *Event) *Phone {
	switch ev.Kind {
	case servers.DHCPDiscover, servers.DHCPOffer, servers.DHCPAck, servers.TFTPRequest, servers.TFTPProgress,
		servers.TFTPDone, servers.TFTPError, servers.TFTPMissing, servers.TFTPDenied:
	default:
		return nil // not a phone taking part (ignored client, rogue server ...): shown as it is
	}
	if ev.Kind == servers.TFTPError && (ev.IP == "" || ev.Port == 0) {
		return nil // a packet that was no transfer (garbage on port 69): no phone's doing
	}
	mac := ev.MAC
	if mac == "" {
		if m, ok := MACFromName(asked(ev)); ok {
			mac = m
		}
	}
	if mac != "" {
		if p := t.byMAC[mac]; p != nil {
			t.learnClass(p, ev.Class)
			return p
		}
		// A phone first seen by address (TFTP only) now tells its MAC.
		if p := t.byIP[ev.IP]; p != nil && p.MAC == "" {
			p.MAC = mac
			t.byMAC[mac] = p
			t.stageFor(p)
			return p
		}
		return t.newPhone(mac, ev)
	}
	if p := t.byIP[ev.IP]; p != nil {
		return p
	}
	// On loopback (the demo) and behind NAT the source address is not the leased one:
	// with one phone on the bench it can only be that phone.
	if len(t.phones) == 1 {
		return t.phones[0]
	}
	return t.newPhone("", ev)
}

func (t *Tracker) newPhone(mac string, ev *Event) *Phone {
	p := &Phone{MAC: mac, Phase: PhaseWaiting, FirstSeen: ev.Time, LastSeen: ev.Time, said: map[string]time.Time{},
		evidence: map[Evidence]bool{}, repeats: map[string]int{}, looped: map[string]bool{}}
	if t.plan != nil {
		p.route = slices.Clone(t.plan.Steps)
		p.Steps = make([]StepRecord, len(p.route))
		for i, s := range p.route {
			p.Steps[i].Load = s.ID
		}
		p.Model = t.plan.Model.Name
	}
	t.learnClass(p, ev.Class)
	t.phones = append(t.phones, p)
	if mac != "" {
		t.byMAC[mac] = p
	}
	if ev.Kind != servers.DHCPDiscover && ev.IP != "" {
		// A phone met first over TFTP (--no-dhcp) is known by its source address: the
		// Watch screen and its transfers key on it until the MAC is known.
		p.IP = ev.IP
		t.byIP[ev.IP] = p
	}
	t.stageFor(p)
	return p
}

// learnClass takes the model from option 60, unless it names only the family and the
// plan knows better.
func (t *Tracker) learnClass(p *Phone, class string) {
	if class == "" {
		return
	}
	p.Class = class
	// ModelFromClass gives a catalog model, or a family name ("7940/7960") for the bare
	// class of old 7940/7960 images.
	if m, ok := ModelFromClass(class); ok && (!strings.Contains(m, "/") || p.Model == "") {
		p.Model = m
	}
}

// stageFor stages the phone's current step now that its MAC is known.
func (t *Tracker) stageFor(p *Phone) {
	if t.plan == nil || t.stage == nil || p.MAC == "" || p.Step >= len(p.route) {
		return
	}
	t.stage(p.route[p.Step], p.MAC)
}

// stepOf returns the index of the step of p's route whose files include name, searching
// the current step first; -1 when none does.
func (t *Tracker) stepOf(p *Phone, name string) (step, index int) {
	order := []int{p.Step}
	for i := range p.route {
		if i != p.Step {
			order = append(order, i)
		}
	}
	for _, k := range order {
		if k >= len(p.route) {
			continue
		}
		for i, f := range stepFiles(p.route[k]) {
			if SameRequest(f, name) {
				return k, i
			}
		}
		// After a factory reset a Java phone reads termNN.default.loads in place of the
		// load's own manifest (FACTS.md §2.1); Stage made it the step's.
		if k == p.Step && Classify(name) == ReqDefaultLoads {
			return k, 0
		}
	}
	return -1, -1
}

// asked is the name as the phone sent it: the Root may have resolved it to a path
// inside an archive or a subfolder (File), but plans and patterns use phone names.
func asked(ev *Event) string {
	if ev.Asked != "" {
		return ev.Asked
	}
	return ev.File
}

// stepFiles are the names a phone may fetch for step s: the load's files and its
// extras (the unsigned .bin that an image before 5.0 takes instead, FACTS.md §4.1).
func stepFiles(s Step) []string {
	files := s.Files
	if s.Load != nil {
		for _, e := range s.Load.Extras {
			files = append(slices.Clip(files), e.Name)
		}
	}
	return files
}

// complete reports whether the files done make the whole load of step s: every image
// of it (a manifest may come as termNN.default.loads instead), or the unsigned .bin an
// image before 5.0 takes in place of the signed pair.
func complete(s Step, done map[string]bool) bool {
	if s.Load != nil {
		for _, e := range s.Load.Extras {
			if done[strings.ToLower(e.Name)] && strings.HasSuffix(strings.ToLower(e.Name), ".bin") {
				return true
			}
		}
	}
	for _, f := range required(s) {
		if !done[strings.ToLower(trimRequest(f))] {
			return false
		}
	}
	return true
}

// required are the files whose transfer means the phone has the step's load: the images;
// the files themselves for a load that is one image (pre-5.0 .bin).
func required(s Step) []string {
	var imgs []string
	for _, f := range s.Files {
		if Classify(f) == ReqLoadImage {
			imgs = append(imgs, f)
		}
	}
	if len(imgs) == 0 {
		return s.Files
	}
	return imgs
}

// cameBack notes that a phone which had every file of a step is back on the network:
// the step is done, and the next one starts (or the upgrade is).
func (t *Tracker) cameBack(p *Phone, ev *Event, out []Event) []Event {
	if p.Phase != PhaseFlashing || t.plan == nil {
		return out
	}
	k := p.Step
	rec := &p.Steps[k]
	rec.Ended = ev.Time
	out = append(out, t.event(p, ev.Time, StepDone, k, fmt.Sprintf("step %d of %d done: the %s took %s in %s",
		k+1, len(p.route), modelOr(p), p.route[k].ID, rec.Duration(ev.Time).Round(time.Second))))
	t.next(p)
	if p.Step == len(p.route) {
		return t.finish(p, ev.Time, out, "")
	}
	p.Phase = PhaseConfig
	return out
}

// next moves p to its next step, with a clean slate for loops.
func (t *Tracker) next(p *Phone) {
	p.Step++
	p.File, p.FileIndex, p.FileCount, p.Bytes, p.Size = "", 0, 0, 0, 0
	t.progress(p)
}

// progress notes that the phone got somewhere (a whole image, a new step): whatever it
// asked for before is no loop.
func (t *Tracker) progress(p *Phone) {
	clear(p.repeats)
	clear(p.looped)
	p.sawLoad = false
}

func (t *Tracker) finish(p *Phone, now time.Time, out []Event, note string) []Event {
	p.Phase = PhaseDone
	p.FinalLoad = p.route[len(p.route)-1].ID
	msg := fmt.Sprintf("the %s runs %s", modelOr(p), p.FinalLoad)
	if note != "" {
		msg += ": " + note
	}
	e := t.event(p, now, UpgradeDone, len(p.route)-1, msg)
	e.Load = p.FinalLoad
	return append(out, e)
}

func (t *Tracker) request(p *Phone, ev *Event, out []Event) []Event {
	name := asked(ev)
	if ev.Port != 0 {
		t.flights[flightKey(ev)] = &flight{phone: p, file: name, last: ev.Time}
	}
	kind := Classify(name)
	if IsConfig(name) || kind == ReqSecurity {
		out = t.cameBack(p, ev, out)
	}
	if IsLoadFile(name) {
		p.sawLoad = true
	}
	p.File, p.Bytes, p.Size = name, 0, ev.Size
	p.XferStarted, p.XferLast = ev.Time, ev.Time
	if t.plan == nil {
		if id, ok := t.loadOf[strings.ToLower(trimRequest(name))]; ok {
			p.Load, p.Phase = id, PhaseLoading
		} else if p.Phase != PhaseLoading || IsConfig(name) {
			p.Phase = PhaseConfig
		}
		return out
	}
	if p.Phase == PhaseDone {
		return t.loop(p, ev.Time, name, t.verify(p, ev.Time, name, out))
	}
	if unsignedRequest(name) && t.canLearn(p, EvidenceUnsigned) {
		// Only an image from before 5.0 asks for an unsigned .bin: this transfer is not
		// the step, the bridges are.
		return t.learn(p, EvidenceUnsigned, ev.Time, name, "it asks for "+name+", an unsigned image", out)
	}
	k, idx := t.stepOf(p, name)
	switch {
	case k == p.Step:
		s := p.route[k]
		rec := &p.Steps[k]
		if rec.filesDone[strings.ToLower(trimRequest(name))] {
			rec.Retries++
			p.Retries++
		}
		if kind == ReqLoadImage && rec.Started.IsZero() {
			// A manifest alone is no download: a phone reads the .loads of the load it
			// runs, too (FACTS.md §10). The step starts with its first image.
			rec.Started = ev.Time
			out = append(out, t.event(p, ev.Time, StepStart, k, fmt.Sprintf("step %d of %d: %s (%s %s)",
				k+1, len(p.route), s.ID, s.Protocol, s.Version)))
		}
		if kind != ReqLoadImage {
			rec.manifestRead = true
		}
		p.Phase, p.Load = PhaseLoading, s.ID
		p.FileIndex, p.FileCount = idx+1, len(s.Files)
		if !slices.ContainsFunc(s.Files, func(f string) bool { return SameRequest(f, name) }) {
			p.FileIndex, p.FileCount = 1, 1 // the unsigned .bin an old image takes on its own
		}
	case k >= 0 && k < p.Step:
		out = append(out, t.hint(p, ev.Time, name, fmt.Sprintf(
			"The phone asks for %s of step %d (%s) again, after that step was done: it did not keep that load. "+
				"It may have refused the next one; watch for AUTH FAIL on its screen.", name, k+1, p.route[k].ID)))
	case k > p.Step:
		out = append(out, t.hint(p, ev.Time, name, fmt.Sprintf(
			"The phone asks for %s, a file of step %d (%s), while step %d (%s) is staged: it reads a config that "+
				"names a later load.", name, k+1, p.route[k].ID, p.Step+1, p.route[p.Step].ID)))
	case IsLoadFile(name):
		id := t.loadOf[strings.ToLower(trimRequest(name))]
		what := name
		if id != "" {
			what = fmt.Sprintf("%s (load %s)", name, id)
		}
		out = append(out, t.hint(p, ev.Time, name, fmt.Sprintf(
			"The phone asks for %s, which is not in the plan: it runs or reads something other than the plan "+
				"expected. Check that no other TFTP or DHCP server answers it.", what)))
	default:
		if t.runsCurrent(p, kind) {
			return t.alreadyRuns(p, ev.Time, out)
		}
		if p.Phase != PhaseLoading {
			p.Phase = PhaseConfig
		}
	}
	return t.loop(p, ev.Time, name, out)
}

// runsCurrent: the phone's request of this kind shows it runs its current step's load
// already. It read the config that names the load and went on to what a phone asks
// only once it keeps its load (a locale, its dial plan), or read the load's manifest,
// took no image of it and went back to its configs, as a 7960 on SIP 8.12 does every
// boot (FACTS.md §10, §12). Missing optional files count as much as served ones.
func (t *Tracker) runsCurrent(p *Phone, kind RequestKind) bool {
	if p.Phase != PhaseConfig && p.Phase != PhaseLoading && p.Phase != PhaseAddress || p.Step >= len(p.route) {
		return false
	}
	rec := p.Steps[p.Step]
	if !rec.Started.IsZero() || len(rec.filesDone) > 0 && !rec.manifestRead {
		return false
	}
	switch kind {
	case ReqLocale, ReqDialplan, ReqRingList, ReqDesktop:
		return p.Phase == PhaseConfig || rec.manifestRead
	case ReqDeviceConfig, ReqDefaultConfig:
		return rec.manifestRead
	}
	return false
}

// alreadyRuns: the phone runs its current step's load already: the step is skipped,
// and the next one staged (or the upgrade is done).
func (t *Tracker) alreadyRuns(p *Phone, now time.Time, out []Event) []Event {
	k := p.Step
	p.Steps[k].Skipped = true
	p.Steps[k].Started, p.Steps[k].Ended = now, now
	id := p.route[k].ID
	if k == len(p.route)-1 {
		p.AlreadyRan = true
		out = append(out, t.hint(p, now, "", fmt.Sprintf("The phone already runs %s, the target: nothing to load.", id)))
		return t.finish(p, now, out, "it already ran it")
	}
	out = append(out, t.event(p, now, StepDone, k, fmt.Sprintf("step %d of %d: the phone already runs %s",
		k+1, len(p.route), id)))
	t.next(p)
	t.stageFor(p)
	return append(out, t.hint(p, now, "", fmt.Sprintf(
		"The phone already runs %s; step %d (%s) is staged now. Unplug the phone and plug it back in so it reads it.",
		id, p.Step+1, p.route[p.Step].ID)))
}

func (t *Tracker) done(p *Phone, ev *Event, out []Event) []Event {
	if t.plan == nil || p.Phase == PhaseDone {
		return out
	}
	name := asked(ev)
	if Classify(name) == ReqLoadImage {
		t.progress(p)
	}
	k, _ := t.stepOf(p, name)
	if k != p.Step {
		return out
	}
	rec := &p.Steps[k]
	if rec.filesDone == nil {
		rec.filesDone = map[string]bool{}
	}
	rec.filesDone[strings.ToLower(trimRequest(name))] = true
	if !complete(p.route[k], rec.filesDone) {
		return out
	}
	// The phone has the whole load: it writes flash and reboots. Stage the next step
	// now, so the config it reads when it comes back already names it.
	p.Phase = PhaseFlashing
	if k+1 < len(p.route) && t.stage != nil {
		t.stage(p.route[k+1], p.MAC) // "" before the MAC is known: the shared files only
	}
	return out
}

func (t *Tracker) missing(p *Phone, ev *Event, out []Event) []Event {
	name := asked(ev)
	kind := Classify(name)
	if t.plan != nil && p.Phase != PhaseDone && t.runsCurrent(p, kind) {
		return t.alreadyRuns(p, ev.Time, out) // a missing dial plan or locale is normal on a bench
	}
	if ExpectedMiss(name) {
		return t.loop(p, ev.Time, name, out)
	}
	if t.plan == nil {
		switch {
		case IsConfig(name):
			return append(out, t.hint(p, ev.Time, name, fmt.Sprintf(
				"The phone asks for %s, which is not there: give the phone's model and a target load so phoneflash writes it.", name)))
		case IsLoadFile(name):
			return append(out, t.hint(p, ev.Time, name, missingLoadFile(name)))
		}
		return out
	}
	k, _ := t.stepOf(p, name)
	switch {
	case k >= 0:
		s := p.route[k]
		rec := &p.Steps[k]
		if rec.missing == nil {
			rec.missing = map[string]bool{}
		}
		rec.missing[name] = true
		out = append(out, t.hint(p, ev.Time, name, fmt.Sprintf(
			"%s, a file of %s (step %d), is not in the firmware: the phone cannot finish the step and will ask "+
				"again and again. Add it (from the %s download) to the firmware folder.", name, s.ID, k+1, s.ID)))
	case IsLoadFile(name):
		if p.Step < len(p.route) && Classify(name) == ReqLoadImage {
			rec := &p.Steps[p.Step]
			if rec.missing == nil {
				rec.missing = map[string]bool{}
			}
			rec.missing[name] = true
		}
		out = append(out, t.hint(p, ev.Time, name, missingLoadFile(name)))
	}
	return t.loop(p, ev.Time, name, out)
}

// missingLoadFile explains a file of a load that is not at hand: a component a
// manifest names (a phone that finds one missing gives up on the load, FACTS.md §4.2),
// or a load the configs did not name.
func missingLoadFile(name string) string {
	return fmt.Sprintf("The phone asks for %s, which is not in the firmware (phoneflash matches names in any case, so "+
		"it is not there in any case). A manifest that names it needs it: add the file from the load's download; "+
		"if no load of yours names it, the phone reads a config phoneflash did not write.", name)
}

// hint records and returns a phone.hint event.
func (t *Tracker) hint(p *Phone, now time.Time, file, msg string) Event {
	p.Hints = append(p.Hints, Hint{Time: now, File: file, Msg: msg})
	e := t.event(p, now, PhoneHint, p.Step, msg)
	e.File = file
	return e
}

// once gives a hint a single time per phone and key.
func (t *Tracker) once(p *Phone, now time.Time, out []Event, key, msg string) []Event {
	if _, ok := p.said[key]; ok {
		return out
	}
	p.said[key] = now
	e := t.hint(p, now, "", msg)
	return append(out, e)
}

// stalled reports a silent phone once per silence: a new request starts a new one.
func (t *Tracker) stalled(p *Phone, now time.Time, out []Event, msg string) []Event {
	if at, ok := p.said["stalled"]; ok && at.After(p.LastSeen) {
		return out
	}
	p.said["stalled"] = now
	p.Hints = append(p.Hints, Hint{Time: now, Msg: msg})
	return append(out, t.event(p, now, PhoneStall, p.Step, msg))
}

// event builds a tracker event about p and step k (0-based) of its route.
func (t *Tracker) event(p *Phone, now time.Time, kind servers.Kind, k int, msg string) Event {
	e := Event{Event: servers.Event{Time: now, Kind: kind, MAC: p.MAC, IP: p.IP, Msg: msg}, Model: p.Model}
	if t.plan != nil && k < len(p.route) {
		e.Step, e.Steps, e.Load = k+1, len(p.route), p.route[k].ID
	}
	return e
}

func flightKey(ev *Event) string { return fmt.Sprintf("%s:%d", ev.IP, ev.Port) }

func modelOr(p *Phone) string {
	if p.Model == "" || strings.Contains(p.Model, "/") {
		return "phone"
	}
	return p.Model
}
