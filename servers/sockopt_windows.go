package servers

import "golang.org/x/sys/windows"

// optRecvPktInfo asks for IN_PKTINFO with every datagram (IP_PKTINFO = 19, IPPROTO_IP;
// learn.microsoft.com ns-ws2ipdef-in_pktinfo). Set before bind through RawConn.Control,
// where fd is the SOCKET handle.
func optRecvPktInfo(fd int) error {
	return windows.SetsockoptInt(windows.Handle(fd), windows.IPPROTO_IP, windows.IP_PKTINFO, 1)
}
