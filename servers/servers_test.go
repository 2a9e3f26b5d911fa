package servers_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

func TestStopReleasesPortsAndGoroutines(t *testing.T) {
	settle := func() int { time.Sleep(50 * time.Millisecond); return runtime.NumGoroutine() }
	before := settle()
	bus := servers.NewBus[servers.Event]() // no subscriber: nothing of the test's own keeps running
	r, err := servers.Start(context.Background(), servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort,
		ClassPrefix: "Cisco"}, emptyRoot{}, bus)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fetch(t, r, "f.bin", 0); err == nil {
		t.Fatal("fetched from an empty root")
	}
	offerOnce(t, r)
	tftpAddr, dhcpAddr := r.TFTPAddr(), r.DHCPAddr()
	r.Stop()
	r.Stop() // idempotent
	bus.Close()
	select {
	case <-r.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err after a normal stop: %v", err)
	}
	for _, a := range []netip.AddrPort{tftpAddr, dhcpAddr} {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(a))
		if err != nil {
			t.Fatalf("port %v still held after Stop: %v", a, err)
		}
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Stop, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestContextEndStopsServers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	bus := servers.NewBus[servers.Event]()
	defer bus.Close()
	r, err := servers.Start(ctx, servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}, emptyRoot{}, bus)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-r.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("servers still running after their context ended")
	}
	r.Stop()
}

type emptyRoot struct{}

func (emptyRoot) Open(string, netip.Addr) (io.ReadSeekCloser, int64, string, error) {
	return nil, 0, "", fs.ErrNotExist
}

func TestStartProblems(t *testing.T) {
	held, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldPort := held.LocalAddr().(*net.UDPAddr).Port
	for _, tc := range []struct {
		name string
		cfg  servers.Config
		kind servers.ProblemKind
		want []string // in the message or fix
	}{
		{"no interface", servers.Config{Iface: "nosuch0"}, servers.NoInterface, []string{"nosuch0", "lo"}},
		{"none given", servers.Config{}, servers.NoInterface, []string{"interface"}},
		{"not loopback on lo", servers.Config{Iface: "lo", ServerIP: netip.MustParseAddr("192.0.2.1")}, servers.BadAddress, []string{"192.0.2.1"}},
		{"TFTP port in use", servers.Config{Iface: "lo", TFTPPort: heldPort, DHCPPort: servers.AnyPort}, servers.PortInUse,
			[]string{"already in use", "(pid " + itoa(os.Getpid()) + ")", "ss -ulpn"}},
		{"DHCP port in use", servers.Config{Iface: "lo", DHCPPort: heldPort, TFTPPort: servers.AnyPort}, servers.PortInUse, []string{"DHCP"}},
		{"pool outside subnet", servers.Config{Iface: "lo", PoolStart: netip.MustParseAddr("127.0.1.5"), DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort},
			servers.BadAddress, []string{"pool start"}},
		{"pool too large", servers.Config{Iface: "lo", PoolStart: netip.MustParseAddr("127.0.0.100"), PoolSize: 200, DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort},
			servers.BadAddress, []string{"127.0.0.0/24"}},
		{"block size", servers.Config{Iface: "lo", BlockSize: 512, DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}, servers.BadSetting, []string{"block size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bus := servers.NewBus[servers.Event]()
			defer bus.Close()
			r, err := servers.Start(context.Background(), tc.cfg, emptyRoot{}, bus)
			if err == nil {
				r.Stop()
				t.Fatal("started")
			}
			var p *servers.Problem
			if !errors.As(err, &p) || p.Kind != tc.kind {
				t.Fatalf("error %v (%T), want a %s problem", err, err, tc.kind)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if probs := servers.CheckInterface(tc.cfg); len(probs) == 0 || probs[len(probs)-1].Kind != tc.kind {
				t.Errorf("CheckInterface: %v", probs)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCheckInterfaceLoopbackIsFine(t *testing.T) {
	if probs := servers.CheckInterface(servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}); len(probs) != 0 {
		t.Fatalf("problems on loopback: %v", probs)
	}
}

func TestInterfacesListsLoopback(t *testing.T) {
	ifs, err := servers.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Name == "lo" {
			if !i.Loopback || !i.Up || len(i.Addrs) == 0 || i.Addrs[0].String() != "127.0.0.1/8" || i.MTU == 0 {
				t.Errorf("lo described as %+v", i)
			}
			return
		}
	}
	t.Fatalf("no lo in %+v", ifs)
}

// The default pool ends at .251, or before the broadcast address of a smaller subnet.
func TestDefaultPoolFitsTheSubnet(t *testing.T) {
	for _, tc := range []struct {
		mask string
		size int
	}{{"255.255.255.0", 250}, {"255.255.255.240", 13}} {
		bus := servers.NewBus[servers.Event]()
		r, err := servers.Start(context.Background(), servers.Config{Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"),
			Mask: net.IPMask(net.ParseIP(tc.mask).To4()), DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}, emptyRoot{}, bus)
		if err != nil {
			t.Fatalf("mask %s: %v", tc.mask, err)
		}
		c := r.Config()
		r.Stop()
		bus.Close()
		if c.PoolStart != netip.MustParseAddr("127.0.0.2") || c.PoolSize != tc.size {
			t.Errorf("mask %s: pool %s + %d, want 127.0.0.2 + %d", tc.mask, c.PoolStart, c.PoolSize, tc.size)
		}
	}
}
