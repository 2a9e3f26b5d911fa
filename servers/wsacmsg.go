package servers

import (
	"encoding/binary"
	"net/netip"
)

// Windows' control messages are not Linux's: WSARecvMsg fills the control buffer with
// WSACMSGHDR records and IN_PKTINFO has its own field order. golang.org/x/net/ipv4 does
// not parse them on Windows (its control_windows.go is a stub), so this does. It is
// plain byte work, tested on every system with fixtures built from the documented
// layouts.
//
// ws2def.h (mswsockdef.h in older SDKs):
//
//	typedef struct _WSACMSGHDR { SIZE_T cmsg_len; INT cmsg_level; INT cmsg_type; /* UCHAR cmsg_data[] */ } WSACMSGHDR;
//	WSA_CMSGHDR_ALIGN(len)  rounds len up to TYPE_ALIGNMENT(WSACMSGHDR), i.e. sizeof(SIZE_T)
//	WSA_CMSGDATA_ALIGN(len) rounds len up to MAX_NATURAL_ALIGNMENT (8 on 64-bit, 4 on 32-bit)
//	WSA_CMSG_DATA(cmsg)     = (PUCHAR)cmsg + WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR))
//	WSA_CMSG_NXTHDR         = cmsg + WSA_CMSGHDR_ALIGN(cmsg->cmsg_len), if a whole header still fits
//
// ws2ipdef.h (learn.microsoft.com/en-us/windows/win32/api/ws2ipdef/ns-ws2ipdef-in_pktinfo):
//
//	typedef struct in_pktinfo { IN_ADDR ipi_addr; ULONG ipi_ifindex; } IN_PKTINFO;
//
// ipi_addr is the datagram's destination in network byte order; ipi_ifindex the
// interface it arrived on, in host (little-endian) order. Linux's struct in_pktinfo
// is {int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr}: not the same bytes.
const (
	wsaIPProtoIP = 0  // IPPROTO_IP
	wsaIPPktInfo = 19 // IP_PKTINFO (ws2ipdef.h; golang.org/x/sys/windows.IP_PKTINFO)
)

// parseWSAPktInfo returns the interface index and destination address of the
// IN_PKTINFO record in oob, a WSARecvMsg control buffer from a Windows of the given
// word size (8: 64-bit, 4: 32-bit). ok is false when there is none or the buffer is
// malformed.
func parseWSAPktInfo(oob []byte, word int) (ifindex int, dst netip.Addr, ok bool) {
	hdr := word + 8                        // sizeof(WSACMSGHDR)
	data := (hdr + word - 1) &^ (word - 1) // WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)); MAX_NATURAL_ALIGNMENT == word
	for off := 0; off+hdr <= len(oob); {
		var l uint64
		if word == 8 {
			l = binary.LittleEndian.Uint64(oob[off:])
		} else {
			l = uint64(binary.LittleEndian.Uint32(oob[off:]))
		}
		level := int32(binary.LittleEndian.Uint32(oob[off+word:]))
		typ := int32(binary.LittleEndian.Uint32(oob[off+word+4:]))
		if l < uint64(hdr) || l > uint64(len(oob)-off) {
			return 0, netip.Addr{}, false // a length that does not fit: trust nothing after it
		}
		if level == wsaIPProtoIP && typ == wsaIPPktInfo {
			if l < uint64(data+8) {
				return 0, netip.Addr{}, false
			}
			d := oob[off+data:]
			return int(binary.LittleEndian.Uint32(d[4:8])), netip.AddrFrom4([4]byte(d[0:4])), true
		}
		off += (int(l) + word - 1) &^ (word - 1) // WSA_CMSGHDR_ALIGN(cmsg_len)
	}
	return 0, netip.Addr{}, false
}
