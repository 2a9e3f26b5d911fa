package ui

import (
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// idleFPS is the renderer's frame rate; a frame is 50 ms, quick enough for typing.
const idleFPS = 20

// Result is what the wizard leaves behind, for the lines printed after it exits (the
// alternate screen takes everything it showed with it).
type Result struct {
	Report string          // the session report, "" when no servers ran
	Log    string          // the event log, "" when none was kept
	Phones []upgrade.Phone // what the tracker knew of each phone at the end
	Err    error           // the report could not be written, the servers failed
}

// Run runs the wizard on the terminal until the user quits, then stops the servers it
// started and writes the session report if the Done screen did not. Bubble Tea
// restores the terminal after a panic in the wizard (Update, View or a command); Run
// then still stops the servers, and returns the panic as an error.
func Run(b Backend, o Options, opts ...tea.ProgramOption) (Result, error) {
	if err := checkTerminal(os.Getenv); err != nil {
		return Result{}, err
	}
	m := New(b, o)
	// 20 frames a second: the renderer wakes at this rate even when nothing changes
	// (60, the default, cost 0.8 % CPU idle on the test machine; 20 costs 0.3 %).
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithFPS(idleFPS)}, opts...)...)
	_, err := p.Run()
	res := m.Finish()
	if errors.Is(err, tea.ErrProgramPanic) {
		err = fmt.Errorf("the wizard crashed (a bug: please report the lines above): %w", err)
	}
	return res, err
}

// ErrDumbTerminal is Run's answer on a terminal that cannot show the wizard.
var ErrDumbTerminal = errors.New(`this terminal (TERM=dumb) cannot run the wizard, which needs a full-screen terminal: ` +
	`run phoneflash in another terminal, or use "phoneflash serve" (one event a line, no screen to draw)`)

// checkTerminal refuses TERM=dumb (Emacs shells, some CI and serial consoles): it
// moves no cursor and clears nothing, and the wizard would fill it with escape codes.
func checkTerminal(getenv func(string) string) error {
	if getenv("TERM") == "dumb" {
		return ErrDumbTerminal
	}
	return nil
}

// Finish ends the wizard's work once the program has exited: it stops the Session
// (after the event log has every event) and writes the session report if none was.
// It is safe to call more than once.
func (m *Model) Finish() Result {
	m.cancel()
	res := Result{Log: m.run.logPath, Report: m.done.report}
	var errs []error
	sess := m.run.sess
	if sess != nil {
		if m.run.unsub != nil {
			m.run.unsub()
		}
		sess.Stop()
		res.Phones = sess.Phones()
		if err := sess.Err(); err != nil {
			errs = append(errs, fmt.Errorf("the servers failed: %w", err))
		}
		if err := sess.LogErr(); err != nil {
			errs = append(errs, err)
		}
	}
	if m.run.log != nil { // after Stop: the log has every event
		if err := m.run.log.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the event log %s: %w", m.run.logPath, err))
		}
		m.run.log = nil
	}
	if sess == nil {
		res.Err = errors.Join(errs...)
		return res
	}
	if m.done.writing { // the Done screen's write was still running when the program ended
		m.gotReport(<-m.done.written)
	}
	res.Report = m.done.report
	switch {
	case m.done.reportErr != nil:
		errs = append(errs, m.done.reportErr)
	case res.Report == "":
		path, err := m.b.WriteReport(sess)
		if err != nil {
			errs = append(errs, err)
		}
		res.Report = path
		m.done.report = path
	}
	res.Err = errors.Join(errs...)
	return res
}

// WriteSummary prints what the wizard leaves behind: each phone's outcome, the report
// and the event log, a line each. It goes to the terminal, and the phone's model and
// load came off the wire: every line is made visible.
func (r Result) WriteSummary(w io.Writer) {
	w = servers.VisibleWriter(w)
	for _, p := range r.Phones {
		state := string(p.Phase)
		if p.Phase == upgrade.PhaseDone {
			state = "done, runs " + p.FinalLoad
		}
		fmt.Fprintf(w, "phone %s %s: %s\n", phoneName(p), p.Model, state)
	}
	if r.Report != "" {
		fmt.Fprintf(w, "session report: %s\n", r.Report)
	}
	if r.Log != "" {
		fmt.Fprintf(w, "event log: %s\n", r.Log)
	}
}
