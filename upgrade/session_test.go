//go:build linux

// nclient4 builds on Linux only (its raw socket), so the benchPhone and these tests are
// Linux-only.

package upgrade

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/pin/tftp/v3"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

// eventBound is how long a test waits for an event before it fails: generous, since
// the CI machine is shared and -race slows everything; a passing run never waits it out.
const eventBound = 20 * time.Second

// loopbackSession starts a Session on loopback with free ports, for a 7960 plan over
// the seed chain firmware.
func loopbackSession(t testing.TB, from, to string) (*Session, *servertest.Recorder[Event]) {
	t.Helper()
	lib, err := firmware.Open("../testdata/firmware/7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := MakePlan(lib, PlanRequest{Model: "7960", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Complete() {
		t.Fatalf("plan incomplete: %v", plan.Missing)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{Library: lib, Plan: plan, Servers: servers.Config{
		Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"), PoolStart: netip.MustParseAddr("127.0.0.100"), PoolSize: 10,
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: "Cisco",
	}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	rec := servertest.Record(t, s.out)
	t.Cleanup(func() { s.Stop(); cancel() })
	return s, rec
}

// benchPhone plays a phone by hand: a DHCP exchange and TFTP reads, on loopback.
type benchPhone struct {
	t    testing.TB
	s    *Session
	mac  net.HardwareAddr
	tftp *tftp.Client
}

func newBenchPhone(t testing.TB, s *Session) *benchPhone {
	mac, _ := net.ParseMAC("00:1e:4a:12:34:56")
	c, err := tftp.NewClient(s.Servers().TFTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(time.Second)
	c.SetRetries(3)
	return &benchPhone{t: t, s: s, mac: mac, tftp: c}
}

// boot leases an address and returns once the Session has taken the lease in (the
// tracker stages the phone's own files as it does), as a phone's next request comes
// only after its DHCP exchange; a request right after the ACK could otherwise beat
// the staging, which a real phone never does.
func (b *benchPhone) boot() {
	b.t.Helper()
	seen, stop := context.WithCancel(context.Background())
	defer stop()
	events := b.s.Subscribe(seen) // before the exchange: this boot's ACK is among what comes
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.t.Fatal(err)
	}
	da := net.UDPAddrFromAddrPort(b.s.Servers().DHCPAddr())
	c, err := nclient4.NewWithConn(conn, b.mac, nclient4.WithServerAddr(da), nclient4.WithTimeout(time.Second), nclient4.WithRetry(2))
	if err != nil {
		b.t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Request(ctx, dhcpv4.WithOption(dhcpv4.OptClassIdentifier("Cisco Systems, Inc. IP Phone CP-7960G\x00"))); err != nil {
		b.t.Fatalf("DHCP: %v", err)
	}
	for {
		select {
		case e, ok := <-events:
			if !ok {
				b.t.Fatal("the Session stopped before it published the phone's dhcp.ack")
			}
			if e.Kind == servers.DHCPAck && e.MAC == b.mac.String() {
				return
			}
		case <-ctx.Done():
			b.t.Fatal("the Session never published the phone's dhcp.ack")
		}
	}
}

func (b *benchPhone) get(name string) []byte {
	b.t.Helper()
	wt, err := b.tftp.Receive(name, "octet")
	if err != nil {
		b.t.Fatalf("get %s: %v", name, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		b.t.Fatalf("get %s: %v", name, err)
	}
	return buf.Bytes()
}

func TestSessionStagesEachStepAndTracksIt(t *testing.T) {
	s, rec := loopbackSession(t, "P00305000200", "P0030801SR02")
	steps := s.Plan().Steps
	if len(steps) != 2 || steps[0].ID != "P00308000900" {
		t.Fatalf("plan: %+v", steps)
	}
	ph := newBenchPhone(t, s)
	ph.boot()
	for i, st := range steps {
		cfg := ph.get("SEP001E4A123456.cnf.xml")
		if !bytes.Contains(cfg, []byte(st.ID)) {
			t.Fatalf("step %d: SEP file does not name %s:\n%s", i+1, st.ID, cfg)
		}
		for _, f := range st.Files {
			ph.get(f)
		}
		// The server sends the last block before the phone's last ACK reaches it, and
		// each transfer ends on its own goroutine: wait until the tracker has seen every
		// file of the step end (not only the last one), as a real phone's reboot would.
		// The bound only says when to give up; nothing here waits for time to pass.
		for _, f := range st.Files {
			rec.Wait(t, servers.TFTPDone, func(e Event) bool { return SameRequest(asked(&e), f) }, eventBound)
		}
		ph.boot()
		rec.Wait(t, StepDone, func(e Event) bool { return e.Step == i+1 }, eventBound)
	}
	done := rec.Wait(t, UpgradeDone, nil, eventBound)
	if done.Load != "P0030801SR02" || done.MAC != "00:1e:4a:12:34:56" || done.Model != "7960" {
		t.Fatalf("upgrade.done: %+v", done)
	}
	// TFTP events carry only the address; the Session fills in the phone.
	for _, e := range rec.Of(servers.TFTPRequest) {
		if e.MAC != "00:1e:4a:12:34:56" || e.Model != "7960" {
			t.Fatalf("tftp.request not completed with the phone: %+v", e)
		}
	}
	r := s.Report(time.Now())
	if len(r.Phones) != 1 || !r.Phones[0].Done || r.Phones[0].After != "P0030801SR02" || len(r.Phones[0].Steps) != 2 {
		t.Fatalf("report: %+v", r)
	}
}

// BenchmarkStageNextStep measures how long after the event that ends a step (the
// last file's tftp.done, as the servers publish it) the next step's config is in the
// Root. Issue 4 asks for under 10 ms.
func BenchmarkStageNextStep(b *testing.B) {
	s, _ := loopbackSession(b, "P00305000200", "P0030801SR02")
	mac := "00:1e:4a:12:34:56"
	st := s.Plan().Steps[0]
	next := []byte(s.Plan().Steps[1].ID)
	sep, _ := SEPName(mac)
	read := func() []byte {
		r, _, _, err := s.Root().Open(sep, netip.Addr{})
		if err != nil {
			return nil
		}
		defer r.Close()
		var buf bytes.Buffer
		buf.ReadFrom(r)
		return buf.Bytes()
	}
	var took []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s.Stop()
		s, _ = loopbackSession(b, "P00305000200", "P0030801SR02")
		s.wire.Publish(servers.Event{Kind: servers.DHCPAck, MAC: mac, IP: "127.0.0.100", Class: "Cisco Systems, Inc. IP Phone CP-7960G\x00"})
		for _, f := range st.Files[:len(st.Files)-1] {
			s.wire.Publish(servers.Event{Kind: servers.TFTPDone, IP: "127.0.0.100", Port: 1, File: f})
		}
		for !bytes.Contains(read(), []byte(st.ID)) {
			time.Sleep(100 * time.Microsecond)
		}
		b.StartTimer()
		t0 := time.Now()
		s.wire.Publish(servers.Event{Kind: servers.TFTPDone, IP: "127.0.0.100", Port: 1, File: st.Files[len(st.Files)-1]})
		for !bytes.Contains(read(), next) {
			runtime.Gosched() // a bare spin starves the tracker on a 2-CPU machine
		}
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "worst-ms")
}

// The caller's context ending (Ctrl-C in serve) stops the Session without losing what
// was already on the wire: every event reaches the log, and the staged files go.
func TestSessionCancelLosesNothing(t *testing.T) {
	lib, err := firmware.Open("../testdata/firmware/7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := MakePlan(lib, PlanRequest{Model: "7960", From: "P00308000900", To: "P0S3-8-12-00"})
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	s := New(Options{Library: lib, Plan: plan, Log: &log, Servers: servers.Config{Iface: "lo",
		ServerIP: netip.MustParseAddr("127.0.0.1"), DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}})
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		s.wire.Publish(servers.Event{Kind: servers.TFTPMissing, IP: "127.0.0.9", Port: i + 1, File: "CTLSEP001E4A123456.tlv"})
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the Session did not stop with its context")
	}
	s.Stop() // waits for the log
	if got := strings.Count(log.String(), `"kind":"tftp.missing"`); got != n {
		t.Fatalf("%d of %d events in the log", got, n)
	}
	if g := lib.Root().Generated(); len(g) != 0 {
		t.Fatalf("staged files left in the Root: %v", g)
	}
}

// syncBuffer is a bytes.Buffer safe for the log writer's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A SIP 7960 asks "./SIP<MAC>.cnf" (SIPDefault.cnf's tftp_cfg_dir is "./", as in the real
// log, FACTS.md §10): it is served as SIP<MAC>.cnf, and the tracker knows the phone by
// the MAC in its name.
func TestSessionServesDotSlashSIPConfig(t *testing.T) {
	s, rec := loopbackSession(t, "P0S3-8-12-00", "P0S3-8-12-00")
	want := []byte("line1_name: \"1001\"\n")
	s.Root().Set("SIP001E4A123456.cnf", want)
	ph := newBenchPhone(t, s)
	if got := ph.get("./SIP001E4A123456.cnf"); !bytes.Equal(got, want) {
		t.Fatalf("served %q, want %q", got, want)
	}
	e := rec.Wait(t, servers.TFTPDone, func(e Event) bool { return SameRequest(asked(&e), "SIP001E4A123456.cnf") }, eventBound)
	if e.MAC != "00:1e:4a:12:34:56" {
		t.Fatalf("tftp.done not tied to the phone by its name: %+v", e)
	}
}
