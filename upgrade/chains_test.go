package upgrade_test

// The upgrade chains of issue 4, end to end in one process: a Session on loopback
// (real DHCP and TFTP sockets, unprivileged ports) and the virtual phone booting
// against it. Each run is recorded as a trace (testdata/traces, rewritten with
// -record) and the trace is replayed into a fresh Tracker, so the tracker is also
// tested on exactly what the simulator made.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
	"phoneflash/upgrade/sim"
)

var record = flag.Bool("record", false, "rewrite the request traces under ../testdata/traces from simulator runs")

const traceDir = "../testdata/traces"

type chain struct {
	name      string
	firmware  []string
	model     string
	from, to  string // the plan's
	simFrom   string // what the virtual phone runs ("" = unknown)
	reset     bool   // the phone was just factory reset
	faults    sim.Faults
	wantSteps []string // the loads of step.done, in order
	wantHints []string // substrings of phone.hint messages that must appear
	notHints  []string // … and that must not
	wantFail  bool     // the phone gives up
	wantDone  int      // upgrade.done events; 0 means 1 (unless the phone gives up)
}

var chains = []chain{
	{name: "7960-seed-chain", firmware: []string{"../testdata/firmware/7940-7960"}, model: "7960",
		from: "P00303010102", to: "P0S3-8-12-00", simFrom: "P00303010102",
		wantSteps: []string{"P00305000200", "P00308000900", "P0S3-8-12-00"}},
	{name: "7941-sccp82-to-sip94", firmware: []string{
		"../testdata/firmware/cmterm-7941_7961-sccp.8-2-2SR2.zip", "../testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar",
		"../testdata/firmware/cmterm-7941_7961-sip.9-4-2SR3-1.cop"}, model: "7941",
		from: "SCCP41.8-2-2SR2S", to: "SIP41.9-4-2SR3-1S", simFrom: "SCCP41.8-2-2SR2S",
		wantSteps: []string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}},
	// An old 7970 from the pile, factory reset, its load unknown to us: the target's
	// default loads are refused (AUTH FAIL), the phone asks again and again, and the
	// tracker stages the key bridge for it.
	{name: "7970-factory-reset", firmware: []string{"../testdata/firmware/cmterm-7970_7971-sccp.8-5-2.zip",
		"../testdata/firmware/cmterm-7970_7971-sip.9-4-2SR1-1"}, model: "7970",
		to: "SIP70.9-4-2SR1-1S", simFrom: "SCCP70.8-2-1S", reset: true,
		wantSteps: []string{"SCCP70.8-5-2S", "SIP70.9-4-2SR1-1S"},
		wantHints: []string{"older than the target allows", "term70.default.loads again and again", "It takes SCCP70.8-5-2S first: staged for it now"}},
	// Issue 8: the load unknown, a 7960 already on the target is told so, and is not
	// sent backwards; one on a 3.x image is taken through the chain.
	{name: "7960-already-there", firmware: []string{"../testdata/firmware/7940-7960"}, model: "7960",
		to: "P0S3-8-12-00", simFrom: "P0S3-8-12-00",
		wantHints: []string{"already runs P0S3-8-12-00, the target"}, notHints: []string{"P00305000200", "P00308000900"}},
	{name: "7960-learns-the-chain", firmware: []string{"../testdata/firmware/7940-7960"}, model: "7960",
		to: "P0S3-8-12-00", simFrom: "P00303010102",
		wantSteps: []string{"P00305000200", "P00308000900", "P0S3-8-12-00"},
		wantHints: []string{"older than the target allows", "It takes P00305000200, then P00308000900 first"}},
	{name: "7942-already-there-without-the-bridge", firmware: []string{"../testdata/firmware/cmterm-7942_7962-sip.9-4-2SR3-1.tgz"},
		model: "7942", to: "SIP42.9-4-2SR3-1S", simFrom: "SIP42.9-4-2SR3-1S",
		wantHints: []string{"already runs SIP42.9-4-2SR3-1S, the target"}},
	{name: "7942-older-without-the-bridge", firmware: []string{"../testdata/firmware/cmterm-7942_7962-sip.9-4-2SR3-1.tgz"},
		model: "7942", to: "SIP42.9-4-2SR3-1S", simFrom: "SCCP42.8-2-1S",
		wantHints: []string{"older than the target allows", "a 7942 load between 8.3(3) and 8.5(2), e.g. SCCP42.8-5-2S", "which is not at hand"},
		wantFail:  true},
	// A 7960 that takes the load and boots its old application again (issue 8, --revert).
	{name: "7960-revert", firmware: []string{"../testdata/firmware/7940-7960"}, model: "7960",
		from: "P00308000900", to: "P0S3-8-12-00", simFrom: "P00308000900", faults: sim.Faults{Revert: true},
		wantSteps: []string{"P0S3-8-12-00", "P0S3-8-12-00"}, wantDone: 2,
		wantHints: []string{"Booted the old application again", "did not keep the load"}},
	{name: "7941-auth-fail", firmware: []string{"../testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar",
		"../testdata/firmware/cmterm-7941_7961-sip.9-4-2SR3-1.cop"}, model: "7941",
		from: "SCCP41.8-5-2S", to: "SIP41.9-4-2SR3-1S", simFrom: "SCCP41.8-5-2S",
		faults:    sim.Faults{Refuse: "SIP41.9-4-2SR3-1S"},
		wantHints: []string{"keeps asking for SIP41.9-4-2SR3-1S.loads and takes no image", "AUTH FAIL"},
		notHints:  []string{"CTLSEP", "needs a 7941 load between"}, wantFail: true},
	{name: "7960-power-cut", firmware: []string{"../testdata/firmware/7940-7960"}, model: "7960",
		from: "P00308000900", to: "P0S3-8-12-00", simFrom: "P00308000900",
		faults:    sim.Faults{PowerCut: sim.PowerCut{File: "P0S3-8-12-00.sb2", After: 1024}},
		wantSteps: []string{"P0S3-8-12-00"}},
}

func TestChains(t *testing.T) {
	for _, c := range chains {
		t.Run(c.name, func(t *testing.T) {
			events, res, runErr, report := runChain(t, c)
			var steps, hints []string
			done := 0
			for _, e := range events {
				switch e.Kind {
				case upgrade.StepDone:
					steps = append(steps, e.Load)
				case upgrade.UpgradeDone:
					done++
				case upgrade.PhoneHint, upgrade.PhoneStall:
					hints = append(hints, e.Msg)
				}
			}
			if got, want := strings.Join(steps, " "), strings.Join(c.wantSteps, " "); got != want {
				t.Errorf("step.done loads %q, want %q\nhints: %q", got, want, hints)
			}
			if c.wantFail {
				if runErr == nil {
					t.Errorf("the phone did not give up: %+v", res)
				}
			} else {
				if runErr != nil || !res.Runs(c.to) {
					t.Errorf("phone ended on %q (%v), want %s", res.Running, runErr, c.to)
				}
				if want := max(c.wantDone, 1); done != want {
					t.Errorf("%d upgrade.done events, want %d", done, want)
				}
			}
			all := strings.Join(hints, "\n")
			for _, w := range c.wantHints {
				if !strings.Contains(all, w) {
					t.Errorf("no hint says %q; hints:\n%s", w, all)
				}
			}
			for _, w := range c.notHints {
				if strings.Contains(all, w) {
					t.Errorf("a hint says %q; hints:\n%s", w, all)
				}
			}
			// The work ticket says what happened, in the phone's own terms.
			if len(report.Phones) != 1 {
				t.Fatalf("report of %d phones", len(report.Phones))
			}
			pr := report.Phones[0]
			if c.wantDone > 1 && pr.NotKept != c.wantDone-1 {
				t.Errorf("report: did_not_keep %d, want %d", pr.NotKept, c.wantDone-1)
			}
			if already := !c.wantFail && len(c.wantSteps) == 0; pr.Already != already || already && pr.Before != c.to {
				t.Errorf("report: already %v before %q, want %v", pr.Already, pr.Before, already)
			}
			if learnt := c.from == "" && len(c.wantSteps) > 1; learnt && pr.Learned == "" {
				t.Error("report: what the phone showed of its load is missing")
			}
			path := filepath.Join(traceDir, c.name+".jsonl")
			if *record {
				writeTrace(t, path, events)
			}
		})
	}
}

// TestReplayTraces feeds each recorded trace's server events to a fresh Tracker and
// checks it derives the same step, upgrade and hint events the live run recorded.
func TestReplayTraces(t *testing.T) {
	for _, c := range chains {
		t.Run(c.name, func(t *testing.T) {
			events := readTrace(t, filepath.Join(traceDir, c.name+".jsonl"))
			plan, lib := makePlan(t, c)
			var staged []string
			tr := upgrade.NewTracker(plan, lib, func(st upgrade.Step, mac string) {
				staged = append(staged, st.ID)
			})
			var want, got []string
			for _, e := range events {
				if isTracker(e.Kind) {
					want = append(want, summary(e))
					continue
				}
				if strings.HasPrefix(string(e.Kind), "tftp.") {
					e.MAC, e.Model = "", "" // as the TFTP server publishes them: the tracker finds the phone
				}
				for _, d := range tr.Observe(&e) {
					got = append(got, summary(d))
				}
			}
			// Ticks (stall checks) are wall-clock and not replayed: drop time-based hints.
			want, got = withoutTimed(want), withoutTimed(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("replay derived:\n%s\nthe live run recorded:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(c.wantSteps) > 1 && len(staged) == 0 {
				t.Fatal("replay staged nothing")
			}
		})
	}
}

func isTracker(k servers.Kind) bool {
	switch k {
	case upgrade.StepStart, upgrade.StepDone, upgrade.UpgradeDone, upgrade.PhoneHint, upgrade.PhoneStall:
		return true
	}
	return false
}

func summary(e upgrade.Event) string {
	return fmt.Sprintf("%s %d/%d %s %s", e.Kind, e.Step, e.Steps, e.Load, e.Msg)
}

func withoutTimed(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, "no progress for") || strings.Contains(l, "silent for") || strings.Contains(l, "Still writing flash") {
			continue
		}
		// Durations in step.done messages depend on the run.
		if i := strings.Index(l, " in "); strings.HasPrefix(l, "step.done") && i > 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return out
}

func makePlan(t *testing.T, c chain) (*upgrade.Plan, *firmware.Library) {
	t.Helper()
	lib, err := firmware.Open(c.firmware...)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Err(); err != nil {
		t.Fatal(err)
	}
	plan, err := upgrade.MakePlan(lib, upgrade.PlanRequest{Model: c.model, From: c.from, To: c.to})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Complete() {
		t.Fatalf("plan incomplete: %v", plan.Missing)
	}
	return plan, lib
}

// runChain runs a Session and a virtual phone until the phone is done or gives up,
// and returns every event the Session published.
func runChain(t *testing.T, c chain) ([]upgrade.Event, sim.Result, error, upgrade.Report) {
	plan, lib := makePlan(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := upgrade.Start(ctx, upgrade.Options{Library: lib, Plan: plan, Servers: servers.Config{
		Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"), PoolStart: netip.MustParseAddr("127.0.0.100"), PoolSize: 20,
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: "Cisco",
	}})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		events []upgrade.Event
	)
	sub := s.Subscribe(ctx)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for e := range sub {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}
	}()
	mac, _ := net.ParseMAC("00:1e:4a:12:34:56")
	ph, err := sim.New(sim.Config{Model: c.model, From: c.simFrom, FactoryReset: c.reset, MAC: mac,
		Server: net.IPv4(127, 0, 0, 1), DHCPPort: int(s.Servers().DHCPAddr().Port()), TFTPPort: int(s.Servers().TFTPAddr().Port()),
		Faults: c.faults})
	if err != nil {
		t.Fatal(err)
	}
	res, runErr := ph.Run(ctx)
	// Stop drains the wire through the tracker before it closes the subscriptions: the
	// phone's last exchange is in the events without waiting for it.
	s.Stop()
	<-collected
	mu.Lock()
	defer mu.Unlock()
	return events, res, runErr, s.Report(time.Now())
}

func writeTrace(t *testing.T, path string, events []upgrade.Event) {
	t.Helper()
	var b bytes.Buffer
	for _, e := range events {
		if e.Kind == servers.TFTPProgress {
			continue // timing-dependent and coalesced by the bus
		}
		b.Write(e.JSON())
		b.WriteByte('\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTrace(t *testing.T, path string) []upgrade.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (record the traces with go test ./upgrade -run TestChains -record)", err)
	}
	defer f.Close()
	var out []upgrade.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e upgrade.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Two phones on one bench, each on its own step: staging one must not move the other
// (per-MAC SEP files), and the tracker tells them apart by their leased addresses.
func TestTwoPhonesAtOnce(t *testing.T) {
	c := chains[0] // the 7960 seed chain
	plan, lib := makePlan(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, events, err := upgrade.StartWatched(ctx, ctx, upgrade.Options{Library: lib, Plan: plan, Servers: servers.Config{
		Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"), PoolStart: netip.MustParseAddr("127.0.0.100"), PoolSize: 20,
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: "Cisco",
	}})
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]string{}
	collected := make(chan struct{})
	stepped := make(chan struct{}) // the first phone finished its first step
	go func(firstStepped chan struct{}) {
		defer close(collected)
		for e := range events {
			if e.Kind == upgrade.StepDone && e.MAC == "00:1e:4a:00:00:01" && e.Step == 1 && firstStepped != nil {
				close(firstStepped)
				firstStepped = nil // the goroutine's own copy: the test holds the channel
			}
			if e.Kind == upgrade.UpgradeDone {
				done[e.MAC] = e.Load
			}
		}
	}(stepped)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []string{"00:1e:4a:00:00:01", "00:1e:4a:00:00:02"} {
		mac, _ := net.ParseMAC(m)
		ph, err := sim.New(sim.Config{Model: "7960", From: c.simFrom, MAC: mac, Server: net.IPv4(127, 0, 0, 1),
			DHCPPort: int(s.Servers().DHCPAddr().Port()), TFTPPort: int(s.Servers().TFTPAddr().Port())})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := ph.Run(ctx)
			if err == nil && !res.Runs(c.to) {
				err = fmt.Errorf("ended on %q", res.Running)
			}
			errs[i] = err
		}()
		if i == 0 {
			select { // the second phone starts a step behind: the two are on different steps
			case <-stepped:
			case <-ctx.Done():
				t.Fatal("the first phone never finished its first step")
			}
		}
	}
	wg.Wait()
	s.Stop() // drains the wire through the tracker: the phones' last events are counted
	<-collected
	phones := s.Phones()
	for i, err := range errs {
		if err != nil {
			t.Errorf("phone %d: %v", i+1, err)
		}
	}
	if len(done) != 2 || done["00:1e:4a:00:00:01"] != c.to || done["00:1e:4a:00:00:02"] != c.to {
		t.Errorf("upgrade.done per phone: %v", done)
	}
	if len(phones) != 2 {
		t.Errorf("tracker knows %d phones, want 2", len(phones))
	}
}
