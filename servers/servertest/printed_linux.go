package servertest

import (
	"strings"
	"testing"
	"time"
)

// WaitPrinted waits up to 10 s for the process to print text on stdout or stderr; the
// test fails when it ends first or never does.
func (p *Proc) WaitPrinted(t testing.TB, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Stdout()+p.Stderr(), text) {
		select {
		case <-p.Done():
			t.Fatalf("%s ended before printing %q:\n%s%s", p.Cmd.Path, text, p.Stdout(), p.Stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q within 10 s:\n%s%s", p.Cmd.Path, text, p.Stdout(), p.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
