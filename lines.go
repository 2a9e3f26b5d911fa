package main

import (
	"io"
	"time"

	"phoneflash/servers"
)

// newEventLines is serve's printer of events, one a line: JSON lines (escaped by
// encoding/json), or text with control characters made visible: a file name or an
// option 60 comes from anyone on the bench network, and "ESC ] 0 ; ... BEL" would
// retitle the terminal.
func newEventLines(w io.Writer, asJSON bool) *lineQueue {
	if !asJSON {
		w = servers.VisibleWriter(w)
	}
	return newLineQueue(w, outputQueue)
}

// eventLine is e as serve prints it.
func eventLine(e servers.Event, asJSON bool) []byte {
	if asJSON {
		return append(e.JSON(), '\n')
	}
	return []byte(e.String() + "\n")
}

// lineQueue writes lines to w from its own goroutine, so that a terminal or a pipe that
// does not read (stdout to a pipe nobody drains) holds up neither the servers nor the
// exit: at most cap lines wait; what does not fit is dropped by Offer at once, and by
// Put only once stop is closed.
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
