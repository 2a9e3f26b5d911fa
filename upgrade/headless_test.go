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
		q.Put(eventLine(wireEvent(e), asJSON), nil)
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

// serve says a file phones ask for and do without is normal, as the wizard does: one
// verdict (ExpectedMiss) for both front ends.
func TestServeTextSaysANormalMissIsNormal(t *testing.T) {
	for name, want := range map[string]bool{"CTLSEP001E4A123456.tlv": true, "/mk-sip.jar": true, "dialplan.xml": true,
		"P0S3-8-12-00.sb2": false, "XMLDefault.cnf.xml": false} {
		e := servers.Event{Time: time.Unix(0, 0), Kind: servers.TFTPMissing, IP: "192.0.2.10", File: name, Asked: name,
			Msg: "not-found: file not found"}
		if got := strings.HasSuffix(string(eventLine(wireEvent(e), false)), " (normal)\n"); got != want {
			t.Errorf("%s: said normal = %v, want %v", name, got, want)
		}
		if strings.Contains(string(eventLine(wireEvent(e), true)), "normal") {
			t.Errorf("%s: the JSON line changed", name)
		}
	}
}
