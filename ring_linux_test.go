package main

// Issue 11's proof: a phone leaves the bench registered with a real registrar.
// Kamailio runs in a namespace of its own at 192.0.2.50, started here with a config,
// pid file and runtime folder of the test's own; serve stages the line, and the
// virtual phone reads it as the phone would and REGISTERs with digest authentication.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
	"phoneflash/upgrade"
)

const (
	pbxIP    = "192.0.2.50"
	linePass = "s3cret"
	phoneMAC = "00:1e:4a:12:34:56"
)

// kamailioConfig registers extension 1001 with password, held in the config itself
// (pv_www_authenticate: no database), on pbxIP:5060 over UDP.
func kamailioConfig(password string) string {
	return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
auto_aliases=no
listen=udp:` + pbxIP + `:5060
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)
request_route {
	if ($rm != "REGISTER") {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
	if (!pv_www_authenticate("$td", "` + password + `", "0")) {
		xlog("L_NOTICE", "challenge for $fU from $si\n");
		www_challenge("$td", "0");
		exit;
	}
	if ($au != "1001") {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	consume_credentials();
	if (!save("location")) {
		sl_reply_error();
		exit;
	}
	xlog("L_NOTICE", "registered $au from $si\n");
	exit;
}
`
}

// startKamailio runs Kamailio in ns with password for 1001 and waits until it listens.
func startKamailio(t *testing.T, ns *servertest.NS, password string) *servertest.Proc {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfg, []byte(kamailioConfig(password)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	// -DD: in the foreground (the test's process group, killed with it); -E: log to stderr.
	k := ns.Start("kamailio", "-f", cfg, "-P", filepath.Join(run, "kamailio.pid"), "-Y", run, "-DD", "-E", "-m", "32", "-M", "4")
	for deadline := time.Now().Add(10 * time.Second); ; {
		if strings.Contains(ns.Run("ss", "-Hunl", "sport = :5060"), pbxIP+":5060") {
			return k
		}
		select {
		case <-k.Done():
			t.Fatalf("kamailio exited: %s", k.Stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio does not listen on %s:5060: %s", pbxIP, k.Stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ringBench is the bench of these tests: phoneflash's namespace (192.0.2.1), the PBX's
// (192.0.2.50), the phone's (DHCP) and another client's (192.0.2.60), on one bridge.
type ringBench struct {
	srv, pbx, phone, other *servertest.NS
}

func newRingBench(t *testing.T) ringBench {
	b := servertest.NewBridge(t, map[string]string{"srv": "192.0.2.1/24", "pbx": pbxIP + "/24", "other": "192.0.2.60/24"},
		"srv", "pbx", "phone", "other")
	return ringBench{srv: b.Members[0], pbx: b.Members[1], phone: b.Members[2], other: b.Members[3]}
}

// ringCase is a phone and the file that carries its line.
type ringCase struct {
	model, load, firmware, lineFile string
}

var ringCases = []ringCase{
	{"7960", "P0S3-8-12-00", "testdata/firmware/7940-7960", "SIP001E4A123456.cnf"},
	{"7942", "SIP42.9-4-2SR3-1S", "testdata/firmware/cmterm-7942_7962-sip.9-4-2SR3-1.tgz", "SEP001E4A123456.cnf.xml"},
}

// serveLine starts serve in b.srv for c with the line, logging to dir.
func serveLine(t *testing.T, b ringBench, c ringCase, dir string) *served {
	return startServe(t, b.srv, "--iface", "eth0", "--pool-start", "192.0.2.100", "--pool-size", "10",
		"--firmware", c.firmware, "--model", c.model, "--from", c.load, "--to", c.load,
		"--sip-registrar", pbxIP, "--sip-user", "1001", "--sip-password", linePass,
		"--log", filepath.Join(dir, "events.jsonl"), "--report", filepath.Join(dir, "report.json"))
}

// simulateRegister runs `simulate --register` in the phone's namespace.
func simulateRegister(t *testing.T, b ringBench, c ringCase) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := b.phone.Command(ctx, phoneflashBin(t), "simulate", "--model", c.model, "--from", c.load, "--mac", phoneMAC,
		"--iface", "eth0", "--set-addr", "--register").CombinedOutput()
	return string(out), err
}

func TestMakeItRingWithKamailio(t *testing.T) {
	servertest.Require(t, "kamailio", "ss", "tftp")
	for _, c := range ringCases {
		t.Run(c.model, func(t *testing.T) {
			b := newRingBench(t)
			k := startKamailio(t, b.pbx, linePass)
			dir := t.TempDir()
			s := serveLine(t, b, c, dir)
			out, err := simulateRegister(t, b, c)
			if err != nil || !strings.Contains(out, "line 1001 registered with "+pbxIP+":5060 (200 OK)") {
				t.Fatalf("simulate --register: %v\n%s\nserve:\n%s\nkamailio:\n%s", err, out, s.proc.Stderr(), k.Stderr())
			}
			t.Logf("simulate --register:\n%s", out)
			if !strings.Contains(k.Stderr(), "registered 1001 from 192.0.2.1") { // .100 and up: the lease
				t.Fatalf("kamailio did not register 1001 from the phone's lease:\n%s", k.Stderr())
			}
			// The phone got its line file, from its lease's address.
			done := s.wait(t, servers.TFTPDone, func(e upgrade.Event) bool { return e.File == c.lineFile }, time.Second)
			ack := s.wait(t, servers.DHCPAck, nil, time.Second)
			if done.IP != ack.IP || done.MAC != phoneMAC {
				t.Fatalf("%s went to %s (%s); the phone leased %s", c.lineFile, done.IP, done.MAC, ack.IP)
			}
			// Another client asking for it is told it is not there, as for a file that never
			// was (tftp-hpa's client exits 0 either way: its message says).
			_, fetched, _ := servertest.Fetch(t, b.other, servertest.TFTPClients[0], "192.0.2.1", c.lineFile)
			if !strings.Contains(fetched, "Error code 1: file not found: \""+c.lineFile+"\" is in none of the firmware folders") {
				t.Fatalf("another client asked for %s and got:\n%s", c.lineFile, fetched)
			}
			s.wait(t, servers.TFTPMissing, func(e upgrade.Event) bool { return e.IP == "192.0.2.60" && e.File == c.lineFile }, 5*time.Second)
			s.stop(t)
			noPassword(t, map[string]string{"serve --json": s.proc.Stdout(), "serve's stderr": s.proc.Stderr(), "simulate": out},
				filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "report.json"))
			if report, _ := os.ReadFile(filepath.Join(dir, "report.json")); !strings.Contains(string(report), `"line": "line 1001 written"`) {
				t.Fatalf("the report does not say the line was written:\n%s", report)
			}
		})
	}
}

// With Kamailio expecting another password the phone is refused: simulate fails and
// names the registrar's 401.
func TestMakeItRingWrongPassword(t *testing.T) {
	servertest.Require(t, "kamailio", "ss")
	for _, c := range ringCases {
		t.Run(c.model, func(t *testing.T) {
			b := newRingBench(t)
			k := startKamailio(t, b.pbx, "another-secret")
			s := serveLine(t, b, c, t.TempDir())
			out, err := simulateRegister(t, b, c)
			if code := exitCode(err); code != exitFailure || !strings.Contains(out, "the registrar "+pbxIP+":5060 answered 401") {
				t.Fatalf("simulate --register exited %d (want 1 naming the 401):\n%s\nkamailio:\n%s", code, out, k.Stderr())
			}
			t.Logf("simulate --register:\n%s", out)
			if strings.Contains(out, linePass) {
				t.Fatalf("simulate printed the password:\n%s", out)
			}
			s.stop(t)
		})
	}
}

// noPassword fails the test when any text or file holds the line's password.
func noPassword(t *testing.T, texts map[string]string, files ...string) {
	t.Helper()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatalf("%s is empty: nothing was checked", f)
		}
		texts[f] = string(b)
	}
	for what, text := range texts {
		if strings.Contains(text, linePass) {
			t.Errorf("%s holds the password %q", what, linePass)
		}
	}
}

// exitCode is the process's exit status from an exec error (0 for nil, -1 when it did
// not exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
