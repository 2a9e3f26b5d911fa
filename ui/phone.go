package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
)

// The Phone screen's fields, in order.
const (
	phoneModel = iota
	phoneFrom
	phoneSymptom
	phoneTarget
	phoneFields
)

var phoneLabels = [phoneFields]string{"Model", "Runs now", "The phone", "Target"}

// phoneState is the Phone screen: the model, what it runs, what it shows, the target,
// and the plan they make.
type phoneState struct {
	focus  int
	pick   [phoneFields]picker
	preset [phoneFields]string // the command line's values: kept as choices even when not at hand
	family firmware.Family     // of the model the load lists are for
	plan   *upgrade.Plan
	err    error
	line   lineForm // line 1, for a SIP target (optional)
	onLine bool     // the keys go into the line form, not the pickers
}

func newPhoneState(o Options) phoneState {
	s := phoneState{}
	if m, err := upgrade.FindModel(o.Model); err == nil {
		s.preset[phoneModel] = m.Name
	}
	s.preset[phoneFrom], s.preset[phoneTarget] = strings.TrimSpace(o.From), strings.TrimSpace(o.To)
	s.preset[phoneSymptom] = o.Symptom.String()

	var models []choice
	for _, m := range upgrade.Models() {
		protos := make([]string, len(m.Protocols))
		for i, p := range m.Protocols {
			protos[i] = string(p)
		}
		models = append(models, choice{Value: m.Name, Label: m.Name, Note: string(m.Family) + " · " + strings.Join(protos, "/")})
	}
	s.pick[phoneModel] = newPicker(models)
	s.pick[phoneModel].selectValue(s.preset[phoneModel])

	var symptoms []choice
	for _, n := range upgrade.SymptomNames() {
		sy, _ := upgrade.ParseSymptom(n)
		label := sy.Describe()
		if sy == upgrade.SymptomNone {
			label = "is fine: an upgrade"
		}
		symptoms = append(symptoms, choice{Value: n, Label: label})
	}
	s.pick[phoneSymptom] = newPicker(symptoms)
	s.pick[phoneSymptom].selectValue(s.preset[phoneSymptom])

	// The first field the command line left open has the focus.
	s.focus = phoneTarget
	switch {
	case s.preset[phoneModel] == "":
		s.focus = phoneModel
	case s.preset[phoneFrom] == "":
		s.focus = phoneFrom
	}
	s.libChanged(nil)
	s.line = newLineForm(o.Line)
	return s
}

// sipTarget reports whether the chosen target is a SIP load: only then is there a line
// to write.
func (s *phoneState) sipTarget() bool {
	_, proto, _, err := firmware.ParseID(s.value(phoneTarget))
	return err == nil && proto == firmware.SIP
}

// lineProblem says why the typed line cannot be written, "" when it can (or is empty).
func (m *Model) lineProblem() string {
	s := &m.phone
	l := s.line.line()
	switch {
	case l == nil || !s.sipTarget():
		return ""
	case s.line.err != nil:
		return "Line 1: " + s.line.err.Error()
	case m.cfg.NoDHCP:
		return "Line 1: the line is served only to the address phoneflash's DHCP leased to the phone; with no DHCP it is served to nobody"
	}
	return ""
}

// value is the chosen value of field f.
func (s *phoneState) value(f int) string {
	c, _ := s.pick[f].selected()
	return c.Value
}

func (s *phoneState) filtering() bool { return s.pick[s.focus].filtering }

// model is the chosen model.
func (s *phoneState) model() (upgrade.Model, bool) {
	m, err := upgrade.FindModel(s.value(phoneModel))
	return m, err == nil
}

// libChanged rebuilds the load lists for the chosen model from lib (nil: none at hand).
func (s *phoneState) libChanged(lib *firmware.Library) {
	m, ok := s.model()
	if !ok {
		s.pick[phoneFrom].set(nil)
		s.pick[phoneTarget].set(nil)
		return
	}
	var loads []*firmware.Load
	if lib != nil {
		loads = lib.ByFamily(m.Family)
	}
	first := s.family == "" // the first build places the cursors on the presets
	s.family = m.Family

	from := []choice{{Value: "", Label: "unknown", Note: "learn it from the phone, bridge only if it proves older"}}
	for _, l := range loads {
		from = append(from, choice{Value: l.ID, Label: l.ID, Note: fmt.Sprintf("%s %s", l.Protocol, l.Version)})
	}
	from = s.keepPreset(from, phoneFrom, m.Family, "given with --from")
	s.pick[phoneFrom].set(from)

	var to []choice
	for _, l := range slices.Backward(loads) {
		c := choice{Value: l.ID, Label: l.ID, Note: fmt.Sprintf("%s %s · %s", l.Protocol, l.Version, l.Status()), Mark: markOK}
		if !l.Complete() {
			c.Mark = markBad
		}
		to = append(to, c)
	}
	to = s.keepPreset(to, phoneTarget, m.Family, "given with --to, not in the firmware")
	s.pick[phoneTarget].set(to)
	if first {
		s.pick[phoneFrom].selectValue(s.preset[phoneFrom])
		s.pick[phoneTarget].selectValue(s.preset[phoneTarget])
	}
}

// keepPreset adds the command line's load for field f when it is of the family and not
// among cs, and the load typed into the filter the same way.
func (s *phoneState) keepPreset(cs []choice, f int, fam firmware.Family, note string) []choice {
	has := func(id string) bool {
		return slices.ContainsFunc(cs, func(c choice) bool { return strings.EqualFold(c.Value, id) })
	}
	add := func(id, note string) {
		if id == "" || has(id) {
			return
		}
		if lf, _, _, err := firmware.ParseID(id); err == nil && lf == fam {
			cs = append(cs, choice{Value: id, Label: id, Note: note})
		}
	}
	add(s.preset[f], note)
	add(strings.TrimSpace(s.pick[f].filter), "typed: not in the firmware")
	return cs
}

// replan makes the plan from the choices (MakePlan is quick: it runs on every move).
func (m *Model) replan() {
	s := &m.phone
	s.plan, s.err, m.plan = nil, nil, nil
	model, to := s.value(phoneModel), s.value(phoneTarget)
	if model == "" || to == "" {
		return
	}
	sy, _ := upgrade.ParseSymptom(s.value(phoneSymptom))
	s.plan, s.err = upgrade.MakePlan(m.lib, upgrade.PlanRequest{Model: model, From: s.value(phoneFrom), To: to, Symptom: sy})
	if s.plan != nil && s.sipTarget() && m.lineProblem() == "" {
		_ = s.plan.SetLine(s.line.line()) // checked: a SIP target and a valid line (or none)
	}
	m.plan = s.plan
}

// phoneOK reports whether the plan can run: every step's load at hand and complete.
func (m *Model) phoneOK() bool {
	return m.phone.plan != nil && m.phone.plan.Complete() && len(m.phone.plan.Steps) > 0 && m.lineProblem() == ""
}

// lineKey handles the keys while the line form has them: Tab walks its fields and on
// to the model, Enter goes on as from the target, the rest is typing.
func (m *Model) lineKey(k tea.KeyMsg) tea.Cmd {
	s := &m.phone
	keys := m.keys
	switch {
	case key.Matches(k, keys.Tab):
		if s.line.cur == lineCount-1 {
			s.onLine, s.focus = false, phoneModel
			s.line.blur()
			return nil
		}
		s.line.focus(s.line.cur + 1)
	case key.Matches(k, keys.ShiftTab):
		if s.line.cur == 0 {
			s.onLine, s.focus = false, phoneTarget
			s.line.blur()
			return nil
		}
		s.line.focus(s.line.cur - 1)
	case key.Matches(k, keys.Back):
		s.onLine = false
		s.line.blur()
		return m.goTo(ScreenFirmware)
	case key.Matches(k, keys.Enter):
		if m.phoneOK() {
			s.line.blur()
			return m.goTo(ScreenReady)
		}
		m.warn(m.planBlocker())
	default:
		s.line.update(k)
		m.replan()
	}
	return nil
}

func (m *Model) phoneKey(k tea.KeyMsg) tea.Cmd {
	s := &m.phone
	if s.onLine {
		return m.lineKey(k)
	}
	p := &s.pick[s.focus]
	if k.Paste {
		p.filtering = true // pasting a load ID searches for it, as / and typing would
	}
	if p.typed(k) {
		if s.focus == phoneFrom || s.focus == phoneTarget {
			s.libChanged(m.lib) // offer the typed load
		}
		m.phoneMoved()
		return nil
	}
	keys := m.keys
	switch {
	case key.Matches(k, keys.Up):
		p.move(-1)
		m.phoneMoved()
	case key.Matches(k, keys.Down):
		p.move(1)
		m.phoneMoved()
	case key.Matches(k, keys.Filter):
		p.filtering = true
	case key.Matches(k, keys.Tab) && s.focus == phoneTarget && s.sipTarget():
		s.onLine = true // line 1, for a SIP target
		s.line.focus(0)
	case key.Matches(k, keys.Tab):
		s.focus = (s.focus + 1) % phoneFields
	case key.Matches(k, keys.ShiftTab):
		s.focus = (s.focus + phoneFields - 1) % phoneFields
	case key.Matches(k, keys.Back):
		return m.goTo(ScreenFirmware)
	case key.Matches(k, keys.Enter):
		if s.focus < phoneTarget {
			s.focus++
			return nil
		}
		if m.phoneOK() {
			return m.goTo(ScreenReady)
		}
		m.warn(m.planBlocker())
	}
	return nil
}

// phoneMoved follows a cursor move: a new model changes the load lists; the plan follows.
func (m *Model) phoneMoved() {
	s := &m.phone
	if s.focus == phoneModel {
		if mod, ok := s.model(); ok && mod.Family != s.family {
			s.libChanged(m.lib)
		}
	}
	m.body.top = 0 // back to the choices
	m.replan()
}

// planBlocker says why the plan cannot run yet.
func (m *Model) planBlocker() string {
	s := &m.phone
	var ie *upgrade.InputError
	switch {
	case s.err != nil && errors.As(s.err, &ie):
		return ie.Msg
	case s.err != nil:
		return s.err.Error()
	case m.lineProblem() != "":
		return m.lineProblem()
	case s.plan == nil:
		return "Choose the model and the target load."
	case len(s.plan.Steps) == 0:
		return "Nothing to do: the phone already runs the target."
	}
	return "Loads are missing (✗ in the plan): add them on the Firmware screen (esc)."
}

func (m *Model) phoneHelp() []key.Binding {
	k := m.keys
	if m.phone.filtering() {
		return []key.Binding{withHelp(k.Enter, "keep"), withHelp(k.Back, "clear the filter")}
	}
	if m.phone.onLine {
		return []key.Binding{withHelp(k.Enter, "ready"), withHelp(k.Tab, "next field"), k.Back}
	}
	enter := "next field"
	if m.phone.focus == phoneTarget {
		enter = "ready"
	}
	tab := k.Tab
	if m.phone.focus == phoneTarget && m.phone.sipTarget() {
		tab = withHelp(k.Tab, "line 1")
	}
	return []key.Binding{withHelp(k.Enter, enter), k.Move, tab, withHelp(k.Filter, "search/type"),
		withHelp(k.PageDown, "scroll the plan"), k.Back}
}

func (m *Model) phoneView(w, h int) string {
	s := &m.phone
	var out []string
	listH := 5
	if h < 18 {
		listH = 3
	}
	for f := range phoneFields {
		c, ok := s.pick[f].selected()
		val := styleDim.Render("(choose)")
		if ok {
			val = styleSelected.Render(servers.Visible(c.Label))
			if c.Note != "" && f != s.focus {
				val += "  " + styleDim.Render(servers.Visible(c.Note))
			}
		}
		focused := f == s.focus && !s.onLine
		mark := "  "
		if focused {
			mark = styleCurrent.Render(markFocus) + " "
		}
		out = append(out, cut(mark+pad(phoneLabels[f], 9)+" "+val, w))
		if focused {
			out = append(out, indent(s.pick[f].view(w-4, listH, true), "    "))
		}
	}
	if s.sipTarget() {
		l := s.line.line()
		switch {
		case l == nil && !s.onLine: // one line until it is wanted: the plan stays in view
			out = append(out, cut("  "+pad("Line 1", 9)+" "+styleDim.Render("none: tab from the target to give one for Asterisk/FreePBX"), w))
		default:
			head := "Line 1 for Asterisk/FreePBX (optional; all empty: no line)"
			if l != nil && s.line.err == nil {
				head = "Line 1: " + servers.Visible(l.String()) + " (the password goes only to this phone, in clear over TFTP)"
			}
			out = append(out, "", cut(styleTitle.Render(head), w))
			out = append(out, s.line.view(s.onLine, w)...)
		}
	}
	out = append(out, "")
	out = append(out, m.planLines(w)...) // the body scrolls (pgdn) where it does not fit
	return strings.Join(out, "\n")
}

// planLines is the plan step by step, with what is missing and what to know.
func (m *Model) planLines(w int) []string {
	s := &m.phone
	var ie *upgrade.InputError
	switch {
	case s.err != nil && errors.As(s.err, &ie):
		return wrapMarked(badLine, ie.Msg, w)
	case s.err != nil:
		return wrapMarked(badLine, s.err.Error(), w)
	case s.plan == nil:
		return []string{styleDim.Render("The plan shows here once the model and the target are chosen.")}
	}
	p := s.plan
	from := p.From
	if p.FromUnknown {
		from = "an unknown load"
	}
	head := fmt.Sprintf("Plan: %s for the %s, from %s to %s", plural(len(p.Steps), "step", "steps"), p.Model.Name, from, p.To)
	if p.FromUnknown && len(p.Bridges) > 0 {
		head = fmt.Sprintf("Plan for the %s, its load unknown: serve %s and learn from the phone; %s if it proves older",
			p.Model.Name, p.To, plural(len(p.Bridges), "bridge", "bridges"))
	}
	if p.Symptom != upgrade.SymptomNone {
		head += " (it " + p.Symptom.Describe() + ")"
	}
	var out []string
	for _, l := range wrap(head, w, "  ") { // at the spaces, not in a load ID
		out = append(out, styleTitle.Render(l))
	}
	for i, st := range p.Steps {
		id := servers.Visible(st.ID)
		if id == "" {
			id = "(no load at hand)"
		}
		mark := styleOK.Render(markOK)
		if st.Missing != "" {
			mark = styleBad.Render(markBad)
		}
		ver := strings.TrimSpace(fmt.Sprintf("%s %s", st.Protocol, st.Version))
		head := fmt.Sprintf(" %d %s %s", i+1, mark, styleSelected.Render(id)) + "  " + ver
		notes := []string{"how: " + st.How}
		if st.Gate == "" {
			head += styleDim.Render("  (" + st.Why + ")")
		} else {
			notes = append([]string{"why: " + st.Why}, notes...)
		}
		out = append(out, head)
		for _, n := range notes {
			for _, l := range wrap(n, w-6, "     ") {
				out = append(out, "     "+styleDim.Render(l))
			}
		}
		if st.Missing != "" {
			for _, l := range wrap(st.Missing, w-6, "  ") {
				out = append(out, "     "+styleBad.Render(l))
			}
		}
	}
	for _, hnt := range p.Hints {
		out = append(out, wrapMarked(warnLine, hnt, w)...)
	}
	return out
}

// wrapMarked wraps text to w with a marker line function on the first line.
func wrapMarked(mark func(string) string, text string, w int) []string {
	lines := wrap(text, w-2, "  ")
	if len(lines) == 0 {
		return nil
	}
	lines[0] = mark(lines[0])
	return lines
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	if s == "" {
		return s
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
