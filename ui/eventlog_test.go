package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

func TestFormatEvent(t *testing.T) {
	at := clock0
	for _, tc := range []struct {
		e    upgrade.Event
		mark string
		kind lineKind
		text string
	}{
		{upgrade.Event{Event: servers.Event{Kind: servers.TFTPMissing, Asked: "CTLSEP001E4A123456.tlv", Msg: "file not found"}}, markExpect, lineExpected,
			"09:30:00 tftp.missing  CTLSEP001E4A123456.tlv not found (normal)"},
		{upgrade.Event{Event: servers.Event{Kind: servers.TFTPMissing, Asked: "P00308000900.sb2", Msg: "file not found"}}, markBad, lineBad,
			"09:30:00 tftp.missing  P00308000900.sb2 not found"},
		{upgrade.Event{Event: servers.Event{Kind: servers.TFTPDone, File: "P0S3-8-12-00.sb2", Bytes: 756524, DurationMS: 2500, Rate: 302609.6, Retransmits: 2}},
			markOK, lineNormal, "09:30:00 tftp.done     P0S3-8-12-00.sb2 738.8 KiB in 2.5s, 295.5 KiB/s, 2 resent"},
		{upgrade.Event{Event: servers.Event{Kind: upgrade.PhoneHint, Msg: "Still writing flash."}}, markWarn, lineWarn,
			"09:30:00 phone.hint    Still writing flash."},
		{upgrade.Event{Event: servers.Event{Kind: upgrade.UpgradeDone, Msg: "the 7960 runs P0S3-8-12-00"}, Load: "P0S3-8-12-00"}, markOK, lineGood,
			"09:30:00 upgrade.done  P0S3-8-12-00 — the 7960 runs P0S3-8-12-00"},
		{upgrade.Event{Event: servers.Event{Kind: servers.DHCPRogue, Server: "192.168.1.254", MAC: "00:11:22:33:44:55"}}, markBad, lineBad,
			"09:30:00 dhcp.rogue    server 192.168.1.254 00:11:22:33:44:55"},
		{upgrade.Event{Event: servers.Event{Kind: upgrade.StepStart, Msg: "step 2 of 3"}, Step: 2, Steps: 3, Load: "P00308000900"}, markNow, lineNormal,
			"09:30:00 step.start    step 2/3 P00308000900"},
	} {
		tc.e.Time = at
		ln := formatEvent(tc.e)
		if ln.mark != tc.mark || ln.kind != tc.kind || ln.text != tc.text {
			t.Errorf("%s:\n got %q %d %q\nwant %q %d %q", tc.e.Kind, ln.mark, ln.kind, ln.text, tc.mark, tc.kind, tc.text)
		}
	}
}

// An expected miss is dimmed and, without colour, still told apart by its marker.
func TestExpectedMissIsMarked(t *testing.T) {
	l := newEventLog()
	l.add(upgrade.Event{Event: servers.Event{Time: clock0, Kind: servers.TFTPMissing, Asked: "ITLFile.tlv"}})
	l.add(upgrade.Event{Event: servers.Event{Time: clock0, Kind: servers.TFTPMissing, Asked: "P0S3-8-12-00.sb2"}})
	got := strings.Split(l.view(80, 2), "\n")
	if !strings.HasPrefix(got[0], markExpect+" ") || !strings.HasPrefix(got[1], markBad+" ") {
		t.Fatalf("markers: %q", got)
	}
}

func TestEventLogScrollsAndFollows(t *testing.T) {
	l := newEventLog()
	for i := range 100 {
		l.add(upgrade.Event{Event: servers.Event{Time: clock0.Add(time.Duration(i) * time.Second), Kind: servers.TFTPRequest, File: fmt.Sprintf("f%03d", i)}})
	}
	l.add(upgrade.Event{Event: servers.Event{Kind: servers.TFTPProgress, File: "f099", Bytes: 1}}) // not logged: the bar shows it
	last := func(h int) string {
		lines := strings.Split(l.view(80, h), "\n")
		return lines[len(lines)-1]
	}
	if !strings.Contains(last(10), "f099") || !l.following() || l.total != 100 {
		t.Fatalf("following: %q, total %d", last(10), l.total)
	}
	l.scroll(-5, 10)
	if l.following() || !strings.Contains(last(10), "f094") {
		t.Fatalf("scrolled up 5: %q", last(10))
	}
	l.add(upgrade.Event{Event: servers.Event{Kind: servers.TFTPRequest, File: "f100"}}) // does not move a reader's window
	if !strings.Contains(last(10), "f094") {
		t.Fatalf("new line moved the window: %q", last(10))
	}
	l.scroll(100, 10)
	if !l.following() || !strings.Contains(last(10), "f100") {
		t.Fatalf("scrolled to the end: %q", last(10))
	}
	l.home()
	if first := strings.Split(l.view(80, 10), "\n")[0]; !strings.Contains(first, "f000") {
		t.Fatalf("home: %q", first)
	}
	l.scroll(-1, 10)
	if first := strings.Split(l.view(80, 10), "\n")[0]; !strings.Contains(first, "f000") {
		t.Fatalf("above the top: %q", first)
	}
}

func TestEventLogFilter(t *testing.T) {
	l := newEventLog()
	for i := range 30 {
		l.add(upgrade.Event{Event: servers.Event{Time: clock0, Kind: servers.TFTPRequest, File: fmt.Sprintf("file%02d.SB2", i)}})
	}
	l.setFilter("FILE1")
	if len(l.match) != 10 {
		t.Fatalf("%d matches for file1", len(l.match))
	}
	l.add(upgrade.Event{Event: servers.Event{Time: clock0, Kind: servers.TFTPRequest, File: "file1x"}}) // matches as it comes
	l.add(upgrade.Event{Event: servers.Event{Time: clock0, Kind: servers.TFTPRequest, File: "other"}})
	if len(l.match) != 11 || !strings.Contains(l.view(80, 20), "file1x") || strings.Contains(l.view(80, 20), "other") {
		t.Fatalf("filtered view:\n%s", l.view(80, 20))
	}
	l.setFilter("nothing like it")
	if !strings.Contains(l.view(80, 3), `no event contains "nothing like it"`) {
		t.Fatalf("empty filter view: %q", l.view(80, 3))
	}
	l.setFilter("")
	if len(l.match) != 32 {
		t.Fatalf("%d lines without a filter", len(l.match))
	}
}

func TestEventLogKeepsTheNewest(t *testing.T) {
	l := newEventLog()
	for i := range logLimit + 10 {
		l.add(upgrade.Event{Event: servers.Event{Kind: servers.TFTPRequest, File: fmt.Sprint(i)}})
	}
	if len(l.lines) > logLimit || l.total != logLimit+10 || len(l.match) != len(l.lines) {
		t.Fatalf("%d lines kept, %d total, %d matches", len(l.lines), l.total, len(l.match))
	}
	if !strings.HasSuffix(l.lines[len(l.lines)-1].text, fmt.Sprint(logLimit+9)) {
		t.Fatalf("newest line lost: %q", l.lines[len(l.lines)-1].text)
	}
}

func TestPicker(t *testing.T) {
	p := newPicker([]choice{{Value: "7940", Label: "7940", Note: "7940/7960"}, {Value: "7960", Label: "7960", Note: "7940/7960"},
		{Value: "7941", Label: "7941", Note: "7941/7961"}})
	p.move(5)
	if c, _ := p.selected(); c.Value != "7941" {
		t.Fatalf("moved past the end: %v", c)
	}
	p.filtering = true
	for _, k := range []string{"7", "9", "6", "0"} {
		p.typed(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	if c, _ := p.selected(); c.Value != "7960" || len(p.shown) != 2 {
		// 7960 by its label first, then 7940 by its note
		t.Fatalf("filter 7960: %v, %d shown", c, len(p.shown))
	}
	if p.typed(tea.KeyMsg{Type: tea.KeyEnter}) || p.filtering {
		t.Fatal("enter is the caller's too")
	}
	p.filtering = true
	p.typed(tea.KeyMsg{Type: tea.KeyEsc})
	if p.filter != "" || len(p.shown) != 3 {
		t.Fatalf("esc kept the filter %q", p.filter)
	}
	p.set([]choice{{Value: "7960", Label: "7960"}})
	if c, _ := p.selected(); c.Value != "7960" {
		t.Fatalf("set lost the selection: %v", c)
	}
}

// A paste is one key message with every rune of it (issue 9: the filter took one rune
// at a time and dropped pasted text); a pasted line break is not part of a filter.
func TestPickerTakesPastedText(t *testing.T) {
	p := newPicker([]choice{{Value: "P00308000900", Label: "P00308000900"}, {Value: "P0S3-8-12-00", Label: "P0S3-8-12-00"}})
	p.filtering = true
	if !p.typed(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("p0s3-8\n"), Paste: true}) || p.filter != "p0s3-8" {
		t.Fatalf("paste: filter %q", p.filter)
	}
	if c, _ := p.selected(); c.Value != "P0S3-8-12-00" || len(p.shown) != 1 {
		t.Fatalf("pasted filter chose %v of %d", c, len(p.shown))
	}
}

// On the Phone screen a paste searches even before / was pressed.
func TestPhonePasteSearches(t *testing.T) {
	m := screensAt(t)[ScreenPhone]
	m.phone.focus = phoneModel
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7971"), Paste: true})
	if got := m.phone.value(phoneModel); got != "7971" || m.phone.pick[phoneModel].filter != "7971" {
		t.Fatalf("pasted 7971: chose %q, filter %q", got, m.phone.pick[phoneModel].filter)
	}
}

func TestWrapAndClock(t *testing.T) {
	got := wrap("to fix: sudo ip addr add 192.168.1.1/24 dev enx00e04c680123456789", 20, "  ")
	want := []string{"to fix: sudo ip addr", "  add 192.168.1.1/24", "  dev", "  enx00e04c680123456", "  789"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("wrap: %q", got)
	}
	for d, want := range map[time.Duration]string{0: "0:00", 59500 * time.Millisecond: "1:00", 754 * time.Second: "12:34", 3723 * time.Second: "1:02:03", -time.Second: "0:00"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{532: "532 B", 1536: "1.5 KiB", 4637232: "4.4 MiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestKeycaps(t *testing.T) {
	big := keycaps("123456789*0#", 80, true)
	if len(big) != 3 || !strings.Contains(big[1], "│ * │") || !strings.HasSuffix(big[1], "123456789*0#") {
		t.Fatalf("big keycaps: %q", big)
	}
	small := keycaps("123456789*0#", 40, true) // too narrow for big ones
	if len(small) != 1 || !strings.HasPrefix(small[0], "  [1][2][3]") {
		t.Fatalf("small keycaps: %q", small)
	}
}
