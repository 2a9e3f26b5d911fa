package ui

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"phoneflash/servers"
)

// A pool start that does not fit the interface is told with the wizard's own words:
// the fix names the form fields to change, never a command-line flag (issue 12).
func TestBenchNamesTheFormFieldToFix(t *testing.T) {
	err := servers.Config{Iface: "lo", PoolStart: netip.MustParseAddr("127.0.1.5")}.Check()
	var p *servers.Problem
	if !errors.As(err, &p) || p.Field != servers.FieldPoolStart {
		t.Fatalf("servers say %v, want a problem with the pool start", err)
	}
	f := newFake()
	f.problems["lo"] = []*servers.Problem{p} // what the real Check says of this pool on lo
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth0")
	press(tm, "tab")  // into the settings: server address
	press(tm, "down") // pool start
	for _, r := range "127.0.1.5" {
		press(tm, string(r))
	}
	press(tm, "enter") // back to the list
	press(tm, "down")
	press(tm, "down") // lo
	press(tm, "enter")
	waitFor(t, tm, "no room for a pool", "(Pool start, Pool size)")
	m := final(t, tm)
	if v := m.View(); strings.Contains(v, "--") {
		t.Errorf("the wizard names a flag:\n%s", v)
	}
	golden(t, m)
}

// The form takes what servers takes: one rule per setting for both front ends.
func TestSettingsFollowTheServersRules(t *testing.T) {
	for _, tc := range []struct {
		field int
		text  string
		ok    bool
	}{
		{fieldPoolSize, "0", false}, {fieldPoolSize, "253", true}, {fieldPoolSize, "254", false},
		{fieldLease, "59s", false}, {fieldLease, "1m", true}, {fieldLease, "", true},
		{fieldServer, "10.0.0", false}, {fieldRouter, "10.0.0.1", true},
	} {
		f := newSettingsForm(servers.Config{})
		f.in[tc.field].SetValue(tc.text)
		f.validate()
		var c servers.Config
		err := c.Set(fieldSettings[tc.field], tc.text)
		if (f.valid() == nil) != tc.ok || (err == nil) != tc.ok {
			t.Errorf("%s %q: form says %v, servers say %v; want ok=%v", fieldLabels[tc.field], tc.text, f.valid(), err, tc.ok)
		}
	}
}
