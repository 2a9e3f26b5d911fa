package servers

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Logged is an event the log writes: carried on a Bus, with its JSON line.
type Logged interface {
	Carried
	JSON() []byte
}

// OpenLog opens (creating it if needed) the --log file for appending.
func OpenLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return f, nil
}

// WriteLog subscribes to bus and writes every event to w as one JSON line, with one
// Write per event (an *os.File from OpenLog is thereby flushed per event). It runs
// until the bus is closed or ctx ends; the returned function waits for that and
// reports the first write error (it may be called more than once).
//
// The first failed write (a full disk) is also published on bus at once as a
// log.error event (carried as wrap makes it; nil when E is Event), so the technician hears of it while the
// servers go on serving; the writer then stops writing (the line it broke would make
// the rest unreadable) but keeps draining, so the bus can close.
func WriteLog[E Logged](ctx context.Context, bus *Bus[E], w io.Writer, wrap func(Event) E) (wait func() error) {
	if wrap == nil {
		if _, ok := any(Event{}).(E); !ok {
			panic("servers.WriteLog: a bus that carries another type than Event needs wrap")
		}
	}
	events := bus.Subscribe(ctx)
	done := make(chan error, 1)
	go func() {
		var first error
		for e := range events {
			if first != nil {
				continue
			}
			if _, err := w.Write(append(e.JSON(), '\n')); err != nil {
				first = fmt.Errorf("write log: %w", err)
				failed := Event{Time: time.Now(), Kind: LogError, Msg: first.Error() + ": still serving; the log stops here"}
				if wrap != nil {
					bus.Publish(wrap(failed))
				} else if e, ok := any(failed).(E); ok {
					bus.Publish(e)
				}
			}
		}
		done <- first
	}()
	return sync.OnceValue(func() error { return <-done })
}
