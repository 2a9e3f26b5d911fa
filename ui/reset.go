package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/upgrade"
)

// resetState is the Reset screen: which of the model's resets is shown.
type resetState struct {
	which int
}

func (m *Model) resets() []upgrade.Reset {
	if m.plan == nil {
		return nil
	}
	return m.plan.Model.Resets
}

func (m *Model) resetKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Tab), key.Matches(k, m.keys.ShiftTab):
		if n := len(m.resets()); n > 0 {
			m.reset.which = (m.reset.which + 1) % n
		}
	case key.Matches(k, m.keys.Enter):
		return tea.Batch(m.phoneReady(), m.goTo(ScreenWatch))
	case key.Matches(k, m.keys.Back):
		return m.stopServers()
	}
	return nil
}

// phoneReady tells a backend whose phone waits (the demo's) that the reset is done.
func (m *Model) phoneReady() tea.Cmd {
	w, ok := m.b.(PhoneWaiter)
	if !ok {
		return nil
	}
	return func() tea.Msg {
		w.PhoneReady()
		return nil
	}
}

func (m *Model) resetHelp() []key.Binding {
	k := m.keys
	out := []key.Binding{withHelp(k.Enter, "watch now")}
	if _, demo := m.b.(PhoneWaiter); demo {
		out[0] = withHelp(k.Enter, "the reset is done")
	}
	if len(m.resets()) > 1 {
		out = append(out, withHelp(k.Tab, "the other reset"))
	}
	return append(out, withHelp(k.Back, "stop the servers, back"))
}

func (m *Model) resetView(w, h int) string {
	rs := m.resets()
	info := m.run.info
	serving := fmt.Sprintf("Servers running on %s (%s)", info.Iface, info.ServerIP) // wrapped below: made visible
	if info.DHCP != "" {
		serving += ": DHCP " + info.DHCP + ", TFTP " + info.TFTP
	} else {
		serving += ": TFTP " + info.TFTP + " (no DHCP)"
	}
	head := wrapMarked(okLine, serving, w)
	for _, wn := range info.Warnings {
		head = append(head, wrapMarked(warnLine, wn, w)...) // they name folders and files: wrap makes them visible
	}
	if len(rs) == 0 {
		return strings.Join(append(head, warnLine("No reset sequence is known for this phone.")), "\n")
	}
	r := rs[m.reset.which%len(rs)]
	title := fmt.Sprintf("Now the %s of the %s", r.Name, m.plan.Model.Name)
	if len(rs) > 1 {
		title += styleDim.Render(fmt.Sprintf("  (%d of %d: tab shows the other)", m.reset.which%len(rs)+1, len(rs)))
	}
	wait := wrap("Waiting for the phone's DHCP DISCOVER"+ellipsis+" (this moves on by itself)", w-2, "")
	switch _, demo := m.b.(PhoneWaiter); {
	case demo:
		wait = wrap("The virtual phone powers on when you press enter, as a real one boots after its keys", w-2, "")
	case info.DHCP == "":
		wait = wrap("Waiting for the phone's first TFTP request"+ellipsis, w-2, "")
	}
	wait[0] = m.spinnerView() + " " + wait[0]
	for i := 1; i < len(wait); i++ {
		wait[i] = "  " + wait[i]
	}
	head = append(head, wait...)
	head = append(head, styleTitle.Render(title))
	steps := resetSteps(r, w)
	// Everything fits at 80x24 and up; on a smaller terminal the keycaps take one line
	// and the body scrolls: the steps and the conditions are never cut.
	caps := keycaps(r.Keys, w, true)
	conds := conditionLines(r.Conditions, w)
	if len(head)+len(steps)+1+len(caps)+len(conds) > h {
		caps = keycaps(r.Keys, w, false)
	}
	out := append(head, caps...)
	out = append(out, steps...)
	out = append(out, styleTitle.Render("Conditions"))
	return strings.Join(append(out, conds...), "\n")
}

// resetSteps is what to do and what the phone shows then, side by side when there is
// room, one under the other when not.
func resetSteps(r upgrade.Reset, w int) []string {
	var out []string
	if w < 100 {
		for i, st := range r.Steps {
			for j, l := range wrap(st.Do+" → "+st.Shows, w-4, "") {
				lead := "    "
				if j == 0 {
					lead = fmt.Sprintf(" %d. ", i+1)
				}
				out = append(out, lead+l)
			}
		}
		return out
	}
	doW := (w - 6) / 2
	for i, st := range r.Steps {
		do := wrap(st.Do, doW, "")
		shows := wrap("→ "+st.Shows, w-6-doW-2, "  ")
		for j := 0; j < max(len(do), len(shows)); j++ {
			lead := "    "
			if j == 0 {
				lead = fmt.Sprintf(" %d. ", i+1)
			}
			left, right := "", ""
			if j < len(do) {
				left = do[j]
			}
			if j < len(shows) {
				right = styleDim.Render(shows[j])
			}
			out = append(out, strings.TrimRight(lead+pad(left, doW)+"  "+right, " "))
		}
	}
	return out
}

// conditionLines lists the conditions, wrapped.
func conditionLines(cs []string, w int) []string {
	var out []string
	for _, c := range cs {
		for j, l := range wrap(c, w-4, "") {
			if j == 0 {
				out = append(out, " "+markTodo+" "+l)
			} else {
				out = append(out, "   "+l)
			}
		}
	}
	return out
}

// keycaps draws the keys to type as keycaps, three lines (big), with the sequence as
// text beside them; one line of bracketed keys when not big or too narrow.
func keycaps(keys string, w int, big bool) []string {
	text := "  " + styleKey.Render(keys)
	if !big || len(keys)*5+2+len(keys) > w {
		var b strings.Builder
		for _, k := range keys {
			b.WriteString("[" + string(k) + "]")
		}
		return []string{"  " + styleKey.Render(b.String()) + text}
	}
	var top, mid, bot strings.Builder
	for _, k := range keys {
		top.WriteString("╭───╮")
		mid.WriteString("│ " + styleKey.Render(string(k)) + " │")
		bot.WriteString("╰───╯")
	}
	return []string{top.String(), mid.String() + text, bot.String()}
}
