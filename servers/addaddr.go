package servers

import (
	"net"
	"net/netip"
	"runtime"
	"strings"
)

// AddressCommand is the system's own command that puts address p on interface iface,
// as a technician would type it (run as root / Administrator). goos is runtime.GOOS.
//   - Linux: ip addr add 192.168.1.1/24 dev eth1
//   - macOS: ipconfig set en5 MANUAL 192.168.1.1 255.255.255.0; plain ifconfig would
//     leave the interface without the broadcast route a DHCP OFFER needs
//   - Windows: netsh interface ipv4 add address name="Ethernet" 192.168.1.1 255.255.255.0
func AddressCommand(goos, iface string, p netip.Prefix) []string {
	mask := net.IP(net.CIDRMask(p.Bits(), 32)).String()
	switch goos {
	case "darwin":
		return []string{"ipconfig", "set", iface, "MANUAL", p.Addr().String(), mask}
	case "windows":
		return []string{"netsh", "interface", "ipv4", "add", "address", "name=" + iface, p.Addr().String(), mask}
	}
	return []string{"ip", "addr", "add", p.String(), "dev", iface}
}

// AddressCommandText is AddressCommand for this system as one line to type, with
// sudo where the system wants it and quotes where a name has spaces.
func AddressCommandText(iface string, p netip.Prefix) string {
	return commandText(runtime.GOOS, iface, p)
}

func commandText(goos, iface string, p netip.Prefix) string {
	args := AddressCommand(goos, iface, p)
	for i, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok && strings.ContainsAny(v, " \t") {
			args[i] = k + `="` + v + `"`
		} else if strings.ContainsAny(a, " \t") {
			args[i] = `"` + a + `"`
		}
	}
	line := strings.Join(args, " ")
	if goos != "windows" {
		line = "sudo " + line
	}
	return line
}
