package ui

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
)

func TestBenchChecksTheChosenInterface(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			f := newFake()
			tm := run(t, New(f, Options{Now: fixedNow}), sz)
			waitFor(t, tm, "eth0", "enter checks eth0")
			press(tm, "enter") // check eth0 (the cursor starts on the first cabled interface)
			waitFor(t, tm, "no other DHCP server answered")
			m := final(t, tm)
			if m.Screen() != ScreenBench || !m.benchOK() {
				t.Fatalf("screen %v, ok %v", m.Screen(), m.benchOK())
			}
			if !slices.Equal(f.probed, []string{"eth0"}) {
				t.Fatalf("probed %v, want eth0 only", f.probed)
			}
			golden(t, m)
		})
	}
}

// withAdd is the wizard where it may add addresses (Linux, root), wherever the test runs.
func withAdd(m *Model) *Model {
	m.bench.canAdd = true
	return m
}

func TestBenchNoIPv4OffersToAddIt(t *testing.T) {
	f := newFake()
	tm := run(t, withAdd(New(f, Options{Now: fixedNow})), sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "has no IPv4 address", "add 192.168.1.1/24 to eth1")
	press(tm, "enter") // refused: the checks found something
	press(tm, "a")
	waitFor(t, tm, "Add 192.168.1.1/24 to eth1 (ip addr add 192.168.1.1/24 dev eth1)? y/N")
	press(tm, "y")
	waitFor(t, tm, "Added 192.168.1.1/24 to eth1", "no other DHCP server answered")
	fm := final(t, tm)
	if !slices.Equal(f.added, []string{"eth1 192.168.1.1/24"}) {
		t.Fatalf("added %v", f.added)
	}
	if !fm.benchOK() || fm.iface.Name != "eth1" {
		t.Fatalf("after adding: ok %v iface %q", fm.benchOK(), fm.iface.Name)
	}
	golden(t, fm)
}

func TestBenchShowsProblemsWithTheirFix(t *testing.T) {
	f := newFake()
	tm := run(t, withAdd(New(f, Options{Now: fixedNow})), sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "has no IPv4 address")
	press(tm, "enter") // does not move on
	waitFor(t, tm, "Fix what the checks found first")
	m := final(t, tm)
	if m.Screen() != ScreenBench || m.benchOK() {
		t.Fatalf("moved on past a blocking problem: %v", m.Screen())
	}
	if slices.Contains(f.probed, "eth1") {
		t.Fatal("probed an interface without an address")
	}
	golden(t, m)
}

func TestBenchOtherDHCPServerBlocks(t *testing.T) {
	f := rogueFake()
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth0")
	press(tm, "enter")
	waitFor(t, tm, "another DHCP server answers on eth0: 192.168.1.254")
	press(tm, "enter")
	waitFor(t, tm, "Fix what the checks found first")
	m := final(t, tm)
	if m.Screen() != ScreenBench {
		t.Fatalf("moved on to %v with another DHCP server on the link", m.Screen())
	}
	golden(t, m)
}

func TestBenchSettingsAreValidated(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			f := newFake()
			tm := run(t, New(f, Options{Now: fixedNow}), sz)
			waitFor(t, tm, "eth0")
			press(tm, "tab") // into the settings: server address
			for _, r := range "10.0.0.1" {
				press(tm, string(r))
			}
			waitFor(t, tm, "option 150 = 0A 00 00 01")
			press(tm, "down") // pool start
			press(tm, "down") // pool size
			for _, r := range "300" {
				press(tm, string(r))
			}
			press(tm, "down") // router
			for _, r := range "10.0.0" {
				press(tm, string(r))
			}
			press(tm, "down") // lease
			for _, r := range "5s" {
				press(tm, string(r))
			}
			waitFor(t, tm, "a number from 1 to 253", "not an IPv4 address", "a duration of a minute or more")
			press(tm, "enter") // back to the list
			press(tm, "enter") // checking refuses the bad settings
			waitFor(t, tm, "Pool size: a number from 1 to 253")
			m := final(t, tm)
			if m.bench.checkedFor != "" {
				t.Fatalf("checked %q with invalid settings", m.bench.checkedFor)
			}
			golden(t, m)
		})
	}
}

func TestSettingsApply(t *testing.T) {
	f := newSettingsForm(servers.Config{})
	vals := []string{"10.0.0.1", "10.0.0.50", "20", "10.0.0.254", "30m"}
	for i, v := range vals {
		f.in[i].SetValue(v)
	}
	f.validate()
	if err := f.valid(); err != nil {
		t.Fatal(err)
	}
	var c servers.Config
	f.apply(&c)
	if c.ServerIP.String() != "10.0.0.1" || c.PoolStart.String() != "10.0.0.50" || c.PoolSize != 20 ||
		c.Router.String() != "10.0.0.254" || c.Lease.String() != "30m0s" {
		t.Fatalf("applied %+v", c)
	}
	// Empty fields leave the defaults to the servers.
	g := newSettingsForm(servers.Config{})
	var d servers.Config
	g.apply(&d)
	if d.ServerIP.IsValid() || d.PoolSize != 0 || d.Lease != 0 {
		t.Fatalf("empty form applied %+v", d)
	}
}

func TestSettingsValidation(t *testing.T) {
	for _, tc := range []struct {
		field int
		value string
		bad   bool
	}{
		{fieldServer, "192.168.1.1", false},
		{fieldServer, "192.168.1", true},
		{fieldServer, "fe80::1", true},
		{fieldPoolSize, "253", false},
		{fieldPoolSize, "0", true},
		{fieldPoolSize, "ten", true},
		{fieldRouter, "", false},
		{fieldLease, "90s", false},
		{fieldLease, "59s", true},
		{fieldLease, "1 hour", true},
	} {
		f := newSettingsForm(servers.Config{})
		f.in[tc.field].SetValue(tc.value)
		f.validate()
		if got := f.err[tc.field] != ""; got != tc.bad {
			t.Errorf("%s %q: error %q, want bad=%v", fieldLabels[tc.field], tc.value, f.err[tc.field], tc.bad)
		}
	}
}

func TestOption150Bytes(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.1": "C0 A8 01 01", // the example of the issue
		"10.0.0.1":    "0A 00 00 01",
		"127.0.0.1":   "7F 00 00 01",
	} {
		if got := option150(netip.MustParseAddr(in)); got != want {
			t.Errorf("option150(%s) = %q, want %q", in, got, want)
		}
	}
	if got := option150(netip.Addr{}); got != "" {
		t.Errorf("no address: %q", got)
	}
}

func TestInterfaceRows(t *testing.T) {
	f := newFake()
	var rows []string
	for _, i := range f.ifs {
		rows = append(rows, ifaceRow(i))
	}
	want := []string{
		"lo           -                 loopback 127.0.0.1/8",
		"eth0         52:54:00:12:34:56 up       192.168.1.1/24",
		"eth1         52:54:00:ab:cd:ef no link  no IPv4",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestBenchNoOfferToAddWhereItCannot(t *testing.T) {
	f := newFake()
	m := New(f, Options{Now: fixedNow})
	m.bench.canAdd = false // not root, or not Linux
	tm := run(t, m, sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "sudo ip addr add 192.168.1.1/24 dev eth1")
	press(tm, "a")
	fm := final(t, tm)
	if fm.confirm.text != "" || len(f.added) != 0 || strings.Contains(fm.View(), "a: add") {
		t.Fatalf("offered to add: confirm %q, added %v", fm.confirm.text, f.added)
	}
}

func TestBenchGoOnAnywayWithAnotherDHCPServer(t *testing.T) {
	f := rogueFake()
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth0")
	press(tm, "enter")
	waitFor(t, tm, "another DHCP server answers on eth0", "f go on anyway")
	press(tm, "f")
	waitFor(t, tm, "Go on with another DHCP server on the link?")
	press(tm, "y")
	waitFor(t, tm, "[Firmware]")
	if m := final(t, tm); !m.cfg.Force {
		t.Fatal("going on anyway did not set Force")
	}
}

// rogueFake is the fake bench with another DHCP server answering on eth0.
func rogueFake() *fakeBackend {
	f := newFake()
	mac, _ := net.ParseMAC("00:11:22:33:44:55")
	f.offers["eth0"] = []servers.Offer{{Server: netip.MustParseAddr("192.168.1.254"), MAC: mac, Offered: netip.MustParseAddr("192.168.1.77")}}
	return f
}

// An address added by hand shows in the interface's row after r, not only in the
// checks (issue 12: the row still said "no IPv4").
func TestBenchRecheckShowsAnAddressAddedByHand(t *testing.T) {
	f := newFake()
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "has no IPv4 address")
	f.mu.Lock() // sudo ip addr add 192.168.1.1/24 dev eth1, in another terminal
	f.ifs[2].Addrs = []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}
	delete(f.problems, "eth1")
	f.mu.Unlock()
	press(tm, "r")
	waitFor(t, tm, "no other DHCP server answered")
	m := final(t, tm)
	if row, _ := m.bench.list.selected(); !strings.Contains(row.Label, "192.168.1.1/24") || !m.benchOK() {
		t.Fatalf("after r: row %q, ok %v", row.Label, m.benchOK())
	}
}

// Plugging the phone in after choosing its interface shows by itself: the Bench
// screen looks at a missing link once a second and checks again once it came, as r
// would (a technician has no reason to think of r).
func TestBenchChecksAgainWhenTheLinkComes(t *testing.T) {
	f := newFake()
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "eth1 has no link")
	f.mu.Lock() // the phone's cable goes in, and eth1 gets an address from the technician
	f.ifs[2].Running = true
	f.ifs[2].Addrs = []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}
	delete(f.problems, "eth1")
	f.mu.Unlock()
	waitFor(t, tm, "eth1 has a link now: checked again.", "no other DHCP server answered")
	m := final(t, tm)
	if row, _ := m.bench.list.selected(); !strings.Contains(row.Label, " up ") || !m.benchOK() || m.hasProblem(servers.NoCarrier) {
		t.Fatalf("after the link came: row %q, ok %v, problems %v", row.Label, m.benchOK(), m.bench.problems)
	}
	if m.bench.linkWatching {
		t.Error("still looking at a link that is there")
	}
}

// No link, nothing else wrong: the probe for other DHCP servers waits for the link
// (a DISCOVER on a dead cable finds nothing and would pass for "none answered"), and
// runs once it came.
func TestBenchProbesOnlyWithALink(t *testing.T) {
	f := newFake()
	f.ifs[2].Addrs = []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}
	f.problems["eth1"] = f.problems["eth1"][:1] // the missing link alone
	tm := run(t, New(f, Options{Now: fixedNow}), sizes[0])
	waitFor(t, tm, "eth1")
	press(tm, "down")
	press(tm, "enter")
	waitFor(t, tm, "eth1 has no link", "other DHCP servers looked for") // "once the link is up" wraps at 80 columns
	f.mu.Lock()
	probed := slices.Contains(f.probed, "eth1")
	f.ifs[2].Running = true
	delete(f.problems, "eth1")
	f.mu.Unlock()
	if probed {
		t.Fatal("probed eth1 with no link")
	}
	waitFor(t, tm, "eth1 has a link now: checked again.", "no other DHCP server answered")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.probed, "eth1") {
		t.Fatal("eth1 was not probed once its link came")
	}
	final(t, tm)
}

// The look at a missing link stops when the technician leaves the Bench screen, and
// starts again on coming back to it.
func TestBenchLinkWatchOnlyOnTheBench(t *testing.T) {
	m := New(newFake(), Options{Now: fixedNow})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.bench.checkedFor = "eth1"
	m.bench.problems = newFake().problems["eth1"]
	if cmd := m.watchLink(); cmd == nil || !m.bench.linkWatching {
		t.Fatal("no look at eth1's missing link")
	}
	if cmd := m.watchLink(); cmd != nil {
		t.Fatal("a second look started beside the first")
	}
	m.screen = ScreenFirmware
	if cmd := m.lookAtLink(linkWatchMsg{"eth1"}); cmd != nil || m.bench.linkWatching {
		t.Fatal("looked at the link from the Firmware screen")
	}
	if cmd := m.goTo(ScreenBench); cmd == nil || !m.bench.linkWatching {
		t.Fatal("back on the Bench screen, nothing looks at the link")
	}
	// Another interface without a link is chosen while eth1's look waits: its checks
	// find the watch busy, and eth1's look, when it comes, hands over to eth2.
	m.bench.checkedFor = "eth2"
	if cmd := m.gotChecks(checkedMsg{iface: "eth2", problems: m.bench.problems}); cmd != nil {
		t.Fatal("a second look started beside the first")
	}
	if cmd := m.lookAtLink(linkWatchMsg{"eth1"}); cmd == nil || !m.bench.linkWatching {
		t.Fatal("eth2's missing link is looked at by nobody")
	}
	m.bench.checkedFor = "eth1"
	if cmd := m.gotLinkState(linkStateMsg{iface: "eth2", up: true}); cmd == nil || !m.bench.linkWatching {
		t.Fatal("a late answer about eth2 left eth1's missing link unwatched")
	}
}
