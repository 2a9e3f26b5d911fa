package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/firmware"
	"phoneflash/servers"
)

type fwFocus int

const (
	fwFocusPath fwFocus = iota // typing the path
	fwFocusList                // scrolling the loads
)

// pathSep separates several firmware paths typed in the one field.
const pathSep = ", "

// firmwareState is the Firmware screen: the path (typed, completed or picked) and the
// loads found there.
type firmwareState struct {
	input    textinput.Model
	comps    picker // completions of the typed path
	compsFor string // the text they complete
	picking  bool   // the cursor is in the completions
	focus    fwFocus
	opening  string // the paths being opened ("" none)
	opened   string // the paths the library is for
	err      error
	lines    []string // the loads, a line each, built once per library
}

func newFirmwareState(o Options) firmwareState {
	in := textinput.New()
	in.Prompt = markFocus + " "
	in.Placeholder = "a folder, or .zip/.cop/.tar files as downloaded"
	in.Cursor.SetMode(cursor.CursorStatic)
	in.SetValue(strings.Join(o.Firmware, pathSep))
	in.CursorEnd()
	in.Focus()
	return firmwareState{input: in}
}

type firmwareMsg struct {
	paths string
	lib   *firmware.Library
	err   error
}

type completionsMsg struct {
	prefix string
	list   []string
}

func splitPaths(s string) []string {
	var out []string
	for _, p := range strings.Split(s, pathSep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (m *Model) openFirmware(paths []string) tea.Cmd {
	b, key := m.b, strings.Join(paths, pathSep)
	m.fw.opening = key
	return tea.Batch(m.startBusy(), func() tea.Msg {
		lib, err := b.OpenFirmware(paths...)
		return firmwareMsg{paths: key, lib: lib, err: err}
	})
}

func (m *Model) gotFirmware(msg firmwareMsg) tea.Cmd {
	s := &m.fw
	if msg.paths != s.opening {
		return nil // the path changed since
	}
	s.opening, s.opened, s.err = "", msg.paths, msg.err
	m.lib = msg.lib
	s.lines = loadLines(msg.lib)
	if m.lib != nil && m.lib.Err() != nil && len(m.lib.Loads) == 0 {
		s.err = m.lib.Err()
	}
	m.phone.libChanged(m.lib)
	m.replan()
	if s.err == nil && m.lib != nil {
		s.focus = fwFocusList
		s.input.Blur()
	}
	return nil
}

// firmwareOK reports whether the path typed is the one opened, with loads in it.
func (m *Model) firmwareOK() bool {
	s := &m.fw
	return s.err == nil && m.lib != nil && len(m.lib.Loads) > 0 && s.opening == "" &&
		s.opened == strings.Join(splitPaths(s.input.Value()), pathSep)
}

func (m *Model) complete() tea.Cmd {
	b, prefix := m.b, m.fw.input.Value()
	return func() tea.Msg { return completionsMsg{prefix: prefix, list: b.CompletePath(prefix)} }
}

func (m *Model) gotCompletions(msg completionsMsg) {
	s := &m.fw
	if msg.prefix != s.input.Value() {
		return
	}
	switch len(msg.list) {
	case 0:
		m.warn("Nothing there starts with " + fmt.Sprintf("%q", msg.prefix) + ".")
		s.comps.set(nil)
	case 1:
		s.input.SetValue(msg.list[0])
		s.input.CursorEnd()
		s.comps.set(nil)
	default:
		if p := commonPrefix(msg.list); len(p) > len(msg.prefix) {
			s.input.SetValue(p)
			s.input.CursorEnd()
		}
		cs := make([]choice, len(msg.list))
		for i, c := range msg.list {
			cs[i] = choice{Value: c, Label: c}
		}
		s.comps = newPicker(cs)
	}
	s.compsFor = s.input.Value()
	s.picking = false
}

func commonPrefix(list []string) string {
	p := list[0]
	for _, s := range list[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (m *Model) firmwareKey(k tea.KeyMsg) tea.Cmd {
	s := &m.fw
	keys := m.keys
	if s.focus == fwFocusList {
		switch { // the arrows and pages scroll the body (scrollBody)
		case key.Matches(k, keys.Tab), key.Matches(k, keys.ShiftTab), key.Matches(k, keys.Filter):
			s.focus = fwFocusPath
			s.input.Focus()
		case key.Matches(k, keys.Back):
			return m.goTo(ScreenBench)
		case key.Matches(k, keys.Enter):
			return m.firmwareNext()
		}
		return nil
	}
	hasComps := len(s.comps.shown) > 0 && s.compsFor == s.input.Value()
	switch {
	case key.Matches(k, keys.Back):
		if hasComps {
			s.comps.set(nil)
			return nil
		}
		return m.goTo(ScreenBench)
	case k.String() == "tab":
		return m.complete()
	case k.String() == "shift+tab":
		if m.lib != nil {
			s.focus = fwFocusList
			s.input.Blur()
		}
		return nil
	case hasComps && (k.String() == "up" || k.String() == "down"):
		if !s.picking {
			s.picking = true
		} else if k.String() == "up" {
			s.comps.move(-1)
		} else {
			s.comps.move(1)
		}
		return nil
	case k.String() == "enter":
		if hasComps && s.picking {
			c, _ := s.comps.selected()
			s.input.SetValue(c.Value)
			s.input.CursorEnd()
			s.comps.set(nil)
			s.picking = false
			return m.openFirmware(splitPaths(c.Value)) // a folder is firmware too; tab goes deeper
		}
		return m.firmwareNext()
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(k)
	return cmd
}

// firmwareNext opens the typed path, or goes on when it is open already.
func (m *Model) firmwareNext() tea.Cmd {
	s := &m.fw
	if m.firmwareOK() {
		return m.goTo(ScreenPhone)
	}
	paths := splitPaths(s.input.Value())
	if len(paths) == 0 {
		m.warn("Type the firmware's folder or archive first (tab completes).")
		return nil
	}
	if s.opening == strings.Join(paths, pathSep) {
		return nil
	}
	if s.opened == strings.Join(paths, pathSep) && s.err == nil && m.lib != nil && len(m.lib.Loads) == 0 {
		m.warn("No loads there: choose another folder or archive.")
		return nil
	}
	return m.openFirmware(paths)
}

func (m *Model) firmwareHelp() []key.Binding {
	k := m.keys
	enter := "open"
	if m.firmwareOK() {
		enter = "next"
	}
	if m.fw.focus == fwFocusList {
		return []key.Binding{withHelp(k.Enter, enter), withHelp(k.Move, "scroll"), withHelp(k.Tab, "edit the path"), k.Back}
	}
	return []key.Binding{withHelp(k.Enter, enter), withHelp(k.Tab, "complete"), withHelp(k.ShiftTab, "the loads"), k.Back}
}

func (m *Model) firmwareView(w, h int) string {
	s := &m.fw
	out := []string{styleTitle.Render("Firmware") + styleDim.Render(": a folder or the archives as downloaded (.zip .cop .tar; several: a, b)")}
	s.input.Width = max(10, w-4)
	out = append(out, s.input.View())
	if len(s.comps.shown) > 0 && s.compsFor == s.input.Value() {
		out = append(out, s.comps.view(w, min(5, len(s.comps.shown)+1), s.picking))
	}
	out = append(out, "")
	switch {
	case s.opening != "":
		out = append(out, m.spinnerView()+" reading "+servers.Visible(s.opening)+ellipsis)
	case s.err != nil:
		out = append(out, wrapMarked(badLine, s.err.Error(), w)...)
	case m.lib == nil:
		out = append(out, styleDim.Render("enter reads it: phoneflash lists every load there and says which are complete."))
	default:
		out = append(out, styleTitle.Render(servers.Visible(libSummary(m.lib, s.opened))))
		out = append(out, s.lines...)
	}
	return strings.Join(out, "\n")
}

// libSummary is one line about the library: "5 loads in 1 family in /fw".
func libSummary(l *firmware.Library, paths string) string {
	fams := map[firmware.Family]bool{}
	complete := 0
	for _, ld := range l.Loads {
		fams[ld.Family] = true
		if ld.Complete() {
			complete++
		}
	}
	return fmt.Sprintf("%s in %s (%d complete) in %s", plural(len(l.Loads), "load", "loads"),
		plural(len(fams), "family", "families"), complete, paths)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// loadLines lists the loads grouped by family, each with its status and problems,
// then the files outside any load and the sources that could not be read. IDs, file
// names and problems come out of the firmware files: each is made visible.
func loadLines(l *firmware.Library) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, w := range l.Warnings { // a home or system folder: said before anything is served
		out = append(out, warnLine(servers.Visible(w)))
	}
	for _, fam := range firmware.Families() {
		loads := l.ByFamily(fam)
		if len(loads) == 0 {
			continue
		}
		out = append(out, styleTitle.Render(string(fam))+styleDim.Render(" ("+strings.Join(firmware.FamilyModels(fam), ", ")+")"))
		for _, ld := range loads {
			present := 0
			for _, f := range ld.Files {
				if f.Present {
					present++
				}
			}
			row := servers.Visible(fmt.Sprintf("%-20s %-4s %-12s %d/%d files  %s", ld.ID, ld.Protocol, ld.Version, present, len(ld.Files), ld.Status()))
			if ld.Complete() {
				out = append(out, "  "+okLine(row))
			} else {
				out = append(out, "  "+badLine(row))
			}
			for _, p := range ld.Problems {
				out = append(out, "      "+styleDim.Render(servers.Visible(p)))
			}
		}
	}
	if len(l.Ignored) > 0 {
		out = append(out, styleDim.Render("Not part of any load (served unless it says not):"))
		for _, f := range l.Ignored {
			out = append(out, "  "+styleDim.Render(servers.Visible(f)))
		}
	}
	for _, p := range l.Problems {
		out = append(out, warnLine(servers.Visible(p.Source+": "+p.Error)))
	}
	return out
}
