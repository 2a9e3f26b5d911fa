package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	done := Result{Running: "P0S3-8-12-00", Steps: []string{"P00308000900", "P0S3-8-12-00"}, Boots: 5}
	tests := []struct {
		name   string
		res    Result
		err    error
		expect string
		code   int
		msg    string
	}{
		{"done", done, nil, "", 0, "runs P0S3-8-12-00 (steps P00308000900 -> P0S3-8-12-00; 5 boots)"},
		{"done as expected, any case", done, nil, "p0s3-8-12-00", 0, "runs P0S3-8-12-00"},
		{"done, but not what was expected", done, nil, "P0S3-8-11-00", 1, "not the expected P0S3-8-11-00"},
		{"nothing to do", Result{Running: "X", Boots: 1}, nil, "", 0, "no step needed"},
		{"gave up", Result{}, &GiveUpError{Reason: "AUTH FAIL: …"}, "", 1, "gave up: AUTH FAIL"},
		{"gave up, wrapped", Result{}, fmt.Errorf("x: %w", &GiveUpError{Reason: "no DHCP answer"}), "", 1, "gave up: no DHCP answer"},
		{"interrupted", Result{Boots: 2, Running: "A"}, context.Canceled, "", 1, "stopped after 2 boots, running A"},
		{"other error", Result{}, errors.New("interface veth0: no such network interface"), "", 1, "no such network interface"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := Verdict(tt.res, tt.err, tt.expect)
			if code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("got %d %q, want %d and %q", code, msg, tt.code, tt.msg)
			}
		})
	}
}

func TestPrinter(t *testing.T) {
	at := time.Date(2025, 11, 25, 19, 0, 0, 123e6, time.Local)
	actions := []Action{
		{Time: at, Boot: 1, Kind: Lease, MAC: "00:1e:4a:12:34:56", IP: "127.0.0.100", Msg: "TFTP server 127.0.0.1 (option 150)"},
		{Time: at, Boot: 2, Kind: Got, MAC: "00:1e:4a:12:34:56", File: "P0S3-8-12-00.loads", Bytes: 458},
		{Time: at, Boot: 3, Kind: Running, MAC: "00:1e:4a:12:34:56", Load: "P0S3-8-12-00"},
	}
	var text, js bytes.Buffer
	pt, pj := Printer(&text, false), Printer(&js, true)
	for _, a := range actions {
		pt(a)
		pj(a)
	}
	want := "19:00:00.123 #1 lease     ip=127.0.0.100 — TFTP server 127.0.0.1 (option 150)\n" +
		"19:00:00.123 #2 got       P0S3-8-12-00.loads (458 bytes)\n" +
		"19:00:00.123 #3 running   load=P0S3-8-12-00\n"
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	for i, l := range lines {
		var back Action
		if err := json.Unmarshal([]byte(l), &back); err != nil {
			t.Fatal(err)
		}
		if !back.Time.Equal(actions[i].Time) || back.Kind != actions[i].Kind || back.File != actions[i].File || back.Bytes != actions[i].Bytes {
			t.Errorf("line %d round trip: %+v", i, back)
		}
	}
	if strings.Contains(lines[2], `"file"`) || !strings.Contains(lines[2], `"load":"P0S3-8-12-00"`) {
		t.Errorf("empty fields must be left out: %s", lines[2])
	}
}
