//go:build darwin || windows

package servers

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// udpProbe reads the probe's replies on the DHCP client port through the same
// interface filter as the server (ifaceConn), and sends from that socket: IP_BOUND_IF
// on macOS, the interface's own address on Windows, keep the DISCOVER on the
// interface. It sees the OFFERs a server broadcasts, which the DISCOVER's broadcast
// flag asks for (RFC 2131 §4.1); it cannot see the sender's MAC, nor an OFFER unicast
// against the flag. No packet socket needed.
type udpProbe struct{ c *ifaceConn }

func openProbe(ifi *net.Interface) (probeSocket, error) {
	i, err := describe(*ifi)
	if err != nil {
		return nil, err
	}
	if len(i.Addrs) == 0 {
		return nil, &Problem{Kind: NoIPv4, Msg: fmt.Sprintf("probe for other DHCP servers: %s has no IPv4 address to send from", ifi.Name),
			Fix: "give the interface an address first (it is also the one phoneflash serves from)"}
	}
	c, err := listenIface(ifi, i.Addrs[0], dhcpClientPort, true)
	if err != nil {
		p := socketProblem("probe for other DHCP servers", netip.AddrPortFrom(i.Addrs[0].Addr(), dhcpClientPort), ifi.Name, err)
		return nil, p.orFix("make sure by hand that nothing else hands out addresses on this cable, then start anyway (%s)", FieldForce)
	}
	return &udpProbe{c: c}, nil
}

func (p *udpProbe) send(b []byte) error {
	_, err := p.c.WriteTo(b, &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ServerPort})
	return err
}

func (p *udpProbe) read(b []byte, deadline time.Time) ([]byte, netip.Addr, net.HardwareAddr, error) {
	if err := p.c.SetReadDeadline(deadline); err != nil {
		return nil, netip.Addr{}, nil, err
	}
	n, from, err := p.c.ReadFrom(b)
	if err != nil {
		return nil, netip.Addr{}, nil, err
	}
	var src netip.Addr
	if ua, ok := from.(*net.UDPAddr); ok {
		src = addrOf(ua.IP)
	}
	return b[:n], src, nil, nil
}

func (p *udpProbe) close() { p.c.Close() }
