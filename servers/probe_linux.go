package servers

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/mdlayher/packet"
)

// packetProbe reads the probe's replies from a packet socket, so it sees the sender's
// MAC and OFFERs unicast to our MAC as well (a server that ignores the broadcast
// flag). Needs root or CAP_NET_RAW.
type packetProbe struct {
	raw  *packet.Conn
	conn *net.UDPConn
}

func openProbe(ifi *net.Interface) (probeSocket, error) {
	raw, err := packet.Listen(ifi, packet.Datagram, 0x0800 /* ETH_P_IP */, nil)
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, &Problem{Kind: NeedPrivilege, Err: err,
				Msg: "probe for other DHCP servers: no permission to open a packet socket", Fix: privilegeFix()}
		}
		return nil, fmt.Errorf("probe %s: %w", ifi.Name, err)
	}
	send, err := listenClientPort(ifi.Name)
	if errors.Is(err, syscall.EADDRINUSE) { // a DHCP client holds port 68: replies go there anyway
		send, err = listenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 0), ifi.Name)
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("probe %s: %w", ifi.Name, err)
	}
	return &packetProbe{raw: raw, conn: send}, nil
}

func (p *packetProbe) send(b []byte) error {
	_, err := p.conn.WriteTo(b, &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ServerPort})
	return err
}

func (p *packetProbe) read(b []byte, deadline time.Time) ([]byte, netip.Addr, net.HardwareAddr, error) {
	p.raw.SetReadDeadline(deadline)
	n, from, err := p.raw.ReadFrom(b)
	if err != nil {
		return nil, netip.Addr{}, nil, err
	}
	src, payload, ok := udpPayload(b[:n], dhcpv4.ClientPort)
	if !ok {
		return nil, netip.Addr{}, nil, nil
	}
	var mac net.HardwareAddr
	if pa, ok := from.(*packet.Addr); ok {
		mac = pa.HardwareAddr
	}
	return payload, src, mac, nil
}

func (p *packetProbe) close() {
	p.raw.Close()
	p.conn.Close()
}
