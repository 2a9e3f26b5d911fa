package servers

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// sockets are the bound sockets of one Start: TFTP, DHCP (nil with NoDHCP) and the
// watch on the client port that sees other servers' replies (nil on loopback). Off
// loopback DHCP and the watch are ifaceConns: they read only their interface.
type sockets struct {
	tftp     *net.UDPConn
	dhcp     net.PacketConn
	watch    net.PacketConn
	warnings []string
}

func (s *sockets) close() {
	if s.tftp != nil {
		s.tftp.Close()
	}
	for _, c := range []net.PacketConn{s.dhcp, s.watch} {
		if c != nil {
			c.Close()
		}
	}
}

// listen binds every socket rc needs. Errors are *Problem.
func (rc *resolved) listen() (*sockets, error) {
	s := &sockets{}
	dev := rc.iface.Name
	if rc.loopback {
		dev = "" // the loopback address alone keeps us off every other interface
	}
	var err error
	tftpAddr := netip.AddrPortFrom(rc.ServerIP, uint16(rc.TFTPPort))
	tftpDev := dev
	if !canBindDevice {
		tftpDev = "" // the interface's own address keeps TFTP to that network
	}
	// IP_PKTINFO before bind: pin reads the local address and the interface MTU from it,
	// and enabling it only inside Serve loses it for requests that arrive first.
	if s.tftp, err = listenUDP(tftpAddr, tftpDev, optPktInfo); err != nil {
		return nil, socketProblem("TFTP", tftpAddr, tftpDev, err)
	}
	if rc.NoDHCP {
		return s, nil
	}
	if rc.loopback {
		dhcpAddr := netip.AddrPortFrom(rc.ServerIP, uint16(rc.DHCPPort))
		c, err := listenUDP(dhcpAddr, "")
		if err != nil {
			s.close()
			return nil, bindProblem("DHCP", dhcpAddr, "", err)
		}
		s.dhcp = c
		return s, nil
	}
	if !dhcpOnInterface {
		s.close()
		return nil, (&Problem{Kind: SocketFailed, Field: FieldNoDHCP,
			Msg: fmt.Sprintf("DHCP: serving on one interface (%s) needs Linux, macOS or Windows: here the server would answer every network this machine is on", dev)}).
			fixing("run phoneflash on one of those, or serve TFTP only (%s) and let the office DHCP point option 150 at "+rc.ServerIP.String(), FieldNoDHCP)
	}
	ifi, err := netInterface(dev)
	if err != nil {
		s.close()
		return nil, err
	}
	// The wildcard address, kept to the interface by the per-system listenIface
	// (listeniface_*.go): a socket bound to our address never sees a broadcast DISCOVER.
	local := netip.PrefixFrom(rc.ServerIP, rc.subnet.Bits())
	dhcpAddr := netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(rc.DHCPPort))
	dc, err := listenIface(ifi, local, rc.DHCPPort, false)
	if err != nil {
		s.close()
		return nil, socketProblem("DHCP", dhcpAddr, dev, err)
	}
	s.dhcp = dc
	if wc, err := listenIface(ifi, local, dhcpClientPort, true); err != nil {
		s.warnings = append(s.warnings, fmt.Sprintf(
			"cannot watch for other DHCP servers while serving (%v); the start-up probe still ran", err))
	} else {
		s.watch = wc
	}
	return s, nil
}

// dhcpClientPort is where DHCP servers send their replies (RFC 2131 §4.1).
const dhcpClientPort = 68

// listenClientPort binds the DHCP client port on dev, shared with any DHCP client of
// the machine (SO_REUSEADDR): broadcast replies reach every such socket.
func listenClientPort(dev string) (*net.UDPConn, error) {
	return listenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 68), dev, optReuseAddr)
}

// listenUDP binds an IPv4 UDP socket to addr, on device dev when dev is set, with the
// extra socket options given.
func listenUDP(addr netip.AddrPort, dev string, opts ...sockOpt) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) {
			if dev != "" {
				if err = bindToDevice(int(fd), dev); err != nil {
					err = fmt.Errorf("bind to device %s: %w", dev, err)
					return
				}
			}
			for _, o := range opts {
				if err = o(int(fd)); err != nil {
					return
				}
			}
		})
		if cerr != nil {
			return cerr
		}
		return err
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}
