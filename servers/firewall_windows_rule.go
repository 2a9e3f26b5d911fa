package servers

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// windowsRuleName is the name of the firewall rule the fix adds, and looks for.
const windowsRuleName = "phoneflash"

// windowsRuleExists reports whether a Windows Firewall rule of that name exists.
// netsh's text is translated on non-English Windows, so only its exit status is
// read: 0 when a rule matched. Without netsh (not Windows) it says no.
func windowsRuleExists() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "netsh", "advfirewall", "firewall", "show", "rule", "name="+windowsRuleName).Run() == nil
}

// windowsFirewallVerdict is the Windows pre-flight on the firewall. The first bind
// brings up Windows Firewall's "allow access" prompt, but a cable to a phone has no
// gateway, so Windows calls it an "Unidentified network" and puts it in the Public
// profile, which the prompt leaves unticked: the phone's DISCOVERs and read requests
// are then dropped without a word. tftpd64 checks its firewall rules up front for the
// same reason (src/_main/firewall.c). One rule for our program on every profile fixes
// it; adding it needs an elevated terminal.
func windowsFirewallVerdict(ruleFound, admin bool, exe string, ports []int) *Problem {
	if ruleFound {
		return nil
	}
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	rule := windowsFirewallRule(exe, ports)
	fix := "allow phoneflash once, in a terminal opened with Run as administrator: " + rule
	if admin {
		fix = "allow phoneflash once (this terminal is elevated): " + rule
	}
	return &Problem{Kind: Firewall, Warning: true,
		Msg: fmt.Sprintf("Windows Firewall may drop the phone's packets to UDP %s: no rule named %q lets them in, and a cable with no gateway "+
			"is an Unidentified (Public) network, which the firewall's prompt leaves blocked", strings.Join(list, " and "), windowsRuleName),
		Fix: fix}
}

// windowsFirewallRule is the one netsh line that lets the phone in on every profile.
func windowsFirewallRule(exe string, ports []int) string {
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf(`netsh advfirewall firewall add rule name=%s dir=in action=allow program="%s" protocol=UDP localport=%s profile=any`,
		windowsRuleName, exe, strings.Join(list, ","))
}
