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
