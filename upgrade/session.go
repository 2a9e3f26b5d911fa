package upgrade

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
)

// tickEvery is how often the Session asks the tracker about silence.
const tickEvery = 2 * time.Second

// Options is what a Session runs.
type Options struct {
	Servers servers.Config
	Library *firmware.Library // the firmware served; nil serves only generated files
	Plan    *Plan             // nil: serve and explain, stage nothing
	Now     func() time.Time  // the clock for Tick; nil = time.Now
	Log     io.Writer         // JSON lines of every event, flushed per event; nil = none
	LogPath string            // where Log goes, for the report
}

// Session ties the parts together for one bench: it starts the servers over the
// firmware's Root, stages the plan's steps into the Root's overlay, feeds every server
// event to the Tracker and republishes the events, completed with MAC and model, plus
// the tracker's own. The wizard and `serve` are two views of one Session.
type Session struct {
	opts    Options
	root    *firmware.Root
	wire    *servers.Bus[servers.Event] // what the servers publish
	out     *servers.Bus[Event]         // what the Session publishes: completed server events + tracker events
	running *servers.Running

	mu      sync.Mutex // guards tracker (read by Phones from the UI goroutine)
	tracker *Tracker

	lastStep map[string]string       // mac -> load staged for it ("" = the shared files); guarded by mu once follow runs
	lines    map[string]*lineWritten // mac -> the line staged for it; guarded by mu
	// lineRefused: the phones told they get no line -> the phone it went to; guarded by mu
	lineRefused map[string]string

	logDone func() error // waits for the log writer; nil without a log
	logErr  error

	cancel context.CancelFunc
	wg     sync.WaitGroup
	stop   sync.Once
	start  time.Time
}

// Start makes a Session and runs it (New, then Run): the usual way when the caller
// subscribes afterwards and may miss only what happened during start-up.
func Start(ctx context.Context, o Options) (*Session, error) {
	s := New(o)
	if err := s.Run(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// StartWatched is Start with a subscription (ended by sub) made before the Session
// runs, so the caller misses nothing: the wizard's way.
func StartWatched(ctx, sub context.Context, o Options) (*Session, <-chan Event, error) {
	s := New(o)
	events := s.Subscribe(sub)
	if err := s.Run(ctx); err != nil {
		return nil, nil, err
	}
	return s, events, nil
}

// New makes a Session that does not run yet: subscribe first, then Run, to see every
// event from the very start (a rogue DHCP server found by the start-up probe).
func New(o Options) *Session {
	if o.Now == nil {
		o.Now = time.Now
	}
	lib := o.Library
	if lib == nil {
		lib = &firmware.Library{}
	}
	s := &Session{opts: o, root: lib.Root(), wire: servers.NewBus[servers.Event](), out: servers.NewBus[Event](),
		lastStep: map[string]string{}, lines: map[string]*lineWritten{}, lineRefused: map[string]string{}, start: o.Now(), cancel: func() {}}
	s.tracker = NewTracker(o.Plan, o.Library, s.stageStep)
	if o.Log != nil {
		s.logDone = servers.WriteLog(context.Background(), s.out, o.Log, wireEvent) // ends when Stop closes out
	}
	return s
}

// Run stages the first step, starts the servers and follows the phones until ctx ends
// or Stop is called. The servers' start-up errors come back as they are
// (*servers.Problem says what to do); after an error the Session is stopped.
func (s *Session) Run(ctx context.Context) error {
	o := s.opts
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	// Before the servers start, and not ended by ctx: closing the wire (Stop) ends it
	// after the last event, so a Ctrl-C mid-transfer still logs the transfer's end.
	events := s.wire.Subscribe(context.WithoutCancel(ctx))
	running, err := servers.Start(ctx, o.Servers, s.root, s.wire)
	if err != nil {
		s.Stop()
		return err
	}
	s.running = running
	if p := o.Plan; p != nil {
		// The configs name us as the call manager: the address the servers resolved.
		if p.CallManager == "" {
			p.CallManager = running.Config().ServerIP.String()
		}
		err := p.Prepare()
		if err == nil {
			_, err = p.Stage(s.root, 0, "")
			s.lastStep[""] = p.Steps[0].ID
		}
		if err != nil {
			s.Stop()
			return fmt.Errorf("stage step 1 (%s): %w", p.Steps[0].ID, err)
		}
	}
	s.wg.Add(1)
	go s.follow(events)
	context.AfterFunc(ctx, s.Stop) // the caller's context ending stops the Session, losing nothing
	return nil
}

// follow feeds the tracker from the wire and republishes.
func (s *Session) follow(events <-chan servers.Event) {
	defer s.wg.Done()
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		select {
		case w, ok := <-events:
			if !ok {
				return
			}
			ev := wireEvent(w)
			s.ownLease(ev)
			s.mu.Lock()
			derived := s.tracker.Observe(&ev)
			s.lineRead(ev)
			s.mu.Unlock()
			s.out.Publish(ev)
			for _, d := range derived {
				s.out.Publish(d)
			}
		case <-tick.C:
			s.mu.Lock()
			derived := s.tracker.Tick(s.opts.Now())
			s.mu.Unlock()
			for _, d := range derived {
				s.out.Publish(d)
			}
		}
	}
}

// stageStep is the tracker's Stager: it writes step st for a phone into the overlay.
// It runs on the follow goroutine with s.mu held, so it must not call back into the
// tracker.
func (s *Session) stageStep(st Step, mac string) {
	p := s.opts.Plan
	if p == nil || st.Load == nil {
		return
	}
	if last, ok := s.lastStep[mac]; ok && last == st.ID {
		return
	}
	if _, err := p.StageStep(s.root, st, mac); err != nil {
		s.out.Publish(Event{Event: servers.Event{Time: s.opts.Now(), Kind: PhoneHint, MAC: mac,
			Msg: fmt.Sprintf("could not stage %s: %v", st.ID, err)}, Load: st.ID})
		return
	}
	s.lastStep[mac] = st.ID
	if mac == "" {
		return
	}
	if name := p.LineFile(st, mac); name != "" {
		s.lines[mac] = &lineWritten{file: name, said: p.Line.Written()}
	} else if owner := p.LineOwner(); p.Line != nil && st.Protocol == firmware.SIP && owner != "" && s.lineRefused[mac] == "" {
		s.lineRefused[mac] = owner
		s.out.Publish(Event{Event: servers.Event{Time: s.opts.Now(), Kind: PhoneHint, MAC: mac, Msg: fmt.Sprintf(
			"This phone gets no line: line %s went to the phone %s, and two phones on one account take each other's "+
				"registration. It gets its load all the same; give it its own line in a run of its own.", p.Line.User, owner)},
			Load: st.ID})
	}
}

// lineWritten is a line staged for one phone: what the report says of it.
type lineWritten struct {
	file string // the owned file that carries it
	said string // "line 1001 written": never the password
	read bool   // the phone fetched the file
}

// ownLease ties a phone's owned files (its line config, with the password) to the
// address it leased, so that TFTP serves them to that address alone; a release or a
// decline unties them.
func (s *Session) ownLease(ev Event) {
	mac, err := NormalizeMAC(ev.MAC)
	if err != nil {
		return
	}
	switch ev.Kind {
	case servers.DHCPAck:
		if ip, err := netip.ParseAddr(ev.IP); err == nil {
			s.root.Own(mac, ip)
		}
	case servers.DHCPRelease, servers.DHCPDecline:
		s.root.Own(mac, netip.Addr{})
	}
}

// lineRead notes a phone's fetch of its line file; s.mu held.
func (s *Session) lineRead(ev Event) {
	if l := s.lines[ev.MAC]; l != nil && ev.Kind == servers.TFTPDone && strings.EqualFold(ev.File, l.file) {
		l.read = true
	}
}

// lineReport is what the report says of the line staged for mac: what was written
// and whether the phone read it, or why it got none although the plan has one.
func (s *Session) lineReport(mac string) (said string, read bool, none string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.lines[mac]; l != nil {
		return l.said, l.read, ""
	}
	if owner := s.lineRefused[mac]; owner != "" {
		return "", false, fmt.Sprintf("line %s went to the phone %s", s.opts.Plan.Line.User, owner)
	}
	return "", false, ""
}

// Subscribe returns the Session's events from now on (see servers.Bus.Subscribe).
func (s *Session) Subscribe(ctx context.Context) <-chan Event { return s.out.Subscribe(ctx) }

// Phones returns what the tracker knows of each phone, in the order they came.
func (s *Session) Phones() []Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracker.Phones()
}

// Plan is the plan the Session stages (nil when it only serves).
func (s *Session) Plan() *Plan { return s.opts.Plan }

// Root is what the TFTP server serves, overlay included.
func (s *Session) Root() *firmware.Root { return s.root }

// Servers is the running pair of servers (bound addresses, the resolved config).
func (s *Session) Servers() *servers.Running { return s.running }

// Done is closed when the servers have stopped (Stop, the context, or a fatal error);
// call it after Run.
func (s *Session) Done() <-chan struct{} { return s.running.Done() }

// Err is the error that stopped the servers, if any; call it after Run.
func (s *Session) Err() error { return s.running.Err() }

// Stop stops the servers (releasing both ports), the tracker, and closes every
// subscription after its queued events.
func (s *Session) Stop() {
	s.stop.Do(func() {
		// In this order nothing is lost: no new wire events, then the tracker drains
		// what is queued, then the subscribers (log, UI) drain what it published.
		if s.running != nil {
			s.running.Stop()
		}
		s.wire.Close()
		s.wg.Wait()
		// Only now: the tracker stages a phone's files as it drains the wire, so an
		// earlier Unstage would leave them in the Root, which outlives us (the wizard
		// may start again with another plan).
		if p := s.opts.Plan; p != nil {
			p.Unstage(s.root)
		}
		s.out.Close()
		if s.logDone != nil {
			s.logErr = s.logDone()
		}
		s.cancel()
	})
}

// LogErr stops the Session, if that has not happened yet, and reports a failure to
// write the event log. Stop may still be running on another goroutine (a signal):
// the Once makes this wait for it rather than read logErr while it is written.
func (s *Session) LogErr() error {
	s.Stop()
	return s.logErr
}
