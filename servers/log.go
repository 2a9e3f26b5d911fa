package servers

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
)

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
func WriteLog(ctx context.Context, bus *Bus, w io.Writer) (wait func() error) {
	events := bus.Subscribe(ctx)
	done := make(chan error, 1)
	go func() {
		var first error
		for e := range events {
			if first != nil {
				continue // keep draining so the bus can close
			}
			if _, err := w.Write(append(e.JSON(), '\n')); err != nil {
				first = fmt.Errorf("write log: %w", err)
			}
		}
		done <- first
	}()
	return sync.OnceValue(func() error { return <-done })
}
