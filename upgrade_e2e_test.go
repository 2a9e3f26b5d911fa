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
)

type e2eChain struct {
	name     string
	model    string
	from, to string   // the plan; from "" = unknown
	simArgs  []string // how the virtual phone starts
	firmware []string
	steps    []string // the loads of step.done, in order
}

var e2eChains = []e2eChain{
	{"7960", "7960", "P00303010102", "P0S3-8-12-00", []string{"--from", "P00303010102"},
		[]string{"testdata/firmware/7940-7960"}, []string{"P00305000500", "P00308000900", "P0S3-8-12-00"}},
	{"7941", "7941", "SCCP41.8-2-2SR2S", "SIP41.9-4-2SR3-1S", []string{"--from", "SCCP41.8-2-2SR2S"},
		[]string{"testdata/firmware/cmterm-7941_7961-sccp.8-2-2SR2.zip", "testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar",
			"testdata/firmware/cmterm-7941_7961-sip.9-4-2SR3-1.cop"}, []string{"SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S"}},
	{"7970-factory-reset", "7970", "", "SIP70.9-4-2SR1-1S", []string{"--factory-reset"},
		[]string{"testdata/firmware/cmterm-7970_7971-sccp.8-5-2.zip", "testdata/firmware/cmterm-7970_7971-sip.9-4-2SR1-1"},
		[]string{"SCCP70.8-5-2S", "SIP70.9-4-2SR1-1S"}},
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

// checkChain waits for every step.done in order and upgrade.done.
func checkChain(t *testing.T, s *served, c e2eChain) {
	t.Helper()
	s.wait(t, servers.UpgradeDone, func(e servers.Event) bool { return e.Load == c.to }, 20*time.Second)
	var got []string
	for _, e := range s.events(t) {
		if e.Kind == servers.StepDone {
			got = append(got, e.Load)
		}
	}
	if strings.Join(got, " ") != strings.Join(c.steps, " ") {
		t.Fatalf("step.done %v, want %v\nserve printed:\n%s", got, c.steps, s.proc.Stdout())
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
			if err != nil {
				t.Fatalf("simulate: %v\n%s\nserve printed:\n%s", err, out, s.proc.Stdout())
			}
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
			if err != nil {
				t.Fatalf("simulate: %v\n%s\nserve printed:\n%s", err, out, s.proc.Stdout())
			}
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
