package sim

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
)

// fast are the waits of the tests: every behaviour a few milliseconds, the protocol
// timeouts short enough that loss and silence cost little.
var fast = Timing{
	PowerOn: time.Millisecond, Flash: 5 * time.Millisecond, Retry: time.Millisecond, PowerOff: 5 * time.Millisecond,
	DHCPTimeout: 100 * time.Millisecond, DHCPTries: 3, TFTPTimeout: 150 * time.Millisecond, TFTPRetries: 5,
}

// bench is a DHCP server and a TFTP server on loopback, as `simulate` meets them.
type bench struct {
	dhcp *testDHCP
	tftp *testTFTP
}

func newBench(t *testing.T, root servers.Root) *bench {
	t.Helper()
	return &bench{
		dhcp: startDHCP(t, dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)}),
		tftp: startTFTPRoot(t, root, 50*time.Millisecond),
	}
}

// recorder keeps a phone's actions.
type recorder struct {
	mu      sync.Mutex
	actions []Action
	also    func(Action)
}

func (r *recorder) report(a Action) {
	r.mu.Lock()
	r.actions = append(r.actions, a)
	r.mu.Unlock()
	if r.also != nil {
		r.also(a)
	}
}

func (r *recorder) kinds(k Kind) []Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Action
	for _, a := range r.actions {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// run makes a phone for the bench and runs it to the end.
func (b *bench) run(t *testing.T, cfg Config, rec *recorder) (Result, error) {
	t.Helper()
	if cfg.MAC == nil {
		cfg.MAC = testMAC
	}
	cfg.DHCPPort, cfg.TFTPPort = b.dhcp.addr.Port, b.tftp.addr.Port
	if cfg.Timing == nil {
		cfg.Timing = &fast
	}
	if rec != nil {
		cfg.Report = rec.report
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.Run(ctx)
}

const sep = "SEP001E4A123456.cnf.xml"

// lib opens the repository's synthetic firmware.
func lib(t *testing.T, paths ...string) *firmware.Library {
	t.Helper()
	for i, p := range paths {
		paths[i] = "../../testdata/firmware/" + p
	}
	l, err := firmware.Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// plan makes and prepares a plan over lib.
func plan(t *testing.T, l *firmware.Library, model, from, to string) *upgrade.Plan {
	t.Helper()
	p, err := upgrade.MakePlan(l, upgrade.PlanRequest{Model: model, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Complete() {
		t.Fatalf("plan incomplete: %v", p.Missing)
	}
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	return p
}

// stager plays the tracker's part for these tests: step 1 is staged before the phone
// boots, and each load the phone flashes whole stages the next step before it reboots.
func stager(t *testing.T, p *upgrade.Plan, ov upgrade.Overlay, mac string) func(Action) {
	t.Helper()
	if _, err := p.Stage(ov, 0, mac); err != nil {
		t.Fatal(err)
	}
	step := 0
	return func(a Action) {
		if a.Kind != Flash || a.File != "" || step+1 >= len(p.Steps) {
			return
		}
		step++
		if _, err := p.Stage(ov, step, mac); err != nil {
			t.Errorf("stage step %d: %v", step+1, err)
		}
	}
}

func TestUpgrade7960SeedChain(t *testing.T) {
	l := lib(t, "7940-7960")
	p := plan(t, l, "7960", "P00303010102", "P0S3-8-12-00")
	if got := stepIDs(p); !slices.Equal(got, []string{"P00305000500", "P00308000900", "P0S3-8-12-00"}) {
		t.Fatalf("plan steps %v", got)
	}
	b := newBench(t, l.Root())
	rec := &recorder{also: stager(t, p, l.Root(), "00:1e:4a:12:34:56")}
	res, err := b.run(t, Config{Model: "7960", From: "P00303010102"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Runs("P0S3-8-12-00") || !slices.Equal(res.Steps, stepIDs(p)) {
		t.Fatalf("runs %s after steps %v", res.Running, res.Steps)
	}
	// Boot 1 old image: the unsigned .bin; boots 2-3 the 8.0(9) loader then application;
	// boots 4-5 the SIP loader then application; boot 6 done.
	if res.Boots != 6 || res.Reboots != 5 {
		t.Errorf("%d boots, %d reboots; want 6 and 5", res.Boots, res.Reboots)
	}
	want := []string{
		// boot 1: a 3.1 image reads the selector first, with the stray NUL (checked below)
		"OS79XX.TXT", "SEPDefault.cnf", "CTLSEP001E4A123456.tlv", sep, "P00305000500.bin",
		// boot 2: 5.0(5), signed: the manifest and the loader
		"CTLSEP001E4A123456.tlv", sep, "P00308000900.loads", "P00308000900.sbn",
		// boot 3: the new loader fetches the application
		"CTLSEP001E4A123456.tlv", sep, "P00308000900.sb2",
		// boot 4: SCCP to SIP through loadInformation
		"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.loads", "P003-8-12-00.sbn",
		// boot 5: still SCCP until the application is in
		"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.sb2",
		// boot 6: a SIP image
		"CTLSEP001E4A123456.tlv", "SIPDefault.cnf", "SIP001E4A123456.cnf", "RINGLIST.DAT", "dialplan.xml",
	}
	if !slices.Equal(res.Requests, want) {
		t.Errorf("requests:\n got %q\nwant %q", res.Requests, want)
	}
	if got := b.tftp.asked(); !slices.Equal(got, want) {
		t.Errorf("server saw %q", got)
	}
	// The first boot's class names no model: the image predates the universal loader.
	classes := b.dhcp.sentClasses()
	if len(classes) != 6 || classes[0] != "Cisco Systems, Inc. IP Phone\x00" || classes[1] != "Cisco Systems, Inc. IP Phone CP-7960G\x00" {
		t.Errorf("option 60 per boot: %q", classes)
	}
	if n := len(rec.kinds(Running)); n != 1 {
		t.Errorf("%d running actions", n)
	}
}

func stepIDs(p *upgrade.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestUpgrade7941Through852ToSIP(t *testing.T) {
	l := lib(t, "cmterm-7941_7961-sccp.8-2-2SR2.zip", "cmterm-7941_7961-sccp.8-5-2.tar", "cmterm-7941_7961-sip.9-4-2SR3-1.cop")
	p := plan(t, l, "7941", "SCCP41.8-2-2SR2S", "SIP41.9-4-2SR3-1S")
	if got := stepIDs(p); !slices.Equal(got, []string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}) {
		t.Fatalf("plan steps %v", got)
	}
	b := newBench(t, l.Root())
	rec := &recorder{also: stager(t, p, l.Root(), "00:1e:4a:12:34:56")}
	res, err := b.run(t, Config{Model: "7941", From: "SCCP41.8-2-2SR2S"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Runs("SIP41.9-4-2SR3-1S") || !slices.Equal(res.Steps, stepIDs(p)) || res.Boots != 3 {
		t.Fatalf("runs %s after steps %v in %d boots", res.Running, res.Steps, res.Boots)
	}
	head := []string{"CTLSEP001E4A123456.tlv", "ITLSEP001E4A123456.tlv", "ITLFile.tlv", sep}
	var want []string
	for i, s := range p.Steps {
		want = append(want, head...)
		want = append(want, s.Files...) // the .loads, then its components in listed order
		if i == 0 {
			// the staged SEP file names the load: no XMLDefault
		}
	}
	want = append(want, head...)
	want = append(want, "/mk-sip.jar", "/sp-sip.jar", "/g3-tones.xml", "dialplan.xml")
	if !slices.Equal(res.Requests, want) {
		t.Errorf("requests:\n got %q\nwant %q", res.Requests, want)
	}
}

func TestUpgrade7970AfterFactoryReset(t *testing.T) {
	l := lib(t, "cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1")
	p := plan(t, l, "7970", "", "SIP70.9-4-2SR1-1S")
	b := newBench(t, l.Root())
	rec := &recorder{also: stager(t, p, l.Root(), "")}
	res, err := b.run(t, Config{Model: "7970", FactoryReset: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Runs("SIP70.9-4-2SR1-1S") || len(res.Steps) != len(p.Steps) {
		t.Fatalf("runs %s after steps %v (plan %v)", res.Running, res.Steps, stepIDs(p))
	}
	first := p.Steps[0].Files[1:] // the components, without the .loads
	if res.Requests[0] != "term70.default.loads" || !slices.Equal(res.Requests[1:1+len(first)], first) {
		t.Errorf("after a factory reset the phone asks term70.default.loads and its files first: %q", res.Requests)
	}
}

func TestRefusals(t *testing.T) {
	l := lib(t, "7940-7960", "cmterm-7941_7961-sccp.8-2-2SR2.zip", "cmterm-7941_7961-sip.9-4-2SR3-1.cop")
	tests := []struct {
		name, model, from, to string
		refuse                string // the Refuse fault
		wantFile              string
		wantAsks              int // requests of wantFile
		wantReason            string
	}{
		{"new keys from 8.2: AUTH FAIL loop", "7941", "SCCP41.8-2-2SR2S", "SIP41.9-4-2SR3-1S", "",
			"SIP41.9-4-2SR3-1S.loads", 4, "AUTH FAIL"},
		{"unsigned after signed", "7960", "P00308000900", "P00303010102", "",
			"P00303010102.loads", 4, "refuses unsigned images"},
		{"refuse fault", "7960", "P00305000500", "P00308000900", "P00308000900",
			"P00308000900.loads", 1, "refused on purpose"},
		{"refuse fault on a Java phone loops", "7941", "SCCP41.8-2-2SR2S", "SIP41.9-4-2SR3-1S", "*",
			"SIP41.9-4-2SR3-1S.loads", 4, "refused on purpose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := upgrade.FindModel(tt.model)
			root := l.Root()
			root.Set(upgrade.XMLDefaultName, upgrade.XMLDefault([]upgrade.Model{m}, tt.to, ""))
			t.Cleanup(func() { root.Remove(upgrade.XMLDefaultName) })
			b := newBench(t, root)
			rec := &recorder{}
			res, err := b.run(t, Config{Model: tt.model, From: tt.from, LoopTries: 4, Faults: Faults{Refuse: tt.refuse}}, rec)
			var gu *GiveUpError
			if !errors.As(err, &gu) || !strings.Contains(gu.Reason, tt.wantReason) {
				t.Fatalf("want a give-up saying %q, got %v", tt.wantReason, err)
			}
			if n := count(res.Requests, tt.wantFile); n != tt.wantAsks {
				t.Errorf("%s asked %d times, want %d: %q", tt.wantFile, n, tt.wantAsks, res.Requests)
			}
			if res.Running != tt.from || len(res.Steps) != 0 {
				t.Errorf("a refusing phone keeps its load: runs %s, steps %v", res.Running, res.Steps)
			}
			if len(rec.kinds(Refuse)) == 0 || len(rec.kinds(GiveUp)) != 1 {
				t.Errorf("actions: %d refuse, %d give-up", len(rec.kinds(Refuse)), len(rec.kinds(GiveUp)))
			}
		})
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if strings.EqualFold(x, s) {
			n++
		}
	}
	return n
}
