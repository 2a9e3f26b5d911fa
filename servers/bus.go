package servers

import (
	"context"
	"sync"
	"time"
)

// Bus is an event stream: the servers publish their Events on one, and a layer above
// may republish them, with its own, as an event type of its own that embeds Event (the
// upgrade Session does; the UI, `serve` and the --log file subscribe to that). Publish never blocks: each
// subscriber has its own queue drained by its own goroutine, so a slow consumer only
// delays itself. Important events are queued without limit; progress events of one
// transfer replace each other while they wait, and are dropped when a consumer lags far
// behind.
type Bus[E Carried] struct {
	mu     sync.Mutex
	subs   map[*subscription[E]]struct{}
	closed bool
	wg     sync.WaitGroup // pump goroutines
}

// progressBacklog is how many queued events a subscriber may lag behind before new
// progress events for it are dropped (important ones are still queued).
const progressBacklog = 1024

// NewBus returns an open bus with no subscribers.
func NewBus[E Carried]() *Bus[E] {
	return &Bus[E]{subs: make(map[*subscription[E]]struct{})}
}

type transferKey struct {
	ip   string
	port int
	file string
}

type subscription[E Carried] struct {
	out    chan E
	wake   chan struct{} // capacity 1: "the queue changed"
	mu     sync.Mutex
	queue  []E
	live   map[transferKey]int // queue index of the waiting progress event of a transfer
	closed bool                // the bus is closed: drain, then close out
}

// Publish sends e to every current subscriber. It never blocks on a consumer. Events
// published after Close are discarded. The publisher stamps the time (see publish).
func (b *Bus[E]) Publish(e E) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	for s := range b.subs {
		s.push(e)
	}
}

// Subscribe returns a channel carrying every event published from now on, in order.
// The channel is closed when ctx ends (at once: the consumer is gone) or when the bus
// is closed (after every queued event has been delivered).
func (b *Bus[E]) Subscribe(ctx context.Context) <-chan E {
	s := &subscription[E]{
		out:  make(chan E),
		wake: make(chan struct{}, 1),
		live: make(map[transferKey]int),
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.out)
		return s.out
	}
	b.subs[s] = struct{}{}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		s.pump(ctx)
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}()
	return s.out
}

// Close stops accepting events and waits until every subscriber has been handed what
// was queued for it (or has gone away with its context).
func (b *Bus[E]) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		for s := range b.subs {
			s.close()
		}
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (s *subscription[E]) push(e E) {
	s.mu.Lock()
	if w := e.Wire(); w.Important() {
		s.queue = append(s.queue, e)
	} else {
		k := transferKey{w.IP, w.Port, w.File}
		if i, ok := s.live[k]; ok {
			s.queue[i] = e // the consumer has not seen the older one yet: it only wants the latest
		} else if len(s.queue) < progressBacklog {
			s.live[k] = len(s.queue)
			s.queue = append(s.queue, e)
		}
	}
	s.mu.Unlock()
	s.signal()
}

func (s *subscription[E]) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
}

func (s *subscription[E]) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the queued events; done is true when the bus is closed and
// nothing is left.
func (s *subscription[E]) take() (batch []E, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch, s.queue = s.queue, nil
	clear(s.live)
	return batch, len(batch) == 0 && s.closed
}

func (s *subscription[E]) pump(ctx context.Context) {
	defer close(s.out)
	for {
		batch, done := s.take()
		if done {
			return
		}
		for _, e := range batch {
			select {
			case s.out <- e:
			case <-ctx.Done():
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// publish stamps e with the time now, unless it carries one, and publishes it: how
// the servers report.
func publish(bus *Bus[Event], e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	bus.Publish(e)
}
