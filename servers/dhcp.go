package servers

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// quietFor: a repeated dhcp.ignored or dhcp.exhausted for one client is reported at most
// this often (a client retries every few seconds).
const quietFor = 10 * time.Second

// dhcpServer answers DISCOVER, REQUEST, RELEASE, DECLINE and INFORM from one socket.
// Packets are handled one at a time by the read loop, which owns the pool.
type dhcpServer struct {
	cfg    *resolved
	conn   net.PacketConn
	pool   *pool
	bus    *Bus[Event]
	now    func() time.Time
	quiet  limiter // kind+MAC
	server net.IP  // cfg.ServerIP as net.IP, for the library
}

func newDHCPServer(cfg *resolved, conn net.PacketConn, bus *Bus[Event]) (*dhcpServer, error) {
	p, err := newPool(cfg.PoolStart, cfg.PoolSize, cfg.ServerIP, cfg.LeasesFile)
	if err != nil {
		return nil, err
	}
	return &dhcpServer{cfg: cfg, conn: conn, pool: p, bus: bus, now: time.Now,
		quiet: limiter{every: quietFor}, server: net.IP(cfg.ServerIP.AsSlice())}, nil
}

// serve reads and answers until the socket is closed.
func (d *dhcpServer) serve() error {
	buf := make([]byte, 4096)
	for {
		n, peer, err := d.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("DHCP read: %w", err)
		}
		d.handlePacket(buf[:n], peer)
	}
}

// handlePacket parses and answers one datagram; malformed ones are dropped (a LAN
// carries all sorts of broadcast noise on these ports).
func (d *dhcpServer) handlePacket(b []byte, peer net.Addr) {
	req, err := dhcpv4.FromBytes(b)
	if err != nil || req.OpCode != dhcpv4.OpcodeBootRequest {
		return
	}
	up, ok := peer.(*net.UDPAddr)
	if !ok {
		return
	}
	d.handle(req, up)
}

// clientEvent is the part of every event about req's client: MAC, options 60, 12, 61.
func clientEvent(req *dhcpv4.DHCPv4) Event {
	e := Event{MAC: req.ClientHWAddr.String(), Class: strings.TrimRight(req.ClassIdentifier(), "\x00"),
		Hostname: req.HostName()}
	if id := req.Options.Get(dhcpv4.OptionClientIdentifier); id != nil {
		e.ClientID = hex.EncodeToString(id)
	}
	return e
}

func (d *dhcpServer) handle(req *dhcpv4.DHCPv4, peer *net.UDPAddr) {
	mt := req.MessageType()
	base := clientEvent(req)
	mac := base.MAC
	switch mt {
	case dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest, dhcpv4.MessageTypeInform:
		if d.cfg.ClassPrefix != "" && !strings.HasPrefix(base.Class, d.cfg.ClassPrefix) {
			d.publishQuiet(DHCPIgnored, base, func() string {
				return fmt.Sprintf("%s from a client whose class (option 60) %q does not start with %q: not answered (answering any client serves it)",
					mt, base.Class, d.cfg.ClassPrefix)
			})
			return
		}
	}
	now := d.now()
	switch mt {
	case dhcpv4.MessageTypeDiscover:
		d.publish(DHCPDiscover, base, addrOf(req.RequestedIPAddress()), "")
		ip, err := d.pool.offer(mac, addrOf(req.RequestedIPAddress()), now)
		if err != nil {
			d.publishQuiet(DHCPExhausted, base, func() string {
				return fmt.Sprintf("no free address in the pool %s-%s (%d addresses); no offer made",
					d.pool.start, d.pool.end(), d.pool.size)
			})
			return
		}
		d.reply(req, peer, dhcpv4.MessageTypeOffer, ip, base)
	case dhcpv4.MessageTypeRequest:
		d.request(req, peer, base, now)
	case dhcpv4.MessageTypeRelease:
		if d.pool.release(mac, now) {
			d.save(base)
			d.publish(DHCPRelease, base, addrOf(req.ClientIPAddr), "")
		}
	case dhcpv4.MessageTypeDecline:
		ip := addrOf(req.RequestedIPAddress())
		if d.pool.decline(mac, ip, d.cfg.Lease, now) {
			d.save(base)
			d.publish(DHCPDecline, base, ip, "the client found the address in use by another device; it will get another one")
		}
	case dhcpv4.MessageTypeInform:
		d.reply(req, peer, dhcpv4.MessageTypeAck, netip.Addr{}, base)
	}
}

// request answers a REQUEST: ACK for its own or a free address of the pool, NAK for
// any other, silence when the client chose another server.
func (d *dhcpServer) request(req *dhcpv4.DHCPv4, peer *net.UDPAddr, base Event, now time.Time) {
	if sid := addrOf(req.ServerIdentifier()); sid.IsValid() && sid != d.cfg.ServerIP {
		d.pool.forget(base.MAC)
		return
	}
	want := addrOf(req.RequestedIPAddress())
	if !want.IsValid() {
		want = addrOf(req.ClientIPAddr) // renewing or rebinding
	}
	if !want.IsValid() {
		return // malformed: nothing asked for
	}
	if !d.pool.commit(base.MAC, want, d.cfg.Lease, now) {
		why := fmt.Sprintf("%s is not in the pool %s-%s", want, d.pool.start, d.pool.end())
		if d.pool.contains(want) {
			why = fmt.Sprintf("%s is given to another client", want)
		}
		d.reply(req, peer, dhcpv4.MessageTypeNak, want, withMsg(base, why))
		return
	}
	d.save(base)
	d.reply(req, peer, dhcpv4.MessageTypeAck, want, base)
}

func withMsg(e Event, msg string) Event {
	e.Msg = msg
	return e
}

// reply builds and sends an OFFER, ACK (ip invalid: an INFORM's ACK) or NAK.
func (d *dhcpServer) reply(req *dhcpv4.DHCPv4, peer *net.UDPAddr, mt dhcpv4.MessageType, ip netip.Addr, base Event) {
	mods := []dhcpv4.Modifier{
		dhcpv4.WithMessageType(mt),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(d.server)),
	}
	if mt == dhcpv4.MessageTypeNak {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptMessage(base.Msg)))
	} else {
		mods = append(mods,
			dhcpv4.WithServerIP(d.server), // siaddr: the TFTP server
			dhcpv4.WithNetmask(d.cfg.Mask),
			dhcpv4.WithOption(dhcpv4.OptTFTPServerName(d.cfg.ServerIP.String())), // 66
			dhcpv4.WithOption(dhcpv4.Option{Code: dhcpv4.OptionTFTPServerAddress, Value: dhcpv4.IPs{d.server}}), // 150
		)
		if d.cfg.Router.IsValid() {
			mods = append(mods, dhcpv4.WithRouter(net.IP(d.cfg.Router.AsSlice())))
		}
		if ip.IsValid() {
			mods = append(mods, dhcpv4.WithYourIP(net.IP(ip.AsSlice())), dhcpv4.WithLeaseTime(uint32(d.cfg.Lease/time.Second)))
		}
		if mt == dhcpv4.MessageTypeAck {
			mods = append(mods, dhcpv4.WithClientIP(req.ClientIPAddr)) // RFC 2131 table 3
		}
	}
	resp, err := dhcpv4.NewReplyFromRequest(req, mods...)
	if err != nil {
		d.publish(DHCPError, base, ip, fmt.Sprintf("build %s: %v", mt, err))
		return
	}
	dst := d.destination(req, mt, peer)
	if dst == nil {
		return
	}
	if _, err := d.conn.WriteTo(resp.ToBytes(), dst); err != nil {
		d.publish(DHCPError, base, ip, fmt.Sprintf("send %s to %s: %v", mt, dst, err))
		return
	}
	kind := DHCPAck
	switch {
	case mt == dhcpv4.MessageTypeOffer:
		kind = DHCPOffer
	case mt == dhcpv4.MessageTypeNak:
		kind = DHCPNak
	case !ip.IsValid():
		kind, ip = DHCPInform, addrOf(req.ClientIPAddr)
	}
	d.publish(kind, base, ip, base.Msg)
}

// destination applies RFC 2131 §4.1: relay, then NAK by broadcast, then the client's
// own address, else broadcast (unicast to an address the client does not have yet
// needs an ARP entry we cannot make from a UDP socket: TESTBED.md §1). On loopback the
// reply goes back to the sender, never by broadcast.
func (d *dhcpServer) destination(req *dhcpv4.DHCPv4, mt dhcpv4.MessageType, peer *net.UDPAddr) *net.UDPAddr {
	if d.cfg.loopback {
		if peer.IP.IsLoopback() {
			return peer
		}
		return nil
	}
	port := peer.Port
	if port == 0 {
		port = dhcpv4.ClientPort
	}
	switch {
	case addrOf(req.GatewayIPAddr).IsValid():
		return &net.UDPAddr{IP: req.GatewayIPAddr, Port: dhcpv4.ServerPort}
	case mt == dhcpv4.MessageTypeNak:
		return &net.UDPAddr{IP: net.IPv4bcast, Port: port}
	case addrOf(req.ClientIPAddr).IsValid():
		return &net.UDPAddr{IP: req.ClientIPAddr, Port: port}
	}
	return &net.UDPAddr{IP: net.IPv4bcast, Port: port}
}

func (d *dhcpServer) save(base Event) {
	if err := d.pool.save(); err != nil {
		d.publish(DHCPError, base, netip.Addr{}, err.Error())
	}
}

func (d *dhcpServer) publish(k Kind, base Event, ip netip.Addr, msg string) {
	e := base
	e.Kind, e.Msg = k, msg
	e.IP = ipString(ip)
	publish(d.bus, e)
}

// publishQuiet publishes k for a client unless it was reported within quietFor; the
// message is built only then (a flood of ignored clients costs a map lookup each).
func (d *dhcpServer) publishQuiet(k Kind, base Event, msg func() string) {
	if d.quiet.allow(string(k)+base.MAC, d.now()) {
		d.publish(k, base, netip.Addr{}, msg())
	}
}

// limiterKeys bounds a limiter's memory; past it, it starts over.
const limiterKeys = 4096

// limiter lets one report per key through per period.
type limiter struct {
	every time.Duration
	last  map[string]time.Time
}

func (l *limiter) allow(key string, now time.Time) bool {
	if t, ok := l.last[key]; ok && now.Sub(t) < l.every {
		return false
	}
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	if len(l.last) >= limiterKeys { // a flood of keys: forget them all rather than sweep per packet
		clear(l.last)
	}
	l.last[key] = now
	return true
}

// addrOf converts a library IP to netip.Addr; nil and 0.0.0.0 give the invalid Addr.
func addrOf(ip net.IP) netip.Addr {
	a, ok := netip.AddrFromSlice(ip.To4())
	if !ok || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}
