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

// nftChain is one chain of an `nft list ruleset` text: where it is, and its rules.
type nftChain struct {
	family, table, name string
	hook                string   // "input", "forward" …; "" for a regular chain
	policyDrop          bool     // policy drop
	rules               []string // its statements, one a line, without the type line
}

var (
	tableLine = regexp.MustCompile(`^table (\w+) (\S+) \{`)
	chainLine = regexp.MustCompile(`^chain (\S+) \{`)
	hookLine  = regexp.MustCompile(`^type \w+ hook (\w+) .*?;(?:\s*policy (\w+);)?`)
)

// parseRuleset reads the chains of an `nft list ruleset` text (tables of any family:
// inet, ip, ip6; iptables-nft and ufw write "table ip filter", chain "INPUT").
func parseRuleset(ruleset string) []nftChain {
	var chains []nftChain
	var family, table string
	var cur *nftChain
	for _, raw := range strings.Split(ruleset, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case tableLine.MatchString(line):
			m := tableLine.FindStringSubmatch(line)
			family, table = m[1], m[2]
		case chainLine.MatchString(line):
			chains = append(chains, nftChain{family: family, table: table, name: chainLine.FindStringSubmatch(line)[1]})
			cur = &chains[len(chains)-1]
		case cur == nil || line == "":
		case line == "}":
			cur = nil
		case hookLine.MatchString(line):
			m := hookLine.FindStringSubmatch(line)
			cur.hook, cur.policyDrop = m[1], m[2] == "drop"
		default:
			cur.rules = append(cur.rules, line)
		}
	}
	return chains
}

// drops reports whether an input chain turns away what no rule let in: a drop policy,
// or a last rule that rejects or drops everything (firewalld's chains accept by policy
// and end in "reject with icmpx admin-prohibited").
func (c nftChain) drops() bool {
	if c.hook != "input" {
		return false
	}
	if c.policyDrop {
		return true
	}
	if len(c.rules) == 0 {
		return false
	}
	last := strings.Fields(c.rules[len(c.rules)-1])
	for len(last) > 0 && (last[0] == "counter" || last[0] == "packets" || last[0] == "bytes" || isNumber(last[0])) {
		last = last[1:] // "counter packets 0 bytes 0 reject"
	}
	return len(last) > 0 && (last[0] == "reject" || last[0] == "drop")
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

// firewallVerdict is firewallProblem's reading of an `nft list ruleset` text: a port is
// open when a rule of the dropping chain's table accepts it (any interface, or ours);
// a rule that names the port to drop it, or for another interface, is no opening.
func firewallVerdict(ruleset, iface string, ports []int) *Problem {
	chains := parseRuleset(ruleset)
	for _, c := range chains {
		if !c.drops() {
			continue
		}
		var closed []string
		for _, p := range ports {
			if !acceptsPort(chains, c.family, c.table, iface, p) {
				closed = append(closed, strconv.Itoa(p))
			}
		}
		if len(closed) == 0 {
			continue
		}
		set := strings.Join(closed, ", ")
		if len(closed) > 1 {
			set = "{ " + set + " }"
		}
		return &Problem{Kind: Firewall, Warning: true,
			Msg: fmt.Sprintf("the host firewall drops incoming packets by default (nft %s %s, chain %s) and no rule lets in UDP %s: phones may get no answer",
				c.family, c.table, c.name, strings.Join(closed, " or ")),
			Fix: fmt.Sprintf("let them in while you work: sudo nft insert rule %s %s %s iifname %s udp dport %s accept "+
				"(or open the ports in firewalld/ufw)", c.family, c.table, c.name, iface, set)}
	}
	return nil
}

// acceptsPort reports whether a rule in table (family, table) accepts UDP port p for
// iface: it names the port as a destination (by number or service name, alone or in a
// set), ends in accept, and names no other interface.
func acceptsPort(chains []nftChain, family, table, iface string, p int) bool {
	port := strconv.Itoa(p)
	if name := serviceNames[p]; name != "" {
		port = "(?:" + port + "|" + name + ")"
	}
	re := regexp.MustCompile(`dport (?:\{[^}]*\b` + port + `\b[^}]*\}|` + port + `\b)`)
	for _, c := range chains {
		if c.family != family || c.table != table {
			continue
		}
		for _, r := range c.rules {
			if re.MatchString(r) && strings.HasSuffix(r, "accept") && forInterface(r, iface) {
				return true
			}
		}
	}
	return false
}

var ifaceMatch = regexp.MustCompile(`\biif(?:name)? (?:"([^"]+)"|(\S+)|\{([^}]*)\})`)

// forInterface reports whether rule r applies to packets arriving on iface: it names
// no input interface, or names this one.
func forInterface(r, iface string) bool {
	m := ifaceMatch.FindStringSubmatch(r)
	if m == nil {
		return true
	}
	names := m[1] + m[2] + m[3]
	for _, n := range strings.FieldsFunc(names, func(r rune) bool { return r == ',' || r == ' ' || r == '"' }) {
		if n == iface {
			return true
		}
	}
	return false
}

// serviceNames are how nft prints the well-known ports.
var serviceNames = map[int]string{67: "bootps", 69: "tftp"}
