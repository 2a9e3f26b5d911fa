package servers_test

import (
	"strings"
	"testing"

	"phoneflash/servers"
)

const dropAll = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 accept
	}
}
`

func TestFirewallVerdict(t *testing.T) {
	for _, tc := range []struct {
		name, ruleset string
		ports         []int
		want          string // "" = no problem; else a part of the fix
	}{
		{"no firewall", "", []int{67, 69}, ""},
		{"accept policy", strings.Replace(dropAll, "policy drop", "policy accept", 1), []int{67, 69}, ""},
		{"drop, nothing open", dropAll, []int{67, 69}, "udp dport { 67, 69 } accept"},
		{"drop, TFTP only", dropAll, []int{69}, "udp dport 69 accept"},
		{"drop, both open", strings.Replace(dropAll, "tcp dport 22", "udp dport { 67, 69 } accept\n\t\ttcp dport 22", 1), []int{67, 69}, ""},
		{"drop, by name", strings.Replace(dropAll, "tcp dport 22", "udp dport bootps accept\n\t\tudp dport tftp", 1), []int{67, 69}, ""},
		{"drop, only DHCP open", strings.Replace(dropAll, "tcp dport 22", "udp dport 67", 1), []int{67, 69}, "udp dport 69 accept"},
		{"port 670 is not 67", strings.Replace(dropAll, "tcp dport 22", "udp dport 670", 1), []int{67}, "udp dport 67 accept"},
		{"unprivileged test ports", dropAll, []int{6767}, "udp dport 6767 accept"},
		// Found by the namespace tests: a rule that names the port to drop it, or one for
		// another interface, is no opening.
		{"a rule dropping the port is no opening", strings.Replace(dropAll, "tcp dport 22", "udp dport { 67, 69 } drop\n\t\ttcp dport 22", 1), []int{67, 69}, "udp dport { 67, 69 } accept"},
		{"open on another interface only", strings.Replace(dropAll, "tcp dport 22", `iifname "wlan0" udp dport { 67, 69 } accept`+"\n\t\ttcp dport 22", 1), []int{67, 69}, "udp dport { 67, 69 } accept"},
		{"open on this interface", strings.Replace(dropAll, "tcp dport 22", `iifname "eth1" udp dport { 67, 69 } accept`+"\n\t\ttcp dport 22", 1), []int{67, 69}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := servers.FirewallVerdict(tc.ruleset, "eth1", tc.ports)
			switch {
			case tc.want == "" && p != nil:
				t.Fatalf("unexpected problem: %v", p)
			case tc.want != "" && (p == nil || !strings.Contains(p.Fix, tc.want) || !strings.Contains(p.Fix, "iifname eth1") || !p.Warning):
				t.Fatalf("problem %+v, want a warning whose fix has %q", p, tc.want)
			}
		})
	}
}

// The fix names the chain that drops, whatever its table: iptables-nft and ufw write
// "table ip filter" with chain INPUT, firewalld accepts by policy and ends in a reject.
func TestFirewallFixNamesTheDroppingChain(t *testing.T) {
	for _, tc := range []struct{ name, ruleset, want string }{
		{"iptables-nft", `table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy drop;
		ct state related,established counter packets 10 bytes 800 accept
		tcp dport 22 counter packets 0 bytes 0 accept
	}
}
`, "sudo nft insert rule ip filter INPUT iifname eth1"},
		{"firewalld", `table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		jump filter_INPUT_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_IN_public_allow {
		tcp dport 22 accept
	}
}
`, "sudo nft insert rule inet firewalld filter_INPUT iifname eth1"},
	} {
		p := servers.FirewallVerdict(tc.ruleset, "eth1", []int{67, 69})
		if p == nil || !strings.Contains(p.Fix, tc.want) {
			t.Errorf("%s: %+v, want a fix with %q", tc.name, p, tc.want)
		}
	}
	// firewalld with the ports open in its zone's chain: no warning.
	open := `table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		jump filter_INPUT_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_IN_public_allow {
		udp dport 67 accept
		udp dport 69 accept
	}
}
`
	if p := servers.FirewallVerdict(open, "eth1", []int{67, 69}); p != nil {
		t.Errorf("firewalld with the ports open: %+v", p)
	}
}
