package main

// The namespace tests of the real binary (servers/servertest's namespaces and peers
// are Linux-only); the helpers every system builds are in main_test.go.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
	"phoneflash/upgrade"
)

// served is `phoneflash serve --json` running in a namespace.
type served struct {
	proc *servertest.Proc
}

// startServe runs phoneflash serve --json with args in ns and waits until it serves;
// it fails the test when serve exits instead.
func startServe(t *testing.T, ns *servertest.NS, args ...string) *served {
	t.Helper()
	s := &served{proc: ns.Start(phoneflashBin(t), append([]string{"serve", "--json"}, args...)...)}
	s.waitReady(t)
	return s
}

// waitReady waits until serve says it serves; it fails the test when serve exits instead.
func (s *served) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.proc.Stderr(), "Ctrl-C stops") {
		select {
		case <-s.proc.Done():
			t.Fatalf("serve exited: %s", s.proc.Stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", s.proc.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// events parses what serve printed so far.
func (s *served) events(t *testing.T) []upgrade.Event {
	t.Helper()
	var out []upgrade.Event
	sc := bufio.NewScanner(strings.NewReader(s.proc.Stdout()))
	for sc.Scan() {
		var e upgrade.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line still being written
		}
		out = append(out, e)
	}
	return out
}

// wait returns the first event of kind k matching match, waiting up to timeout.
func (s *served) wait(t *testing.T, k servers.Kind, match func(upgrade.Event) bool, timeout time.Duration) upgrade.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range s.events(t) {
			if e.Kind == k && (match == nil || match(e)) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event within %v; serve printed:\n%s\nstderr: %s", k, timeout, s.proc.Stdout(), s.proc.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *served) count(t *testing.T, k servers.Kind) int {
	n := 0
	for _, e := range s.events(t) {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// stop sends SIGINT and expects a clean exit.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.stopWith(t, syscall.SIGINT)
}

// stopWith sends sig and expects a clean exit.
func (s *served) stopWith(t *testing.T, sig syscall.Signal) {
	t.Helper()
	s.proc.Signal(sig)
	err, ok := s.proc.Wait(15 * time.Second)
	if !ok {
		t.Fatalf("serve did not stop on %v", sig)
	}
	if err != nil {
		t.Fatalf("serve exited with %v: %s", err, s.proc.Stderr())
	}
}

func hexIP(ip string) string {
	a := netip.MustParseAddr(ip).As4()
	return fmt.Sprintf("%02x%02x%02x%02x", a[0], a[1], a[2], a[3])
}

func TestServeDHCPToRealClients(t *testing.T) {
	servertest.Require(t, "busybox", "dhclient", "tshark")
	l := servertest.NewLink(t)
	capture := servertest.StartCapture(t, l.Srv, l.SrvIf, "udp port 67 or udp port 68")
	logFile := filepath.Join(t.TempDir(), "events.log")
	s := startServe(t, l.Srv, "--iface", l.SrvIf, "--firmware", firmwareDir(t, map[string]int{"f.bin": 10}),
		"--log", logFile, "--probe-window", "500ms")
	pool := netip.MustParsePrefix("192.0.2.0/24")

	lease, err := servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{Class: phoneClass})
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr(lease["ip"])
	if !pool.Contains(ip) || ip.As4()[3] < 2 || ip.As4()[3] > 251 {
		t.Errorf("udhcpc got %s, outside the pool 192.0.2.2-251", ip)
	}
	if lease["opt150"] != hexIP("192.0.2.1") || lease["tftp"] != "192.0.2.1" || lease["serverid"] != "192.0.2.1" ||
		lease["siaddr"] != "192.0.2.1" || lease["subnet"] != "255.255.255.0" {
		t.Errorf("udhcpc lease %v: want opt150 c0000201, tftp/serverid/siaddr 192.0.2.1, mask /24", lease)
	}
	ack := s.wait(t, servers.DHCPAck, nil, 2*time.Second)
	if ack.IP != lease["ip"] || ack.Class != phoneClass || ack.MAC == "" {
		t.Errorf("ack event %+v", ack)
	}
	l.Phone.Run("ip", "addr", "flush", "dev", l.PhoneIf)

	dl, err := servertest.Dhclient(t, l.Phone, l.PhoneIf, phoneClass)
	if err != nil {
		t.Fatal(err)
	}
	if dl["new_tftp_server_address"] != "192.0.2.1" || dl["new_tftp_server_name"] != "192.0.2.1" ||
		!pool.Contains(netip.MustParseAddr(dl["new_ip_address"])) {
		t.Errorf("dhclient lease %v", dl)
	}
	if dl["new_ip_address"] != lease["ip"] {
		t.Errorf("the same phone got %s from dhclient, %s from udhcpc", dl["new_ip_address"], lease["ip"])
	}
	l.Phone.Run("ip", "addr", "flush", "dev", l.PhoneIf)

	if got, err := servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{Class: "MSFT 5.0", Tries: 2}); err == nil {
		t.Errorf("a laptop got a lease: %v", got)
	}
	s.wait(t, servers.DHCPIgnored, func(e upgrade.Event) bool { return e.Class == "MSFT 5.0" }, time.Second)
	s.stop(t)
	capture.Stop(t)

	// tshark: our OFFER and ACK decode cleanly and carry option 150.
	for _, mt := range []string{"2", "5"} {
		rows := capture.Fields(t, "dhcp.option.dhcp == "+mt+" && ip.src == 192.0.2.1", "dhcp.option.tftp_server_address", "dhcp.option.tftp_server_name")
		if len(rows) == 0 {
			t.Fatalf("no DHCP message type %s from us in the capture", mt)
		}
		for _, r := range rows {
			if r != "192.0.2.1\t192.0.2.1" {
				t.Errorf("message type %s decoded as %q, want option 150 and 66 = 192.0.2.1", mt, r)
			}
		}
	}
	if bad := capture.Fields(t, "_ws.malformed || _ws.expert.severity >= warning", "frame.number", "_ws.expert.message"); len(bad) > 0 {
		t.Errorf("tshark warns about: %v", bad)
	}
	b, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(b), `"kind":"dhcp.ack"`) {
		t.Errorf("log file lacks the ACK: %v %s", err, b)
	}
}

func TestServeAnyClientAnswersEveryone(t *testing.T) {
	servertest.Require(t, "busybox")
	l := servertest.NewLink(t)
	startServe(t, l.Srv, "--iface", l.SrvIf, "--firmware", firmwareDir(t, map[string]int{"f.bin": 10}),
		"--any-client", "--probe-window", "300ms")
	if _, err := servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{Class: "MSFT 5.0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{}); err != nil {
		t.Fatalf("no class: %v", err)
	}
}

func TestServeAnswersOnlyItsInterface(t *testing.T) {
	servertest.Require(t, "busybox")
	l := servertest.NewLink(t)
	// A second link from the server's namespace to another phone, not named by --iface.
	other := servertest.NewNS(t, "other")
	mustRun(t, "ip", "link", "add", "veth-t", "netns", l.Srv.Name, "type", "veth", "peer", "name", "veth-q", "netns", other.Name)
	l.Srv.Run("ip", "link", "set", "veth-t", "up")
	other.Run("ip", "link", "set", "veth-q", "up")
	s := startServe(t, l.Srv, "--iface", l.SrvIf, "--firmware", firmwareDir(t, map[string]int{"f.bin": 10}), "--probe-window", "300ms")
	if lease, err := servertest.Udhcpc(t, other, "veth-q", servertest.UdhcpcOptions{Class: phoneClass, Tries: 2}); err == nil {
		t.Fatalf("a phone on another interface got %s", lease["ip"])
	}
	if _, err := servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{Class: phoneClass}); err != nil {
		t.Fatalf("the phone on --iface: %v", err)
	}
	if n := s.count(t, servers.DHCPDiscover); n != 1 {
		t.Errorf("%d DISCOVERs seen, want only the one from --iface", n)
	}
	s.stopWith(t, syscall.SIGTERM)
}

func TestServePoolOfThree(t *testing.T) {
	servertest.Require(t, "busybox")
	l := servertest.NewLink(t)
	s := startServe(t, l.Srv, "--iface", l.SrvIf, "--firmware", firmwareDir(t, map[string]int{"f.bin": 10}),
		"--pool-size", "3", "--probe-window", "300ms")
	phone := func(i int) (servertest.Lease, error) {
		l.Phone.Run("ip", "addr", "flush", "dev", l.PhoneIf)
		l.Phone.Run("ip", "link", "set", l.PhoneIf, "address", fmt.Sprintf("02:00:00:00:00:%02x", i))
		return servertest.Udhcpc(t, l.Phone, l.PhoneIf, servertest.UdhcpcOptions{Class: phoneClass, Tries: 2})
	}
	got := map[int]string{}
	for i := 1; i <= 3; i++ {
		lease, err := phone(i)
		if err != nil {
			t.Fatalf("phone %d: %v", i, err)
		}
		got[i] = lease["ip"]
	}
	if lease, err := phone(4); err == nil {
		t.Fatalf("fourth phone got %s from a pool of 3", lease["ip"])
	}
	if e := s.wait(t, servers.DHCPExhausted, nil, time.Second); e.MAC != "02:00:00:00:00:04" {
		t.Errorf("exhausted event %+v", e)
	}
	for i := 1; i <= 3; i++ {
		lease, err := phone(i)
		if err != nil || lease["ip"] != got[i] {
			t.Errorf("phone %d after the pool ran out: %v %v, had %s", i, lease["ip"], err, got[i])
		}
	}
}

func TestServeTFTPToRealClients(t *testing.T) {
	servertest.Require(t, "tftp", "atftp", "curl")
	l := servertest.NewLink(t)
	l.AddPhoneIP("192.0.2.10")
	dir := firmwareDir(t, map[string]int{"P00308000900.bin": 1 << 20, "SEP001122334455.cnf.xml": 700})
	s := startServe(t, l.Srv, "--iface", l.SrvIf, "--no-dhcp", "--firmware", dir)
	for _, name := range []string{"P00308000900.bin", "SEP001122334455.cnf.xml"} {
		want := servertest.SHA256(t, filepath.Join(dir, name))
		for _, c := range servertest.TFTPClients {
			t.Run(c.Name+"/"+name, func(t *testing.T) {
				path, out, err := servertest.Fetch(t, l.Phone, c, "192.0.2.1", name)
				if err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				if got := servertest.SHA256(t, path); got != want {
					t.Fatalf("sha256 %s, want %s", got, want)
				}
			})
		}
	}
	t.Run("wrong case with a leading slash", func(t *testing.T) {
		path, out, err := servertest.Fetch(t, l.Phone, servertest.TFTPClients[0], "192.0.2.1", "/p00308000900.BIN")
		if err != nil || servertest.SHA256(t, path) != servertest.SHA256(t, filepath.Join(dir, "P00308000900.bin")) {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("traversal", func(t *testing.T) {
		_, out, _ := servertest.Fetch(t, l.Phone, servertest.TFTPClients[0], "192.0.2.1", "../../../etc/passwd")
		if !strings.Contains(out, "access violation") {
			t.Fatalf("tftp-hpa says %q, want an access violation", out)
		}
		s.wait(t, servers.TFTPDenied, func(e upgrade.Event) bool { return strings.Contains(e.File, "passwd") }, time.Second)
	})
	t.Run("write", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "up.bin")
		os.WriteFile(src, []byte("upload"), 0o644)
		out, _ := l.Phone.Command(t.Context(), "tftp", "-m", "binary", "192.0.2.1", "-c", "put", src, "up.bin").CombinedOutput()
		if !strings.Contains(string(out), "read-only") {
			t.Fatalf("tftp-hpa put says %q, want refused as read-only", out)
		}
		s.wait(t, servers.TFTPDenied, func(e upgrade.Event) bool { return e.File == "up.bin" }, time.Second)
	})
	// The 1 MiB file went in 1428-byte blocks, whole, and the event says so.
	done := s.wait(t, servers.TFTPDone, func(e upgrade.Event) bool { return e.BlockSize == 1428 && e.Size == 1<<20 }, time.Second)
	if done.Bytes != done.Size || done.Rate <= 0 {
		t.Errorf("done event %+v", done)
	}
	s.stop(t)
}

// lossBatch is a batch of concurrent curl downloads from one server.
type lossBatch struct {
	took time.Duration
	errs []error
}

func TestServeTFTPUnderLoss(t *testing.T) {
	servertest.Require(t, "curl", "in.tftpd", "nft")
	const clients, size = 20, 256 << 10
	l := servertest.NewLink(t)
	l.AddPhoneIP("192.0.2.10")
	dir := firmwareDir(t, map[string]int{"f.bin": size})
	want := servertest.SHA256(t, filepath.Join(dir, "f.bin"))
	startServe(t, l.Srv, "--iface", l.SrvIf, "--no-dhcp", "--firmware", dir)
	// tftpd-hpa on the same link (port 1069) under the same loss, its batch started at
	// the same moment as ours: the wire is idle most of the time, waiting for timeouts.
	l.Srv.Start("in.tftpd", "-L", "-a", "192.0.2.1:1069", "-s", dir, "-u", "root")
	l.Srv.WaitUDP(1069)
	l.Srv.Loss(10)
	l.Phone.Loss(10)

	batch := func(ctx context.Context, port int) <-chan lossBatch {
		res := make(chan lossBatch, 1)
		go func() {
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, clients)
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out := filepath.Join(t.TempDir(), "d")
					cmd := l.Phone.Command(ctx, "curl", "-sS", "--max-time", "60", "--tftp-blksize", "1428", "-o", out,
						fmt.Sprintf("tftp://192.0.2.1:%d/f.bin", port))
					if b, err := cmd.CombinedOutput(); err != nil {
						errs[i] = fmt.Errorf("client %d: %v: %s", i, err, b)
					} else if servertest.SHA256(t, out) != want {
						errs[i] = fmt.Errorf("client %d: corrupt download", i)
					}
				}()
			}
			wg.Wait()
			res <- lossBatch{time.Since(start), errs}
		}()
		return res
	}
	hpaCtx, stopHPA := context.WithCancel(t.Context())
	defer stopHPA()
	theirs := batch(hpaCtx, 1069)
	ours := <-batch(t.Context(), 69)
	for _, err := range ours.errs {
		if err != nil {
			t.Error(err)
		}
	}
	if ours.took > time.Minute {
		t.Errorf("the batch took %v, want within a minute", ours.took)
	}
	// The loss was real: the rule dropped packets both ways (a rule that never matched
	// would make this a test of a clean link).
	if in, out := l.Srv.Dropped(), l.Phone.Dropped(); in == 0 || out == 0 {
		t.Errorf("the loss rules dropped %d packets at the server and %d at the phone: no loss was tested", in, out)
	}
	// Which server finished first is a measurement (.ci/bench-tftp.sh), not a test: it
	// depends on the machine's load and would fail at random.
	select {
	case h := <-theirs:
		t.Logf("20 x 256 KiB, 10%% loss each way: phoneflash %v, tftpd-hpa %v", ours.took.Round(time.Millisecond), h.took.Round(time.Millisecond))
	default:
		t.Logf("20 x 256 KiB, 10%% loss each way: phoneflash %v, tftpd-hpa not done by then", ours.took.Round(time.Millisecond))
	}
}

func TestServeVanishingClient(t *testing.T) {
	servertest.Require(t, "curl")
	l := servertest.NewLink(t)
	l.AddPhoneIP("192.0.2.10")
	s := startServe(t, l.Srv, "--iface", l.SrvIf, "--no-dhcp", "--firmware", firmwareDir(t, map[string]int{"big.bin": 64 << 20}))
	curl := l.Phone.Start("curl", "-sS", "-o", "/dev/null", "tftp://192.0.2.1/big.bin")
	s.wait(t, servers.TFTPProgress, nil, 5*time.Second)
	curl.Signal(syscall.SIGKILL)
	gone := time.Now()
	e := s.wait(t, servers.TFTPError, nil, 15*time.Second)
	limit := servers.Config{}.GiveUpAfter() + time.Second
	if took := time.Since(gone); took > limit {
		t.Errorf("gave up %v after the client vanished, want within timeout x retries (%v)", took, limit)
	}
	if e.File != "big.bin" || e.Bytes == 0 || e.Msg == "" {
		t.Errorf("error event %+v", e)
	}
	s.stop(t)
}

func TestServeRefusesBesideAnotherDHCPServer(t *testing.T) {
	servertest.Require(t, "dnsmasq", "busybox")
	b := servertest.NewBridge(t, map[string]string{"srv": "192.0.2.1/24", "rogue": "192.0.2.2/24"}, "srv", "rogue", "phone")
	srv, rogue, phone := b.Members[0], b.Members[1], b.Members[2]
	dir := t.TempDir()
	rogue.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces",
		"--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h", "--dhcp-leasefile="+filepath.Join(dir, "leases"),
		"--no-ping", "--user=root", "--pid-file="+filepath.Join(dir, "pid"), "--log-facility=-")
	rogue.WaitUDP(67)
	fw := firmwareDir(t, map[string]int{"f.bin": 10})

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a server that starts never exits
	defer cancel()
	out, err := srv.Command(ctx, phoneflashBin(t), "serve", "--iface", "eth0", "--firmware", fw).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("serve beside dnsmasq: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "192.0.2.2") || !strings.Contains(string(out), "--force") {
		t.Errorf("refusal does not name the other server and --force: %s", out)
	}

	s := startServe(t, srv, "--iface", "eth0", "--firmware", fw, "--force")
	s.wait(t, servers.DHCPRogue, func(e upgrade.Event) bool { return e.Server == "192.0.2.2" && e.MAC != "" }, time.Second)
	// A phone asking for broadcast replies: dnsmasq's OFFER is seen while we serve.
	servertest.Udhcpc(t, phone, "eth0", servertest.UdhcpcOptions{Class: phoneClass, Broadcast: true, Tries: 2})
	s.wait(t, servers.DHCPRogue, func(e upgrade.Event) bool { return strings.Contains(e.Msg, "sent a") }, 3*time.Second)
	s.stop(t)
}

func TestServeRefusesBesideAnotherPhoneflash(t *testing.T) {
	servertest.Require(t)
	// The first one answers Cisco phones only: the probe must look like one.
	b := servertest.NewBridge(t, map[string]string{"one": "192.0.2.1/24", "two": "192.0.2.2/24"}, "one", "two")
	fw := firmwareDir(t, map[string]int{"f.bin": 10})
	startServe(t, b.Members[0], "--iface", "eth0", "--firmware", fw, "--probe-window", "300ms")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a second server that starts never exits
	defer cancel()
	out, err := b.Members[1].Command(ctx, phoneflashBin(t), "serve", "--iface", "eth0", "--firmware", fw,
		"--probe-window", "500ms").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "192.0.2.1") {
		t.Fatalf("second phoneflash on the link: %v: %s", err, out)
	}
}

func TestServeStartupErrorsSayWhatToDo(t *testing.T) {
	servertest.Require(t, "in.tftpd", "setpriv")
	l := servertest.NewLink(t)
	fw := firmwareDir(t, map[string]int{"f.bin": 10})
	bare := servertest.NewNS(t, "bare")
	mustRun(t, "ip", "link", "add", "veth-a", "netns", bare.Name, "type", "veth", "peer", "name", "veth-b", "netns", bare.Name)
	bare.Run("ip", "link", "set", "veth-a", "up")
	bare.Run("ip", "link", "set", "veth-b", "up")
	mustRun(t, "ip", "link", "add", "veth-c", "netns", bare.Name, "type", "veth", "peer", "name", "veth-d", "netns", bare.Name)
	bare.Run("ip", "addr", "add", "192.0.2.5/24", "dev", "veth-c") // stays down
	for _, tc := range []struct {
		name string
		ns   *servertest.NS
		pre  []string // run as: setpriv ... (privilege test)
		args []string
		want []string
		code int
	}{
		{"missing", l.Srv, nil, []string{"--iface", "nosuch0"}, []string{"no network interface", "veth-s"}, 1},
		{"no IPv4", bare, nil, []string{"--iface", "veth-a"}, []string{"no IPv4 address", "ip addr add"}, 1},
		{"down", bare, nil, []string{"--iface", "veth-c"}, []string{"down", "ip link set veth-c up"}, 1},
		{"no privilege", l.Srv, []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"},
			[]string{"--iface", l.SrvIf, "--no-dhcp"}, []string{"no permission", "setcap cap_net_bind_service"}, 1},
		{"no interface flag", l.Srv, nil, nil, []string{"--iface"}, 2},
		{"bad address", l.Srv, nil, []string{"--iface", l.SrvIf, "--server-ip", "300.1.1.1"}, []string{"--server-ip"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(tc.pre, phoneflashBin(t), "serve", "--firmware", fw), tc.args...)
			out, err := tc.ns.Command(t.Context(), args[0], args[1:]...).CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit %v, want %d: %s", err, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("%q does not say %q", out, w)
				}
			}
		})
	}
	t.Run("port in use", func(t *testing.T) {
		l.Srv.Start("in.tftpd", "-L", "-a", "192.0.2.1:69", "-s", fw, "-u", "root")
		l.Srv.WaitUDP(69)
		out, err := l.Srv.Command(t.Context(), phoneflashBin(t), "serve", "--firmware", fw, "--iface", l.SrvIf, "--no-dhcp").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "in use") || !strings.Contains(string(out), "in.tftpd (pid") {
			t.Fatalf("%v: %s", err, out)
		}
	})
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
