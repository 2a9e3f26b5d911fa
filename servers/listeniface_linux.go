package servers

import (
	"net"
	"net/netip"
)

// dhcpOnInterface: this system can serve DHCP on one interface and nowhere else.
const dhcpOnInterface = true

// listenIface binds the wildcard address on port (a socket bound to our own address
// never sees a broadcast DISCOVER) and ties it to ifi with SO_BINDTODEVICE, which
// scopes receives and sends. The interface filter of ifaceConn is a second guard.
// shared: the DHCP client port, shared with the machine's own DHCP client
// (SO_REUSEADDR: broadcast replies reach every such socket). No SO_REUSEPORT on the
// server port, so a second DHCP server there is an error, not a silent twin.
func listenIface(ifi *net.Interface, _ netip.Prefix, port int, shared bool) (*ifaceConn, error) {
	var opts []sockOpt
	if shared {
		opts = append(opts, optReuseAddr)
	}
	c, err := listenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), ifi.Name, opts...)
	if err != nil {
		return nil, err
	}
	return unixIfaceConn(ifi, c, nil)
}
