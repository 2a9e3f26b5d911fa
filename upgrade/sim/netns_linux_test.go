package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"phoneflash/servers/servertest"
)

// helperEnv carries a Config to the test binary re-run inside the phone namespace.
const helperEnv = "PHONEFLASH_SIM_HELPER"

// TestHelperPhone is not a test: it is the virtual phone of TestAgainstDnsmasqAndTftpdHpa,
// run in the phone's namespace (a process cannot move its threads there itself).
// It prints its actions as JSON lines and exits with the verdict's code.
func TestHelperPhone(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("only run as the helper process of TestAgainstDnsmasqAndTftpdHpa")
	}
	var cfg Config
	if err := json.Unmarshal([]byte(spec), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Report = Printer(os.Stdout, true)
	p, err := New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := p.Run(context.Background())
	code, msg := Verdict(res, err, "")
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

// TestAgainstDnsmasqAndTftpdHpa boots the virtual phone on a real interface in a
// namespace, with real broadcast DHCP, against dnsmasq (option 150) and tftpd-hpa
// serving a plain folder: "any server", as a technician's setup would be. The phone's
// MAC is not the interface's, so it asks for broadcast replies, and it puts the
// leased address on the interface (--set-addr) to read its files.
func TestAgainstDnsmasqAndTftpdHpa(t *testing.T) {
	servertest.Require(t, "dnsmasq", "in.tftpd")
	dir := t.TempDir()
	root := filepath.Join(dir, "tftp")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "../../testdata/firmware/7940-7960"
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "XMLDefault.cnf.xml"), xmlDefault(t, "7960", "P00308000900"), 0o644); err != nil {
		t.Fatal(err)
	}

	l := servertest.NewLink(t)
	l.Srv.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface="+l.SrvIf, "--bind-interfaces",
		"--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h", "--dhcp-leasefile="+filepath.Join(dir, "leases"),
		"--dhcp-option=150,"+l.ServerIP, "--no-ping", "--user=root", "--pid-file="+filepath.Join(dir, "dnsmasq.pid"), "--log-facility=-")
	tftpd := l.Srv.Start("in.tftpd", "-L", "-a", l.ServerIP+":69", "-s", root, "-u", "root")
	l.Srv.WaitUDP(67, 69) // both bind before the phone powers on

	timing := fast
	timing.DHCPTimeout, timing.DHCPTries = 500*time.Millisecond, 4
	timing.TFTPTimeout = 500 * time.Millisecond
	spec, err := json.Marshal(Config{Model: "7960", From: "P00305000200", Iface: l.PhoneIf, SetAddr: true, Timing: &timing,
		MAC: testMAC})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	phone := l.Phone.Command(ctx, os.Args[0], "-test.run=^TestHelperPhone$")
	phone.Env = append(os.Environ(), helperEnv+"="+string(spec))
	var stderr strings.Builder
	phone.Stderr = &stderr
	out, err := phone.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := phone.Start(); err != nil {
		t.Fatal(err)
	}
	actions := readActions(t, out)
	err = phone.Wait()
	for _, a := range actions {
		t.Log(a)
	}
	if err != nil {
		t.Fatalf("phone: %v\n%s\ntftpd: %s", err, stderr.String(), tftpd.Stderr())
	}
	var gets []string
	var leased string
	for _, a := range actions {
		switch a.Kind {
		case Get:
			gets = append(gets, a.File)
		case Lease:
			leased = a.IP
		}
	}
	want := []string{
		"CTLSEP001E4A123456.tlv", sep, "XMLDefault.cnf.xml", "P00308000900.loads", "P00308000900.sbn",
		"CTLSEP001E4A123456.tlv", sep, "XMLDefault.cnf.xml", "P00308000900.sb2",
		// on its load: an SCCP 7960 reads the .loads of the load it runs, and nothing more
		"CTLSEP001E4A123456.tlv", sep, "XMLDefault.cnf.xml", "P00308000900.loads",
	}
	if !slices.Equal(gets, want) {
		t.Errorf("requests:\n got %q\nwant %q", gets, want)
	}
	if last := actions[len(actions)-1]; last.Kind != Running || last.Load != "P00308000900" {
		t.Errorf("last action %+v", last)
	}
	if !strings.HasPrefix(leased, "192.0.2.") {
		t.Errorf("leased %q", leased)
	}
	// --set-addr is undone when Run ends.
	if got := l.Phone.Run("ip", "-4", "-o", "addr", "show", "dev", l.PhoneIf); strings.Contains(got, leased+"/") {
		t.Errorf("the leased address is still on %s: %s", l.PhoneIf, got)
	}
	_ = tftpd.Signal(syscall.SIGTERM)
}

func readActions(t *testing.T, r io.Reader) []Action {
	t.Helper()
	var actions []Action
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var a Action
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Errorf("not an action: %q", sc.Text())
			continue
		}
		actions = append(actions, a)
	}
	return actions
}
