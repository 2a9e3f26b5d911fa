package main

import (
	"errors"
	"flag"
	"fmt"

	"phoneflash/upgrade"
)

// lineOptions are the SIP line flags of the wizard and serve (issue 11): line 1 of a
// phone that leaves the bench on SIP (FACTS.md §11).
type lineOptions struct{ line upgrade.LineSettings }

// lineFlagNames are the flags of each line setting, to name the flag a problem is with.
var lineFlagNames = map[string]string{
	upgrade.LineRegistrar: "--sip-registrar", upgrade.LineUser: "--sip-user", upgrade.LineAuthUser: "--sip-auth-user",
	upgrade.LinePassword: "--sip-password", upgrade.LineDisplay: "--sip-display", upgrade.LineLabel: "--sip-label",
}

// lineFlags defines the --sip-* flags on fs.
func lineFlags(fs *flag.FlagSet, o *lineOptions) {
	l := &o.line
	fs.StringVar(&l.Registrar, "sip-registrar", "", "line 1 registers with this Asterisk/FreePBX: HOST[:PORT] (port 5060 by default)")
	fs.StringVar(&l.User, "sip-user", "", "line 1's extension, e.g. 1001")
	fs.StringVar(&l.AuthUser, "sip-auth-user", "", "the name line 1 authenticates with (default: the extension, as FreePBX expects)")
	fs.StringVar(&l.Password, "sip-password", "", "line 1's SIP secret: written into that phone's config alone, and never printed (TFTP carries it in clear)")
	fs.StringVar(&l.Display, "sip-display", "", "the name line 1 shows and calls with")
	fs.StringVar(&l.Label, "sip-label", "", "the text at the top of the phone's screen (no spaces)")
}

// settings are the line the flags give: nil when none is given, a usage error naming
// the flag when they cannot go into a phone's config.
func (o *lineOptions) settings() (*upgrade.LineSettings, error) {
	if o.line.Empty() {
		return nil, nil
	}
	if err := o.line.Validate(); err != nil {
		return nil, lineFlagError(err)
	}
	l := o.line
	return &l, nil
}

// lineFlagError words a *upgrade.LineError with its flag: "--sip-password: has a ';' …".
func lineFlagError(err error) error {
	var le *upgrade.LineError
	if errors.As(err, &le) {
		return &upgrade.InputError{Msg: fmt.Sprintf("%s: %s", lineFlagNames[le.Field], le.Msg)}
	}
	return err
}

// lineFor gives plan the line; a line without a plan, or for a target that is not SIP,
// is bad usage.
func lineFor(plan *upgrade.Plan, line *upgrade.LineSettings) error {
	switch {
	case line == nil:
		return nil
	case plan == nil:
		return &upgrade.InputError{Msg: "--sip-registrar and --sip-user need a plan: give --model and --to (a SIP load)"}
	}
	return lineFlagError(plan.SetLine(line))
}
