package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The command line is a contract (README "Command line"): exit codes 0 done, 1 failure, 2 bad
// usage; help on stdout; errors on stderr, saying what to do.
func TestRunExitCodesAndHelp(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		out, err   string // substrings of stdout and stderr ("" = not checked)
		quietError bool   // nothing on stderr
	}{
		{[]string{"help"}, 0, "phoneflash demo", "", true},
		{[]string{"--help"}, 0, "phoneflash serve", "", true},
		{[]string{"bogus"}, 2, "", `unknown command "bogus"`, false},
		{[]string{"firmware", "testdata/firmware/7940-7960"}, 0, "P0S3-8-12-00", "", true},
		{[]string{"firmware", "testdata/firmware"}, 1, "truncated", "not every path could be read", false},
		{[]string{"firmware"}, 2, "", "", false},
		{[]string{"plan", "--model", "7960", "--from", "P00303010102", "--to", "P0S3-8-12-00", "--firmware", "testdata/firmware/7940-7960"},
			0, "P00305000200", "", true},
		{[]string{"plan", "--model", "7960", "--to", "P0S3-8-12-00"}, 2, "", "--firmware missing", false},
		{[]string{"plan", "--model", "7960", "--to", "P0S3-8-12-00", "--firmware", "testdata/firmware/cmterm-7970_7971-sccp.8-5-2.zip"},
			1, "", "cannot be served yet", false},
		{[]string{"plan", "--model", "7999", "--to", "P0S3-8-12-00", "--firmware", "testdata/firmware/7940-7960"}, 2, "", "unknown phone model", false},
		{[]string{"models"}, 0, "123456789*0#", "", true},
		{[]string{"serve", "--firmware", "testdata/firmware/7940-7960"}, 2, "", "--iface", false},
		{[]string{"serve", "--iface", "lo", "--firmware", "testdata/firmware/broken/truncated.zip"}, 1, "", "nothing to serve", false},
		{[]string{"simulate"}, 2, "", "--model", false},
		{[]string{"--symptom", "bogus"}, 2, "", "unknown symptom", false},
		{[]string{"--no-such-flag"}, 2, "", "phoneflash: flag provided but not defined", false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tc.args, &out, &errOut)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.err) ||
				tc.quietError && errOut.Len() != 0 || strings.Contains(errOut.String(), "phoneflash phoneflash") {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errOut.String())
			}
		})
	}
	for _, c := range commands() {
		t.Run(c.name+" help and bad flag", func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run([]string{c.name, "--help"}, &out, &errOut); code != 0 ||
				!strings.HasPrefix(out.String(), "Usage: phoneflash "+c.name) || errOut.Len() != 0 {
				t.Fatalf("--help: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
			}
			out.Reset()
			if code := run([]string{c.name, "--no-such-flag"}, &out, &errOut); code != 2 ||
				!strings.Contains(errOut.String(), "flag provided but not defined") || out.Len() != 0 {
				t.Fatalf("bad flag: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
			}
		})
	}
}

// Every --json output is exactly one JSON value (or one per line for the streams).
func TestRunJSONOutputs(t *testing.T) {
	for _, args := range [][]string{
		{"firmware", "--json", "testdata/firmware/7940-7960"},
		{"plan", "--json", "--model", "7941", "--from", "SCCP41.8-2-2SR2S", "--to", "SIP41.9-4-2SR3-1S", "--firmware", "testdata/firmware"},
		{"models", "--json"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Errorf("%v: exit %d\n%s", args, code, errOut.String())
		}
		dec := json.NewDecoder(&out)
		var v map[string]any
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Errorf("%v: not one JSON object (%v)\n%s", args, err, out.String())
		}
	}
}

// A value no server can use is bad usage, said with its flag before any socket opens
// (issue 9 item 7), where serve used to put a default in its place and start. A serve
// that starts never returns: each case has a bound.
func TestRunRefusesBadSettings(t *testing.T) {
	serve := func(port int, args ...string) []string {
		return append([]string{"serve", "--iface", "lo", "--firmware", "testdata/firmware/7940-7960",
			"--dhcp-port", strconv.Itoa(port), "--tftp-port", strconv.Itoa(port + 1)}, args...)
	}
	for i, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{serve(0, "--pool-size", "0"), "--pool-size"},
		{serve(0, "--pool-size", "-5"), "--pool-size"},
		{serve(0, "--pool-size", "300"), "--pool-size"},
		{serve(0, "--lease", "0s"), "--lease"},
		{serve(0, "--lease", "30s"), "--lease"},
		{serve(0, "--probe-window", "-1s"), "--probe-window"},
		{serve(0, "--router", "10.9.9.9"), "--router"},
		{serve(0, "--mask", "255.255.255.255"), "--mask"},
		{serve(0, "--blksize", "512"), "--blksize"},
		{serve(0, "--dhcp-port", "0"), "--dhcp-port"},
		{serve(0, "--leases", "nodir/x"), "--leases"},
		{serve(0, "--symptom", "bogus"), "unknown symptom"},
		{serve(0, "--model", "9999"), "unknown phone model"},
		{serve(0, "--firmware", "/etc/passwd"), "--firmware /etc/passwd: no firmware load"},
		{[]string{"--pool-size", "0"}, "--pool-size"}, // the wizard takes the same flags
	} {
		if tc.args[0] == "serve" { // distinct ports: a serve that wrongly starts holds its own
			tc.args[6], tc.args[8] = strconv.Itoa(20000+2*i), strconv.Itoa(20001+2*i)
		}
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := make(chan int, 1)
			go func() { code <- run(tc.args, &out, &errOut) }()
			select {
			case c := <-code:
				if c != 2 || !strings.Contains(errOut.String(), tc.want) {
					t.Fatalf("exit %d (want 2, saying %q)\nstderr:\n%s", c, tc.want, errOut.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running after 10s: the bad value was taken")
			}
		})
	}
}
