package ui

import (
	"slices"
	"testing"

	"phoneflash/upgrade"
)

// The Done screen says of each phone's line what the session report says: written and
// fetched, written and not yet fetched, or none because it went to another phone;
// nothing when the plan has no line. A name from the wire is shown escaped.
func TestLineNotes(t *testing.T) {
	for _, c := range []struct {
		pr   upgrade.PhoneReport
		want []string
	}{
		{upgrade.PhoneReport{}, nil},
		{upgrade.PhoneReport{Line: "line 1001 written", LineRead: true}, []string{"Line 1001 written and fetched by the phone."}},
		{upgrade.PhoneReport{Line: "line 1001 written"}, []string{"Line 1001 written; the phone has not fetched it yet."}},
		{upgrade.PhoneReport{NoLine: "line 1001 went to the phone 00:1e:4a:12:34:56"},
			[]string{"No line: line 1001 went to the phone 00:1e:4a:12:34:56; give it its own line in a run of its own."}},
		{upgrade.PhoneReport{NoLine: "line 10\x1b[2J01 went to the phone x"},
			[]string{`No line: line 10\x1b[2J01 went to the phone x; give it its own line in a run of its own.`}},
	} {
		if got := lineNotes(c.pr); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.pr, got, c.want)
		}
	}
}
