package firmware

import (
	"encoding/json"
	"slices"
	"testing"
)

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseVersionRoundTrip(t *testing.T) {
	for _, s := range []string{"8.5(2)", "9.4(2)SR3", "3.1(1.2)", "8.12", "8.0(9)", "8.1(2)SR2", "8.0(10)", "9.4(2)ES9", "7.0(3)"} {
		v := mustVersion(t, s)
		if v.String() != s {
			t.Errorf("ParseVersion(%q).String() = %q", s, v.String())
		}
		if v.IsZero() {
			t.Errorf("ParseVersion(%q) is zero", s)
		}
	}
	if v := mustVersion(t, "9.4(2)sr3"); v.String() != "9.4(2)SR3" {
		t.Errorf("lower-case service: got %q", v)
	}
}

func TestParseVersionBad(t *testing.T) {
	for _, s := range []string{"", "8", "8.", ".5", "8.5(", "8.5(2", "8.5(x)", "8.5(2)S", "8.5(2)SR", "8.5(1.2.3.4)",
		"99999.1", "8.5(2) ", "a.b", "8-5-2", "8.5()", "8.5(2)SR3x"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", s, v)
		}
	}
}

// TestVersionOrder checks each list is strictly ascending (FACTS.md §4 relies on it).
func TestVersionOrder(t *testing.T) {
	for _, chain := range [][]string{
		{"8.3(3)", "8.5(2)", "9.4(2)SR3"},
		{"3.1(1.2)", "5.0(2)", "8.0(9)", "8.1(2)SR2"},
		{"3.1(1)", "3.1(1.2)", "3.3(3)", "8.0(9)", "8.0(10)", "8.1(2)", "8.1(2)SR2"},
		{"8.11", "8.12", "8.12(1)", "9.0"},
		{"8.5(2)", "8.5(2)SR1", "8.5(3)", "9.4(2)", "9.4(2)ES9", "9.4(2)SR1", "9.4(2)SR3"},
	} {
		vs := make([]Version, len(chain))
		for i, s := range chain {
			vs[i] = mustVersion(t, s)
		}
		for i := 1; i < len(vs); i++ {
			if c := vs[i-1].Compare(vs[i]); c != -1 {
				t.Errorf("%s.Compare(%s) = %d, want -1", vs[i-1], vs[i], c)
			}
			if c := vs[i].Compare(vs[i-1]); c != 1 {
				t.Errorf("%s.Compare(%s) = %d, want 1", vs[i], vs[i-1], c)
			}
		}
		shuffled := slices.Clone(vs)
		slices.Reverse(shuffled)
		slices.SortFunc(shuffled, Version.Compare)
		if !slices.Equal(shuffled, vs) {
			t.Errorf("sorting %v gave %v", chain, shuffled)
		}
	}
	if c := mustVersion(t, "8.5(2)").Compare(mustVersion(t, "8.5(2)")); c != 0 {
		t.Errorf("equal versions compare %d", c)
	}
}

func TestVersionJSON(t *testing.T) {
	v := mustVersion(t, "9.4(2)SR3")
	b, err := json.Marshal(struct{ V Version }{v})
	if err != nil || string(b) != `{"V":"9.4(2)SR3"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back struct{ V Version }
	if err := json.Unmarshal(b, &back); err != nil || back.V != v {
		t.Fatalf("unmarshal: %v %v", back.V, err)
	}
	var zero Version
	if zero.String() != "" || !zero.IsZero() {
		t.Errorf("zero version: %q", zero)
	}
	if err := zero.UnmarshalText(nil); err != nil || !zero.IsZero() {
		t.Errorf("empty text: %v", err)
	}
}

func TestParseID(t *testing.T) {
	for _, c := range []struct {
		id      string
		family  Family
		proto   Protocol
		version string
	}{
		{"SIP41.9-4-2SR3-1S", Family7941, SIP, "9.4(2)SR3"},
		{"SCCP41.8-5-2S", Family7941, SCCP, "8.5(2)"},
		{"SCCP41.8-2-2SR2S", Family7941, SCCP, "8.2(2)SR2"},
		{"SCCP41.8-3-3S", Family7941, SCCP, "8.3(3)"},
		{"sip41.9-4-2sr3-1s.loads", Family7941, SIP, "9.4(2)SR3"},
		{"SIP42.9-4-2SR3-1S", Family7942, SIP, "9.4(2)SR3"},
		{"SIP42.8-5-4S", Family7942, SIP, "8.5(4)"},
		{"SCCP45.9-4-2SR3-1S", Family7945, SCCP, "9.4(2)SR3"},
		{"SIP11.9-4-2SR3-1S", Family7911, SIP, "9.4(2)SR3"},
		{"SCCP70.8-5-2S", Family7970, SCCP, "8.5(2)"},
		{"SIP70.9-4-2SR1-1S", Family7970, SIP, "9.4(2)SR1"},
		{"SIP70.8-2-1S", Family7970, SIP, "8.2(1)"},
		{"SCCP70.8-5-3", Family7970, SCCP, "8.5(3)"},
		{"SCCP75.9-4-2SR3-1S", Family7975, SCCP, "9.4(2)SR3"},
		{"TERM41.7-0-3-0S", Family7941, SCCP, "7.0(3)"},
		{"SIP42.8-5-4TH1-6S", Family7942, SIP, "8.5(4)TH1"},
		{"P00308000900", Family7940, SCCP, "8.0(9)"},
		{"P00308000900.loads", Family7940, SCCP, "8.0(9)"},
		{"P00308001000", Family7940, SCCP, "8.0(10)"},
		{"P0030801SR02", Family7940, SCCP, "8.1(2)SR2"},
		{"P00303010102", Family7940, SCCP, "3.1(1.2)"},
		{"P00303010102.bin", Family7940, SCCP, "3.1(1.2)"},
		{"P00305000200", Family7940, SCCP, "5.0(2)"},
		{"P00303030300", Family7940, SCCP, "3.3(3)"},
		{"P0S3-8-12-00", Family7940, SIP, "8.12"},
		{"P0S3-08-11-00", Family7940, SIP, "8.11"},
		{"P0S3-04-4-00", Family7940, SIP, "4.4"},
		{"p0s3-08-9-00", Family7940, SIP, "8.9"},
		{"P0M3-08-1-00", Family7940, MGCP, "8.1"},
	} {
		f, p, v, err := ParseID(c.id)
		if err != nil {
			t.Errorf("ParseID(%q): %v", c.id, err)
			continue
		}
		if f != c.family || p != c.proto || v.String() != c.version {
			t.Errorf("ParseID(%q) = %s %s %s, want %s %s %s", c.id, f, p, v, c.family, c.proto, c.version)
		}
	}
}

func TestParseIDBad(t *testing.T) {
	for _, id := range []string{"", "P003-8-12-00", "P003", "P0030800090", "P003080009000", "P0030800090X", "P0X3-8-12-00",
		"SCCP31.9-4-2S", "FOO41.9-4-2S", "SCCP41.", "SCCP41.9", "SCCP41.9-4-2SX", "SIP41.9-4-2SR3-1S-1",
		"P0S3-8-12", "P0S3-8-12-00-1", "term41.default", "README", ".loads", "P1234"} {
		if f, p, v, err := ParseID(id); err == nil {
			t.Errorf("ParseID(%q) = %s %s %s, want an error", id, f, p, v)
		}
	}
}

func TestFamilyModels(t *testing.T) {
	if got := FamilyModels(Family7941); !slices.Equal(got, []string{"7941", "7961"}) {
		t.Errorf("7941: %v", got)
	}
	if got := FamilyModels("nope"); got != nil {
		t.Errorf("unknown family: %v", got)
	}
	if len(Families()) != 7 {
		t.Errorf("families: %v", Families())
	}
}
