package servers

import (
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/net/ipv4"
)

// serveRequests reads the requests sent to the TFTP port, answers the ones refused and
// hands the rest to pin, until the socket is closed. It replaces pin's Serve, which reads
// a request into 516 bytes (a longer one is cut, or dropped without a word to the
// client) and opens a socket and a goroutine for each before any handler could refuse it.
func (t *tftpServer) serveRequests() error {
	pc := ipv4.NewPacketConn(t.conn)
	// The address the request came to and its interface: pin answers from the one and
	// caps blksize by the MTU of the other (as its Serve does).
	withInfo := pc.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true) == nil
	buf := make([]byte, 1<<16) // a whole datagram: its length tells a request too long
	for {
		var (
			n    int
			info *ipv4.ControlMessage
			from net.Addr
			err  error
		)
		if withInfo {
			n, info, from, err = pc.ReadFrom(buf)
		} else {
			n, from, err = t.conn.ReadFrom(buf)
		}
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("TFTP read: %w", err)
		}
		if ua, ok := from.(*net.UDPAddr); ok {
			t.handleRequest(buf[:n], ua, info)
		}
	}
}

// handleRequest admits one datagram or refuses it. Cheapest first: a flood costs a
// map lookup per request, and a client over its budget gets one report per quietFor.
func (t *tftpServer) handleRequest(b []byte, from *net.UDPAddr, info *ipv4.ControlMessage) {
	req, ok := parseRequest(b)
	now := time.Now()
	if !ok {
		t.report(now, "noise", Event{Kind: TFTPError, Msg: "TFTP server: ignored a packet that is not a request"})
		return
	}
	ip := from.IP.String()
	ev := Event{IP: ip, Port: from.Port, File: req.name, Asked: req.name}
	if !t.admit.allow(ip, now) {
		t.refuseRequest(now, from, ev, deny(DeniedRate, codeUndefined, "too many requests from %s: slow down", ip), true)
		return
	}
	if d := req.check(); d != nil {
		t.refuseRequest(now, from, ev, d, false)
		return
	}
	key := transferKey{ip, from.Port, req.name}
	if !t.register(key, ev) {
		return // the client asked again before our first packet reached it: that packet answers
	}
	if !t.admit.take(ip) {
		t.unregister(key)
		t.refuseRequest(now, from, ev, deny(DeniedBusy, codeUndefined, "too many transfers at once: try again when one has finished"), true)
		return
	}
	local, mtu := net.IP(nil), 512
	if info != nil {
		local = info.Dst
		if ifc, err := net.InterfaceByIndex(info.IfIndex); err == nil {
			mtu = ifc.MTU - 28 // IPv4 and UDP headers
		}
	}
	if err := pinServe(t.srv, local, from, b, len(b), mtu, nil); err != nil {
		t.end(key)
		t.report(now, err.Error(), Event{Kind: TFTPError, IP: ip, Port: from.Port, File: req.name,
			Msg: fmt.Sprintf("TFTP server: cannot serve %q: %v", req.name, err)})
	}
}

// refuseRequest answers a request that starts no transfer with an ERROR packet from the
// TFTP port, and reports it; in bulk (quiet) once per client and reason per quietFor.
func (t *tftpServer) refuseRequest(now time.Time, to *net.UDPAddr, ev Event, d *denial, quiet bool) {
	t.conn.WriteToUDP(errorPacket(d.code, d.text), to) // best effort, as every UDP answer
	ev.Kind, ev.Msg = TFTPDenied, d.msg()
	if quiet {
		t.report(now, d.reason+" "+ev.IP, ev)
		return
	}
	publish(t.bus, ev)
}

// report publishes e unless key was reported within quietFor.
func (t *tftpServer) report(now time.Time, key string, e Event) {
	if t.quiet.allow(key, now) {
		publish(t.bus, e)
	}
}

// register records an admitted request as a running transfer; false when one runs for
// the same client port and name.
func (t *tftpServer) register(k transferKey, ev Event) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active[k] != nil {
		return false
	}
	ev.Asked = ""
	t.active[k] = &transfer{ev: ev}
	return true
}

func (t *tftpServer) unregister(k transferKey) {
	t.mu.Lock()
	delete(t.active, k)
	t.mu.Unlock()
}
