package sim

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
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
	if got := stepIDs(p); !slices.Equal(got, []string{"P00305000200", "P00308000900", "P0S3-8-12-00"}) {
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
		"OS79XX.TXT", "SEPDefault.cnf", "CTLSEP001E4A123456.tlv", sep, "P00305000200.bin",
		// boot 2: 5.0(2), signed: the manifest and the loader
		"CTLSEP001E4A123456.tlv", sep, "P00308000900.loads", "P00308000900.sbn",
		// boot 3: the new loader fetches the application
		"CTLSEP001E4A123456.tlv", sep, "P00308000900.sb2",
		// boot 4: SCCP to SIP through loadInformation
		"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.loads", "P003-8-12-00.sbn",
		// boot 5: still SCCP until the application is in
		"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.sb2",
		// boot 6: a SIP image: the .loads its SEP file names, its own, and nothing more (as
		// the 7960 on FreePBX did), then its SIP configs
		"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.loads", "SIPDefault.cnf", "./SIP001E4A123456.cnf", "RINGLIST.DAT", "dialplan.xml",
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
	// An old phone, factory reset: it asks term70.default.loads before anything else,
	// so step 1 (the key bridge) must come as the default loads.
	p := plan(t, l, "7970", "SCCP70.8-2-1S", "SIP70.9-4-2SR1-1S")
	b := newBench(t, l.Root())
	rec := &recorder{also: stager(t, p, l.Root(), "")}
	res, err := b.run(t, Config{Model: "7970", From: "SCCP70.8-2-1S", FactoryReset: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	first := p.Steps[0].Files[1:] // the components, without the .loads
	// The default loads do not name their load: the phone names it from its components.
	m, _ := upgrade.FindModel("7970")
	want := append([]string{defaultLoadsID(m, first)}, stepIDs(p)[1:]...)
	if !res.Runs("SIP70.9-4-2SR1-1S") || !slices.Equal(res.Steps, want) || want[0] != "SCCP70.8-5-2TH1-9" {
		t.Fatalf("runs %s after steps %v, want %v", res.Running, res.Steps, want)
	}
	if res.Requests[0] != "term70.default.loads" || !slices.Equal(res.Requests[1:1+len(first)], first) {
		t.Errorf("after a factory reset the phone asks term70.default.loads and its files first: %q", res.Requests)
	}
}

func TestDefaultLoadsGetTheirName(t *testing.T) {
	l := lib(t, "cmterm-7970_7971-sccp.8-5-2.zip")
	p := plan(t, l, "7970", "", "SCCP70.8-5-2S")
	b := newBench(t, l.Root())
	rec := &recorder{also: stager(t, p, l.Root(), "")}
	res, err := b.run(t, Config{Model: "7970", FactoryReset: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	// Boot 2 reads the manifest the config names, finds every file on flash, and runs it
	// under its name: no second download, no second flash.
	if !res.Runs("SCCP70.8-5-2S") || !slices.Equal(res.Steps, []string{"SCCP70.8-5-2S"}) || res.Boots != 2 || len(rec.kinds(Flash)) != 1 {
		t.Fatalf("runs %s, steps %v, %d boots, %d flashes", res.Running, res.Steps, res.Boots, len(rec.kinds(Flash)))
	}
	if n := count(res.Requests, "jar70sccp.8-5-2TH1-9.sbn"); n != 1 {
		t.Errorf("the jar was fetched %d times", n)
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
			"P00303010102.loads", 4, "does not go back to an unsigned one"},
		{"refuse fault: it boots its old image and tries again", "7960", "P00305000200", "P00308000900", "P00308000900",
			"P00308000900.loads", 4, "refused on purpose"},
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

// javaLoad makes the files of a Java load: its .loads (signed-style header, CRLF body,
// comment lines) and components of a few blocks each.
func javaLoad(t *testing.T, files map[string][]byte, id, ver string) []string {
	t.Helper()
	_, proto, _, err := firmware.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	nn := id[strings.IndexByte(id, '.')-2 : strings.IndexByte(id, '.')]
	p := strings.ToLower(string(proto))
	comps := []string{"jar" + nn + p + "." + ver + ".sbn", "cnu" + nn + "." + ver + ".sbn", "apps" + nn + "." + ver + ".sbn",
		"dsp" + nn + "." + ver + ".sbn", "cvm" + nn + p + "." + ver + ".sbn"}
	for i, c := range comps {
		files[c] = pattern(700 + 300*i)
	}
	var buf strings.Builder
	body := append([]string{"#", "# This file contains a list of archive image files that will be requested by the", "# RELEASE load version " + ver, "#"}, comps...)
	if err := firmware.WriteLoads(&buf, id+".loads", body, "\r\n"); err != nil {
		t.Fatal(err)
	}
	files[id+".loads"] = []byte(buf.String())
	return comps
}

func xmlDefault(t *testing.T, model, load string) []byte {
	t.Helper()
	m, err := upgrade.FindModel(model)
	if err != nil {
		t.Fatal(err)
	}
	return upgrade.XMLDefault([]upgrade.Model{m}, load, "")
}

func TestBootOrder(t *testing.T) {
	javaTail := []string{"/mk-sccp.jar", "/sp-sccp.jar", "/g3-tones.xml", "dialplan.xml"}
	sec := []string{"CTLSEP001E4A123456.tlv", "ITLSEP001E4A123456.tlv", "ITLFile.tlv"}
	tests := []struct {
		name  string
		cfg   Config
		files map[string][]byte
		want  []string
	}{
		{"7941 on its load, no SEP file", Config{Model: "7941", From: "SCCP41.8-5-2S"},
			map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7941", "SCCP41.8-5-2S")},
			slices.Concat(sec, []string{sep, "XMLDefault.cnf.xml"}, javaTail)},
		{"7962 SIP with a SEP file: no XMLDefault", Config{Model: "7962", From: "SIP42.9-4-2SR3-1S"},
			map[string][]byte{sep: []byte("<device><loadInformation>SIP42.9-4-2SR3-1S</loadInformation></device>")},
			slices.Concat(sec, []string{sep, "/mk-sip.jar", "/sp-sip.jar", "/g3-tones.xml", "dialplan.xml"})},
		{"7960 SCCP", Config{Model: "7960", From: "P00308000900"},
			map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00308000900")},
			[]string{"CTLSEP001E4A123456.tlv", sep, "XMLDefault.cnf.xml", "P00308000900.loads"}},
		{"7940 SIP: image_version, device file overrides", Config{Model: "7940", From: "P0S3-8-12-00"},
			map[string][]byte{"SIPDefault.cnf": upgrade.SIPDefault("P0S3-8-11-00"), "SIP001E4A123456.cnf": upgrade.SIPDefault("P0S3-8-12-00")},
			[]string{"CTLSEP001E4A123456.tlv", sep, "SIPDefault.cnf", "./SIP001E4A123456.cnf", "RINGLIST.DAT", "dialplan.xml"}},
		{"7960 SIP reads the .loads its SEP file names, its own too", Config{Model: "7960", From: "P0S3-8-12-00"},
			map[string][]byte{sep: upgrade.DeviceConfig(mustModel(t, "7960"), "P0S3-8-12-00", firmware.SIP, ""),
				"SIPDefault.cnf": upgrade.SIPDefault("P0S3-8-12-00")},
			[]string{"CTLSEP001E4A123456.tlv", sep, "P0S3-8-12-00.loads", "SIPDefault.cnf", "./SIP001E4A123456.cnf", "RINGLIST.DAT", "dialplan.xml"}},
		{"7960 SIP after a factory reset reads OS79XX.TXT", Config{Model: "7960", From: "P0S3-8-12-00", FactoryReset: true},
			map[string][]byte{"OS79XX.TXT": upgrade.OS79XXText("P003-8-12-00"), "SIPDefault.cnf": upgrade.SIPDefault("P0S3-8-12-00")},
			[]string{"CTLSEP001E4A123456.tlv", sep, "OS79XX.TXT", "SIPDefault.cnf", "./SIP001E4A123456.cnf", "RINGLIST.DAT", "dialplan.xml"}},
		{"7960 on a 3.x image", Config{Model: "7960", From: "P00303010102"},
			map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00303010102")},
			[]string{"OS79XX.TXT", "SEPDefault.cnf", "CTLSEP001E4A123456.tlv", sep, "XMLDefault.cnf.xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBench(t, newMemRoot(t, tt.files))
			res, err := b.run(t, tt.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Requests, tt.want) {
				t.Errorf("requests:\n got %q\nwant %q", res.Requests, tt.want)
			}
			if res.Boots != 1 || res.Running != tt.cfg.From || len(res.Steps) != 0 {
				t.Errorf("boots %d, runs %s, steps %v", res.Boots, res.Running, res.Steps)
			}
		})
	}
}

func TestMissingComponent(t *testing.T) {
	for _, fault := range []bool{false, true} {
		name := "server lacks it"
		if fault {
			name = "missing fault"
		}
		t.Run(name, func(t *testing.T) {
			files := map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7941", "SCCP41.8-5-2S")}
			comps := javaLoad(t, files, "SCCP41.8-5-2S", "8-5-2TH1-9")
			cfg := Config{Model: "7941", From: "SCCP41.8-2-2SR2S", LoopTries: 3}
			if fault {
				cfg.Faults.Missing = comps[3]
			} else {
				delete(files, comps[3])
			}
			b := newBench(t, newMemRoot(t, files))
			res, err := b.run(t, cfg, nil)
			var gu *GiveUpError
			if !errors.As(err, &gu) || !strings.Contains(gu.Reason, "lists "+comps[3]) {
				t.Fatalf("want a give-up naming %s, got %v", comps[3], err)
			}
			// .loads, the components up to dsp, then the loop: (.loads, dsp) twice more.
			loop := res.Requests[slices.Index(res.Requests, "SCCP41.8-5-2S.loads"):]
			wantLoop := slices.Concat([]string{"SCCP41.8-5-2S.loads"}, comps[:4], []string{"SCCP41.8-5-2S.loads", comps[3], "SCCP41.8-5-2S.loads", comps[3]})
			if fault { // never asked for
				wantLoop = slices.Concat([]string{"SCCP41.8-5-2S.loads"}, comps[:3], []string{"SCCP41.8-5-2S.loads", "SCCP41.8-5-2S.loads"})
			}
			if !slices.Equal(loop, wantLoop) {
				t.Errorf("loop:\n got %q\nwant %q", loop, wantLoop)
			}
			if !slices.Equal(b.tftp.asked()[len(b.tftp.asked())-len(loop):], loop) {
				t.Errorf("the server saw another sequence: %q", b.tftp.asked())
			}
			if res.Running != "SCCP41.8-2-2SR2S" {
				t.Errorf("runs %s", res.Running)
			}
		})
	}
}

func TestSecondStageMissing(t *testing.T) {
	l := lib(t, "7940-7960")
	root := newMemRoot(t, nil)
	for _, f := range []string{"P00308000900.loads", "P00308000900.sbn"} { // no .sb2
		r, _, _, err := l.Root().Open(f, netip.Addr{})
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		if _, err := io.Copy(&buf, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		root.Set(f, []byte(buf.String()))
	}
	root.Set("XMLDefault.cnf.xml", xmlDefault(t, "7960", "P00308000900"))
	b := newBench(t, root)
	res, err := b.run(t, Config{Model: "7960", From: "P00305000200", LoopTries: 2}, nil)
	var gu *GiveUpError
	if !errors.As(err, &gu) || !strings.Contains(gu.Reason, "Protocol Application Invalid") {
		t.Fatalf("want Protocol Application Invalid, got %v", err)
	}
	if res.Boots != 2 || count(res.Requests, "P00308000900.sb2") != 2 {
		t.Errorf("boots %d, requests %q", res.Boots, res.Requests)
	}
}

func TestLossAndPowerCut(t *testing.T) {
	l := lib(t, "cmterm-7941_7961-sccp.8-2-2SR2.zip", "cmterm-7941_7961-sccp.8-5-2.tar", "cmterm-7941_7961-sip.9-4-2SR3-1.cop")
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, res Result, b *bench)
	}{
		{"20% loss", Faults{Loss: 20, Seed: 42}, func(t *testing.T, res Result, b *bench) {
			if res.Dropped == 0 {
				t.Error("nothing dropped")
			}
		}},
		{"power cut in the first component", Faults{PowerCut: PowerCut{File: "*", After: 600}}, func(t *testing.T, res Result, b *bench) {
			first := "jar41sccp.8-5-2TH1-9.sbn"
			if res.PowerCuts != 1 || count(res.Requests, first) != 2 {
				t.Errorf("%d cuts, %s asked %d times", res.PowerCuts, first, count(res.Requests, first))
			}
			if !b.tftp.waitFailed(t, first, 3*time.Second) {
				t.Errorf("the server did not see the cut transfer of %s fail", first)
			}
		}},
		{"power cut by name, twice", Faults{PowerCut: PowerCut{File: "SIP41.9-4-2SR3-1S.loads", Times: 2}}, func(t *testing.T, res Result, b *bench) {
			if res.PowerCuts != 2 || count(res.Requests, "SIP41.9-4-2SR3-1S.loads") != 3 {
				t.Errorf("%d cuts: %q", res.PowerCuts, res.Requests)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := plan(t, l, "7941", "SCCP41.8-2-2SR2S", "SIP41.9-4-2SR3-1S")
			b := newBench(t, l.Root())
			rec := &recorder{also: stager(t, p, l.Root(), "00:1e:4a:12:34:56")}
			res, err := b.run(t, Config{Model: "7941", From: "SCCP41.8-2-2SR2S", Faults: tt.faults}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Runs("SIP41.9-4-2SR3-1S") || !slices.Equal(res.Steps, stepIDs(p)) {
				t.Fatalf("runs %s after %v", res.Running, res.Steps)
			}
			tt.check(t, res, b)
		})
	}
}

func TestGivesUp(t *testing.T) {
	quiet, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	tests := []struct {
		name   string
		dhcp   dhcpOpts
		files  map[string][]byte
		cfg    Config
		noTFTP bool
		want   string
	}{
		{"no DHCP answer", dhcpOpts{silent: true}, nil, Config{Model: "7941"}, false, "no DHCP answer"},
		{"no TFTP server", dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)}, nil, Config{Model: "7941"}, true, "no TFTP server answers at 127.0.0.1"},
		{"TFTP server off loopback", dhcpOpts{opt150: net.IPv4(192, 0, 2, 1)}, nil, Config{Model: "7941"}, false, "cannot reach"},
		{"no config names a load", dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)}, map[string][]byte{}, Config{Model: "7941"}, false,
			`XMLDefault.cnf.xml with <loadInformation115 model="Cisco 7941">`},
		{"a SIP 7960 without image_version", dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)}, map[string][]byte{}, Config{Model: "7960", From: "P0S3-8-12-00"}, false,
			`SIPDefault.cnf with image_version`},
		{"named load not on the server", dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)},
			map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7941", "SCCP41.8-5-2S")}, Config{Model: "7941", LoopTries: 2}, false,
			"has no SCCP41.8-5-2S.loads"},
		{"unsigned image missing", dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)},
			map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00305000200")}, Config{Model: "7960", From: "P00303010102", LoopTries: 2}, false,
			"has no P00305000200.bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &bench{dhcp: startDHCP(t, tt.dhcp), tftp: startTFTP(t, tt.files, 50*time.Millisecond)}
			if tt.noTFTP {
				b.tftp.addr = quiet.LocalAddr().(*net.UDPAddr)
			}
			timing := fast
			timing.DHCPTimeout, timing.DHCPTries, timing.TFTPTimeout, timing.TFTPRetries = 20*time.Millisecond, 2, 20*time.Millisecond, 2
			tt.cfg.Timing = &timing
			rec := &recorder{}
			_, err := b.run(t, tt.cfg, rec)
			var gu *GiveUpError
			if !errors.As(err, &gu) || !strings.Contains(gu.Reason, tt.want) {
				t.Fatalf("want a give-up saying %q, got %v", tt.want, err)
			}
			if g := rec.kinds(GiveUp); len(g) != 1 || g[0].Msg != gu.Reason {
				t.Errorf("give-up actions %+v", g)
			}
			if code, msg := Verdict(Result{}, err, ""); code != 1 || !strings.Contains(msg, tt.want) {
				t.Errorf("verdict %d %q", code, msg)
			}
		})
	}
}

func TestFactoryResetAuthFail(t *testing.T) {
	// itwurx.net: a 7941 below 8.3(3) shows AUTH FAIL on term41.default.loads of a 9.x load.
	files := map[string][]byte{}
	comps := javaLoad(t, files, "SIP41.9-4-2SR3-1S", "9-4-2ES26")
	var buf strings.Builder
	if err := firmware.WriteLoads(&buf, "term41.default.loads", comps, "\r\n"); err != nil {
		t.Fatal(err)
	}
	files["term41.default.loads"] = []byte(buf.String())
	b := newBench(t, newMemRoot(t, files))
	res, err := b.run(t, Config{Model: "7941", From: "SCCP41.8-2-2SR2S", FactoryReset: true, LoopTries: 3}, nil)
	var gu *GiveUpError
	if !errors.As(err, &gu) || !strings.Contains(gu.Reason, "AUTH FAIL") || !strings.Contains(gu.Reason, "SIP41.9-4-2ES26") {
		t.Fatalf("want AUTH FAIL on the default loads, got %v", err)
	}
	if !slices.Equal(res.Requests, []string{"term41.default.loads", "term41.default.loads", "term41.default.loads"}) {
		t.Errorf("requests %q", res.Requests)
	}
}

func TestOS79XXSwitchesProtocol(t *testing.T) {
	l := lib(t, "7940-7960")
	tests := []struct {
		name, from, selector, want string
		config                     map[string][]byte
	}{
		// SIP to SCCP: OS79XX.TXT names the SCCP image (community.cisco.com, FACTS.md §4.1).
		{"SIP to SCCP", "P0S3-8-12-00", "P00308000900", "P00308000900", map[string][]byte{"SIPDefault.cnf": upgrade.SIPDefault("P0S3-8-12-00")}},
		// An SCCP phone after a reset reads it after XMLDefault; a P0S3 image differs in its first four characters.
		{"SCCP to SIP", "P00308000900", "P0S3-8-12-00", "P0S3-8-12-00", map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00308000900")}},
		// The loader name the official SIP zip puts there is not a load: the config decides.
		{"loader name ignored", "P0S3-8-12-00", "P003-8-12-00", "P0S3-8-12-00", map[string][]byte{"SIPDefault.cnf": upgrade.SIPDefault("P0S3-8-12-00")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := l.Root()
			root.Set("OS79XX.TXT", upgrade.OS79XXText(tt.selector))
			for n, d := range tt.config {
				root.Set(n, d)
			}
			t.Cleanup(func() {
				for n := range tt.config {
					root.Remove(n)
				}
				root.Remove("OS79XX.TXT")
			})
			b := newBench(t, root)
			res, err := b.run(t, Config{Model: "7960", From: tt.from, FactoryReset: true}, nil)
			if tt.want == tt.from {
				if err != nil || len(res.Steps) != 0 {
					t.Fatalf("want no step, got %v, steps %v", err, res.Steps)
				}
				return
			}
			// The new image reads its own config, which names nothing: it stays.
			if err != nil || !slices.Equal(res.Steps, []string{tt.want}) || !res.Runs(tt.want) {
				t.Fatalf("steps %v, runs %s, err %v; want %s", res.Steps, res.Running, err, tt.want)
			}
		})
	}
}

func TestNoDHCP(t *testing.T) {
	srv := startTFTP(t, map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00308000900")}, 50*time.Millisecond)
	p, err := New(Config{Model: "7960", From: "P00308000900", NoDHCP: true, Server: net.IPv4(127, 0, 0, 1),
		TFTPPort: srv.addr.Port, Timing: &fast, MAC: testMAC})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background())
	if err != nil || !res.Runs("P00308000900") {
		t.Fatalf("%v, runs %s", err, res.Running)
	}
	if _, err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "runs once") {
		t.Errorf("a second Run: %v", err)
	}
}

func TestTFTPFromTheLeasedAddress(t *testing.T) {
	b := newBench(t, newMemRoot(t, map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7960", "P00308000900")}))
	if _, err := b.run(t, Config{Model: "7960", From: "P00308000900"}, nil); err != nil {
		t.Fatal(err)
	}
	// A server on loopback sees the phone's TFTP come from the address it leased.
	for _, ip := range b.tftp.remotes() {
		if ip != "127.0.0.100" {
			t.Errorf("TFTP from %s, want the lease 127.0.0.100", ip)
		}
	}
}

func TestDefaultTimingIsSeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the 7960 chain with the default scaled waits")
	}
	l := lib(t, "7940-7960")
	p := plan(t, l, "7960", "P00303010102", "P0S3-8-12-00")
	b := newBench(t, l.Root())
	m, _ := upgrade.FindModel("7960")
	timing := DefaultTiming(m, false)
	rec := &recorder{also: stager(t, p, l.Root(), "00:1e:4a:12:34:56")}
	start := time.Now()
	res, err := b.run(t, Config{Model: "7960", From: "P00303010102", Timing: &timing}, rec)
	took := time.Since(start)
	if err != nil || !res.Runs("P0S3-8-12-00") {
		t.Fatalf("%v, runs %s", err, res.Running)
	}
	t.Logf("three-step 7960 upgrade, default scaled waits: %v, %d boots", took, res.Boots)
	if took > 5*time.Second {
		t.Errorf("took %v: the scaled waits must keep a three-step upgrade within seconds", took)
	}
	j, _ := upgrade.FindModel("7941")
	if rt := DefaultTiming(j, true); rt.Flash < 4*time.Minute || rt.Flash > 5*time.Minute || rt.Flash >= j.FlashQuiet {
		t.Errorf("real-time Java flash write %v: want 4-5 minutes, within the tracker's %v", rt.Flash, j.FlashQuiet)
	}
}

func TestCancelStopsEverything(t *testing.T) {
	b := newBench(t, newMemRoot(t, map[string][]byte{"XMLDefault.cnf.xml": xmlDefault(t, "7941", "SCCP41.8-5-2S")}))
	before := runtime.NumGoroutine()
	timing := fast
	timing.PowerOn = time.Hour // stuck in the bootloader
	p, err := New(Config{Model: "7941", MAC: testMAC, DHCPPort: b.dhcp.addr.Port, TFTPPort: b.tftp.addr.Port, Timing: &timing})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("want a prompt context error, got %v after %v", err, time.Since(start))
	}
	// Mid-transfer too: a silent TFTP server and a long timeout.
	quiet, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	timing = fast
	timing.TFTPTimeout = time.Hour
	p, _ = New(Config{Model: "7941", MAC: testMAC, NoDHCP: true, Server: net.IPv4(127, 0, 0, 1),
		TFTPPort: quiet.LocalAddr().(*net.UDPAddr).Port, Timing: &timing})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := p.Run(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("mid-transfer: %v", err)
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Run, %d before", n, before)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Model: "7999"}, "unknown phone model"},
		{Config{Model: "7960", From: "SIP41.9-4-2SR3-1S"}, "a 7960 runs 7940/7960 loads"},
		{Config{Model: "7960", From: "nonsense"}, "--from"},
		{Config{Model: "7960", Server: net.IPv4(192, 0, 2, 1)}, "not on loopback"},
		{Config{Model: "7960", SetAddr: true}, "--set-addr needs --iface"},
		{Config{Model: "7960", NoDHCP: true}, "--no-dhcp needs --server"},
		{Config{Model: "7960", Faults: Faults{Loss: 100}}, "loss"},
		{Config{Model: "7960", BlockSize: 4}, "block size"},
		{Config{Model: "7960", MAC: net.HardwareAddr{1, 2, 3}}, "want 6 bytes"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: want an error with %q, got %v", tt.cfg, tt.want, err)
		}
	}
}

func TestRandomMAC(t *testing.T) {
	for range 20 {
		m := RandomMAC()
		if !slices.ContainsFunc(ciscoOUIs, func(o [3]byte) bool { return o == [3]byte(m[:3]) }) || len(m) != 6 {
			t.Fatalf("%s is not in a Cisco OUI", m)
		}
	}
}

func TestDefaultLoadsID(t *testing.T) {
	m41, _ := upgrade.FindModel("7941")
	m70, _ := upgrade.FindModel("7970")
	tests := []struct {
		m     upgrade.Model
		files []string
		want  string
	}{
		{m41, []string{"jar41sccp.9-4-2ES9.sbn", "cnu41.9-4-2ES9.sbn"}, "SCCP41.9-4-2ES9"},
		{m41, []string{"cnu41.9-4-2ES26.sbn", "Jar41sip.9-4-2ES26.sbn"}, "SIP41.9-4-2ES26"},
		{m70, []string{"jar70sccp.8-5-2TH1-9.sbn"}, "SCCP70.8-5-2TH1-9"},
		{m41, []string{"jar70sccp.8-5-2TH1-9.sbn"}, ""}, // another family's
		{m41, []string{"apps41.9-4-2ES9.sbn"}, ""},
	}
	for _, tt := range tests {
		if got := defaultLoadsID(tt.m, tt.files); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.files, got, tt.want)
		}
	}
}

func TestSplitLoader(t *testing.T) {
	l, rest := splitLoader([]string{"P003-8-12-00.sbn", "P0S3-8-12-00.sb2"})
	if l != "P003-8-12-00.sbn" || !slices.Equal(rest, []string{"P0S3-8-12-00.sb2"}) {
		t.Errorf("%q %q", l, rest)
	}
	if l, rest := splitLoader([]string{"x.sb2"}); l != "" || len(rest) != 1 {
		t.Errorf("%q %q", l, rest)
	}
}

func TestMaxBoots(t *testing.T) {
	files := map[string][]byte{}
	javaLoad(t, files, "SCCP41.8-5-2S", "8-5-2TH1-9")
	javaLoad(t, files, "SCCP41.8-5-3S", "8-5-3TH1-1")
	files["XMLDefault.cnf.xml"] = xmlDefault(t, "7941", "SCCP41.8-5-3S")
	root := newMemRoot(t, files)
	b := newBench(t, root)
	// A server that changes its mind after every flash: the phone never settles.
	rec := &recorder{also: func(a Action) {
		if a.Kind == Flash {
			other := map[string]string{"SCCP41.8-5-3S": "SCCP41.8-5-2S", "SCCP41.8-5-2S": "SCCP41.8-5-3S"}[a.Load]
			root.Set("XMLDefault.cnf.xml", xmlDefault(t, "7941", other))
		}
	}}
	res, err := b.run(t, Config{Model: "7941", From: "SCCP41.8-5-2S", MaxBoots: 4}, rec)
	var gu *GiveUpError
	if !errors.As(err, &gu) || !strings.Contains(gu.Reason, "after 4 boots") || res.Boots != 4 || len(res.Steps) != 4 {
		t.Fatalf("boots %d, steps %v: %v", res.Boots, res.Steps, err)
	}
}

func mustModel(t *testing.T, name string) upgrade.Model {
	t.Helper()
	m, err := upgrade.FindModel(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
