package servers

import "golang.org/x/sys/unix"

// optBoundIf scopes the socket's sends to the interface with that index
// (IP_BOUND_IF = 25, IPPROTO_IP; xnu bsd/netinet/in.h).
func optBoundIf(index int) sockOpt {
	return func(fd int) error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BOUND_IF, index) }
}

// optReusePort lets a second socket bind the same wildcard port: on BSD both
// SO_REUSEADDR and SO_REUSEPORT are needed beside a socket that set SO_REUSEPORT, and
// then every such socket gets a copy of a broadcast (used for the DHCP client port only).
func optReusePort(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}

func optReuseAddr(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
}
