package upgrade

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"phoneflash/firmware"
)

const tmacStage = "00:1e:4a:12:34:56"

// The shipped sample firmware (H1's testdata/firmware) carries the three paths.
var sampleFirmware = filepath.Join("..", "testdata", "firmware")

func sampleLib(t testing.TB, names ...string) *firmware.Library {
	t.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(sampleFirmware, n))
	}
	return openLib(t, paths...)
}

// The "done when" paths plan complete from the sample firmware.
func TestPlanSampleFirmware(t *testing.T) {
	for _, tt := range []struct {
		sources []string
		req     PlanRequest
		steps   []string
	}{
		{[]string{"7940-7960"}, PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"},
			[]string{"P00305000200", "P00308000900", "P0S3-8-12-00"}},
		{[]string{"cmterm-7941_7961-sccp.8-2-2SR2.zip", "cmterm-7941_7961-sccp.8-5-2.tar", "cmterm-7941_7961-sip.9-4-2SR3-1.cop"},
			PlanRequest{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"},
			[]string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}},
		{[]string{"cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1"},
			PlanRequest{Model: "7970", From: "SCCP70.8-2-1S", To: "SIP70.9-4-2SR1-1S"},
			[]string{"SCCP70.8-5-2S", "SIP70.9-4-2SR1-1S"}},
		{[]string{"cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1"},
			PlanRequest{Model: "7970", To: "SIP70.9-4-2SR1-1S"}, // unknown: the target; the bridge if it proves older
			[]string{"SIP70.9-4-2SR1-1S"}},
	} {
		p := mustPlan(t, sampleLib(t, tt.sources...), tt.req)
		if got := stepIDs(p); !slices.Equal(got, tt.steps) || !p.Complete() {
			t.Errorf("%+v: steps %q complete=%v missing %q, want %q", tt.req, got, p.Complete(), p.Missing, tt.steps)
		}
	}
}

func TestStageLegacySteps(t *testing.T) {
	lib := sampleLib(t, "7940-7960")
	p := mustPlan(t, lib, PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	p.CallManager = "192.0.2.1"
	ov := &memOverlay{}
	sep, _ := SEPName(tmacStage)
	loaders := []string{"P00305000200", "P00308000900", "P003-8-12-00"}
	for k, s := range p.Steps {
		names, err := p.Stage(ov, k, tmacStage)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{XMLDefaultName, sep, OS79XXName, SIPDefaultName}
		if !slices.Equal(names, want) {
			t.Fatalf("step %d wrote %q, want %q", k+1, names, want)
		}
		for _, m := range FamilyModels(firmware.Family7940) {
			for _, f := range []string{XMLDefaultName, sep} {
				if got, ok := LoadFromXML(ov.get(f), m); !ok || got != s.ID {
					t.Errorf("step %d: a %s reads %q from %s, want %s", k+1, m.Name, got, f, s.ID)
				}
			}
		}
		if got := OS79XX(ov.get(OS79XXName)); got != loaders[k] {
			t.Errorf("step %d: OS79XX.TXT names %q, want %q", k+1, got, loaders[k])
		}
		if got, _ := ImageVersion(ov.get(SIPDefaultName)); got != s.ID {
			t.Errorf("step %d: image_version %q, want %s", k+1, got, s.ID)
		}
		if !bytes.Contains(ov.get(XMLDefaultName), []byte("<processNodeName>192.0.2.1<")) {
			t.Errorf("step %d: XMLDefault does not name the call manager", k+1)
		}
	}
	// Staging without a MAC (or for another phone) leaves this phone's SEP file alone:
	// on a bench with several phones each keeps the step it is on.
	names, err := p.Stage(ov, 2, "")
	if err != nil || slices.Contains(names, sep) || ov.get(sep) == nil {
		t.Errorf("stage without MAC: %q, %v; SEP file still there: %v", names, err, ov.get(sep) != nil)
	}
	other, _ := SEPName("00:1e:4a:00:00:01")
	if _, err := p.Stage(ov, 0, "00:1e:4a:00:00:01"); err != nil || ov.get(sep) == nil || ov.get(other) == nil {
		t.Errorf("staging a second phone: %v; first SEP there: %v, second: %v", err, ov.get(sep) != nil, ov.get(other) != nil)
	}
	p.Unstage(ov)
	if n := ov.names(); len(n) != 0 {
		t.Errorf("Unstage left %q", n)
	}
}

func TestStageJavaCopiesTheLoadsOwnTermFiles(t *testing.T) {
	lib := sampleLib(t, "cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1")
	p := mustPlan(t, lib, PlanRequest{Model: "7970", To: "SIP70.9-4-2SR1-1S"})
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	ov := &memOverlay{}
	for k, s := range p.Steps {
		names, err := p.Stage(ov, k, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{XMLDefaultName, "term70.default.loads", "term71.default.loads"}) {
			t.Fatalf("step %d wrote %q", k+1, names)
		}
		for _, term := range []string{"term70.default.loads", "term71.default.loads"} {
			want, err := s.Load.ReadFile(term)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ov.get(term), want) {
				t.Errorf("step %d: %s is not the load's own file", k+1, term)
			}
			m, err := firmware.ParseLoads(ov.get(term))
			if err != nil || !strings.EqualFold(m.Name, term) || !slices.Equal(m.Files, fileNames(s.Load)[1:]) {
				t.Errorf("step %d: %s = %+v, %v; want its own name and the load's files", k+1, term, m, err)
			}
		}
		if got, _ := LoadFromXML(ov.get(XMLDefaultName), mustModel(t, "7971")); got != s.ID {
			t.Errorf("step %d: a 7971 reads %q", k+1, got)
		}
	}
}

func fileNames(l *firmware.Load) []string {
	var out []string
	for _, f := range l.Files {
		out = append(out, f.Name)
	}
	return out
}

func TestStageRemovesTermFilesTheStepLacks(t *testing.T) {
	lib := openLib(t, testFirmware(t,
		load{id: "SCCP41.8-5-2S", terms: []string{"term41.default.loads", "term61.default.loads"}},
		load{id: "SIP41.9-4-2SR3-1S", terms: []string{"term41.default.loads"}}))
	p := mustPlan(t, lib, PlanRequest{Model: "7941", From: "SCCP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	ov := &memOverlay{}
	if _, err := p.Stage(ov, 0, tmacStage); err != nil {
		t.Fatal(err)
	}
	if ov.get("term61.default.loads") == nil {
		t.Fatal("step 1 has term61")
	}
	names, err := p.Stage(ov, 1, tmacStage)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, "term61.default.loads") || ov.get("term61.default.loads") != nil {
		t.Error("step 2's load has no term61: the old one must not stay")
	}
	if got, _ := LoadFromXML(ov.get("SEP001E4A123456.cnf.xml"), mustModel(t, "7961")); got != "SIP41.9-4-2SR3-1S" {
		t.Errorf("SEP file names %q", got)
	}
	if !bytes.Contains(ov.get("SEP001E4A123456.cnf.xml"), []byte("<deviceProtocol>SIP</deviceProtocol>")) {
		t.Error("the SEP file of a SIP step says SIP")
	}
}

func TestStageErrors(t *testing.T) {
	p := mustPlan(t, openLib(t, testFirmware(t, load{id: "SIP41.9-4-2SR3-1S"})),
		PlanRequest{Model: "7941", From: "SCCP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	ov := &memOverlay{}
	for _, tt := range []struct {
		step int
		mac  string
		want string
	}{
		{0, "", "a 7941 load between 8.3(3) and 8.5(2)"},
		{2, "", "the plan has steps 1 to 2"},
		{-1, "", "the plan has steps 1 to 2"},
		{1, "not-a-mac", "bad MAC address"},
	} {
		if _, err := p.Stage(ov, tt.step, tt.mac); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Stage(%d, %q) = %v, want %q", tt.step, tt.mac, err, tt.want)
		}
	}
	if ov.sets != 0 {
		t.Errorf("a failed Stage wrote %d files", ov.sets)
	}
}

// Stage runs from the tracker's goroutine while the UI may ask for StageFiles.
func TestStageConcurrent(t *testing.T) {
	lib := sampleLib(t, "cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1")
	p := mustPlan(t, lib, PlanRequest{Model: "7970", From: "SCCP70.8-2-1S", To: "SIP70.9-4-2SR1-1S"})
	root := lib.Root()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if _, err := p.Stage(root, (g+i)%2, fmt.Sprintf("00:1e:4a:00:00:%02x", g)); err != nil {
					t.Error(err)
					return
				}
				if _, err := p.StageFiles(i%2, ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// The served view: what a phone reads through the real Root after Stage.
func TestStageThroughRoot(t *testing.T) {
	lib := sampleLib(t, "7940-7960")
	root := lib.Root()
	p := mustPlan(t, lib, PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	if _, err := p.Stage(root, 1, tmacStage); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]func([]byte) bool{
		"/XMLDefault.cnf.xml": func(b []byte) bool { got, _ := LoadFromXML(b, mustModel(t, "7960")); return got == "P00308000900" },
		"sep001e4a123456.cnf.xml": func(b []byte) bool {
			got, _ := LoadFromXML(b, mustModel(t, "7960"))
			return got == "P00308000900"
		},
		"OS79XX.TXT":     func(b []byte) bool { return OS79XX(b) == "P00308000900" },
		"SIPDefault.cnf": func(b []byte) bool { got, _ := ImageVersion(b); return got == "P00308000900" },
	} {
		r, _, _, err := root.Open(name, netip.Addr{})
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || !check(b) {
			t.Errorf("%s served %q (%v)", name, b, err)
		}
	}
}

// The benchmark: the next step staged within 10 ms of the event that ends the
// previous one. Measured here as the slowest of many Stage calls into the real Root.
func TestStageWithin10ms(t *testing.T) {
	for _, src := range [][]string{
		{"7940-7960"},
		{"cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1"},
	} {
		lib := sampleLib(t, src...)
		model, to := "7960", "P0S3-8-12-00"
		if strings.HasPrefix(src[0], "cmterm") {
			model, to = "7970", "SIP70.9-4-2SR1-1S"
		}
		p := mustPlan(t, lib, PlanRequest{Model: model, To: to})
		if err := p.Prepare(); err != nil {
			t.Fatal(err)
		}
		var worst time.Duration
		for i := range 200 {
			start := time.Now()
			if _, err := p.Stage(lib.Root(), i%len(p.Steps), tmacStage); err != nil {
				t.Fatal(err)
			}
			worst = max(worst, time.Since(start))
		}
		if worst > 10*time.Millisecond {
			t.Errorf("%s: slowest Stage took %v, want under 10ms", model, worst)
		}
		t.Logf("%s: slowest of 200 Stage calls %v", model, worst)
	}
}

func BenchmarkStage(b *testing.B) {
	for _, tt := range []struct {
		name, model, to string
		src             []string
	}{
		{"7960", "7960", "P0S3-8-12-00", []string{"7940-7960"}},
		{"7970", "7970", "SIP70.9-4-2SR1-1S", []string{"cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1"}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			lib := sampleLib(b, tt.src...)
			p, err := MakePlan(lib, PlanRequest{Model: tt.model, To: tt.to})
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Prepare(); err != nil {
				b.Fatal(err)
			}
			root := lib.Root()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := p.Stage(root, i%len(p.Steps), tmacStage); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// With two loads' term files on disk, the served one is the staged step's, whatever
// case the phone asks in (FACTS.md §9 item 3).
func TestStagedTermFileWinsThroughRoot(t *testing.T) {
	lib := sampleLib(t, "cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1")
	p := mustPlan(t, lib, PlanRequest{Model: "7970", From: "SCCP70.8-2-1S", To: "SIP70.9-4-2SR1-1S"})
	root := lib.Root()
	for k, s := range p.Steps {
		if _, err := p.Stage(root, k, ""); err != nil {
			t.Fatal(err)
		}
		want, err := s.Load.ReadFile("term70.default.loads")
		if err != nil {
			t.Fatal(err)
		}
		for _, asked := range []string{"term70.default.loads", "TERM70.default.loads", "/TERM70.DEFAULT.LOADS"} {
			r, _, _, err := root.Open(asked, netip.Addr{})
			if err != nil {
				t.Fatalf("open %s: %v", asked, err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("step %d: %s is not %s's own term file", k+1, asked, s.ID)
			}
		}
	}
}
