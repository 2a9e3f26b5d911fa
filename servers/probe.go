package servers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Offer is another DHCP server's answer to the probe.
type Offer struct {
	Server  netip.Addr       // its identifier (option 54), else the packet's source
	MAC     net.HardwareAddr // its Ethernet address; nil where the probe cannot see it (macOS, Windows)
	Offered netip.Addr       // the address it offered
}

func (o Offer) String() string {
	if len(o.MAC) == 0 { // macOS and Windows probes read a UDP socket: no MAC
		return fmt.Sprintf("%s offered %s", o.Server, o.Offered)
	}
	return fmt.Sprintf("%s (%s) offered %s", o.Server, o.MAC, o.Offered)
}

// Probe broadcasts a DISCOVER (broadcast flag set) from iface, twice, and collects the
// OFFERs of every server that answers within window. On loopback there is nothing to
// probe and it returns nothing. The DISCOVER carries option 60 = class when it is not
// empty, so a server that answers only that class of client (another phoneflash) is
// found too. How it listens depends on the system (probe_*.go): Linux reads a packet
// socket (root or CAP_NET_RAW) and so also sees OFFERs unicast to our MAC; macOS and
// Windows read the DHCP client port, filtered to iface, and so see the broadcast OFFERs
// the flag asks for, which is what servers send to a client that sets it.
func Probe(ctx context.Context, iface string, window time.Duration, class string) ([]Offer, error) {
	ifi, err := netInterface(iface)
	if err != nil {
		return nil, err
	}
	if ifi.Flags&net.FlagLoopback != 0 {
		return nil, nil
	}
	ps, err := openProbe(ifi)
	if err != nil {
		return nil, err
	}
	defer ps.close()

	mac := ifi.HardwareAddr
	if len(mac) != 6 {
		mac = net.HardwareAddr{0x02, 0, 0, 0, 0, 1} // no Ethernet address (tun): any locally administered one
	}
	mods := []dhcpv4.Modifier{dhcpv4.WithBroadcast(true)}
	if class != "" {
		mods = append(mods, dhcpv4.WithOption(dhcpv4.OptClassIdentifier(class)))
	}
	disc, err := dhcpv4.NewDiscovery(mac, mods...)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	deadline := time.Now().Add(window)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	resend := time.Now().Add(window / 2)
	if err := ps.send(disc.ToBytes()); err != nil {
		return nil, fmt.Errorf("probe: send DISCOVER on %s: %w", iface, err)
	}

	var offers []Offer
	seen := map[netip.Addr]bool{}
	buf := make([]byte, 2048)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		next := deadline
		if !resend.IsZero() && resend.Before(next) {
			next = resend
		}
		if next.Sub(time.Now()) > 100*time.Millisecond {
			next = time.Now().Add(100 * time.Millisecond) // look at ctx now and then
		}
		payload, src, hw, err := ps.read(buf, next)
		if !resend.IsZero() && !time.Now().Before(resend) {
			resend = time.Time{}
			if err := ps.send(disc.ToBytes()); err != nil {
				return offers, fmt.Errorf("probe: send DISCOVER on %s: %w", iface, err)
			}
		}
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || isTimeout(err) {
				continue
			}
			return offers, fmt.Errorf("probe %s: %w", iface, err)
		}
		if payload == nil {
			continue
		}
		m, err := dhcpv4.FromBytes(payload)
		if err != nil || m.OpCode != dhcpv4.OpcodeBootReply || m.TransactionID != disc.TransactionID ||
			m.MessageType() != dhcpv4.MessageTypeOffer {
			continue
		}
		o := Offer{Server: addrOf(m.ServerIdentifier()), Offered: addrOf(m.YourIPAddr), MAC: hw}
		if !o.Server.IsValid() {
			o.Server = src
		}
		if !seen[o.Server] {
			seen[o.Server] = true
			offers = append(offers, o)
		}
	}
	return offers, nil
}

// probeSocket is how Probe sends its DISCOVER and reads the replies on one system.
type probeSocket interface {
	// send broadcasts b to the DHCP server port out of the interface.
	send(b []byte) error
	// read waits until deadline for the next datagram to the client port: its UDP
	// payload (nil: not one for us), source address, and the sender's MAC when known.
	read(b []byte, deadline time.Time) (payload []byte, src netip.Addr, mac net.HardwareAddr, err error)
	close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// udpPayload returns the source address and UDP payload of IPv4 packet b when it is a
// UDP datagram to port.
func udpPayload(b []byte, port int) (netip.Addr, []byte, bool) {
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != 17 {
		return netip.Addr{}, nil, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || len(b) < ihl+8 {
		return netip.Addr{}, nil, false
	}
	udp := b[ihl:]
	if int(binary.BigEndian.Uint16(udp[2:4])) != port {
		return netip.Addr{}, nil, false
	}
	ulen := int(binary.BigEndian.Uint16(udp[4:6]))
	if ulen < 8 || ulen > len(udp) {
		return netip.Addr{}, nil, false
	}
	return netip.AddrFrom4([4]byte(b[12:16])), udp[8:ulen], true
}

// watcher reports other servers' OFFERs and ACKs seen on the client port while we serve.
type watcher struct {
	conn   net.PacketConn
	server netip.Addr
	iface  string
	bus    *Bus[Event]
	quiet  limiter
}

// rogueQuiet: one dhcp.rogue per other server per period.
const rogueQuiet = 30 * time.Second

func (w *watcher) serve() error {
	buf := make([]byte, 4096)
	for {
		n, from, err := w.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("watch for other DHCP servers: %w", err)
		}
		m, err := dhcpv4.FromBytes(buf[:n])
		if err != nil || m.OpCode != dhcpv4.OpcodeBootReply {
			continue
		}
		if mt := m.MessageType(); mt != dhcpv4.MessageTypeOffer && mt != dhcpv4.MessageTypeAck {
			continue
		}
		srv := addrOf(m.ServerIdentifier())
		if peer, ok := from.(*net.UDPAddr); ok && !srv.IsValid() {
			srv = addrOf(peer.IP)
		}
		if srv == w.server || !w.quiet.allow(srv.String(), time.Now()) {
			continue // our own broadcast, looped back
		}
		publish(w.bus, Event{Kind: DHCPRogue, Server: srv.String(), MAC: m.ClientHWAddr.String(), IP: ipString(addrOf(m.YourIPAddr)),
			Msg: fmt.Sprintf("another DHCP server (%s) sent a %s on %s: phones may boot from it; switch it off or unplug it",
				srv, m.MessageType(), w.iface)})
	}
}
