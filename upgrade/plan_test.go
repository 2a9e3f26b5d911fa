package upgrade

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"phoneflash/firmware"
)

// The 7940/7960 seed set: the demo's chain (FACTS.md §1.1, §4.1).
var legacySet = []load{
	{id: "P00303010102.bin"},
	{id: "P00305000200"},
	{id: "P00308000900"},
	{id: "P0030801SR02"},
	{id: "P0S3-8-12-00"},
}

var javaSet = []load{
	{id: "SCCP41.8-2-2SR2S", terms: []string{"term41.default.loads", "term61.default.loads"}},
	{id: "SCCP41.8-5-2S", terms: []string{"term41.default.loads", "term61.default.loads"}},
	{id: "SIP41.9-4-2SR3-1S", terms: []string{"term41.default.loads", "term61.default.loads"}},
	{id: "SCCP70.8-5-2S", terms: []string{"term70.default.loads", "term71.default.loads"}},
	{id: "SIP70.9-4-2SR1-1S", terms: []string{"term70.default.loads", "term71.default.loads"}},
}

func stepIDs(p *Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func mustPlan(t *testing.T, lib *firmware.Library, req PlanRequest) *Plan {
	t.Helper()
	p, err := MakePlan(lib, req)
	if err != nil {
		t.Fatalf("MakePlan(%+v): %v", req, err)
	}
	return p
}

func TestPlanPaths(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	java := openLib(t, testFirmware(t, javaSet...))
	tests := []struct {
		name     string
		lib      *firmware.Library
		req      PlanRequest
		steps    []string
		complete bool
	}{
		{"7960 seed chain", legacy, PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"},
			[]string{"P00305000200", "P00308000900", "P0S3-8-12-00"}, true},
		{"7960 unknown start serves the target and learns", legacy, PlanRequest{Model: "CP-7960G", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"7940 from signed 5.x goes straight to SIP", legacy, PlanRequest{Model: "7940", From: "P00305000200", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"7940 from signed 5.x to a later SCCP goes through 8.0(9)", legacy, PlanRequest{Model: "7940", From: "P00305000200", To: "P0030801SR02"},
			[]string{"P00308000900", "P0030801SR02"}, true},
		{"7960 SCCP 5.0(2) to SIP 8.4: SCCP and SIP versions are not compared", legacy, PlanRequest{Model: "7960", From: "P00305000200", To: "P0S3-08-4-00"},
			[]string{"P0S3-08-4-00"}, false},
		{"7960 SIP 4.4 to SIP 8.12 stays on SIP", legacy, PlanRequest{Model: "7960", From: "P0S3-04-4-00", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"7960 from 8.0(9) goes straight", legacy, PlanRequest{Model: "7960", From: "P00308000900", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"7960 from 8.1(2)SR2 goes straight", legacy, PlanRequest{Model: "7960", From: "P0030801SR02", To: "p0s3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"7960 SIP to SCCP", legacy, PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0030801SR02"},
			[]string{"P0030801SR02"}, true},
		{"7960 signed downgrade is allowed", legacy, PlanRequest{Model: "7960", From: "P0030801SR02", To: "P00308000900"},
			[]string{"P00308000900"}, true},
		{"7960 pre-5.0 to 5.x needs no bridge", legacy, PlanRequest{Model: "7960", From: "P00303010102", To: "P00305000200"},
			[]string{"P00305000200"}, true},
		{"7960 pre-5.0 to pre-5.0", legacy, PlanRequest{Model: "7960", From: "P00303000100", To: "P00303010102"},
			[]string{"P00303010102"}, true},
		{"7941 SCCP 8.2 through 8.5(2) to SIP 9.4(2)", java, PlanRequest{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"},
			[]string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}, true},
		{"7961 from 8.5(2) goes straight", java, PlanRequest{Model: "7961", From: "SCCP41.8-5-2S", To: "SIP41.9-4-2SR3-1S"},
			[]string{"SIP41.9-4-2SR3-1S"}, true},
		{"7970 after a factory reset (load unknown): the target, the bridge if it proves older", java, PlanRequest{Model: "7970", To: "SIP70.9-4-2SR1-1S"},
			[]string{"SIP70.9-4-2SR1-1S"}, true},
		{"7971 known to be new goes straight", java, PlanRequest{Model: "7971", From: "SCCP70.9-2-1S", To: "SIP70.9-4-2SR1-1S"},
			[]string{"SIP70.9-4-2SR1-1S"}, true},
		{"Java old to old needs no bridge", java, PlanRequest{Model: "7941", From: "SCCP41.8-2-1S", To: "SCCP41.8-2-2SR2S"},
			[]string{"SCCP41.8-2-2SR2S"}, true},
		{"7941 target not at hand", java, PlanRequest{Model: "7941", From: "SCCP41.8-5-2S", To: "SIP41.9-4-2SR1-1S"},
			[]string{"SIP41.9-4-2SR1-1S"}, false},
		{"bridge not at hand", legacy, PlanRequest{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"},
			[]string{"", "SIP41.9-4-2SR3-1S"}, false},
		{"no library at all", nil, PlanRequest{Model: "7960", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, false},
		{"already there: one step that loads nothing", legacy, PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0S3-8-12-00"},
			[]string{"P0S3-8-12-00"}, true},
		{"already there but showing a symptom: flash it again", legacy,
			PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0S3-8-12-00", Symptom: ProtocolApplicationInvalid},
			[]string{"P0S3-8-12-00"}, true},
		{"AUTH FAIL forces the key bridge", java, PlanRequest{Model: "7941", From: "SCCP41.8-5-2S", To: "SIP41.9-4-2SR3-1S", Symptom: AuthFail},
			[]string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}, true},
		{"a default-loads loop forces the key bridge", java, PlanRequest{Model: "7971", From: "SIP70.9-4-2SR1-1S", To: "SIP70.9-4-2SR1-1S", Symptom: DefaultLoadsLoop},
			[]string{"SCCP70.8-5-2S", "SIP70.9-4-2SR1-1S"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, tt.lib, tt.req)
			if got := stepIDs(p); !slices.Equal(got, tt.steps) {
				t.Fatalf("steps = %q, want %q", got, tt.steps)
			}
			if p.Complete() != tt.complete {
				t.Errorf("Complete() = %v, want %v; missing %q", p.Complete(), tt.complete, p.Missing)
			}
			if p.FromUnknown != (tt.req.From == "") {
				t.Errorf("FromUnknown = %v", p.FromUnknown)
			}
			for i, s := range p.Steps {
				if s.Why == "" || s.How == "" || s.Family != p.Model.Family {
					t.Errorf("step %d underspecified: %+v", i+1, s)
				}
				if s.ID != "" && (s.Version.IsZero() || s.Protocol == "") {
					t.Errorf("step %d names a load without its version: %+v", i+1, s)
				}
				if s.Load == nil && s.Missing == "" {
					t.Errorf("step %d: no load but no Missing: %+v", i+1, s)
				}
				if s.Load != nil && len(s.Files) == 0 {
					t.Errorf("step %d: no files", i+1)
				}
				if i > 0 && s.Gate == "" && i != len(p.Steps)-1 {
					t.Errorf("step %d is neither a gate nor the target", i+1)
				}
			}
		})
	}
}

func TestPlanMissingSaysExactlyWhat(t *testing.T) {
	java := openLib(t, testFirmware(t, load{id: "SCCP41.8-2-2SR2S"}, load{id: "SIP41.9-4-2SR3-1S"}))
	p := mustPlan(t, java, PlanRequest{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"})
	want := "a 7941 load between 8.3(3) and 8.5(2), e.g. SCCP41.8-5-2S"
	if !slices.Equal(p.Missing, []string{want}) {
		t.Errorf("Missing = %q, want [%q]", p.Missing, want)
	}
	// Unknown load: a missing bridge does not stop the plan, it is named for later.
	p = mustPlan(t, java, PlanRequest{Model: "7975", To: "SIP75.9-4-2SR1-1S"})
	if len(p.Missing) != 1 || !strings.Contains(p.Missing[0], "the target SIP75.9-4-2SR1-1S is not in the firmware given") ||
		!slices.Equal(p.IfOlder, []string{"a 7975 load between 8.3(3) and 8.5(2), e.g. SCCP75.8-5-2S"}) {
		t.Errorf("Missing = %q, IfOlder = %q", p.Missing, p.IfOlder)
	}
	p = mustPlan(t, nil, PlanRequest{Model: "7960", To: "P0S3-8-12-00"})
	if !slices.Equal(p.IfOlder, []string{
		"a 7960 load from the signed SCCP 5.x line, e.g. P00305000200",
		"a 7960 load of SCCP 8.0(9), e.g. P00308000900",
	}) {
		t.Errorf("IfOlder = %q", p.IfOlder)
	}
}

func TestPlanIncompleteLoad(t *testing.T) {
	lib := openLib(t, testFirmware(t,
		load{id: "SCCP41.8-5-2S", missing: []string{"dsp41.8-5-2.sbn"}},
		load{id: "SIP41.9-4-2SR3-1S"}))
	p := mustPlan(t, lib, PlanRequest{Model: "7941", From: "SCCP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	if p.Complete() || len(p.Missing) != 1 || !strings.Contains(p.Missing[0], "SCCP41.8-5-2S") ||
		!strings.Contains(p.Missing[0], "dsp41.8-5-2.sbn") {
		t.Fatalf("want the incomplete bridge named with its missing file, got %q", p.Missing)
	}
	if p.Steps[0].Load == nil {
		t.Error("an incomplete load at hand is still the step's load")
	}
}

func TestPlanPicksTheBestBridge(t *testing.T) {
	lib := openLib(t, testFirmware(t,
		load{id: "SCCP41.8-3-3S"},
		load{id: "SCCP41.8-5-2S"},
		load{id: "SIP41.8-5-2S"},
		load{id: "SIP41.8-4-1S", missing: []string{"cnu41.8-4-1.sbn"}},
		load{id: "SCCP41.8-5-2SR1S"}, // needs the new keys already: outside the window
		load{id: "SIP41.9-4-2SR3-1S"},
	))
	for from, want := range map[string]string{
		"SCCP41.8-2-1S": "SCCP41.8-5-2S", // the protocol it runs, newest in the window
		"SIP41.8-2-1S":  "SIP41.8-5-2S",
		"":              "SIP41.8-5-2S", // unknown: the target's protocol
	} {
		p := mustPlan(t, lib, PlanRequest{Model: "7961", From: from, To: "SIP41.9-4-2SR3-1S"})
		bridge := p.Steps[0]
		if from == "" { // the bridge waits for the phone to show it needs it
			bridge = p.Bridges[0]
		}
		if bridge.ID != want {
			t.Errorf("from %q: bridge %s, want %s", from, bridge.ID, want)
		}
	}
	// Complete beats protocol: the only SIP bridge is incomplete.
	lib = openLib(t, testFirmware(t,
		load{id: "SCCP41.8-4-1S"},
		load{id: "SIP41.8-5-2S", missing: []string{"cnu41.8-5-2.sbn"}},
		load{id: "SIP41.9-4-2SR3-1S"},
	))
	p := mustPlan(t, lib, PlanRequest{Model: "7941", From: "SIP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	if p.Steps[0].ID != "SCCP41.8-4-1S" || !p.Complete() {
		t.Errorf("bridge %s complete=%v, want the complete SCCP41.8-4-1S", p.Steps[0].ID, p.Complete())
	}
}

func TestPlanRefusesWhatThePhoneRefuses(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	java := openLib(t, testFirmware(t, javaSet...))
	for _, tt := range []struct {
		lib *firmware.Library
		req PlanRequest
	}{
		{legacy, PlanRequest{Model: "7960", From: "P00308000900", To: "P00303010102"}},        // signed -> unsigned
		{legacy, PlanRequest{Model: "7960", To: "P00303010102"}},                              // unknown start might be signed
		{java, PlanRequest{Model: "7941", From: "SIP41.9-4-2SR3-1S", To: "SCCP41.8-2-2SR2S"}}, // new keys -> old load
		{java, PlanRequest{Model: "7941", To: "SCCP41.8-2-2SR2S"}},
	} {
		_, err := MakePlan(tt.lib, tt.req)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "refuses") || !strings.Contains(err.Error(), "the load it runs now") {
			t.Errorf("MakePlan(%+v) = %v, want an InputError saying the phone refuses it", tt.req, err)
		}
	}
}

func TestPlanBadInput(t *testing.T) {
	for _, tt := range []struct {
		req  PlanRequest
		want string
	}{
		{PlanRequest{Model: "7999", To: "P0S3-8-12-00"}, "unknown phone model"},
		{PlanRequest{Model: "", To: "P0S3-8-12-00"}, "unknown phone model"},
		{PlanRequest{Model: "7960"}, "no target load given"},
		{PlanRequest{Model: "7960", To: "firmware.zip"}, "target load"},
		{PlanRequest{Model: "7941", To: "SIP42.9-4-2SR3-1S"}, "is for the 7942/7962 family; a 7941 takes 7941/7961 loads"},
		{PlanRequest{Model: "7960", To: "SIP41.9-4-2SR3-1S"}, "7941/7961 family"},
		{PlanRequest{Model: "7960", From: "SCCP41.8-5-2S", To: "P0S3-8-12-00"}, "current load SCCP41.8-5-2S is for the 7941/7961 family"},
		{PlanRequest{Model: "7960", From: "garbage", To: "P0S3-8-12-00"}, "current load"},
		{PlanRequest{Model: "7960", To: "P0S3-8-12-00", Symptom: Symptom(99)}, "unknown symptom"},
	} {
		_, err := MakePlan(nil, tt.req)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("MakePlan(%+v) = %v, want an InputError containing %q", tt.req, err, tt.want)
		}
	}
}

func TestPlanHints(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	java := openLib(t, testFirmware(t, javaSet...))
	for _, tt := range []struct {
		lib  *firmware.Library
		req  PlanRequest
		want []string
		not  []string
	}{
		{legacy, PlanRequest{Model: "7960", To: "P0S3-8-12-00"}, []string{"learns from the phone's own requests", "asks for an unsigned .bin image", "P00305000200 (SCCP 5.0(2)), then P00308000900", "SIP<MAC>.cnf"}, []string{"8.5(3)", "assumes the oldest"}},
		{legacy, PlanRequest{Model: "7960", From: "P00308000900", To: "P0S3-8-12-00"}, nil, []string{"unknown"}},
		{legacy, PlanRequest{Model: "7960", To: "P0S3-8-12-00", Symptom: ProtocolApplicationInvalid},
			[]string{`"Protocol Application Invalid": the new loader was flashed`, "Keep network cfg?", "option 150"}, nil},
		{java, PlanRequest{Model: "7941", To: "SIP41.9-4-2SR3-1S"}, []string{"AUTH FAIL on its screen", "SCCP41.8-5-2S (SCCP 8.5(2))"}, nil},
		{java, PlanRequest{Model: "7970", To: "SIP70.9-4-2SR1-1S", Symptom: StuckUpgrading},
			[]string{"term70.default.loads", "AC brick", "4-5 minutes"}, nil},
		{java, PlanRequest{Model: "7941", To: "SIP41.9-4-2SR3-1S", Symptom: StuckUpgrading}, []string{"term41.default.loads"}, []string{"AC brick"}},
		{java, PlanRequest{Model: "7961", To: "SIP41.9-4-2SR3-1S", Symptom: AuthFail}, []string{"AUTH FAIL: the phone rejected", "not 8.5(2)SR1"}, nil},
		{java, PlanRequest{Model: "7961", To: "SIP41.9-4-2SR3-1S", Symptom: DefaultLoadsLoop}, []string{"term61.default.loads again and again"}, nil},
		{legacy, PlanRequest{Model: "7940", To: "P0S3-8-12-00", Symptom: DefaultLoadsLoop}, []string{"7940/7960 have no default-loads file"}, nil},
		{java, PlanRequest{Model: "7941", From: "SCCP41.8-5-2S", To: "SIP41.9-4-2SR1-1S"}, []string{"phoneflash firmware PATH"}, nil},
	} {
		p := mustPlan(t, tt.lib, tt.req)
		all := strings.Join(p.Hints, "\n")
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%+v: hints lack %q:\n%s", tt.req, w, all)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(all, w) {
				t.Errorf("%+v: hints should not say %q:\n%s", tt.req, w, all)
			}
		}
	}
}

func TestPlanNotesALoadWithoutTermFiles(t *testing.T) {
	lib := openLib(t, testFirmware(t, load{id: "SCCP41.8-5-2S", terms: []string{"term41.default.loads"}}, load{id: "SIP41.9-4-2SR3-1S"}))
	p := mustPlan(t, lib, PlanRequest{Model: "7961", From: "SCCP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	if len(p.Steps[0].Notes) != 1 || !strings.Contains(p.Steps[0].Notes[0], "SCCP41.8-5-2S comes without term61.default.loads") {
		t.Errorf("step 1 notes = %q", p.Steps[0].Notes)
	}
	if len(p.Steps[1].Notes) != 1 || !strings.Contains(strings.Join(p.Hints, "\n"), "SIP41.9-4-2SR3-1S comes without term61.default.loads") {
		t.Errorf("step 2 notes = %q, hints %q", p.Steps[1].Notes, p.Hints)
	}
	p = mustPlan(t, lib, PlanRequest{Model: "7941", From: "SCCP41.8-2-1S", To: "SIP41.9-4-2SR3-1S"})
	if p.Steps[0].Notes != nil {
		t.Errorf("a 7941 has its term41 file: notes %q", p.Steps[0].Notes)
	}
}

func TestStepIndex(t *testing.T) {
	p := mustPlan(t, openLib(t, testFirmware(t, legacySet...)), PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	for id, want := range map[string]int{"P00305000200": 0, "p00308000900": 1, "P0S3-8-12-00": 2, "P0030801SR02": -1, "": -1} {
		if got := p.StepIndex(id); got != want {
			t.Errorf("StepIndex(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestParseSymptom(t *testing.T) {
	for in, want := range map[string]Symptom{
		"": SymptomNone, "none": SymptomNone, "auth-fail": AuthFail, "AUTH FAIL": AuthFail,
		"Protocol Application Invalid": ProtocolApplicationInvalid, "stuck_upgrading": StuckUpgrading,
		" default-loads-loop ": DefaultLoadsLoop,
	} {
		got, err := ParseSymptom(in)
		if err != nil || got != want {
			t.Errorf("ParseSymptom(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := ParseSymptom("on fire")
	if err == nil || !strings.Contains(err.Error(), "auth-fail") {
		t.Errorf("ParseSymptom(on fire) = %v, want the list of names", err)
	}
	for _, n := range SymptomNames() {
		if s, err := ParseSymptom(n); err != nil || s.String() != n {
			t.Errorf("round trip of %q: %v %v", n, s, err)
		}
	}
}

// The tables are data: every version in them parses, every window is sane, every example
// names a load of the right family (a wrong fact is a one-line fix, and this test says so).
func TestGateTables(t *testing.T) {
	for _, g := range gates() {
		for _, v := range []string{g.Below, g.Min, g.Max, g.Under} {
			if v == "" {
				continue
			}
			if _, err := firmware.ParseVersion(v); err != nil {
				t.Errorf("gate %s: %v", g.Name, err)
			}
		}
		if (g.Max == "") == (g.Under == "") {
			t.Errorf("gate %s: give Max or Under", g.Name)
		}
		if !g.contains(version(g.Min)) || version(g.Below).Compare(version(g.Min)) > 0 {
			t.Errorf("gate %s: window does not start at Min or starts below Below", g.Name)
		}
		for _, f := range g.Families {
			for _, m := range FamilyModels(f) {
				ex := strings.ReplaceAll(g.Example, "NN", m.Prefix)
				fam, proto, v, err := firmware.ParseID(ex)
				if err != nil || fam != f || !g.contains(v) || g.Protocols != nil && !slices.Contains(g.Protocols, proto) {
					t.Errorf("gate %s, %s: example %s = %s %s %s %v, not a fitting bridge", g.Name, m.Name, ex, fam, proto, v, err)
				}
			}
		}
		if g.Why == "" || g.Source == "" || g.Range == "" {
			t.Errorf("gate %s: say why and where from", g.Name)
		}
		if strings.HasPrefix(g.Evidence.String(), "Evidence(") || g.Evidence == NoEvidence {
			t.Errorf("gate %s: say what on the wire proves a phone is below it", g.Name)
		}
	}
	for _, r := range refusals() {
		if r.From != "" {
			version(r.From)
		}
		version(r.Below)
		if r.Why == "" || r.Source == "" {
			t.Errorf("refusal %+v: say why and where from", r)
		}
	}
	// The facts the issue names, pinned.
	key, _ := gateNamed("signing keys")
	for v, in := range map[string]bool{"8.3(2)": false, "8.3(3)": true, "8.5(2)": true, "8.5(2)SR1": false, "8.5(3)": false} {
		if key.contains(version(v)) != in {
			t.Errorf("key bridge window contains %s = %v, want %v", v, !in, in)
		}
	}
}

func TestPlanJSONSchema(t *testing.T) {
	lib := openLib(t, testFirmware(t, javaSet...))
	for _, req := range []PlanRequest{
		{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"},
		{Model: "7941", To: "SIP41.9-4-2SR1-1S", Symptom: AuthFail},
		{Model: "7941", From: "SIP41.9-4-2SR3-1S", To: "SIP41.9-4-2SR3-1S"},
	} {
		p := mustPlan(t, lib, req)
		var b bytes.Buffer
		if err := WritePlanJSON(&b, p); err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(b.Bytes(), &top); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, b.String())
		}
		for _, k := range []string{"model", "from", "to", "steps", "missing"} {
			if _, ok := top[k]; !ok {
				t.Errorf("%+v: key %q missing in %s", req, k, b.String())
			}
		}
		for k := range top {
			if !slices.Contains([]string{"model", "from", "to", "steps", "missing", "complete", "from_unknown", "symptom", "hints"}, k) {
				t.Errorf("unexpected key %q", k)
			}
		}
		var steps []map[string]json.RawMessage
		if err := json.Unmarshal(top["steps"], &steps); err != nil || string(top["missing"])[0] != '[' {
			t.Fatalf("steps/missing not arrays: %v %s", err, b.String())
		}
		for _, s := range steps {
			for _, k := range []string{"load", "family", "protocol", "version", "why", "files"} {
				if _, ok := s[k]; !ok {
					t.Errorf("step key %q missing", k)
				}
			}
			if string(s["files"])[0] != '[' {
				t.Errorf("files is not an array: %s", s["files"])
			}
		}
	}
}

func TestPlanGolden(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	java := openLib(t, testFirmware(t, javaSet...))
	for _, tt := range []struct {
		name string
		lib  *firmware.Library
		req  PlanRequest
	}{
		{"plan-7960-seed", legacy, PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"}},
		{"plan-7941-missing-bridge", openLib(t, testFirmware(t, load{id: "SIP41.9-4-2SR3-1S"})),
			PlanRequest{Model: "7941", From: "SCCP41.8-2-2SR2S", To: "SIP41.9-4-2SR3-1S"}},
		{"plan-7970-reset-stuck", java, PlanRequest{Model: "7970", To: "SIP70.9-4-2SR1-1S", Symptom: StuckUpgrading}},
		{"plan-7960-already", legacy, PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0S3-8-12-00"}},
	} {
		p := mustPlan(t, tt.lib, tt.req)
		var text, js bytes.Buffer
		if err := WritePlan(&text, p); err != nil {
			t.Fatal(err)
		}
		if err := WritePlanJSON(&js, p); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name+".txt", text.Bytes())
		golden(t, tt.name+".json", js.Bytes())
	}
}

func TestModelsGolden(t *testing.T) {
	var text, js bytes.Buffer
	if err := WriteModels(&text); err != nil {
		t.Fatal(err)
	}
	if err := WriteModelsJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "models.txt", text.Bytes())
	golden(t, "models.json", js.Bytes())
	var out struct {
		Models []struct {
			Name   string `json:"name"`
			Resets []struct {
				Keys string `json:"keys"`
			} `json:"resets"`
		} `json:"models"`
	}
	if err := json.Unmarshal(js.Bytes(), &out); err != nil || len(out.Models) != len(Models()) {
		t.Fatalf("models JSON: %v, %d models", err, len(out.Models))
	}
	for _, g := range resetGroups() {
		if !strings.Contains(text.String(), "Reset: "+strings.Join(g.models, ", ")) {
			t.Errorf("models text lacks the reset group %v", g.models)
		}
	}
}

// With the load unknown the plan serves the target and carries the bridges for a phone
// that proves older: nobody is sent backwards on a guess, and a missing bridge does
// not stop the start (issue 8).
func TestPlanUnknownLearnsFromThePhone(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	p := mustPlan(t, legacy, PlanRequest{Model: "7960", To: "P0S3-8-12-00"})
	var bridges, gates []string
	for _, b := range p.Bridges {
		bridges, gates = append(bridges, b.ID), append(gates, b.Gate)
	}
	if !slices.Equal(stepIDs(p), []string{"P0S3-8-12-00"}) || !slices.Equal(bridges, []string{"P00305000200", "P00308000900"}) ||
		!slices.Equal(gates, []string{"signed 5.x", "seed chain"}) || len(p.IfOlder) != 0 || !p.Complete() {
		t.Fatalf("steps %q bridges %q gates %q ifOlder %q", stepIDs(p), bridges, gates, p.IfOlder)
	}
	for _, b := range p.Bridges {
		if g, ok := gateNamed(b.Gate); !ok || g.Evidence != EvidenceUnsigned {
			t.Errorf("bridge %s: gate %q evidence %v", b.ID, b.Gate, g.Evidence)
		}
	}
	if h := strings.Join(p.Hints, " "); strings.Contains(h, "assumes the oldest") || !strings.Contains(h, "P00305000200") {
		t.Errorf("hints: %q", p.Hints)
	}

	only := openLib(t, testFirmware(t, load{id: "SIP42.9-4-2SR3-1S", terms: []string{"term42.default.loads", "term62.default.loads"}}))
	p = mustPlan(t, only, PlanRequest{Model: "7942", To: "SIP42.9-4-2SR3-1S"})
	if !p.Complete() || len(p.Steps) != 1 || len(p.Bridges) != 1 || p.Bridges[0].Load != nil ||
		!slices.Equal(p.IfOlder, []string{"a 7942 load between 8.3(3) and 8.5(2), e.g. SCCP42.8-5-2S"}) {
		t.Fatalf("7942 without the bridge: complete %v steps %d bridges %+v ifOlder %q", p.Complete(), len(p.Steps), p.Bridges, p.IfOlder)
	}
	// A symptom that says "refused signature" is evidence already: the bridge is a step.
	p = mustPlan(t, openLib(t, testFirmware(t, javaSet...)), PlanRequest{Model: "7941", To: "SIP41.9-4-2SR3-1S", Symptom: AuthFail})
	if !slices.Equal(stepIDs(p), []string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}) || len(p.Bridges) != 0 {
		t.Fatalf("AUTH FAIL, load unknown: steps %q bridges %d", stepIDs(p), len(p.Bridges))
	}
}

func TestPlanRoute(t *testing.T) {
	legacy := openLib(t, testFirmware(t, legacySet...))
	for _, tt := range []struct {
		req  PlanRequest
		want string
	}{
		{PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"}, "P00305000200 -> P00308000900 -> P0S3-8-12-00"},
		{PlanRequest{Model: "7960", To: "P0S3-8-12-00"}, "P0S3-8-12-00 (if it proves older: P00305000200 -> P00308000900 first)"},
	} {
		if got := mustPlan(t, legacy, tt.req).Route("->"); got != tt.want {
			t.Errorf("%+v: Route = %q, want %q", tt.req, got, tt.want)
		}
	}
	p := mustPlan(t, nil, PlanRequest{Model: "7942", To: "SIP42.9-4-2SR3-1S"})
	if got := p.Route("→"); !strings.Contains(got, "(if it proves older: (a 7942 load between 8.3(3) and 8.5(2), e.g. SCCP42.8-5-2S) first)") {
		t.Errorf("Route names no missing bridge: %q", got)
	}
}
