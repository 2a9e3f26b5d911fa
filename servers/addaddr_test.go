package servers

import (
	"net/netip"
	"testing"
)

// "Add this address" offers each system's own command (issue 10).
func TestAddressCommandPerSystem(t *testing.T) {
	p := netip.MustParsePrefix("192.168.1.1/24")
	for _, tc := range []struct{ goos, iface, want string }{
		{"linux", "eth1", "sudo ip addr add 192.168.1.1/24 dev eth1"},
		{"darwin", "en5", "sudo ipconfig set en5 MANUAL 192.168.1.1 255.255.255.0"},
		{"windows", "Ethernet 2", `netsh interface ipv4 add address name="Ethernet 2" 192.168.1.1 255.255.255.0`},
	} {
		if got := commandText(tc.goos, tc.iface, p); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.goos, got, tc.want)
		}
	}
}
