//go:build linux

// serve and simulate as two processes under servertest (Linux-only helpers).

package main

// Issue 4's proof: `phoneflash serve` with a plan and `phoneflash simulate` as two
// processes walk a 7960, a 7941 and a 7970 through every step, first on loopback with
// unprivileged ports, then in network namespaces on the real ports.

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
	"phoneflash/upgrade"
)

type e2eChain struct {
	name     string
	model    string
	from, to string   // the plan; from "" = unknown
	simArgs  []string // how the virtual phone starts
	firmware []string
	steps    []string // the loads of step.done, in order
	hint     string   // a phone.hint must say this
	fails    bool     // the phone cannot get there (simulate exits 1)
}

var e2eChains = []e2eChain{
	// Issue 8: serve without --from; the phone shows what it runs.
	{name: "7960-learns-the-chain", model: "7960", to: "P0S3-8-12-00", simArgs: []string{"--from", "P00303010102"},
		firmware: []string{"testdata/firmware/7940-7960"}, steps: []string{"P00305000200", "P00308000900", "P0S3-8-12-00"},
		hint: "older than the target allows"},
	{name: "7960-already-there", model: "7960", to: "P0S3-8-12-00", simArgs: []string{"--from", "P0S3-8-12-00"},
		firmware: []string{"testdata/firmware/7940-7960"}, hint: "already runs P0S3-8-12-00"},
	{name: "7960-revert", model: "7960", from: "P00308000900", to: "P0S3-8-12-00", simArgs: []string{"--from", "P00308000900", "--revert"},
		firmware: []string{"testdata/firmware/7940-7960"}, steps: []string{"P0S3-8-12-00", "P0S3-8-12-00"},
		hint: "did not keep the load"},
	{name: "7941", model: "7941", from: "SCCP41.8-2-2SR2S", to: "SIP41.9-4-2SR3-1S", simArgs: []string{"--from", "SCCP41.8-2-2SR2S"},
		firmware: []string{"testdata/firmware/cmterm-7941_7961-sccp.8-2-2SR2.zip", "testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar",
			"testdata/firmware/cmterm-7941_7961-sip.9-4-2SR3-1.cop"}, steps: []string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}},
	{name: "7970-factory-reset", model: "7970", to: "SIP70.9-4-2SR1-1S", simArgs: []string{"--factory-reset", "--from", "SCCP70.8-2-1S"},
		firmware: []string{"testdata/firmware/cmterm-7970_7971-sccp.8-5-2.zip", "testdata/firmware/cmterm-7970_7971-sip.9-4-2SR1-1"},
		steps:    []string{"SCCP70.8-5-2S", "SIP70.9-4-2SR1-1S"}, hint: "It takes SCCP70.8-5-2S first"},
	// Without the 8.3(3)-8.5(2) bridge serve still starts: a phone on the target is
	// told so; one that proves older is told exactly which load it needs.
	{name: "7942-already-there", model: "7942", to: "SIP42.9-4-2SR3-1S", simArgs: []string{"--from", "SIP42.9-4-2SR3-1S"},
		firmware: []string{"testdata/firmware/cmterm-7942_7962-sip.9-4-2SR3-1.tgz"}, hint: "already runs SIP42.9-4-2SR3-1S"},
	{name: "7942-older", model: "7942", to: "SIP42.9-4-2SR3-1S", simArgs: []string{"--from", "SCCP42.8-2-1S", "--loops", "4"},
		firmware: []string{"testdata/firmware/cmterm-7942_7962-sip.9-4-2SR3-1.tgz"},
		hint:     "a 7942 load between 8.3(3) and 8.5(2), e.g. SCCP42.8-5-2S", fails: true},
}

func (c e2eChain) serveArgs() []string {
	a := []string{"--model", c.model, "--to", c.to}
	if c.from != "" {
		a = append(a, "--from", c.from)
	}
	for _, f := range c.firmware {
		a = append(a, "--firmware", f)
	}
	return a
}

// checkChain waits for upgrade.done (or, for a phone that cannot get there, the hint)
// and checks every step.done in order.
func checkChain(t *testing.T, s *served, c e2eChain) {
	t.Helper()
	if c.hint != "" {
		s.wait(t, upgrade.PhoneHint, func(e upgrade.Event) bool { return strings.Contains(e.Msg, c.hint) }, 20*time.Second)
	}
	if c.fails {
		return
	}
	s.wait(t, upgrade.UpgradeDone, func(e upgrade.Event) bool { return e.Load == c.to }, 20*time.Second)
	var got []string
	for _, e := range s.events(t) {
		if e.Kind == upgrade.StepDone {
			got = append(got, e.Load)
		}
	}
	if strings.Join(got, " ") != strings.Join(c.steps, " ") {
		t.Fatalf("step.done %v, want %v\nserve printed:\n%s", got, c.steps, s.proc.Stdout())
	}
}

// simulated checks how simulate ended.
func simulated(t *testing.T, c e2eChain, out []byte, err error, s *served) {
	t.Helper()
	if c.fails {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("simulate: %v, want exit 1\n%s", err, out)
		}
		return
	}
	if err != nil {
		t.Fatalf("simulate: %v\n%s\nserve printed:\n%s", err, out, s.proc.Stdout())
	}
}

// freePort finds an unprivileged UDP port on loopback that is free right now.
func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestServeAndSimulateOnLoopback(t *testing.T) {
	bin := phoneflashBin(t)
	for _, c := range e2eChains {
		t.Run(c.name, func(t *testing.T) {
			dp, tp := freePort(t), freePort(t)
			for tp == dp {
				tp = freePort(t)
			}
			args := append([]string{"serve", "--json", "--iface", "lo", "--server-ip", "127.0.0.1",
				"--pool-start", "127.0.0.100", "--pool-size", "10",
				"--dhcp-port", strconv.Itoa(dp), "--tftp-port", strconv.Itoa(tp)}, c.serveArgs()...)
			s := &served{proc: servertest.StartProc(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, bin, args...) })}
			s.waitReady(t)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a hung phone fails the test, not the run
			defer cancel()
			sim := exec.CommandContext(ctx, bin, append([]string{"simulate", "--model", c.model, "--server", "127.0.0.1",
				"--dhcp-port", strconv.Itoa(dp), "--tftp-port", strconv.Itoa(tp), "--expect", c.to}, c.simArgs...)...)
			out, err := sim.CombinedOutput()
			simulated(t, c, out, err, s)
			checkChain(t, s, c)
			s.stop(t)
		})
	}
}

func TestServeAndSimulateInNamespaces(t *testing.T) {
	servertest.Require(t, "ip")
	bin := phoneflashBin(t)
	for _, c := range e2eChains {
		t.Run(c.name, func(t *testing.T) {
			l := servertest.NewLink(t)
			s := startServe(t, l.Srv, append([]string{"--iface", l.SrvIf}, c.serveArgs()...)...)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			out, err := l.Phone.Command(ctx, bin, append([]string{"simulate", "--model", c.model, "--iface", l.PhoneIf,
				"--set-addr", "--expect", c.to}, c.simArgs...)...).CombinedOutput()
			simulated(t, c, out, err, s)
			checkChain(t, s, c)
			// On the real ports the phone got its address and option 150 from our DHCP.
			ack := s.wait(t, servers.DHCPAck, nil, time.Second)
			if !strings.HasPrefix(ack.IP, "192.0.2.") {
				t.Fatalf("lease %q outside the link's 192.0.2.0/24", ack.IP)
			}
			s.stop(t)
		})
	}
}
