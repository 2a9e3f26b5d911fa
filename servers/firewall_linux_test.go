package servers_test

import (
	"testing"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

// The verdict on what nft really prints for a ruleset like the ones firewalld and
// ufw leave behind, made in a namespace of the test's own.
func TestFirewallVerdictOnRealNft(t *testing.T) {
	servertest.Require(t, "nft")
	ns := servertest.NewNS(t, "fw")
	ns.Run("nft", "add", "table", "inet", "filter")
	ns.Run("nft", "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }")
	ns.Run("nft", "add", "rule", "inet", "filter", "input", "tcp", "dport", "22", "accept")
	if p := servers.FirewallVerdict(ns.Run("nft", "list", "ruleset"), "veth0", []int{67, 69}); p == nil {
		t.Fatal("a drop policy with nothing open for 67/69 went unnoticed")
	}
	ns.Run("nft", "add", "rule", "inet", "filter", "input", "udp", "dport", "{", "67,", "69", "}", "accept")
	if p := servers.FirewallVerdict(ns.Run("nft", "list", "ruleset"), "veth0", []int{67, 69}); p != nil {
		t.Fatalf("ports open, still warned: %v", p)
	}
}
