//go:build linux || darwin

package servers

import (
	"fmt"
	"net"

	"golang.org/x/net/ipv4"
)

// unixReader reads c with the receiving interface's index: golang.org/x/net/ipv4 asks
// for IP_PKTINFO on Linux and IP_RECVIF on macOS (x/net ipv4/sys_darwin.go) and parses
// either into ControlMessage.IfIndex. One code path for both, run by the Linux tests.
func unixReader(c *net.UDPConn) (ifaceReader, error) {
	p := ipv4.NewPacketConn(c)
	if err := p.SetControlMessage(ipv4.FlagInterface, true); err != nil {
		return nil, err
	}
	return func(b []byte) (int, net.Addr, int, bool, error) {
		n, cm, from, err := p.ReadFrom(b)
		if err != nil || cm == nil {
			return n, from, 0, false, err
		}
		return n, from, cm.IfIndex, true, nil
	}, nil
}

// unixIfaceConn is c read through unixReader and kept to ifi's packets: the part of
// listenIface Linux and macOS share. It closes c when the reader cannot be set up.
func unixIfaceConn(ifi *net.Interface, c *net.UDPConn, explain func(error) error) (*ifaceConn, error) {
	r, err := unixReader(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("ask for the receiving interface on %s: %w", ifi.Name, err)
	}
	return newIfaceConn(ifi.Index, c, []net.PacketConn{c}, []ifaceReader{r}, explain), nil
}
