package servers

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// firewallProblem warns when the host firewall likely keeps the phones' requests
// out, with the fix for this system. A warning: we cannot read every rule's meaning.
func firewallProblem(iface string, dhcpPort, tftpPort int, noDHCP bool) *Problem {
	ports := []int{tftpPort}
	if !noDHCP {
		ports = []int{dhcpPort, tftpPort}
	}
	switch runtime.GOOS {
	case "linux":
		return nftProblem(iface, ports)
	case "windows":
		return windowsFirewallVerdict(windowsRuleExists(), isAdmin(), executable(), ports)
	}
	return nil
}

// nftProblem warns when the host firewall drops incoming packets by default and
// nothing in its rules names our ports: DISCOVERs and read requests would then never
// reach the servers, and the phone just sits there. It reads the nftables ruleset
// (firewalld, ufw and iptables-nft all end up there); without nft or root it says
// nothing.
func nftProblem(iface string, ports []int) *Problem {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nft", "list", "ruleset").Output()
	if err != nil {
		return nil
	}
	return firewallVerdict(string(out), iface, ports)
}

// inputDrop matches an input hook whose default policy drops.
var inputDrop = regexp.MustCompile(`type filter hook input priority [^;]*;\s*policy drop;`)

// firewallVerdict is firewallProblem's reading of an `nft list ruleset` text.
func firewallVerdict(ruleset, iface string, ports []int) *Problem {
	if !inputDrop.MatchString(ruleset) {
		return nil
	}
	var closed []string
	for _, p := range ports {
		if !mentionsPort(ruleset, p) {
			closed = append(closed, strconv.Itoa(p))
		}
	}
	if len(closed) == 0 {
		return nil
	}
	set := strings.Join(closed, ", ")
	if len(closed) > 1 {
		set = "{ " + set + " }"
	}
	return &Problem{Kind: Firewall, Warning: true,
		Msg: fmt.Sprintf("the host firewall drops incoming packets by default and no rule names UDP %s: phones may get no answer",
			strings.Join(closed, " or ")),
		Fix: fmt.Sprintf("let them in while you work: sudo nft insert rule inet filter input iifname %s udp dport %s accept "+
			"(or open the ports in firewalld/ufw)", iface, set)}
}

// mentionsPort reports whether a rule names UDP port p as a destination, by number or
// by its service name ("dport 67", "dport { 67, 69 }", "dport bootps").
func mentionsPort(ruleset string, p int) bool {
	port := strconv.Itoa(p)
	if name := serviceNames[p]; name != "" {
		port = "(?:" + port + "|" + name + ")"
	}
	re := regexp.MustCompile(`dport (?:\{[^}]*\b` + port + `\b[^}]*\}|` + port + `\b)`)
	return re.MatchString(ruleset)
}

// serviceNames are how nft prints the well-known ports.
var serviceNames = map[int]string{67: "bootps", 69: "tftp"}
