package servertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"phoneflash/servers"
)

// Recorder keeps every event published on a bus, for assertions: the servers' own
// bus, or a layer's above that carries an event type embedding servers.Event.
type Recorder[E servers.Carried] struct {
	mu     sync.Mutex
	events []E
	wake   chan struct{}
}

// Record subscribes to bus until the test ends.
func Record[E servers.Carried](t testing.TB, bus *servers.Bus[E]) *Recorder[E] {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder[E]{wake: make(chan struct{}, 1)}
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
func (r *Recorder[E]) Events() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]E(nil), r.events...)
}

// Of returns the recorded events of kind k.
func (r *Recorder[E]) Of(k servers.Kind) []E {
	var out []E
	for _, e := range r.Events() {
		if e.Wire().Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Wait returns the first recorded event of kind k that satisfies match (nil: any),
// waiting up to timeout; the test fails when none comes.
func (r *Recorder[E]) Wait(t testing.TB, k servers.Kind, match func(E) bool, timeout time.Duration) E {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		for _, e := range r.Events() {
			if e.Wire().Kind == k && (match == nil || match(e)) {
				return e
			}
		}
		select {
		case <-r.wake:
		case <-deadline.C:
			t.Fatalf("no %s event within %v; recorded: %v", k, timeout, r.Events())
			var none E
			return none
		}
	}
}
