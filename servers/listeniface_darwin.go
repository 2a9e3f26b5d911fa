package servers

import (
	"net"
	"net/netip"
)

// dhcpOnInterface: this system can serve DHCP on one interface and nowhere else.
const dhcpOnInterface = true

// listenIface binds the wildcard address on port with IP_BOUND_IF set to ifi. On
// macOS IP_BOUND_IF scopes sends, broadcasts included, to that interface (xnu
// bsd/netinet/ip_output.c, udp_usrreq.c) but does not filter receives (xnu
// bsd/netinet/in_pcb.c _inp_restricted_recv only applies to restricted interfaces):
// ifaceConn drops what IP_RECVIF says came from elsewhere. A non-root process may
// bind a port below 1024 on the wildcard address (xnu in_pcb.c), so DHCP alone would
// not need sudo; TFTP on our address does. No SO_REUSEPORT on the server port:
// Internet Sharing's bootpd holding it must be an error we can name, not a twin.
// shared: the DHCP client port, which macOS's own DHCP client may hold too.
func listenIface(ifi *net.Interface, local netip.Prefix, port int, shared bool) (*ifaceConn, error) {
	opts := []sockOpt{optBoundIf(ifi.Index)}
	if shared {
		opts = append(opts, optReuseAddr, optReusePort)
	}
	c, err := listenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), "", opts...)
	if err != nil {
		return nil, err
	}
	explain := func(err error) error { return explainSend("darwin", ifi.Name, local, err) }
	return unixIfaceConn(ifi, c, explain)
}
