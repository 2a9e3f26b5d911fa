package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// doneState is the Done screen: where the session report went.
type doneState struct {
	report    string
	reportErr error
	writing   bool
	written   chan reportMsg // the write in flight also reports here: Finish waits for it
}

type reportMsg struct {
	path string
	err  error
}

// enterDone writes the session report (once per session).
func (m *Model) enterDone() tea.Cmd {
	if m.done.writing || m.done.report != "" || m.run.sess == nil {
		return nil
	}
	m.done.writing = true
	m.done.written = make(chan reportMsg, 1)
	b, sess, written := m.b, m.run.sess, m.done.written
	return tea.Batch(m.startBusy(), func() tea.Msg {
		path, err := b.WriteReport(sess)
		written <- reportMsg{path, err}
		return reportMsg{path, err}
	})
}

func (m *Model) gotReport(msg reportMsg) {
	m.done.writing = false
	m.done.report, m.done.reportErr = msg.path, msg.err
}

func (m *Model) doneKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Back):
		return m.goTo(ScreenWatch)
	case key.Matches(k, m.keys.Enter):
		return m.quit()
	}
	return nil
}

func (m *Model) doneHelp() []key.Binding {
	return []key.Binding{withHelp(m.keys.Enter, "quit"), withHelp(m.keys.Back, "back to watch")}
}

func (m *Model) doneView(w, h int) string {
	now := m.opts.Now()
	phones := m.run.phones
	var out []string
	switch {
	case len(phones) == 0:
		out = append(out, warnLine("No phone came."))
	case allDone(phones):
		out = append(out, okLine(styleTitle.Render(fmt.Sprintf("Done: %s upgraded", plural(len(phones), "phone", "phones")))))
	default:
		out = append(out, warnLine("Not every phone finished (the servers keep running until you quit)."))
	}
	out = append(out, "")
	for _, p := range phones {
		out = append(out, m.phoneSummary(p, now, w)...)
	}
	out = append(out, "")
	switch {
	case m.done.writing:
		out = append(out, m.spinnerView()+" writing the session report"+ellipsis)
	case m.done.reportErr != nil:
		out = append(out, wrapMarked(badLine, m.done.reportErr.Error(), w)...)
	case m.done.report != "":
		out = append(out, "Session report (JSON, for the work ticket):")
		for _, l := range wrap(m.done.report, w-2, "") {
			out = append(out, "  "+styleKey.Render(l))
		}
	}
	if m.run.logPath != "" {
		out = append(out, "Event log (JSON lines):")
		for _, l := range wrap(m.run.logPath, w-2, "") {
			out = append(out, "  "+styleKey.Render(l))
		}
	} else {
		out = append(out, styleDim.Render("No event log was kept (give --log FILE)."))
	}
	out = append(out, styleDim.Render("The servers run until you quit."))
	return strings.Join(out, "\n")
}

// phoneSummary is one phone's outcome: load before and after, each step with its
// duration and retries.
func (m *Model) phoneSummary(p upgrade.Phone, now time.Time, w int) []string {
	before := "an unknown load"
	if m.plan != nil && m.plan.From != "" {
		before = m.plan.From
	}
	after := p.FinalLoad
	if after == "" {
		after = "(not finished: " + string(p.Phase) + ")"
	}
	var total time.Duration
	if !p.FirstSeen.IsZero() {
		total = p.LastSeen.Sub(p.FirstSeen)
	}
	head := fmt.Sprintf("%s %s  %s", phaseMark(p.Phase), styleTitle.Render(phoneName(p)), servers.Visible(p.Model))
	out := []string{cut(head, w)}
	for _, l := range wrap(fmt.Sprintf("%s → %s in %s, %s again, %s", before, after, clock(total),
		plural(p.Retries, "file asked", "files asked"), plural(p.Failures, "failed transfer", "failed transfers")), w-4, "  ") {
		out = append(out, "    "+l)
	}
	for i, st := range p.Steps {
		mark, d := markTodo, ""
		switch {
		case st.Skipped:
			mark, d = styleOK.Render(markOK), "already on it"
		case !st.Ended.IsZero():
			mark, d = styleOK.Render(markOK), clock(st.Duration(now))
		case !st.Started.IsZero():
			mark, d = styleCurrent.Render(markNow), clock(st.Duration(now))+" so far"
		}
		line := fmt.Sprintf("    %s %d %-16s %s", mark, i+1, servers.Visible(st.Load), d)
		if st.Retries > 0 {
			line += fmt.Sprintf(", %d again", st.Retries)
		}
		out = append(out, cut(line, w))
	}
	for _, note := range m.phoneNotes(p, now) {
		for _, l := range wrap(note, w-4, "  ") {
			out = append(out, "    "+l)
		}
	}
	return out
}

// phoneNotes are what the work ticket says of a phone beyond its steps, as the session
// report has it: it already ran the target, what it showed of its load, a load it did
// not keep, the line written into its config (never the password).
func (m *Model) phoneNotes(p upgrade.Phone, now time.Time) []string {
	var notes []string
	if p.AlreadyRan {
		notes = append(notes, "It already ran the target: nothing was loaded.")
	}
	if p.Learned != "" {
		notes = append(notes, "It showed it was older than the target allows: "+p.Learned+".")
	}
	if p.NotKept > 0 {
		notes = append(notes, fmt.Sprintf("It did not keep a load %s (booted its old application again) and took it again.",
			plural(p.NotKept, "time", "times")))
	}
	if m.run.sess != nil && p.MAC != "" {
		for _, pr := range m.run.sess.Report(now).Phones {
			if pr.MAC == p.MAC {
				notes = append(notes, lineNotes(pr)...)
			}
		}
	}
	return notes
}

// lineNotes are what the report says of a phone's line: written, and whether the
// phone fetched it; or why it got none.
func lineNotes(pr upgrade.PhoneReport) []string {
	var notes []string
	if pr.NoLine != "" {
		notes = append(notes, "No line: "+servers.Visible(pr.NoLine)+"; give it its own line in a run of its own.")
	}
	if pr.Line != "" {
		note := servers.Visible(pr.Line) + "; the phone has not fetched it yet"
		if pr.LineRead {
			note = servers.Visible(pr.Line) + " and fetched by the phone"
		}
		notes = append(notes, capitalFirst(note)+".")
	}
	return notes
}

func capitalFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
