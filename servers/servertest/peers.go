//go:build linux

package servertest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Lease is what a DHCP client's script was told, as KEY=VALUE pairs (udhcpc: ip,
// serverid, tftp, opt150 ...; dhclient: new_ip_address, new_tftp_server_address ...).
type Lease map[string]string

// udhcpcScript records the environment of the bound event and configures the address,
// and nothing else (the default script rewrites the host's resolv.conf).
const udhcpcScript = `#!/bin/sh
case "$1" in
bound|renew)
  env > "$LEASE_OUT.tmp" && mv "$LEASE_OUT.tmp" "$LEASE_OUT"
  ip addr flush dev "$interface"
  ip addr add "$ip/$mask" dev "$interface"
  ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
`

// UdhcpcOptions are the knobs of one busybox udhcpc run.
type UdhcpcOptions struct {
	Class     string        // option 60 (-V); "" sends none
	Broadcast bool          // ask for broadcast replies (-B)
	Tries     int           // DISCOVERs sent (-t), default 3
	Wait      time.Duration // per try (-T), default 1 s
}

// Udhcpc runs busybox udhcpc once on iface inside ns, asking for options 150 and 66.
// It returns the lease, or an error when the client got none.
func Udhcpc(t testing.TB, ns *NS, iface string, o UdhcpcOptions) (Lease, error) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "udhcpc.sh")
	if err := os.WriteFile(script, []byte(udhcpcScript), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lease.env")
	if o.Tries == 0 {
		o.Tries = 3
	}
	if o.Wait == 0 {
		o.Wait = time.Second
	}
	args := []string{"udhcpc", "-i", iface, "-f", "-q", "-n", "-t", fmt.Sprint(o.Tries), "-T", fmt.Sprint(int(o.Wait / time.Second)),
		"-O", "150", "-O", "66", "-s", script}
	if o.Class != "" {
		args = append(args, "-V", o.Class)
	}
	if o.Broadcast {
		args = append(args, "-B")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.Tries)*o.Wait+10*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, "busybox", args...)
	cmd.Env = append(os.Environ(), "LEASE_OUT="+out)
	log, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("udhcpc: %v\n%s", err, log)
	}
	return readEnv(out)
}

// Dhclient runs ISC dhclient once on iface inside ns with class as option 60, asking
// for options 66, 67 and 150, with its own script, lease and pid files.
func Dhclient(t testing.TB, ns *NS, iface, class string) (Lease, error) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "lease.env")
	script := filepath.Join(dir, "dhclient.sh")
	body := "#!/bin/sh\ncase \"$reason\" in BOUND|RENEW|REBOOT) env > " + out + ".tmp && mv " + out + ".tmp " + out +
		"; ip addr add \"$new_ip_address/24\" dev \"$interface\" ;; esac\nexit 0\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "dhclient.conf")
	cb := "request subnet-mask, routers, tftp-server-name, tftp-server-address, bootfile-name;\ntimeout 10;\n"
	if class != "" {
		cb += fmt.Sprintf("send vendor-class-identifier %q;\n", class)
	}
	if err := os.WriteFile(conf, []byte(cb), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// -1: try once, then exit; without -d dhclient forks after BOUND and its child keeps
	// running in the namespace, which dies with it.
	cmd := ns.Command(ctx, "dhclient", "-1", "-v", "-cf", conf, "-lf", filepath.Join(dir, "dhclient.leases"),
		"-pf", filepath.Join(dir, "dhclient.pid"), "-sf", script, iface)
	log, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("dhclient: %v\n%s", err, log)
	}
	return readEnv(out)
}

func readEnv(path string) (Lease, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("no lease: %w", err)
	}
	defer f.Close()
	l := Lease{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			l[k] = v
		}
	}
	return l, sc.Err()
}

// TFTPClient names a real TFTP client and how to download with it.
type TFTPClient struct {
	Name string
	Args func(server, name, out string) []string // the command line, program first
}

// TFTPClients are the real clients the servers are judged by, with and without
// option negotiation (tftp-hpa's client negotiates nothing).
var TFTPClients = []TFTPClient{
	{"tftp-hpa", func(s, n, o string) []string { return []string{"tftp", "-m", "binary", s, "-c", "get", n, o} }},
	{"atftp", func(s, n, o string) []string { return []string{"atftp", "-g", "-r", n, "-l", o, s} }},
	{"atftp-blksize1428-tsize", func(s, n, o string) []string {
		return []string{"atftp", "--option", "blksize 1428", "--option", "tsize 0", "-g", "-r", n, "-l", o, s}
	}},
	{"curl", func(s, n, o string) []string {
		return []string{"curl", "-sS", "--max-time", "60", "-o", o, "tftp://" + s + "/" + n}
	}},
	{"curl-blksize1428", func(s, n, o string) []string {
		return []string{"curl", "-sS", "--max-time", "60", "--tftp-blksize", "1428", "-o", o, "tftp://" + s + "/" + n}
	}},
	{"curl-no-options", func(s, n, o string) []string {
		return []string{"curl", "-sS", "--max-time", "60", "--tftp-no-options", "-o", o, "tftp://" + s + "/" + n}
	}},
}

// Fetch downloads name from server with client inside ns into a temp file and returns
// its path and the client's output.
func Fetch(t testing.TB, ns *NS, c TFTPClient, server, name string) (path, output string, err error) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "download")
	args := c.Args(server, name, path)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := ns.Command(ctx, args[0], args[1:]...).CombinedOutput()
	return path, string(out), err
}

// SHA256 is the hex digest of a file.
func SHA256(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Capture is a tshark capture running in a namespace.
type Capture struct {
	proc *Proc
	File string
}

// StartCapture captures iface inside ns with a capture filter into a pcap file; it
// returns once tshark is capturing.
func StartCapture(t testing.TB, ns *NS, iface, filter string) *Capture {
	t.Helper()
	c := &Capture{File: filepath.Join(t.TempDir(), "capture.pcap")}
	c.proc = ns.Start("tshark", "-q", "-i", iface, "-f", filter, "-w", c.File)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.proc.Stderr(), "Capturing on") {
		if time.Now().After(deadline) {
			t.Fatalf("tshark did not start: %s", c.proc.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// Stop ends the capture and waits for the file to be complete.
func (c *Capture) Stop(t testing.TB) {
	t.Helper()
	c.proc.Signal(2) // SIGINT: tshark flushes and exits
	if _, ok := c.proc.Wait(10 * time.Second); !ok {
		t.Fatalf("tshark did not stop: %s", c.proc.Stderr())
	}
}

// Fields runs tshark on the capture with a display filter and returns one line per
// packet of the fields asked (tab separated).
func (c *Capture) Fields(t testing.TB, display string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", c.File, "-Y", display, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
