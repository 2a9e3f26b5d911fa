package servers

import (
	"net"
	"net/netip"
	"unsafe"
)

// dhcpOnInterface: this system can serve DHCP on one interface and nowhere else.
const dhcpOnInterface = true

// listenIface on Windows, which cannot bind a socket to an interface. As tftpd64
// (src/_services/bootpd.c) and Technitium's DhcpServer do it:
//   - receive on 0.0.0.0:port with IP_PKTINFO and drop what arrived on another
//     interface (ifaceConn; the control message is parsed by parseWSAPktInfo);
//   - send from a second socket bound to our own address: Windows sends a limited
//     broadcast out of the interface of the bound source address (strong host send
//     model since Vista). Unicast to our address (a renewing phone) lands on that more
//     specific socket, so it is read too, through the same filter.
//
// No SO_REUSEADDR and no SO_EXCLUSIVEADDRUSE: a second DHCP server on the wildcard
// port stays an error, and an exclusive wildcard bind would deny our own second bind.
// Go sets SO_BROADCAST on every UDP socket (net/sockopt_windows.go) and switches off
// SIO_UDP_CONNRESET (net/fd_windows.go), so an ICMP port-unreachable does not end the
// read loop.
//
// shared: the DHCP client port, which the Windows DHCP client holds on the wildcard
// address; we bind our own address only and leave the wildcard to it.
//
// Not yet run on a Windows machine: whether the second bind beside the wildcard
// succeeds without SO_REUSEADDR, and which of the two sockets a broadcast reaches, are
// what a real machine must confirm (both sockets are read, so either way works).
func listenIface(ifi *net.Interface, local netip.Prefix, port int, shared bool) (*ifaceConn, error) {
	own := netip.AddrPortFrom(local.Addr(), uint16(port))
	if shared {
		c, err := listenUDP(own, "", optRecvPktInfo)
		if err != nil {
			return nil, err
		}
		return newIfaceConn(ifi.Index, c, []net.PacketConn{c}, []ifaceReader{windowsReader(c)}, nil), nil
	}
	wild, err := listenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), "", optRecvPktInfo)
	if err != nil {
		return nil, err
	}
	c, err := listenUDP(own, "", optRecvPktInfo)
	if err != nil {
		wild.Close()
		return nil, err
	}
	return newIfaceConn(ifi.Index, c, []net.PacketConn{wild, c},
		[]ifaceReader{windowsReader(wild), windowsReader(c)}, nil), nil
}

// windowsReader reads c with WSARecvMsg (Go's ReadMsgUDP) and finds the receiving
// interface in its IN_PKTINFO. Each reader runs on one goroutine, so one oob buffer.
func windowsReader(c *net.UDPConn) ifaceReader {
	oob := make([]byte, 128)
	word := int(unsafe.Sizeof(uintptr(0)))
	return func(b []byte) (int, net.Addr, int, bool, error) {
		n, oobn, _, from, err := c.ReadMsgUDP(b, oob)
		if err != nil {
			return 0, nil, 0, false, err
		}
		idx, _, ok := parseWSAPktInfo(oob[:oobn], word)
		return n, from, idx, ok, nil
	}
}
