// Package servers is the wire: a DHCP server that points phones at us (options 150 and
// 66), a read-only TFTP server over a Root, the probe for other DHCP servers, and the
// one event stream (Bus) both report to. It knows no Cisco and no firmware: main sets
// the client class to answer, and the Root decides what a name means.
package servers

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Running is a started pair of servers.
type Running struct {
	cfg   *resolved
	socks *sockets
	tftp  *tftpServer
	dhcp  *dhcpServer
	watch *watcher

	wg       sync.WaitGroup
	once     sync.Once
	quit     chan struct{} // closed by shutdown
	errMu    sync.Mutex
	firstErr error
}

// Start checks cfg against the interface, probes for other DHCP servers (not with
// NoDHCP or on loopback) and refuses to start when one answers, unless Force: then
// each is reported as dhcp.rogue. It binds the ports and serves root until ctx ends or
// Stop is called. Errors the user can fix are *Problem, each with its fix.
func Start(ctx context.Context, cfg Config, root Root, bus *Bus[Event]) (*Running, error) {
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	var warnings []string
	if !rc.NoDHCP && !rc.loopback {
		offers, err := Probe(ctx, rc.Iface, rc.ProbeWindow, rc.ClassPrefix)
		switch {
		case err != nil && !rc.Force:
			return nil, err
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("no probe for other DHCP servers (starting anyway, as asked): %v", err))
		case len(offers) > 0 && !rc.Force:
			return nil, rogueProblem(rc.Iface, offers)
		}
		for _, o := range offers {
			publish(bus, Event{Kind: DHCPRogue, Server: o.Server.String(), MAC: o.MAC.String(), IP: ipString(o.Offered),
				Msg: fmt.Sprintf("another DHCP server answers on %s (starting anyway, as asked): phones may boot from it", rc.Iface)})
		}
	}
	socks, err := rc.listen()
	if err != nil {
		return nil, err
	}
	socks.warnings = append(warnings, socks.warnings...)
	r := &Running{cfg: rc, socks: socks, quit: make(chan struct{})}
	if socks.dhcp != nil {
		if r.dhcp, err = newDHCPServer(rc, socks.dhcp, bus); err != nil {
			socks.close()
			return nil, err
		}
	}
	r.tftp = newTFTPServer(rc, socks.tftp, root, bus)
	r.tftp.start()
	if r.dhcp != nil {
		r.goServe(r.dhcp.serve)
	}
	if socks.watch != nil {
		r.watch = &watcher{conn: socks.watch, server: rc.ServerIP, iface: rc.Iface, bus: bus, quiet: limiter{every: rogueQuiet}}
		r.goServe(r.watch.serve)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-ctx.Done():
			r.shutdown()
		case <-r.quit:
		}
	}()
	return r, nil
}

func rogueProblem(iface string, offers []Offer) *Problem {
	list := make([]string, len(offers))
	for i, o := range offers {
		list[i] = o.String()
	}
	return (&Problem{Kind: OtherDHCP, Field: FieldForce, Offers: offers,
		Msg: fmt.Sprintf("another DHCP server answers on %s: %s", iface, strings.Join(list, "; "))}).
		fixing("switch it off or unplug it from this network (phones would boot from it), or start anyway (%s)", FieldForce)
}

// goServe runs a serve loop; an error from it stops everything.
func (r *Running) goServe(serve func() error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := serve(); err != nil {
			r.fail(err)
			r.shutdown() // waits for no serve loop, so it may run on one
		}
	}()
}

func (r *Running) fail(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.firstErr == nil {
		r.firstErr = err
	}
}

// shutdown closes every socket (ending the serve loops and the TFTP transfers, whose
// clients may have gone silent) and waits for the transfers' goroutines.
func (r *Running) shutdown() {
	r.once.Do(func() {
		if r.socks.dhcp != nil {
			r.socks.dhcp.Close()
		}
		if r.socks.watch != nil {
			r.socks.watch.Close()
		}
		if err := r.tftp.shutdown(); err != nil {
			r.fail(fmt.Errorf("TFTP: %w", err))
		}
		close(r.quit)
	})
}

// Stop releases both ports and returns once every goroutine of the servers is gone,
// at once: each transfer still running ends with a tftp.error whose reason is Stopped.
func (r *Running) Stop() {
	r.shutdown()
	r.wg.Wait()
}

// Done is closed when the servers have stopped (Stop, ctx, or a failure: see Err).
func (r *Running) Done() <-chan struct{} { return r.quit }

// Err reports why the servers stopped by themselves, nil after a normal stop.
func (r *Running) Err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.firstErr
}

// Config is the configuration in use, every default filled in.
func (r *Running) Config() Config { return r.cfg.Config }

// TFTPAddr is the TFTP server's bound address.
func (r *Running) TFTPAddr() netip.AddrPort { return boundAddr(r.socks.tftp) }

// DHCPAddr is the DHCP server's bound address; invalid with NoDHCP.
func (r *Running) DHCPAddr() netip.AddrPort {
	if r.socks.dhcp == nil {
		return netip.AddrPort{}
	}
	return boundAddr(r.socks.dhcp)
}

func boundAddr(c net.PacketConn) netip.AddrPort {
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Warnings lists what works less well than asked, e.g. no watch for other DHCP servers.
func (r *Running) Warnings() []string { return r.socks.warnings }

// ipString is a's text, "" when a is invalid (an Event leaves the field out).
func ipString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
