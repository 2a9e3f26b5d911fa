// Package demo is the world of `phoneflash demo`: the wizard's Backend on loopback with
// sample firmware and a virtual phone (package sim) that boots against the Session. The
// virtual phone stays a phone; this is the wiring around it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"strings"
	"sync"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
	"phoneflash/upgrade/sim"
)

// Bench is the world of `phoneflash demo`, the wizard's Backend there: one loopback
// interface, sample firmware from an fs.FS (embedded in the binary), and a virtual
// phone that boots against the Session on loopback. It never touches a real
// interface: the servers are bound to loopback on free ports and answer by unicast,
// nothing is broadcast, no probe runs.
type Bench struct {
	Name      string        // the firmware folder's name, as the wizard shows it ("7940-7960")
	FS        fs.FS         // the firmware
	ReportDir string        // where session reports go ("" = the current directory)
	BootAfter time.Duration // power on this long after Start even without PhoneReady (tests); 0: only on PhoneReady
	Timing    *sim.Timing   // the phone's pace; nil: PhoneTiming
	// Runs is the load the virtual phone runs when the plan does not say (its load
	// "unknown"): a phone from the pile, so the wizard has something to learn. "": the
	// oldest load of the model's family in the sample firmware.
	Runs string

	wg    sync.WaitGroup
	mu    sync.Mutex
	res   []sim.Result
	err   []error
	ready chan struct{} // closed by PhoneReady; made by Start
}

// loopback is the demo's only interface.
var loopback = servers.Interface{Name: "lo", Up: true, Running: true, Loopback: true, MTU: 65536,
	Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}}

// PhoneTiming is the virtual phone's pace in the demo: slow enough to watch each boot
// and flash write, quick enough that the seed chain is done in well under a minute.
func PhoneTiming(m upgrade.Model) sim.Timing {
	t := sim.DefaultTiming(m, false)
	t.PowerOn, t.AfterLease, t.Flash, t.Retry, t.PowerOff = 1200*time.Millisecond, 300*time.Millisecond,
		2*time.Second, time.Second, time.Second
	t.Block = 50 * time.Millisecond // a 12 KB .sb2 takes about a second: the Watch screen's bar moves
	return t
}

// Interfaces is the loopback interface only.
func (d *Bench) Interfaces() ([]servers.Interface, error) { return []servers.Interface{loopback}, nil }

// Check finds nothing in the way: Start binds free loopback ports.
func (d *Bench) Check(servers.Config) []*servers.Problem { return nil }

// Probe finds no other DHCP server: the demo probes nothing.
func (d *Bench) Probe(context.Context, string) ([]servers.Offer, error) { return nil, nil }

// AddAddress refuses: the demo changes nothing on this machine.
func (d *Bench) AddAddress(iface, cidr string) error {
	return fmt.Errorf("the demo changes no interface (it runs on loopback): %s stays as it is", iface)
}

// OpenFirmware reads the sample firmware; any other path is refused, so the demo reads
// nothing of this machine.
func (d *Bench) OpenFirmware(paths ...string) (*firmware.Library, error) {
	for _, p := range paths {
		if strings.TrimRight(p, `/\`) != d.Name {
			return nil, fmt.Errorf("the demo serves only its sample firmware %q, not %q", d.Name, p)
		}
	}
	return firmware.OpenFS(d.Name, d.FS)
}

// CompletePath offers the sample firmware's name.
func (d *Bench) CompletePath(prefix string) []string {
	if strings.HasPrefix(d.Name, prefix) {
		return []string{d.Name}
	}
	return nil
}

// Start starts the Session on loopback (whatever o.Servers says: free ports, unicast
// replies) and, after BootAfter, a virtual phone of the plan's model running the plan's
// starting load, just factory reset. The phone stops with the Session.
func (d *Bench) Start(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error) {
	o.Servers = servers.Config{Iface: loopback.Name, ServerIP: loopback.Addrs[0].Addr(),
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: upgrade.VendorClass, Lease: o.Servers.Lease}
	model, from := "7960", ""
	if o.Plan != nil {
		model, from = o.Plan.Model.Name, o.Plan.From
		if from == "" {
			from = d.unknownLoad(o.Library, o.Plan.Model)
		}
	}
	m, err := upgrade.FindModel(model)
	if err != nil {
		return nil, nil, err
	}
	timing := PhoneTiming(m)
	if d.Timing != nil {
		timing = *d.Timing
	}
	sess, events, err := upgrade.StartWatched(ctx, sub, o)
	if err != nil {
		return nil, nil, err
	}
	phone, err := sim.New(sim.Config{Model: model, From: from, FactoryReset: true, Timing: &timing,
		DHCPPort: int(sess.Servers().DHCPAddr().Port()), TFTPPort: int(sess.Servers().TFTPAddr().Port())})
	if err != nil {
		sess.Stop()
		return nil, nil, fmt.Errorf("the demo's phone: %w", err)
	}
	d.mu.Lock()
	ready := make(chan struct{})
	d.ready = ready
	d.mu.Unlock()
	var after <-chan time.Time
	if d.BootAfter > 0 {
		after = time.After(d.BootAfter)
	}
	pctx, cancel := context.WithCancel(ctx)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer cancel()
		// A panic here would kill the program with the terminal still raw: report it.
		defer func() {
			if r := recover(); r != nil {
				d.record(sim.Result{}, fmt.Errorf("the demo's phone crashed: %v", r))
			}
		}()
		go func() { // the phone stops with the Session
			select {
			case <-sess.Done():
				cancel()
			case <-pctx.Done():
			}
		}()
		select { // the phone powers on when the technician says the reset keys are done
		case <-ready:
		case <-after:
		case <-pctx.Done():
			return
		}
		res, err := phone.Run(pctx)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		d.record(res, err)
	}()
	return sess, events, nil
}

// PhoneReady powers the virtual phone on: the wizard calls it when the technician says
// the reset is done (Enter on the Reset screen), as a real phone boots after its keys.
// It does not block and may be called more than once.
func (d *Bench) PhoneReady() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ready != nil {
		select {
		case <-d.ready:
		default:
			close(d.ready)
		}
	}
}

// unknownLoad is what the demo's phone runs when the plan does not know: Runs, or the
// oldest load of the family at hand.
func (d *Bench) unknownLoad(lib *firmware.Library, m upgrade.Model) string {
	if d.Runs != "" || lib == nil {
		return d.Runs
	}
	if loads := lib.ByFamily(m.Family); len(loads) > 0 {
		return loads[0].ID
	}
	return ""
}

func (d *Bench) record(r sim.Result, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res = append(d.res, r)
	if err != nil {
		d.err = append(d.err, err)
	}
}

// WriteReport writes the session report into ReportDir.
func (d *Bench) WriteReport(s *upgrade.Session) (string, error) {
	return upgrade.Bench{ReportDir: d.ReportDir}.WriteReport(s)
}

// Wait waits for the virtual phones to stop (they stop with their Session) and returns
// how each ended and why any gave up.
func (d *Bench) Wait() ([]sim.Result, error) {
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sim.Result(nil), d.res...), errors.Join(d.err...)
}
