package servers

import "time"

// FirewallVerdict lets the external tests read rulesets.
var FirewallVerdict = firewallVerdict

// SetTFTPLimits replaces the TFTP server's limits: transfers at once overall and per
// client address, and a request budget per client address of burst, refilled once per
// every (tests of the limits; fuzzing, which asks faster than any client may).
func SetTFTPLimits(r *Running, transfers, perClient int, every time.Duration, burst int) {
	r.tftp.admit.setLimits(tftpLimits{transfers: transfers, perClient: perClient, every: every, burst: burst})
}

// TFTPLimits are the default caps on transfers at once, overall and per client address.
func TFTPLimits() (transfers, perClient int) {
	return defaultTFTPLimits.transfers, defaultTFTPLimits.perClient
}
