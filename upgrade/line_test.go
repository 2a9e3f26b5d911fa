package upgrade

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"phoneflash/firmware"
)

// benchLine is the line: extension 1001 at 192.0.2.50.
var benchLine = LineSettings{Registrar: "192.0.2.50", User: "1001", Password: "s3cret", Display: "Bench 1001", Label: "Bench-1001"}

func TestLineValidate(t *testing.T) {
	long := strings.Repeat("x", maxLineValue+1)
	for _, tt := range []struct {
		name  string
		edit  func(*LineSettings)
		field string // "" = valid
		says  string
	}{
		{"the issue's line", func(*LineSettings) {}, "", ""},
		{"none at all", func(l *LineSettings) { *l = LineSettings{} }, "", ""},
		{"a port", func(l *LineSettings) { l.Registrar = "192.0.2.50:5160" }, "", ""},
		{"a host name", func(l *LineSettings) { l.Registrar = "pbx.example.net" }, "", ""},
		{"a host name and port", func(l *LineSettings) { l.Registrar = "freepbx:5060" }, "", ""},
		{"an auth user", func(l *LineSettings) { l.AuthUser = "bench_1001" }, "", ""},
		{"no password", func(l *LineSettings) { l.Password = "" }, "", ""},
		{"30 characters", func(l *LineSettings) { l.Password = long[1:] }, "", ""},
		{"no registrar", func(l *LineSettings) { l.Registrar = "" }, LineRegistrar, "missing"},
		{"no extension", func(l *LineSettings) { l.User = "" }, LineUser, "missing"},
		{"a password alone", func(l *LineSettings) { *l = LineSettings{Password: "x"} }, LineRegistrar, "missing"},
		{"IPv6", func(l *LineSettings) { l.Registrar = "2001:db8::1" }, LineRegistrar, "IPv6"},
		{"IPv6 with port", func(l *LineSettings) { l.Registrar = "[2001:db8::1]:5060" }, LineRegistrar, "not an IPv4"},
		{"a short address", func(l *LineSettings) { l.Registrar = "192.0.2" }, LineRegistrar, "not an IPv4"},
		{"an address out of range", func(l *LineSettings) { l.Registrar = "192.0.2.300" }, LineRegistrar, "not an IPv4"},
		{"a URL", func(l *LineSettings) { l.Registrar = "sip://pbx" }, LineRegistrar, ""},
		{"a space in the host", func(l *LineSettings) { l.Registrar = "my pbx" }, LineRegistrar, "neither"},
		{"port 0", func(l *LineSettings) { l.Registrar = "192.0.2.50:0" }, LineRegistrar, "1 to 65535"},
		{"port text", func(l *LineSettings) { l.Registrar = "192.0.2.50:sip" }, LineRegistrar, "1 to 65535"},
		{"broadcast", func(l *LineSettings) { l.Registrar = "255.255.255.255" }, LineRegistrar, "no registrar"},
		{"a quote in the password", func(l *LineSettings) { l.Password = `se"cret` }, LinePassword, `'"'`},
		{"a semicolon in the password", func(l *LineSettings) { l.Password = "se;cret" }, LinePassword, "';'"},
		{"a hash in the display name", func(l *LineSettings) { l.Display = "Desk #1" }, LineDisplay, "'#'"},
		{"a newline in the password", func(l *LineSettings) { l.Password = "se\ncret" }, LinePassword, "line break"},
		{"a tab in the label", func(l *LineSettings) { l.Label = "a\tb" }, LineLabel, "control"},
		{"non-ASCII", func(l *LineSettings) { l.Display = "Büro" }, LineDisplay, "ASCII"},
		{"a trailing space", func(l *LineSettings) { l.Password = "secret " }, LinePassword, "space"},
		{"an over-long password", func(l *LineSettings) { l.Password = long }, LinePassword, "at most 30"},
		{"an over-long extension", func(l *LineSettings) { l.User = long }, LineUser, "at most 30"},
		{"an over-long auth user", func(l *LineSettings) { l.AuthUser = long }, LineAuthUser, "at most 30"},
		{"a space in the label", func(l *LineSettings) { l.Label = "Bench 1" }, LineLabel, "space"},
		{"an @ in the extension", func(l *LineSettings) { l.User = "1001@pbx" }, LineUser, "'@'"},
		{"a colon in the auth user", func(l *LineSettings) { l.AuthUser = "a:b" }, LineAuthUser, "':'"},
	} {
		l := benchLine
		tt.edit(&l)
		err := l.Validate()
		var le *LineError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v, want valid", tt.name, err)
		case tt.field == "":
		case !errors.As(err, &le) || le.Field != tt.field || !strings.Contains(err.Error(), tt.says):
			t.Errorf("%s: %v, want a %s error saying %q", tt.name, err, tt.field, tt.says)
		case l.Password != "" && strings.Contains(err.Error(), l.Password):
			t.Errorf("%s: the error %q quotes the password", tt.name, err)
		}
	}
}

func TestLineNeverPrintsThePassword(t *testing.T) {
	l := benchLine
	j, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{l.String(), fmt.Sprintf("%v %+v %s %#v %#v", l, l, &l, l, &l), string(j), l.Written()} {
		if strings.Contains(s, l.Password) {
			t.Errorf("%q holds the password", s)
		}
	}
	if got := l.String(); got != "1001 at 192.0.2.50:5060" {
		t.Errorf("String = %q", got)
	}
	if got := l.Written(); got != "line 1001 written" {
		t.Errorf("Written = %q", got)
	}
}

func TestLineConfigGolden(t *testing.T) {
	golden(t, "SIP-line.cnf", SIPLineConfig(benchLine))
	golden(t, "SIPDefault-register.cnf", SIPDefaultRegistering("P0S3-8-12-00"))
	golden(t, "SEP-7942-line.cnf.xml", SIPDeviceConfig("SIP42.9-4-2SR3-1S", benchLine))
	golden(t, "dialplan.xml", DialPlan(benchLine))
	// XML values are escaped, and the label and auth user go where they belong.
	odd := LineSettings{Registrar: "pbx.example.net:5160", User: "1001", AuthUser: "a1001", Password: "<&>'", Display: "R&D"}
	sep := SIPDeviceConfig("SIP42.9-4-2SR3-1S", odd)
	for _, want := range []string{"<authPassword>&lt;&amp;&gt;&#39;</authPassword>", "<displayName>R&amp;D</displayName>",
		"<authName>a1001</authName>", "<processNodeName>pbx.example.net</processNodeName>", "<sipPort>5160</sipPort>", "<port>5160</port>"} {
		if !bytes.Contains(sep, []byte(want)) {
			t.Errorf("SEP file lacks %s:\n%s", want, sep)
		}
	}
	if bytes.Contains(sep, []byte("phoneLabel")) {
		t.Error("an empty label is written")
	}
	if bytes.Equal(sep, SIPDeviceConfig("SIP42.9-4-2SR3-1S", benchLine)) {
		t.Error("two lines give one file")
	}
	cnf := SIPLineConfig(odd)
	for _, want := range []string{`line1_authname: "a1001"`, "proxy1_port: 5160", `proxy1_address: "pbx.example.net"`} {
		if !bytes.Contains(cnf, []byte(want)) {
			t.Errorf("SIP<MAC>.cnf lacks %s:\n%s", want, cnf)
		}
	}
	if bytes.Contains(cnf, []byte("proxy_backup")) || bytes.Contains(cnf, []byte("proxy_emergency")) {
		t.Error("SIP<MAC>.cnf names a backup or emergency proxy")
	}
	if !bytes.Contains(DialPlan(LineSettings{User: "bench"}), []byte(`MATCH="*"`)) || bytes.Contains(DialPlan(LineSettings{User: "bench"}), []byte(`Timeout="0"`)) {
		t.Error("a named extension gets a dial-at-once rule")
	}
}

func TestStageLineLegacy(t *testing.T) {
	p := mustPlan(t, sampleLib(t, "7940-7960"), PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	if err := p.SetLine(&benchLine); err != nil {
		t.Fatal(err)
	}
	ov := &memOverlay{}
	sep, _ := SEPName(tmacStage)
	sip, _ := SIPName(tmacStage)
	for k, s := range p.Steps {
		names, err := p.Stage(ov, k, tmacStage)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{XMLDefaultName, sep, OS79XXName, SIPDefaultName}
		if s.Protocol == "SIP" {
			want = []string{XMLDefaultName, sep, sip, OS79XXName, SIPDefaultName, DialPlanName}
		}
		if !slices.Equal(names, want) {
			t.Fatalf("step %d (%s) wrote %q, want %q", k+1, s.ID, names, want)
		}
		register := bytes.Contains(ov.get(SIPDefaultName), []byte("proxy_register: 1"))
		if register != (s.Protocol == "SIP") {
			t.Errorf("step %d: proxy_register written: %v", k+1, register)
		}
		if v, _ := ImageVersion(ov.get(SIPDefaultName)); v != s.ID {
			t.Errorf("step %d: image_version %q", k+1, v)
		}
	}
	if !bytes.Equal(ov.get(sip), SIPLineConfig(benchLine)) || ov.owner(sip) != tmacStage {
		t.Errorf("SIP<MAC>.cnf: owner %q, content:\n%s", ov.owner(sip), ov.get(sip))
	}
	if ov.owner(sep) != "" || bytes.Contains(ov.get(sep), []byte(benchLine.Password)) {
		t.Error("the 7960's SEP file carries the line or is owned")
	}
	for _, n := range ov.names() {
		if n != sip && bytes.Contains(ov.get(n), []byte(benchLine.Password)) {
			t.Errorf("%s holds the password", n)
		}
	}
	// Without a MAC only the shared files: the line goes to no one.
	names, _ := p.Stage(ov, len(p.Steps)-1, "")
	if slices.Contains(names, sip) {
		t.Errorf("staged without a MAC: %q", names)
	}
	if p.LineFile(p.Steps[len(p.Steps)-1], tmacStage) != sip || p.LineFile(p.Steps[0], tmacStage) != "" {
		t.Error("LineFile names the wrong file")
	}
}

func TestStageLineJava(t *testing.T) {
	lib := sampleLib(t, "cmterm-7970_7971-sccp.8-5-2.zip", "cmterm-7970_7971-sip.9-4-2SR1-1")
	p := mustPlan(t, lib, PlanRequest{Model: "7970", From: "SCCP70.8-2-1S", To: "SIP70.9-4-2SR1-1S"})
	if err := p.SetLine(&benchLine); err != nil {
		t.Fatal(err)
	}
	ov := &memOverlay{}
	sep, _ := SEPName(tmacStage)
	for k, s := range p.Steps {
		if _, err := p.Stage(ov, k, tmacStage); err != nil {
			t.Fatal(err)
		}
		owned := ov.owner(sep) == tmacStage
		line := bytes.Contains(ov.get(sep), []byte("<authPassword>s3cret</authPassword>"))
		if owned != (s.Protocol == "SIP") || line != owned {
			t.Errorf("step %d (%s): SEP owned %v, with the line %v", k+1, s.ID, owned, line)
		}
		if got, ok := LoadFromXML(ov.get(sep), mustModel(t, "7970")); !ok || got != s.ID {
			t.Errorf("step %d: the SEP file names %q", k+1, got)
		}
	}
	if ov.get(DialPlanName) == nil {
		t.Error("no dialplan.xml")
	}
}

func TestSetLine(t *testing.T) {
	p := mustPlan(t, sampleLib(t, "7940-7960"), PlanRequest{Model: "7960", From: "P00303010102", To: "P00308000900"})
	var le *LineError
	if err := p.SetLine(&benchLine); !errors.As(err, &le) || !strings.Contains(err.Error(), "SCCP") {
		t.Errorf("a line for an SCCP target: %v", err)
	}
	if err := p.SetLine(&LineSettings{Registrar: "x y", User: "1"}); !errors.As(err, &le) {
		t.Errorf("an invalid line: %v", err)
	}
	if err := p.SetLine(&LineSettings{}); err != nil || p.Line != nil {
		t.Errorf("an empty line: %v, %v", err, p.Line)
	}
}

// One line is one account: the first phone staged for a SIP step takes it, and a
// second phone on the bench gets its load without the line (two phones on one account
// take each other's registration). Staging the first again keeps it its line.
func TestTheLineGoesToOnePhone(t *testing.T) {
	const second = "00:1e:4a:65:43:21"
	for _, c := range []struct {
		name string
		lib  *firmware.Library
		req  PlanRequest
	}{
		{"7960", sampleLib(t, "7940-7960"), PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0S3-8-12-00"}},
		{"7970", sampleLib(t, "cmterm-7970_7971-sip.9-4-2SR1-1"), PlanRequest{Model: "7970", From: "SIP70.9-4-2SR1-1S", To: "SIP70.9-4-2SR1-1S"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustPlan(t, c.lib, c.req)
			if err := p.SetLine(&benchLine); err != nil {
				t.Fatal(err)
			}
			st := p.Steps[len(p.Steps)-1]
			ov := &memOverlay{}
			if _, err := p.StageStep(ov, st, ""); err != nil || p.LineOwner() != "" {
				t.Fatalf("the shared files gave the line to %q (%v)", p.LineOwner(), err)
			}
			for _, mac := range []string{tmacStage, second, tmacStage} {
				if _, err := p.StageStep(ov, st, mac); err != nil {
					t.Fatal(err)
				}
			}
			if p.LineOwner() != tmacStage {
				t.Fatalf("the line went to %q, want the first phone", p.LineOwner())
			}
			first, other := p.LineFile(st, tmacStage), p.LineFile(st, second)
			if first == "" || other != "" {
				t.Fatalf("LineFile: first phone %q, second %q", first, other)
			}
			if !bytes.Contains(ov.get(first), []byte(benchLine.Password)) || ov.owner(first) != tmacStage {
				t.Errorf("the first phone's %s lost its line (owner %q)", first, ov.owner(first))
			}
			sep, _ := SEPName(second)
			sip, _ := SIPName(second)
			if ov.get(sep) == nil {
				t.Fatalf("the second phone got no %s: it must get its load all the same", sep)
			}
			for _, n := range []string{sep, sip} {
				if ov.owner(n) != "" || bytes.Contains(ov.get(n), []byte(benchLine.Password)) ||
					bytes.Contains(ov.get(n), []byte(benchLine.User)) {
					t.Errorf("the second phone's %s carries the line (owner %q):\n%s", n, ov.owner(n), ov.get(n))
				}
			}
			p.Unstage(ov) // the servers stopped: the next bench's first phone may have the line
			if p.LineOwner() != "" {
				t.Fatalf("after Unstage the line still goes to %q", p.LineOwner())
			}
			broken := st
			broken.Load = nil // its files cannot be made: the phone gets nothing, the line stays free
			if _, err := p.StageStep(ov, broken, second); err == nil || p.LineOwner() != "" {
				t.Fatalf("a failed staging (%v) gave the line to %q", err, p.LineOwner())
			}
			if _, err := p.StageStep(ov, st, second); err != nil || p.LineOwner() != second {
				t.Fatalf("the next bench's phone did not get the line: owner %q (%v)", p.LineOwner(), err)
			}
		})
	}
}
