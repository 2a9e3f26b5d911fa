package upgrade

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"phoneflash/firmware"
)

// Overlay is where staged files go: generated files the TFTP root serves in front of
// the firmware, which is never written (firmware.Root satisfies it).
type Overlay interface {
	Set(name string, data []byte)
	// SetOwned adds a file served only to the client the overlay ties to owner (a
	// phone's MAC: the Session ties it to the phone's lease); anyone else is told it
	// is not there.
	SetOwned(name string, data []byte, owner string)
	Remove(name string)
}

// StagedFile is one generated file.
type StagedFile struct {
	Name string
	Data []byte
	// Owner is the MAC of the only phone the file may be served to ("" = any): its
	// line password is inside.
	Owner string
}

// Stage writes into ov everything a phone needs to take step (0-based): XMLDefault.cnf.xml;
// SEP<MAC>.cnf.xml when mac is known; for 7940/7960 OS79XX.TXT and SIPDefault.cnf; for
// Java phones each family model's termNN.default.loads, copied from the step load's own
// file. Files this plan staged before for the same MAC (or, without one, for no MAC) that
// this step does not need are removed; other phones' SEP files stay, so several phones
// can be on different steps. It returns the names written.
// Safe for concurrent use; fast once Prepare has read the term files ahead.
func (p *Plan) Stage(ov Overlay, step int, mac string) ([]string, error) {
	if step < 0 || step >= len(p.Steps) {
		return nil, fmt.Errorf("stage step %d: the plan has steps 1 to %d", step+1, len(p.Steps))
	}
	return p.StageStep(ov, p.Steps[step], mac)
}

// StageStep is Stage for a step given whole: a bridge a phone showed it needs
// (Plan.Bridges) is staged this way, for that phone.
//
// The line goes to one phone, the first staged for a SIP step: two phones on one
// account would take each other's registration, so any other gets its configs
// without it (LineOwner says whose it is).
func (p *Plan) StageStep(ov Overlay, s Step, mac string) ([]string, error) {
	st := p.state()
	st.mu.Lock()
	line := p.lineFor(s, mac)
	claimed := line != nil && mac != "" && st.lineMAC == ""
	if claimed {
		st.lineMAC, _ = NormalizeMAC(mac)
	}
	st.mu.Unlock()
	files, err := p.stepFiles(s, mac, line)
	if err != nil {
		if claimed { // it never got the line: the next phone may have it
			st.mu.Lock()
			st.lineMAC = ""
			st.mu.Unlock()
		}
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	now := make(map[string]bool, len(files))
	names := make([]string, 0, len(files))
	for _, f := range files {
		if f.Owner != "" {
			ov.SetOwned(f.Name, f.Data, f.Owner)
		} else {
			ov.Set(f.Name, f.Data)
		}
		now[f.Name] = true
		names = append(names, f.Name)
	}
	// Per MAC: staging one phone must not take another phone's SEP file away.
	key := strings.ToLower(mac)
	for name := range st.written[key] {
		if !now[name] {
			ov.Remove(name)
		}
	}
	if st.written == nil {
		st.written = map[string]map[string]bool{}
	}
	st.written[key] = now
	return names, nil
}

// Unstage removes every file Stage wrote, and with them the line's tie to its phone:
// the plan may serve another bench (the wizard starts again with it for the next phone).
func (p *Plan) Unstage(ov Overlay) {
	st := p.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lineMAC = ""
	for _, names := range st.written {
		for name := range names {
			ov.Remove(name)
		}
	}
	st.written = nil
}

// Prepare reads ahead what staging needs from the loads (the termNN.default.loads of
// every Java step), so that Stage later only generates text: the next step must be
// staged within milliseconds of the phone finishing the previous one.
func (p *Plan) Prepare() error {
	for _, s := range slices.Concat(p.Bridges, p.Steps) {
		if s.Load == nil {
			continue
		}
		if _, err := p.termFiles(s); err != nil {
			return err
		}
	}
	return nil
}

// StageFiles generates the files of step without writing them anywhere (the UI shows them).
func (p *Plan) StageFiles(step int, mac string) ([]StagedFile, error) {
	if step < 0 || step >= len(p.Steps) {
		return nil, fmt.Errorf("stage step %d: the plan has steps 1 to %d", step+1, len(p.Steps))
	}
	st := p.state()
	st.mu.Lock()
	line := p.lineFor(p.Steps[step], mac)
	st.mu.Unlock()
	return p.stepFiles(p.Steps[step], mac, line)
}

// stepFiles are step s's files for the phone mac, with line (nil: none) in its own
// configs. The shared files are written for the plan's line whoever has it: they are
// every phone's, and a phone without the line registers nothing in any case.
func (p *Plan) stepFiles(s Step, mac string, line *LineSettings) ([]StagedFile, error) {
	if s.Load == nil {
		return nil, fmt.Errorf("stage %s: %s", orText(s.ID, "a step"), s.Missing)
	}
	family := FamilyModels(p.Model.Family)
	files := []StagedFile{{Name: XMLDefaultName, Data: XMLDefault(family, s.ID, p.CallManager)}}
	shared := p.stepLine(s)
	if mac != "" {
		device, err := p.deviceFiles(s, mac, line)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.ID, err)
		}
		files = append(files, device...)
	}
	if !p.Model.Java() {
		// Every image reads one of these: written for each step, whatever the phone runs,
		// so that a phone in an unknown state (or just factory reset) finds its load.
		sipDefault := SIPDefault(s.ID)
		if shared != nil {
			sipDefault = SIPDefaultRegistering(s.ID)
		}
		files = append(files,
			StagedFile{Name: OS79XXName, Data: OS79XXText(loaderName(s))},
			StagedFile{Name: SIPDefaultName, Data: sipDefault},
		)
	}
	if shared != nil {
		files = append(files, StagedFile{Name: DialPlanName, Data: DialPlan(*shared)})
	}
	if !p.Model.Java() {
		return files, nil
	}
	terms, err := p.termFiles(s)
	if err != nil {
		return nil, err
	}
	for _, m := range family {
		if data, ok := terms[m.DefaultLoads()]; ok {
			files = append(files, StagedFile{Name: m.DefaultLoads(), Data: data})
		}
	}
	return files, nil
}

// lineFor is the line step s writes for the phone mac: the plan's, on a SIP step,
// unless it went to another phone; the shared files (mac "") are written for it.
// p.state().mu held.
func (p *Plan) lineFor(s Step, mac string) *LineSettings {
	if owner := p.stage.lineMAC; mac != "" && owner != "" && !sameMAC(owner, mac) {
		return nil
	}
	return p.stepLine(s)
}

// stepLine is the plan's line on a SIP step, nil otherwise (an SCCP load registers
// with no SIP account).
func (p *Plan) stepLine(s Step) *LineSettings {
	if s.Protocol != firmware.SIP {
		return nil
	}
	return p.Line
}

// LineOwner is the MAC of the phone the line went to ("" while none has been staged
// for a SIP step).
func (p *Plan) LineOwner() string {
	st := p.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lineMAC
}

func sameMAC(a, b string) bool {
	na, errA := NormalizeMAC(a)
	nb, errB := NormalizeMAC(b)
	return errA == nil && errB == nil && na == nb
}

// deviceFiles are the phone's own configs: SEP<MAC>.cnf.xml, and with a line a SIP
// load's line config, owned by the phone (FACTS.md §11): SIP<MAC>.cnf next to the SEP
// file on a 7940/7960, the SEP file itself on a Java phone.
func (p *Plan) deviceFiles(s Step, mac string, line *LineSettings) ([]StagedFile, error) {
	sep, err := SEPName(mac)
	if err != nil {
		return nil, err
	}
	owner, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	switch {
	case line == nil:
		return []StagedFile{{Name: sep, Data: DeviceConfig(p.Model, s.ID, s.Protocol, p.CallManager)}}, nil
	case p.Model.Java():
		return []StagedFile{{Name: sep, Data: SIPDeviceConfig(s.ID, *line), Owner: owner}}, nil
	}
	sip, err := SIPName(mac)
	if err != nil {
		return nil, err
	}
	return []StagedFile{
		{Name: sep, Data: DeviceConfig(p.Model, s.ID, s.Protocol, p.CallManager)},
		{Name: sip, Data: SIPLineConfig(*line), Owner: owner},
	}, nil
}

// LineFile is the name of the file that carries the plan's line for the phone mac on
// step s ("" when the step writes none): the file served to that phone alone.
func (p *Plan) LineFile(s Step, mac string) string {
	st := p.state()
	st.mu.Lock()
	line := p.lineFor(s, mac)
	st.mu.Unlock()
	if line == nil {
		return ""
	}
	if p.Model.Java() {
		n, _ := SEPName(mac)
		return n
	}
	n, _ := SIPName(mac)
	return n
}

// termFiles reads (once) the step load's own termNN.default.loads, keyed by lower-case
// name. A term file is signed with its own name inside (FACTS.md §1.3), so it is copied,
// never generated.
func (p *Plan) termFiles(s Step) (map[string][]byte, error) {
	st := p.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	if t, ok := st.files[s.ID]; ok {
		return t, nil
	}
	t := map[string][]byte{}
	for _, m := range FamilyModels(p.Model.Family) {
		i := slices.IndexFunc(s.Load.Defaults, func(d string) bool { return strings.EqualFold(path.Base(d), m.DefaultLoads()) })
		if i < 0 {
			continue
		}
		data, err := s.Load.ReadFile(s.Load.Defaults[i])
		if err != nil {
			return nil, fmt.Errorf("stage %s: read %s: %w", s.ID, s.Load.Defaults[i], err)
		}
		t[m.DefaultLoads()] = data
	}
	if st.files == nil {
		st.files = map[string]map[string][]byte{}
	}
	st.files[s.ID] = t
	return t, nil
}

func orText(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

func (p *Plan) state() *stageState {
	if p.stage == nil { // a Plan built by hand rather than by MakePlan
		p.stage = &stageState{}
	}
	return p.stage
}

// loaderName is the image OS79XX.TXT names for a 7940/7960 load: the loader the .loads
// lists ("P003-8-12-00" for SIP 8.12, as in the official zip's OS79XX.TXT [V]), else the
// load's own name.
func loaderName(s Step) string {
	if s.Load != nil {
		for _, f := range s.Load.Files {
			if ext := path.Ext(f.Name); strings.EqualFold(ext, ".sbn") {
				return strings.TrimSuffix(f.Name, ext)
			}
		}
	}
	if u := strings.ToUpper(s.ID); strings.HasPrefix(u, "P0S3-") || strings.HasPrefix(u, "P0M3-") {
		return "P003" + s.ID[4:]
	}
	return s.ID
}

var _ Overlay = (*firmware.Root)(nil)
