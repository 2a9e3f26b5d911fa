package upgrade

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// Nothing that came off the wire drives the terminal through serve's text output
// (issue 9 item 1); its JSON lines stay as they were (encoding/json escapes).
func TestServeTextShowsControlCharactersVisibly(t *testing.T) {
	e := servers.Event{Time: time.Unix(0, 0), Kind: servers.DHCPIgnored, MAC: "00:1e:4a:12:34:56",
		File: "\x1b]0;x\a.sbn", Class: "\x1b]0;x\a\x1b[2J", Msg: "from \x1b]0;x\a"}
	for _, asJSON := range []bool{false, true} {
		var out bytes.Buffer
		q := newEventLines(&out, asJSON)
		q.Put(eventLine(e, asJSON), nil)
		if !q.Close(time.Second) {
			t.Fatal("the printer did not finish")
		}
		got := out.String()
		if strings.ContainsAny(got, "\x1b\a") {
			t.Errorf("json=%v: printed %q: ESC or BEL reach the terminal", asJSON, got)
		}
		if asJSON && got != string(e.JSON())+"\n" {
			t.Errorf("JSON line %q, want it unchanged: %q", got, e.JSON())
		}
		if !asJSON && !strings.Contains(got, `\x1b]0;x\x07`) {
			t.Errorf("text %q does not show the escape visibly", got)
		}
	}
}
