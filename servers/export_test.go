package servers

// FirewallVerdict lets the external tests read rulesets.
var FirewallVerdict = firewallVerdict
