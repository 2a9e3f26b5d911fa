//go:build linux

package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"golang.org/x/sys/unix"
)

// openIfaceDHCP opens the phone's DHCP socket on a real interface: a packet socket
// that broadcasts from port 68 and works while the interface has no address, as a
// phone's does. It needs root or CAP_NET_RAW.
func openIfaceDHCP(iface string) (net.PacketConn, error) {
	c, err := nclient4.NewRawUDPConn(iface, nclient4.ClientPort)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("DHCP on %s needs a raw socket: run as root or give the binary CAP_NET_RAW: %w", iface, err)
		}
		return nil, fmt.Errorf("DHCP socket on %s: %w", iface, err)
	}
	return c, nil
}

// listenOnIface opens a UDP socket bound to the interface (SO_BINDTODEVICE), so the
// phone's TFTP leaves by that interface whatever the routing table says.
func listenOnIface(iface string, local net.IP) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface)
		}); err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("bind to device %s: %w", iface, serr)
		}
		return nil
	}}
	addr := net.JoinHostPort(local.String(), "0")
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// setIfaceAddr puts ip/mask on the interface (RTM_NEWADDR, replace), as the phone's own
// IP stack would once leased. Only with --set-addr: it changes the interface.
func setIfaceAddr(iface string, ip net.IP, mask net.IPMask) error {
	return addrChange(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, iface, ip, mask)
}

// delIfaceAddr removes an address setIfaceAddr put there.
func delIfaceAddr(iface string, ip net.IP, mask net.IPMask) error {
	return addrChange(unix.RTM_DELADDR, 0, iface, ip, mask)
}

func addrChange(typ uint16, flags uint16, iface string, ip net.IP, mask net.IPMask) error {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return err
	}
	ip4 := ip.To4()
	if ip4 == nil {
		return fmt.Errorf("%s is not an IPv4 address", ip)
	}
	plen, bits := mask.Size()
	if bits != 32 {
		plen = 32 // no or odd mask in the lease: a host address still lets TFTP reach the server
		if def := ip4.DefaultMask(); def != nil {
			plen, _ = def.Size()
		}
	}
	what := fmt.Sprintf("%s/%d on %s", ip4, plen, iface)
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	msg := addrMessage(typ, flags, ifi.Index, ip4, plen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("set %s: %w", what, err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return fmt.Errorf("set %s: netlink answer: %w", what, err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return fmt.Errorf("set %s: netlink answer: %w", what, err)
	}
	for _, m := range msgs {
		if m.Header.Type == unix.NLMSG_ERROR && len(m.Data) >= 4 {
			if e := int32(binary.NativeEndian.Uint32(m.Data)); e != 0 {
				return fmt.Errorf("%s: %w", what, syscall.Errno(-e))
			}
			return nil
		}
	}
	return fmt.Errorf("set %s: no netlink acknowledgement", what)
}

// addrMessage builds an RTM_NEWADDR/RTM_DELADDR request: nlmsghdr, ifaddrmsg, then
// IFA_LOCAL and IFA_ADDRESS attributes (rtnetlink(7)).
func addrMessage(typ, flags uint16, index int, ip4 net.IP, plen int) []byte {
	attr := func(t uint16, v []byte) []byte {
		b := make([]byte, 4, 4+len(v)+3)
		binary.NativeEndian.PutUint16(b, uint16(4+len(v)))
		binary.NativeEndian.PutUint16(b[2:], t)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	body := []byte{unix.AF_INET, byte(plen), 0, unix.RT_SCOPE_UNIVERSE, 0, 0, 0, 0}
	binary.NativeEndian.PutUint32(body[4:], uint32(index))
	body = append(body, attr(unix.IFA_LOCAL, ip4)...)
	body = append(body, attr(unix.IFA_ADDRESS, ip4)...)
	hdr := make([]byte, unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint32(hdr, uint32(len(hdr)+len(body)))
	binary.NativeEndian.PutUint16(hdr[4:], typ)
	binary.NativeEndian.PutUint16(hdr[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	binary.NativeEndian.PutUint32(hdr[8:], 1) // sequence number
	return append(hdr, body...)
}
