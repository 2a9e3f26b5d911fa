package upgrade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"phoneflash/servers"
)

// Headless is the Session as `phoneflash serve` shows it: one event a line on Out
// (JSON lines with JSON) and, for a person, notes on Notes: what it serves, warnings,
// a failed log write at once.
//
// Nothing is written in place: a terminal or a pipe that does not read (stdout to a
// pipe nobody drains) must hold up neither the servers nor the exit. Lines wait in a
// bounded queue written from its own goroutine; progress lines are dropped when the
// reader lags; once stopping nothing waits, and the writer gets outputGrace.
type Headless struct {
	Out, Notes io.Writer
	JSON       bool
	Prefix     string // starts every note: "phoneflash serve: "
	Report     string // where the session report is written when it ends; "" = none
}

// outputQueue is how many lines may wait for a slow reader, and outputGrace how long
// they may still take once the servers have stopped.
const (
	outputQueue = 256
	outputGrace = 500 * time.Millisecond
)

// Run starts a Session with o and prints it until ctx ends, SIGINT or SIGTERM comes, or
// the servers fail by themselves. A start-up failure is returned as started=false, as
// Session.Run returns it (*servers.Problem says what to do), with nothing printed;
// after a start, err is what failed the servers or the log (each said on Notes too).
func (h Headless) Run(ctx context.Context, o Options) (started bool, err error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	sess := New(o)
	events := sess.Subscribe(context.Background()) // before Run: closed by sess.Stop after the last event
	if err := sess.Run(ctx); err != nil {
		return false, err
	}
	out, notes := newEventLines(h.Out, h.JSON), newLineQueue(servers.VisibleWriter(h.Notes), outputQueue)
	stopping := make(chan struct{}) // closed before the Session stops: output then waits for nobody
	say := func(format string, a ...any) {
		notes.Put(fmt.Appendf(nil, h.Prefix+format+"\n", a...), stopping)
	}
	go func() {
		select { // a signal, or the servers failed by themselves
		case <-ctx.Done():
		case <-sess.Done():
		}
		close(stopping)
		sess.Stop()
	}()
	h.banner(sess, say)
	for e := range events {
		if e.Kind == servers.LogError { // at once, where a person looks, not only in the stream
			say("%s", e.Msg)
		}
		line := eventLine(e, h.JSON)
		if e.Important() {
			out.Put(line, stopping)
		} else {
			out.Offer(line) // progress: the next one says more, and a lagging reader loses nothing
		}
	}
	serveErr, logErr := sess.Err(), sess.LogErr()
	reportErr := h.writeReport(sess)
	for _, e := range []error{serveErr, logErr, reportErr} {
		if e != nil {
			say("%v", e)
		}
	}
	end := time.Now().Add(outputGrace)
	out.Close(time.Until(end))
	notes.Close(time.Until(end))
	return true, errors.Join(serveErr, logErr, reportErr)
}

// writeReport writes the session report to h.Report, if asked.
func (h Headless) writeReport(sess *Session) error {
	if h.Report == "" {
		return nil
	}
	f, err := os.Create(h.Report)
	if err != nil {
		return fmt.Errorf("write the session report: %w", err)
	}
	err = sess.Report(sess.opts.Now()).WriteJSON(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write the session report %s: %w", h.Report, cerr)
	}
	return err
}

// banner says what the Session stages and serves, and what works less well than asked.
func (h Headless) banner(sess *Session, say func(string, ...any)) {
	loads := 0
	if sess.opts.Library != nil {
		loads = len(sess.opts.Library.Loads)
	}
	if lib := sess.opts.Library; lib != nil {
		for _, w := range lib.Warnings { // a home or system folder served to the bench network
			say("warning: %s", w)
		}
	}
	if p := sess.Plan(); p != nil {
		say("staging %d step(s) for the %s: %s", len(p.Steps), p.Model.Name, p.Route("->"))
		for _, need := range p.IfOlder {
			say("if the phone proves older it needs %s: not in the firmware given (the plan starts without it)", need)
		}
		if p.Line != nil {
			say("line %s goes into the phone's own config on its SIP step, served to its DHCP lease alone", p.Line)
		}
	}
	run := sess.Servers()
	rc := run.Config()
	if rc.NoDHCP {
		say("TFTP on %s (no DHCP); %d loads; Ctrl-C stops", run.TFTPAddr(), loads)
	} else {
		say("DHCP on %s port %d (pool %s + %d), TFTP on %s; %d loads; Ctrl-C stops",
			rc.Iface, run.DHCPAddr().Port(), rc.PoolStart, rc.PoolSize, run.TFTPAddr(), loads)
	}
	for _, w := range run.Warnings() {
		say("warning: %s", w)
	}
}

// newEventLines is the printer of events, one a line: JSON lines (escaped by
// encoding/json), or text with control characters made visible: a file name or an
// option 60 comes from anyone on the bench network, and "ESC ] 0 ; ... BEL" would
// retitle the terminal.
func newEventLines(w io.Writer, asJSON bool) *lineQueue {
	if !asJSON {
		w = servers.VisibleWriter(w)
	}
	return newLineQueue(w, outputQueue)
}

// eventLine is e as Headless prints it. A file a phone asks for and does without is
// said to be normal, as the wizard's log says it (ExpectedMiss, one verdict for both).
func eventLine(e Event, asJSON bool) []byte {
	if asJSON {
		return append(e.JSON(), '\n')
	}
	line := e.String()
	if e.Kind == servers.TFTPMissing && ExpectedMiss(asked(&e)) {
		line += " (normal)"
	}
	return []byte(line + "\n")
}

// lineQueue writes lines to w from its own goroutine: at most cap lines wait; what does
// not fit is dropped by Offer at once, and by Put only once stop is closed.
type lineQueue struct {
	lines chan []byte
	done  chan struct{} // closed when the writer has written everything queued
}

func newLineQueue(w io.Writer, size int) *lineQueue {
	q := &lineQueue{lines: make(chan []byte, size), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for l := range q.lines {
			w.Write(l) // a failed write loses one line; stopping the servers for it would lose more
		}
	}()
	return q
}

// Offer queues line if there is room: for lines that lose nothing when dropped
// (progress, soon replaced by the next one).
func (q *lineQueue) Offer(line []byte) bool {
	select {
	case q.lines <- line:
		return true
	default:
		return false
	}
}

// Put queues line, waiting for room until stop is closed; false when it was dropped.
func (q *lineQueue) Put(line []byte, stop <-chan struct{}) bool {
	select {
	case q.lines <- line:
		return true
	case <-stop:
		return q.Offer(line)
	}
}

// Close ends the queue and waits for the writer to write what is queued, at most grace:
// a reader that does not read must not keep the process from exiting.
func (q *lineQueue) Close(grace time.Duration) bool {
	close(q.lines)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-q.done:
		return true
	case <-t.C:
		return false
	}
}
