package servertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"phoneflash/servers"
)

// Recorder keeps every event published on a bus, for assertions.
type Recorder struct {
	mu     sync.Mutex
	events []servers.Event
	wake   chan struct{}
}

// Record subscribes to bus until the test ends.
func Record(t testing.TB, bus *servers.Bus) *Recorder {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{wake: make(chan struct{}, 1)}
	ch := bus.Subscribe(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// Events returns a copy of what was recorded so far.
func (r *Recorder) Events() []servers.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]servers.Event(nil), r.events...)
}

// Of returns the recorded events of kind k.
func (r *Recorder) Of(k servers.Kind) []servers.Event {
	var out []servers.Event
	for _, e := range r.Events() {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Wait returns the first recorded event of kind k that satisfies match (nil: any),
// waiting up to timeout; the test fails when none comes.
func (r *Recorder) Wait(t testing.TB, k servers.Kind, match func(servers.Event) bool, timeout time.Duration) servers.Event {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		for _, e := range r.Events() {
			if e.Kind == k && (match == nil || match(e)) {
				return e
			}
		}
		select {
		case <-r.wake:
		case <-deadline.C:
			t.Fatalf("no %s event within %v; recorded: %v", k, timeout, r.Events())
			return servers.Event{}
		}
	}
}
