package ui

import "testing"

// Each screen of the table keeps the contract the frame relies on: a name for the
// header, a view, keys and their help.
func TestEveryScreenKeepsTheContract(t *testing.T) {
	for i, s := range screens {
		if s.name == "" || s.view == nil || s.key == nil || s.help == nil {
			t.Errorf("screen %d: %+v", i, s)
		}
		if got := Screen(i).String(); got != s.name {
			t.Errorf("screen %d is called %q", i, got)
		}
	}
	if got := Screen(len(screens)).String(); got != "Screen(7)" {
		t.Errorf("past the table: %q", got)
	}
}
