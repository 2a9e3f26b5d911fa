//go:build !linux && !darwin && !windows

package servers

import (
	"errors"
	"net"
	"net/netip"
)

// dhcpOnInterface: only Linux, macOS and Windows have a way here to keep the DHCP
// server to one interface.
const dhcpOnInterface = false

func listenIface(*net.Interface, netip.Prefix, int, bool) (*ifaceConn, error) {
	return nil, errors.New("serving DHCP on one interface needs Linux, macOS or Windows")
}
