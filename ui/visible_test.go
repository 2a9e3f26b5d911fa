package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// hostile is what anyone on the bench network can put in a TFTP file name or an
// option 60: retitle the window (OSC 0 ... BEL) and wipe the screen (CSI 2 J).
const hostile = "\x1b]0;pwned\a\x1b[2J"

// shownHostile is hostile as the wizard must show it.
var shownHostile = servers.Visible(hostile)

// hostileScreens is every screen with names from the wire and from the firmware files
// carrying escape codes: an interface, loose firmware files, a phone's class, the files
// it asks for, the tracker's hints quoting them, and a folder with such a name.
func hostileScreens(t *testing.T) map[Screen]*Model {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fw"+hostile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(seedChain)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(seedChain, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"SEP" + hostile + ".cnf.xml", "notes" + hostile + ".txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := newFake()
	f.ifs[2].Name = "eth1" + hostile
	f.problems[f.ifs[2].Name] = f.problems["eth1"]
	mk := func(s Screen) *Model {
		o := preset()
		o.Firmware = []string{dir}
		m := New(f, o)
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		ifs, _ := f.Interfaces()
		m.Update(interfacesMsg{ifs: ifs})
		m.bench.list.selectValue(f.ifs[2].Name)
		drive(m, m.chooseInterface())
		drive(m, m.openFirmware([]string{dir}))
		if m.lib == nil || len(m.lib.Ignored) == 0 {
			t.Fatalf("the firmware in %q: %+v", dir, m.lib)
		}
		if s <= ScreenReady {
			m.goTo(s)
			if s == ScreenPhone { // pasted into the filter
				m.phone.pick[m.phone.focus].filtering = true
				m.phone.pick[m.phone.focus].filter = hostile
			}
			return m
		}
		m.Update(startedMsg{info: serverInfo{Iface: "eth1" + hostile, ServerIP: "192.168.1.1", DHCP: "0.0.0.0:67",
			TFTP: "192.168.1.1:69", Warnings: []string{"serving " + dir + ", a folder of yours"}}})
		if s == ScreenReset {
			return m
		}
		k := midFlash(t)
		k.ev(time.Second, servers.Event{Kind: servers.DHCPDiscover, MAC: "00:1e:4a:65:43:21", Class: "Cisco" + hostile})
		k.ev(0, servers.Event{Kind: servers.DHCPIgnored, MAC: "00:1e:4a:65:43:22", Class: hostile, Msg: "class " + hostile})
		k.ev(time.Second, servers.Event{Kind: servers.TFTPRequest, IP: "192.168.1.2", Port: 4050, File: "P003" + hostile + ".sbn", Size: 10})
		k.ev(time.Second, servers.Event{Kind: servers.TFTPProgress, IP: "192.168.1.2", Port: 4050, File: "P003" + hostile + ".sbn", Bytes: 5, Size: 10})
		k.ev(0, servers.Event{Kind: servers.TFTPMissing, IP: "192.168.1.2", Asked: "SEP" + hostile + ".cnf.xml", Msg: "file not found"})
		k.ev(0, servers.Event{Kind: servers.TFTPDenied, IP: "192.168.1.2", Asked: "../" + hostile, Msg: "outside " + hostile})
		k.ev(0, servers.Event{Kind: servers.TFTPError, IP: "192.168.1.2", File: hostile, Msg: hostile})
		k.ev(0, servers.Event{Kind: upgrade.PhoneHint, IP: "192.168.1.2", File: hostile, Msg: "The phone asks for " + hostile})
		m.Update(k.msg())
		m.goTo(s)
		m.watch.log.home() // the oldest lines are the tracker's: show the hostile ones too
		m.watch.log.end()
		return m
	}
	out := map[Screen]*Model{}
	for s := ScreenBench; s <= ScreenDone; s++ {
		out[s] = mk(s)
	}
	out[ScreenDone].done.report = "/tmp/report" + hostile + ".json"
	out[ScreenDone].run.logPath = "/tmp/events" + hostile + ".jsonl"
	return out
}

// drive runs cmd and hands the model what it returns, batches included, the spinner's
// ticks left out (what the program would do, without one).
func drive(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			drive(m, c)
		}
	case spinner.TickMsg:
	default:
		m.Update(msg)
	}
}

// No ESC and no BEL of a name reaches the terminal: the Ascii profile of the tests
// renders no styling, so any ESC in a frame came from the data.
func TestWireTextIsShownWithControlsVisible(t *testing.T) {
	for s, m := range hostileScreens(t) {
		for _, sz := range []size2{{80, 24}, {120, 40}, {60, 15}} {
			m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			v := m.View()
			if strings.ContainsAny(v, "\x1b\a") {
				t.Errorf("%v at %dx%d: a control character reached the frame:\n%q", s, sz.w, sz.h, v)
			}
		}
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		if v := m.View(); !strings.Contains(v, `\x1b`) {
			t.Errorf("%v: the name is not shown at all:\n%s", s, v)
		}
	}
	// The status line and the question quote names too.
	m := hostileScreens(t)[ScreenBench]
	m.warn("no interface " + hostile)
	m.ask("Add it to "+hostile+"?", "no", nil)
	if v := m.View(); strings.ContainsAny(v, "\x1b\a") || !strings.Contains(v, shownHostile) {
		t.Errorf("status line:\n%q", v)
	}
	// The lines printed after the wizard ends.
	var b strings.Builder
	Result{Report: "/tmp/r" + hostile, Phones: hostileScreens(t)[ScreenWatch].run.phones}.WriteSummary(&b)
	if strings.ContainsAny(b.String(), "\x1b\a") {
		t.Errorf("summary: %q", b.String())
	}
}
