package servers

import (
	"net/netip"
	"testing"
)

// The fixtures are written byte by byte from the layouts in wsacmsg.go: WSACMSGHDR
// {SIZE_T cmsg_len; INT cmsg_level; INT cmsg_type}, data at WSA_CMSGDATA_ALIGN of
// the header, IN_PKTINFO {IN_ADDR ipi_addr (network order); ULONG ipi_ifindex (LE)}.
var (
	// 64-bit: header 16 bytes, data at 16, cmsg_len = WSA_CMSG_LEN(8) = 24.
	pktInfo64 = []byte{
		24, 0, 0, 0, 0, 0, 0, 0, // cmsg_len
		0, 0, 0, 0, // cmsg_level IPPROTO_IP
		19, 0, 0, 0, // cmsg_type IP_PKTINFO
		255, 255, 255, 255, // ipi_addr 255.255.255.255: a broadcast DISCOVER
		7, 0, 0, 0, // ipi_ifindex 7
	}
	// 32-bit: header 12 bytes, data at 12, cmsg_len = 20.
	pktInfo32 = []byte{
		20, 0, 0, 0,
		0, 0, 0, 0,
		19, 0, 0, 0,
		192, 0, 2, 1,
		0x2c, 0x01, 0, 0, // ipi_ifindex 300: the high byte counts
	}
	// 64-bit: an IP_TTL record (level 0, type 4, one int: cmsg_len 20, aligned to 24)
	// before the IN_PKTINFO.
	ttlThenPktInfo64 = append([]byte{
		20, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		4, 0, 0, 0,
		64, 0, 0, 0, // TTL 64
		0, 0, 0, 0, // padding to WSA_CMSGHDR_ALIGN(20) = 24
	}, pktInfo64...)
	// An IPv6 IPV6_PKTINFO (level 41, type 19) is not ours.
	ipv6PktInfo64 = []byte{
		36, 0, 0, 0, 0, 0, 0, 0,
		41, 0, 0, 0,
		19, 0, 0, 0,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		7, 0, 0, 0,
	}
)

func TestParseWSAPktInfo(t *testing.T) {
	for _, c := range []struct {
		name  string
		oob   []byte
		word  int
		index int
		dst   string
		ok    bool
	}{
		{"64-bit", pktInfo64, 8, 7, "255.255.255.255", true},
		{"32-bit", pktInfo32, 4, 300, "192.0.2.1", true},
		{"after another record", ttlThenPktInfo64, 8, 7, "255.255.255.255", true},
		{"IPv6 record only", ipv6PktInfo64, 8, 0, "", false},
		{"no control message", nil, 8, 0, "", false},
		{"header cut short", pktInfo64[:12], 8, 0, "", false},
		{"data cut short", pktInfo64[:20], 8, 0, "", false},
		{"64-bit buffer read as 32-bit", pktInfo64, 4, 0, "", false},
		{"zero length (would loop)", append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 19, 0, 0, 0}, pktInfo64...), 8, 0, "", false},
		{"length past the buffer", append([]byte{255, 0, 0, 0, 0, 0, 0, 0}, pktInfo64[8:]...), 8, 0, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			idx, dst, ok := parseWSAPktInfo(c.oob, c.word)
			if ok != c.ok || idx != c.index {
				t.Fatalf("got index %d ok %v, want %d %v", idx, ok, c.index, c.ok)
			}
			if ok && dst != netip.MustParseAddr(c.dst) {
				t.Errorf("destination %s, want %s", dst, c.dst)
			}
		})
	}
}

func FuzzParseWSAPktInfo(f *testing.F) {
	for _, b := range [][]byte{pktInfo64, pktInfo32, ttlThenPktInfo64, ipv6PktInfo64} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, word := range []int{4, 8} {
			parseWSAPktInfo(b, word) // must not panic or loop on any bytes
		}
	})
}

func TestFromInterface(t *testing.T) {
	for _, c := range []struct {
		name      string
		want, got int
		ok, pass  bool
	}{
		{"same interface", 3, 3, true, true},
		{"another interface", 3, 4, true, false},
		{"no control message", 3, 0, false, false},
		{"a control message without the index", 3, 0, true, false},
		{"no interface to compare with", 0, 0, true, false},
	} {
		if got := fromInterface(c.want, c.got, c.ok); got != c.pass {
			t.Errorf("%s: fromInterface(%d, %d, %v) = %v", c.name, c.want, c.got, c.ok, got)
		}
	}
}
