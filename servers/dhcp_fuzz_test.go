package servers

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// recordingConn is a PacketConn that keeps what is written to it.
type recordingConn struct {
	net.PacketConn // nil: only WriteTo is used
	sent           []sentPacket
}

type sentPacket struct {
	b   []byte
	dst *net.UDPAddr
}

func (c *recordingConn) WriteTo(b []byte, a net.Addr) (int, error) {
	c.sent = append(c.sent, sentPacket{append([]byte(nil), b...), a.(*net.UDPAddr)})
	return len(b), nil
}

func fuzzServer(t testing.TB, loopback bool) (*dhcpServer, *recordingConn) {
	server := netip.MustParseAddr("192.0.2.1")
	if loopback {
		server = netip.MustParseAddr("127.0.0.1")
	}
	rc := &resolved{loopback: loopback, Config: Config{ServerIP: server, PoolStart: server.Next(), PoolSize: 4,
		Mask: net.CIDRMask(24, 32), Lease: time.Hour, ClassPrefix: "Cisco"}}
	conn := &recordingConn{}
	bus := NewBus[Event]()
	t.Cleanup(bus.Close)
	d, err := newDHCPServer(rc, conn, bus)
	if err != nil {
		t.Fatal(err)
	}
	return d, conn
}

func seedPackets(t testing.TB) [][]byte {
	hw := net.HardwareAddr{0, 0x11, 0x22, 0x33, 0x44, 0x55}
	class := dhcpv4.WithOption(dhcpv4.OptClassIdentifier("Cisco Systems, Inc. IP Phone CP-7960G\x00"))
	var out [][]byte
	for _, mods := range [][]dhcpv4.Modifier{
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover), class},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover), class, dhcpv4.WithBroadcast(true), dhcpv4.WithGatewayIP(net.IPv4(192, 0, 2, 200))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest), class, dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(192, 0, 2, 2)))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest), class, dhcpv4.WithClientIP(net.IPv4(192, 0, 2, 3))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease), dhcpv4.WithClientIP(net.IPv4(192, 0, 2, 2))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(192, 0, 2, 2)))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeInform), class, dhcpv4.WithClientIP(net.IPv4(192, 0, 2, 9))},
		{dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover), dhcpv4.WithOption(dhcpv4.OptClassIdentifier("MSFT 5.0"))},
	} {
		m, err := dhcpv4.New(append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(hw)}, mods...)...)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.ToBytes())
	}
	return out
}

// FuzzDHCPHandler feeds random packets to the handler: it must not panic, every reply
// must parse, name us, go where RFC 2131 says (never a broadcast on loopback), and no
// two clients may ever hold one address.
func FuzzDHCPHandler(f *testing.F) {
	for _, p := range seedPackets(f) {
		f.Add(p, false)
		f.Add(p, true)
	}
	f.Fuzz(func(t *testing.T, pkt []byte, loopback bool) {
		d, conn := fuzzServer(t, loopback)
		peer := &net.UDPAddr{IP: net.IPv4bcast, Port: 68}
		if loopback {
			peer = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
		}
		// Twice: the second pass meets the state the first one left.
		d.handlePacket(pkt, peer)
		d.handlePacket(pkt, peer)
		req, _ := dhcpv4.FromBytes(pkt) // every reply answers it, so it parsed
		// Only phones are answered: a client whose option 60 does not start with the
		// prefix (or that sends none) gets nothing at all, whatever else it sends.
		if len(conn.sent) > 0 && !strings.HasPrefix(strings.TrimRight(req.ClassIdentifier(), "\x00"), "Cisco") {
			t.Fatalf("answered a client of class %q: %s", req.ClassIdentifier(), req.Summary())
		}
		for _, s := range conn.sent {
			m, err := dhcpv4.FromBytes(s.b)
			if err != nil {
				t.Fatalf("our reply does not parse: %v", err)
			}
			if want := rfcDestination(req, m.MessageType(), peer, loopback); !s.dst.IP.Equal(want.IP) || s.dst.Port != want.Port {
				t.Fatalf("%s sent to %v, want %v (giaddr %v, ciaddr %v)", m.MessageType(), s.dst, want, req.GatewayIPAddr, req.ClientIPAddr)
			}
			if m.OpCode != dhcpv4.OpcodeBootReply || !m.ServerIdentifier().Equal(d.server) {
				t.Fatalf("reply without our identifier: %s", m.Summary())
			}
			if mt := m.MessageType(); mt == dhcpv4.MessageTypeOffer || mt == dhcpv4.MessageTypeAck && !m.YourIPAddr.IsUnspecified() {
				if !d.pool.contains(addrOf(m.YourIPAddr)) {
					t.Fatalf("%s gives %s, outside the pool", mt, m.YourIPAddr)
				}
			}
		}
		seen := map[netip.Addr]string{}
		for mac, b := range d.pool.byMAC {
			if other, ok := seen[b.IP]; ok {
				t.Fatalf("%s held by %s and %s", b.IP, mac, other)
			}
			seen[b.IP] = mac
			if d.pool.byIP[b.IP] != b {
				t.Fatalf("pool indexes disagree on %s", b.IP)
			}
		}
	})
}

// rfcDestination is where RFC 2131 §4.1 sends a reply, written from the RFC as the
// fuzz oracle: on loopback back to the sender; a relayed request to the relay's server
// port; a NAK broadcast; a client with an address to that address; else a broadcast.
func rfcDestination(req *dhcpv4.DHCPv4, mt dhcpv4.MessageType, peer *net.UDPAddr, loopback bool) *net.UDPAddr {
	switch {
	case loopback:
		return peer
	case req.GatewayIPAddr != nil && !req.GatewayIPAddr.IsUnspecified():
		return &net.UDPAddr{IP: req.GatewayIPAddr, Port: 67}
	case mt == dhcpv4.MessageTypeNak:
		return &net.UDPAddr{IP: net.IPv4bcast, Port: 68}
	case req.ClientIPAddr != nil && !req.ClientIPAddr.IsUnspecified():
		return &net.UDPAddr{IP: req.ClientIPAddr, Port: 68}
	}
	return &net.UDPAddr{IP: net.IPv4bcast, Port: 68}
}
