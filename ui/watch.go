package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// watchState is the Watch screen: the phones, the transfer of each, the event log.
type watchState struct {
	log       eventLog
	filterBuf string // the filter being typed
	sel       int    // the selected phone
	onPhones  bool   // keys move the phone selection (several phones), else the log
	ticking   bool
	bar       progress.Model
	barWidth  int
	autoDone  bool // moved on to Done by itself once
}

func newWatchState() watchState {
	return watchState{log: newEventLog()}
}

type eventsMsg struct {
	sess   *upgrade.Session // the session they came from (stale ones are dropped)
	events []upgrade.Event
	phones []upgrade.Phone
}

type sessionEndedMsg struct {
	sess   *upgrade.Session
	err    error
	closed bool // the events channel closed: nothing more to read
}

type tickMsg time.Time

// listenBatch caps how many queued events one message carries.
const listenBatch = 512

// listen waits for the Session's next events (taking whatever else is queued with
// them) and the tracker's state after them. Update re-arms it after every batch.
func (m *Model) listen() tea.Cmd {
	ch, sess, ctx := m.run.events, m.run.sess, m.ctx
	if ch == nil {
		return nil
	}
	var done <-chan struct{}
	if sess != nil && !m.run.ended {
		done = sess.Done()
	}
	return func() tea.Msg {
		select {
		case e, ok := <-ch:
			if !ok {
				return sessionEndedMsg{sess: sess, closed: true}
			}
			batch := []upgrade.Event{e}
		drain:
			for len(batch) < listenBatch {
				select {
				case e, ok := <-ch:
					if !ok {
						break drain
					}
					batch = append(batch, e)
				default:
					break drain
				}
			}
			msg := eventsMsg{sess: sess, events: batch}
			if sess != nil {
				msg.phones = sess.Phones()
			}
			return msg
		case <-done:
			return sessionEndedMsg{sess: sess, err: sess.Err()}
		case <-ctx.Done():
			return nil
		}
	}
}

func (m *Model) gotEvents(msg eventsMsg) tea.Cmd {
	if msg.sess != m.run.sess {
		return nil
	}
	var cmds []tea.Cmd
	for _, e := range msg.events {
		m.watch.log.add(e)
		switch e.Kind {
		case servers.DHCPDiscover, servers.TFTPRequest:
			if m.screen == ScreenReset {
				cmds = append(cmds, m.goTo(ScreenWatch))
			}
		case upgrade.UpgradeDone:
			m.run.sawDone = true
		case servers.LogError:
			m.warn(e.Msg) // on every screen: the technician must hear of it at once
		}
	}
	m.run.phones = msg.phones
	m.watch.sel = min(m.watch.sel, max(0, len(m.run.phones)-1))
	if m.screen == ScreenWatch && m.run.sawDone && !m.watch.autoDone && allDone(m.run.phones) {
		m.watch.autoDone = true
		cmds = append(cmds, m.goTo(ScreenDone))
	}
	cmds = append(cmds, m.listen(), m.watchTick())
	return tea.Batch(cmds...)
}

func (m *Model) gotEnded(msg sessionEndedMsg) tea.Cmd {
	if msg.sess != m.run.sess {
		return nil
	}
	m.run.ended = true
	if msg.err != nil || !msg.closed {
		m.run.endErr = msg.err
	}
	if msg.closed {
		m.run.events = nil // a closed channel would answer the next listen at once, forever
		return nil
	}
	return m.listen() // drain what is still queued
}

func allDone(ps []upgrade.Phone) bool {
	for _, p := range ps {
		if p.Phase != upgrade.PhaseDone {
			return false
		}
	}
	return len(ps) > 0
}

// active reports whether a phone is between its first request and done while the
// servers run: only then do the durations need a tick.
func (m *Model) active() bool {
	return m.flashing() != ""
}

// watchTick keeps one one-second tick going while the Watch screen shows a phone at
// work; when nothing moves, nothing ticks (no redraw while idle).
func (m *Model) watchTick() tea.Cmd {
	if m.watch.ticking || m.screen != ScreenWatch || !m.active() {
		return nil
	}
	m.watch.ticking = true
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *Model) watchKey(k tea.KeyMsg) tea.Cmd {
	s := &m.watch
	if s.log.editing {
		switch k.Type {
		case tea.KeyEnter:
			s.log.editing = false
		case tea.KeyEsc:
			s.log.editing, s.filterBuf = false, ""
			s.log.setFilter("")
		case tea.KeyBackspace:
			if r := []rune(s.filterBuf); len(r) > 0 {
				s.filterBuf = string(r[:len(r)-1])
				s.log.setFilter(s.filterBuf)
			}
		case tea.KeyRunes, tea.KeySpace:
			s.filterBuf += string(k.Runes)
			s.log.setFilter(s.filterBuf)
		}
		return nil
	}
	keys := m.keys
	page := max(1, m.logHeight()-1)
	several := len(m.run.phones) > 1
	switch {
	case key.Matches(k, keys.Filter):
		s.log.editing = true
	case key.Matches(k, keys.Back):
		if s.filterBuf != "" {
			s.filterBuf = ""
			s.log.setFilter("")
		}
	case key.Matches(k, keys.Tab), key.Matches(k, keys.ShiftTab):
		s.onPhones = several && !s.onPhones
	case key.Matches(k, keys.Up):
		if s.onPhones && several {
			s.sel = max(0, s.sel-1)
		} else {
			s.log.scroll(-1, m.logHeight())
		}
	case key.Matches(k, keys.Down):
		if s.onPhones && several {
			s.sel = min(len(m.run.phones)-1, s.sel+1)
		} else {
			s.log.scroll(1, m.logHeight())
		}
	case key.Matches(k, keys.PageUp):
		s.log.scroll(-page, m.logHeight())
	case key.Matches(k, keys.PageDown):
		s.log.scroll(page, m.logHeight())
	case key.Matches(k, keys.Top):
		s.log.home()
	case key.Matches(k, keys.Bottom):
		s.log.end()
	case key.Matches(k, keys.Enter):
		if mac := m.flashing(); mac != "" {
			m.ask(fmt.Sprintf("%s is still at work: finish anyway (the servers keep running until you quit)?", mac),
				"Still watching.", func() tea.Cmd { return m.goTo(ScreenDone) })
			return nil
		}
		return m.goTo(ScreenDone)
	}
	return nil
}

func (m *Model) watchHelp() []key.Binding {
	k := m.keys
	if m.watch.log.editing {
		return []key.Binding{withHelp(k.Enter, "keep the filter"), withHelp(k.Back, "clear it")}
	}
	out := []key.Binding{withHelp(k.Enter, "finish"), withHelp(k.Filter, "filter the log"), withHelp(k.Move, "scroll")}
	if len(m.run.phones) > 1 {
		out = append(out, withHelp(k.Tab, "phones/log"))
	}
	return append(out, k.PageUp, k.PageDown, k.Bottom)
}

// logHeight is how many log lines the Watch screen has at the current size (for paging).
func (m *Model) logHeight() int { return max(3, m.height-16) }

func (m *Model) watchView(w, h int) string {
	var top []string
	if m.run.ended {
		msg := "The servers stopped"
		if m.run.endErr != nil {
			msg += ": " + m.run.endErr.Error()
		}
		top = append(top, badLine(servers.Visible(msg)))
	}
	phones := m.run.phones
	switch {
	case len(phones) == 0:
		top = append(top, m.spinnerView()+" Waiting for the phone"+ellipsis+styleDim.Render(" (do the reset of the previous screen)"))
	case len(phones) == 1:
		top = append(top, m.card(phones[0], w)...)
	default:
		listW := 31
		list := m.phoneList(listW)
		card := strings.Join(m.card(phones[m.watch.sel], w-listW-1), "\n")
		top = append(top, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, padLines(list, listW), card), "\n")...)
	}
	// Hints of the selected phone, newest first, at most three lines, and at least a
	// line left for the log: the Watch screen fits without scrolling (the log has the keys).
	if len(phones) > 0 {
		p := phones[min(m.watch.sel, len(phones)-1)]
		n, most := 0, min(3, h-len(top)-2)
		for i := len(p.Hints) - 1; i >= 0 && n < most; i-- {
			for _, l := range wrapMarked(warnLine, p.Hints[i].Msg, w) {
				if n < most {
					top = append(top, l)
					n++
				}
			}
		}
	}
	logH := max(1, h-len(top)-1)
	title := fmt.Sprintf("Events (%d", m.watch.log.total)
	switch {
	case m.watch.log.editing:
		title += "; filter: " + servers.Visible(m.watch.filterBuf) + "▏"
	case m.watch.filterBuf != "":
		title += fmt.Sprintf("; %d match %q", len(m.watch.log.match), m.watch.filterBuf)
	default:
		title += "; / filters"
	}
	if !m.watch.log.following() {
		title += "; end: follow"
	}
	title += ")"
	return strings.Join(top, "\n") + "\n" + rule(title, w) + "\n" + m.watch.log.view(w, logH)
}

// phoneList is the phones, one a line, the selected one marked.
func (m *Model) phoneList(w int) string {
	var out []string
	for i, p := range m.run.phones {
		lead := "  "
		if i == m.watch.sel {
			lead = markCursor + " "
			if !m.watch.onPhones {
				lead = markFocus + " "
			}
		}
		line := lead + phaseMark(p.Phase) + " " + phoneName(p) + " " + styleDim.Render(shortPhase(p.Phase))
		if i == m.watch.sel {
			line = styleSelected.Render(line)
		}
		out = append(out, cut(line, w))
	}
	return strings.Join(out, "\n")
}

// shortPhase is a phase in a word, for the phone list.
func shortPhase(p upgrade.Phase) string {
	switch p {
	case upgrade.PhaseWaiting:
		return "waiting"
	case upgrade.PhaseAddress:
		return "address"
	case upgrade.PhaseConfig:
		return "config"
	case upgrade.PhaseLoading:
		return "loading"
	case upgrade.PhaseFlashing:
		return "flashing"
	case upgrade.PhaseDone:
		return "done"
	}
	return string(p)
}

func phaseMark(p upgrade.Phase) string {
	switch p {
	case upgrade.PhaseDone:
		return styleOK.Render(markOK)
	case upgrade.PhaseWaiting:
		return markTodo
	}
	return styleCurrent.Render(markNow)
}

// card is one phone: who it is, where it is, its transfer and its steps.
func (m *Model) card(p upgrade.Phone, w int) []string {
	now := m.opts.Now()
	inner := max(10, w-4) // border and padding
	id := []string{phoneName(p)}
	if p.Model != "" {
		id = append(id, servers.Visible(p.Model))
	}
	if p.IP != "" {
		id = append(id, servers.Visible(p.IP))
	}
	head := styleTitle.Render(strings.Join(id, "  ")) + "  " + phaseMark(p.Phase) + " " + string(p.Phase)
	var lines []string
	lines = append(lines, head)
	plan := m.plan
	switch {
	case p.Phase == upgrade.PhaseDone:
		lines = append(lines, okLine("runs "+servers.Visible(p.FinalLoad)))
	case plan != nil && p.Step < len(plan.Steps):
		st := plan.Steps[p.Step]
		lines = append(lines, servers.Visible(fmt.Sprintf("Step %d of %d: %s (%s %s)", p.Step+1, len(plan.Steps), st.ID, st.Protocol, st.Version)))
	}
	lines = append(lines, m.transferLines(p, inner)...)
	if len(p.Steps) > 0 {
		lines = append(lines, timeline(p, now, inner)...)
	}
	if p.Retries > 0 || p.Failures > 0 {
		lines = append(lines, warnLine(fmt.Sprintf("%s again, %s", plural(p.Retries, "file asked", "files asked"),
			plural(p.Failures, "transfer failed", "transfers failed"))))
	}
	for i, l := range lines {
		lines[i] = cut(l, inner)
	}
	return strings.Split(styleCard.Width(inner+2).Render(strings.Join(lines, "\n")), "\n")
}

// transferLines is the file in flight with a bar, its rate and ETA, on a second line
// when a narrow card has no room for them beside the name; the last file when none is.
func (m *Model) transferLines(p upgrade.Phone, w int) []string {
	if p.File == "" {
		return []string{styleDim.Render("no transfer yet")}
	}
	name := servers.Visible(p.File) // the name as the phone asked for it
	if p.FileCount > 0 {
		name = fmt.Sprintf("file %d of %d: %s", p.FileIndex, p.FileCount, name)
	}
	pct, r, left, inFlight := p.InFlight() // the tracker's numbers: serve shows the same
	if !inFlight {
		if p.Size > 0 && p.Bytes >= p.Size {
			rate := ""
			if p.Rate > 0 {
				rate = fmt.Sprintf(", %s/s", size(int64(p.Rate)))
			}
			return []string{name + styleDim.Render(fmt.Sprintf("  %s%s", size(p.Size), rate))}
		}
		return []string{name}
	}
	rate, eta := "", ""
	if r > 0 {
		rate = size(int64(r)) + "/s"
		eta = "ETA " + clock(left)
	}
	barW := max(10, min(30, w-lipgloss.Width(name)-30))
	if m.watch.barWidth != barW {
		m.watch.bar = progress.New(progress.WithSolidFill("6"), progress.WithoutPercentage(),
			progress.WithWidth(barW), progress.WithColorProfile(lipgloss.ColorProfile()))
		m.watch.barWidth = barW
	}
	progress := fmt.Sprintf("%s %3.0f%% %s %s", m.watch.bar.ViewAs(pct), pct*100, rate, eta)
	if lipgloss.Width(name)+1+lipgloss.Width(progress) > w {
		return []string{name, progress}
	}
	return []string{name + " " + progress}
}

// timeline is the plan's steps for a phone: ticked, in progress, or to come, with
// their durations.
func timeline(p upgrade.Phone, now time.Time, w int) []string {
	var cells []string
	for i, st := range p.Steps {
		st.Load = servers.Visible(st.Load)
		var c string
		switch {
		case st.Skipped:
			c = styleOK.Render(markOK) + fmt.Sprintf(" %d %s (already on it)", i+1, st.Load)
		case !st.Ended.IsZero():
			c = styleOK.Render(markOK) + fmt.Sprintf(" %d %s %s", i+1, st.Load, clock(st.Duration(now)))
			if st.Retries > 0 {
				c += fmt.Sprintf(" (%d again)", st.Retries)
			}
		case !st.Started.IsZero():
			c = styleCurrent.Render(markNow) + fmt.Sprintf(" %d %s %s", i+1, st.Load, clock(st.Duration(now)))
		default:
			c = markTodo + fmt.Sprintf(" %d %s", i+1, st.Load)
		}
		cells = append(cells, c)
	}
	// As many cells a line as fit.
	var lines []string
	line := ""
	for _, c := range cells {
		switch {
		case line == "":
			line = c
		case lipgloss.Width(line)+3+lipgloss.Width(c) <= w:
			line += "   " + c
		default:
			lines = append(lines, line)
			line = c
		}
	}
	return append(lines, line)
}

// clock is a duration as m:ss (h:mm:ss past an hour).
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	h, mi, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, mi, s)
	}
	return fmt.Sprintf("%d:%02d", mi, s)
}
