package ui

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
	"phoneflash/upgrade/demo"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // deterministic goldens: no SGR at all
	os.Exit(m.Run())
}

// Both backends satisfy the contract.
var (
	_ Backend     = (*fakeBackend)(nil)
	_ Backend     = (*demo.Bench)(nil)
	_ PhoneWaiter = (*demo.Bench)(nil) // the demo phone boots on Enter at the Reset screen
	_ Backend     = upgrade.Bench{}
)

// seedChain is the 7940/7960 sample firmware (H1's seed chain).
const seedChain = "../testdata/firmware/7940-7960"

// clock0 is the fixed time every test screen is drawn at.
var clock0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return clock0 }

// fakeBackend is a bench with three interfaces and canned checks. It never binds a
// port or probes: Start (when set) is the test's to choose.
type fakeBackend struct {
	mu       sync.Mutex
	ifs      []servers.Interface
	problems map[string][]*servers.Problem
	offers   map[string][]servers.Offer
	probed   []string
	added    []string
	addErr   error
	start    func(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error)
	reports  int
}

func newFake() *fakeBackend {
	mac, _ := net.ParseMAC("52:54:00:12:34:56")
	mac2, _ := net.ParseMAC("52:54:00:ab:cd:ef")
	return &fakeBackend{
		ifs: []servers.Interface{
			{Name: "lo", Up: true, Running: true, Loopback: true, MTU: 65536, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
			{Name: "eth0", MAC: mac, Up: true, Running: true, MTU: 1500, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}},
			{Name: "eth1", MAC: mac2, Up: true, MTU: 1500},
		},
		problems: map[string][]*servers.Problem{
			"eth1": {
				{Kind: servers.NoCarrier, Warning: true, Msg: "eth1 has no link", Fix: "check the cable and that the phone (or its power injector/switch) is powered"},
				{Kind: servers.NoIPv4, Msg: "interface eth1 has no IPv4 address", Fix: "give it one, e.g.: sudo ip addr add 192.168.1.1/24 dev eth1"},
			},
		},
		offers: map[string][]servers.Offer{},
	}
}

func (f *fakeBackend) Interfaces() ([]servers.Interface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]servers.Interface(nil), f.ifs...), nil
}

func (f *fakeBackend) Check(cfg servers.Config) []*servers.Problem {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.problems[cfg.Iface]
}

func (f *fakeBackend) Probe(ctx context.Context, iface string) ([]servers.Offer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.probed = append(f.probed, iface)
	return f.offers[iface], nil
}

func (f *fakeBackend) AddAddress(iface, cidr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return f.addErr
	}
	f.added = append(f.added, iface+" "+cidr)
	for i := range f.ifs {
		if f.ifs[i].Name == iface {
			f.ifs[i].Addrs = []netip.Prefix{netip.MustParsePrefix(cidr)}
		}
	}
	delete(f.problems, iface)
	return nil
}

func (f *fakeBackend) OpenFirmware(paths ...string) (*firmware.Library, error) {
	return firmware.Open(paths...)
}

func (f *fakeBackend) CompletePath(prefix string) []string {
	var out []string
	for _, p := range []string{"../testdata/firmware/7940-7960/", "../testdata/firmware/broken/",
		"../testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar"} {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

func (f *fakeBackend) Start(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error) {
	if f.start == nil {
		return nil, nil, &servers.Problem{Kind: servers.NeedPrivilege, Msg: "DHCP: no permission to listen on 0.0.0.0:67 (UDP port 67 is privileged)",
			Fix: "run it as root (sudo phoneflash ...)"}
	}
	return f.start(ctx, sub, o)
}

func (f *fakeBackend) WriteReport(s *upgrade.Session) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports++
	if s == nil {
		return "", errors.New("no session")
	}
	return "/tmp/report.json", nil
}

// loopbackStart starts a real Session on loopback with free ports (no phone).
func loopbackStart(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error) {
	o.Servers = servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: "Cisco"}
	return upgrade.StartWatched(ctx, sub, o)
}

// preset is the seed chain fully preselected, as the command line can give it.
func preset() Options {
	return Options{Servers: servers.Config{Iface: "eth0"}, Firmware: []string{seedChain}, Model: "7960",
		From: "P00303010102", To: "P0S3-8-12-00", Now: fixedNow}
}

// size is a terminal size the screens are tested at.
type size2 struct{ w, h int }

var sizes = []size2{{80, 24}, {120, 40}}

func (s size2) name() string { return map[int]string{80: "80x24", 120: "120x40"}[s.w] }

// run starts the wizard under teatest at sz.
func run(t *testing.T, m *Model, sz size2) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz.w, sz.h))
	t.Cleanup(func() { m.Finish() })
	return tm
}

// waitFor waits until the output shows every text (a single combined wait: WaitFor
// consumes what it reads).
func waitFor(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, x := range texts {
			if !bytes.Contains(b, []byte(x)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// press sends one key.
func press(tm *teatest.TestModel, k string) {
	switch k {
	case "enter":
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	case "esc":
		tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	case "tab":
		tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	case "shift+tab":
		tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab})
	case "up":
		tm.Send(tea.KeyMsg{Type: tea.KeyUp})
	case "down":
		tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	case "backspace":
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	case "ctrl+c":
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	default:
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
}

// final quits the program and returns the model it ended with.
func final(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
}

// ports hides the free ports a loopback Session bound.
var ports = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// golden compares the final model's View with testdata/<test name>.golden.
func golden(t *testing.T, m *Model) {
	t.Helper()
	view := ports.ReplaceAllString(m.View(), "127.0.0.1:PORT")
	teatest.RequireEqualOutput(t, []byte(view+"\n"))
}

// tracked feeds events through a real tracker for plan, as the Session does (each
// event completed, then the tracker's own), and returns what the UI receives.
type tracked struct {
	tr     *upgrade.Tracker
	events []upgrade.Event
	at     time.Time
}

func newTracked(plan *upgrade.Plan, lib *firmware.Library) *tracked {
	return &tracked{tr: upgrade.NewTracker(plan, lib, nil), at: clock0.Add(-2 * time.Minute)}
}

// ev observes one event dt after the previous one.
func (k *tracked) ev(dt time.Duration, w servers.Event) {
	k.at = k.at.Add(dt)
	w.Time = k.at
	e := upgrade.Event{Event: w}
	derived := k.tr.Observe(&e)
	k.events = append(k.events, e)
	k.events = append(k.events, derived...)
}

// msg is what the wizard's listener would hand over now.
func (k *tracked) msg() eventsMsg {
	m := eventsMsg{events: k.events, phones: k.tr.Phones()}
	k.events = nil
	return m
}

const phoneMAC = "00:1e:4a:12:34:56"

// boot is a phone's DHCP exchange.
func (k *tracked) boot() {
	cls := "Cisco Systems, Inc. IP Phone CP-7960G"
	k.ev(time.Second, servers.Event{Kind: servers.DHCPDiscover, MAC: phoneMAC, Class: cls})
	k.ev(0, servers.Event{Kind: servers.DHCPOffer, MAC: phoneMAC, IP: "192.168.1.2", Class: cls})
	k.ev(0, servers.Event{Kind: servers.DHCPAck, MAC: phoneMAC, IP: "192.168.1.2", Class: cls})
	k.ev(time.Second, servers.Event{Kind: servers.TFTPMissing, IP: "192.168.1.2", Asked: "CTLSEP001E4A123456.tlv",
		File: "CTLSEP001E4A123456.tlv", Msg: `file not found: "CTLSEP001E4A123456.tlv"`})
	k.get("SEP001E4A123456.cnf.xml", 543, 0)
}

// get is a whole transfer; port tells transfers apart.
func (k *tracked) get(file string, size int64, port int) {
	k.ev(100*time.Millisecond, servers.Event{Kind: servers.TFTPRequest, IP: "192.168.1.2", Port: 4000 + port, File: file, Size: size})
	k.ev(time.Second, servers.Event{Kind: servers.TFTPDone, IP: "192.168.1.2", Port: 4000 + port, File: file, Bytes: size, Size: size,
		DurationMS: 1000, Rate: float64(size)})
}

// seedPlan is the 3-step plan over the seed chain.
func seedPlan(t testing.TB) (*upgrade.Plan, *firmware.Library) {
	t.Helper()
	lib, err := firmware.Open(seedChain)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := upgrade.MakePlan(lib, upgrade.PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	if err != nil {
		t.Fatal(err)
	}
	return plan, lib
}

type teatestModel = teatest.TestModel
