//go:build linux

package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Require skips the test unless it can create network namespaces (root, `ip`) and
// every tool named is installed (name "nft" for NS.Loss); with
// PHONEFLASH_REQUIRE_NETNS=1 it fails instead.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range append([]string{"ip"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "namespace test needs " + strings.Join(missing, ", ")
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1)", msg, RequireEnv)
	}
	t.Skip(msg)
}

// NS is a network namespace the test created; it is deleted, with every process
// still running in it, when the test ends.
type NS struct {
	Name string
	t    testing.TB
}

func suffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewNS creates a namespace named prefix-<random> with lo up and IPv6 off.
func NewNS(t testing.TB, prefix string) *NS {
	t.Helper()
	n := &NS{Name: "pf-" + prefix + "-" + suffix(), t: t}
	run(t, "ip", "netns", "add", n.Name)
	t.Cleanup(n.delete)
	n.Run("ip", "link", "set", "lo", "up")
	n.Run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	return n
}

func (n *NS) delete() {
	if out, err := exec.Command("ip", "netns", "pids", n.Name).Output(); err == nil {
		for _, pid := range strings.Fields(string(out)) {
			exec.Command("kill", "-9", pid).Run()
		}
	}
	// The kernel may still be reaping a killed process: retry a few times.
	for i := 0; i < 20; i++ {
		if exec.Command("ip", "netns", "del", n.Name).Run() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.t.Errorf("could not delete namespace %s", n.Name)
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Command is name args run inside the namespace.
func (n *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd
}

// Run runs a command inside the namespace and returns its combined output; the test
// fails when it does.
func (n *NS) Run(name string, args ...string) string {
	n.t.Helper()
	return run(n.t, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Proc is a background process in a namespace; its output is kept.
type Proc struct {
	Cmd    *exec.Cmd
	out    lockedBuffer
	errOut lockedBuffer
	done   chan struct{}
	err    error
}

// Start runs a command in the namespace in the background; it is killed when the test ends.
func (n *NS) Start(name string, args ...string) *Proc {
	n.t.Helper()
	return StartProc(n.t, func(ctx context.Context) *exec.Cmd { return n.Command(ctx, name, args...) })
}

// StartProc runs the command made by cmd in the background, in this namespace (on
// loopback: the unprivileged tests); it is killed when the test ends.
func StartProc(t testing.TB, cmd func(ctx context.Context) *exec.Cmd) *Proc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proc{Cmd: cmd(ctx), done: make(chan struct{})}
	p.Cmd.Stdout, p.Cmd.Stderr = &p.out, &p.errOut
	if err := p.Cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", p.Cmd.Path, err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cancel(); <-p.done })
	return p
}

// Stdout is what the process printed so far.
func (p *Proc) Stdout() string { return p.out.String() }

// Stderr is what the process printed on stderr so far.
func (p *Proc) Stderr() string { return p.errOut.String() }

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error { return syscall.Kill(p.Cmd.Process.Pid, sig) }

// Wait waits up to timeout for the process to end and returns its error; ok is
// false on timeout.
func (p *Proc) Wait(timeout time.Duration) (err error, ok bool) {
	select {
	case <-p.done:
		return p.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// Done is closed when the process has ended.
func (p *Proc) Done() <-chan struct{} { return p.done }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Link is the bench: a server namespace and a phone namespace joined by a veth pair.
// The server side has ServerIP/24; the phone side has no address until AddPhoneIP.
type Link struct {
	Srv, Phone       *NS
	SrvIf, PhoneIf   string
	ServerIP, Prefix string
}

// NewLink creates the two namespaces and the veth pair between them.
func NewLink(t testing.TB) *Link {
	t.Helper()
	l := &Link{Srv: NewNS(t, "srv"), Phone: NewNS(t, "phone"), SrvIf: "veth-s", PhoneIf: "veth-p",
		ServerIP: "192.0.2.1", Prefix: "/24"}
	run(t, "ip", "link", "add", l.SrvIf, "netns", l.Srv.Name, "type", "veth", "peer", "name", l.PhoneIf, "netns", l.Phone.Name)
	l.Srv.Run("ip", "addr", "add", l.ServerIP+l.Prefix, "dev", l.SrvIf)
	l.Srv.Run("ip", "link", "set", l.SrvIf, "up")
	l.Phone.Run("ip", "link", "set", l.PhoneIf, "up")
	return l
}

// AddPhoneIP gives the phone side a static address (TFTP tests without DHCP).
func (l *Link) AddPhoneIP(ip string) {
	l.Phone.Run("ip", "addr", "add", ip+l.Prefix, "dev", l.PhoneIf)
}

// Bridge joins namespaces on one link through a bridge in a hub namespace; each
// member sees the link as "eth0".
type Bridge struct {
	Hub     *NS
	Members []*NS
}

// NewBridge creates a hub with a bridge and one namespace per name, each with eth0
// on the bridge and the address given (CIDR, "" for none), up.
func NewBridge(t testing.TB, addrs map[string]string, names ...string) *Bridge {
	t.Helper()
	b := &Bridge{Hub: NewNS(t, "hub")}
	b.Hub.Run("ip", "link", "add", "br0", "type", "bridge")
	b.Hub.Run("ip", "link", "set", "br0", "up")
	for i, name := range names {
		m := NewNS(t, name)
		port := fmt.Sprintf("p%d", i)
		run(t, "ip", "link", "add", port, "netns", b.Hub.Name, "type", "veth", "peer", "name", "eth0", "netns", m.Name)
		b.Hub.Run("ip", "link", "set", port, "master", "br0")
		b.Hub.Run("ip", "link", "set", port, "up")
		if a := addrs[name]; a != "" {
			m.Run("ip", "addr", "add", a, "dev", "eth0")
		}
		m.Run("ip", "link", "set", "eth0", "up")
		b.Members = append(b.Members, m)
	}
	return b
}

// Loss drops pct percent of the UDP packets arriving in the namespace at random
// (nftables numgen in the input hook: the kernel has no netem, and drops in the output
// hook fail the sender's sendto instead of losing the packet).
func (n *NS) Loss(pct int) {
	n.t.Helper()
	// One statement a line: nft 1.0.6 rejects the one-line form with a closing brace.
	rules := fmt.Sprintf("table inet lossy {\n chain in {\n  type filter hook input priority 0; policy accept;\n"+
		"  meta l4proto udp numgen random mod 100 < %d counter drop\n }\n}\n", pct)
	cmd := exec.Command("ip", "netns", "exec", n.Name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("nft in %s: %v\n%s", n.Name, err, out)
	}
}

// Dropped is how many packets Loss has dropped so far in the namespace: a loss test
// checks it, or it may pass on a rule that never matched.
func (n *NS) Dropped() int {
	n.t.Helper()
	out := n.Run("nft", "list", "chain", "inet", "lossy", "in")
	m := regexp.MustCompile(`counter packets (\d+)`).FindStringSubmatch(out)
	if m == nil {
		n.t.Fatalf("no loss counter in %s:\n%s", n.Name, out)
	}
	d, _ := strconv.Atoi(m[1])
	return d
}
