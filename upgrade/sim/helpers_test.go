package sim

import (
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
	"github.com/pin/tftp/v3"
	"golang.org/x/net/ipv4"

	"phoneflash/firmware"
	"phoneflash/servers"
)

// testTFTP is a pin/tftp server on loopback over a Root, recording what it was asked
// for: the "any server" the virtual phone is tested against.
type testTFTP struct {
	addr *net.UDPAddr
	root servers.Root

	mu       sync.Mutex
	requests []string // names exactly as asked
	from     []string // the client address of each request
	failed   []string // transfers the server saw fail (hook)
	done     []string // transfers the server saw complete
}

// newMemRoot is a TFTP folder in memory: firmware's own Root over no firmware, every
// file in its overlay (where plans stage too).
func newMemRoot(t *testing.T, files map[string][]byte) *firmware.Root {
	t.Helper()
	lib, err := firmware.OpenFS("memory", fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	root := lib.Root()
	for n, b := range files {
		root.Set(n, b)
	}
	return root
}

// startTFTP serves a map of files; startTFTPRoot serves any Root.
func startTFTP(t *testing.T, files map[string][]byte, timeout time.Duration) *testTFTP {
	return startTFTPRoot(t, newMemRoot(t, files), timeout)
}

func startTFTPRoot(t *testing.T, root servers.Root, timeout time.Duration) *testTFTP {
	t.Helper()
	s := &testTFTP{root: root}
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		s.mu.Lock()
		s.requests = append(s.requests, name)
		ra := rf.(tftp.OutgoingTransfer).RemoteAddr()
		s.from = append(s.from, ra.IP.String())
		s.mu.Unlock()
		client, _ := netip.AddrFromSlice(ra.IP.To4())
		r, size, _, err := root.Open(name, client)
		if err != nil {
			return err
		}
		defer r.Close()
		rf.(tftp.OutgoingTransfer).SetSize(size)
		_, err = rf.ReadFrom(r)
		return err
	}, nil)
	srv.SetTimeout(timeout)
	srv.SetRetries(5)
	srv.SetBackoff(func(int) time.Duration { return 0 })
	srv.SetHook(hook{s})
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// pin turns on the request's packet info inside Serve: a request queued before that
	// gets blksize 512 and no local address (LIBS: a start-up race). Turned on here,
	// before anyone knows the port, no request can come without it.
	if err := ipv4.NewPacketConn(conn).SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(conn) }()
	t.Cleanup(func() {
		srv.Shutdown()
		if err := <-errc; err != nil {
			t.Errorf("tftp serve: %v", err)
		}
	})
	s.addr = conn.LocalAddr().(*net.UDPAddr)
	return s
}

type hook struct{ s *testTFTP }

func (h hook) OnSuccess(st tftp.TransferStats) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.s.done = append(h.s.done, st.Filename)
}

func (h hook) OnFailure(st tftp.TransferStats, err error) {
	if st.RemoteAddr == nil {
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.s.failed = append(h.s.failed, st.Filename)
}

func (s *testTFTP) remotes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.from...)
}

func (s *testTFTP) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// waitFailed waits until the server has seen the transfer of name fail (it notices a
// vanished client only after its own timeouts).
func (s *testTFTP) waitFailed(t *testing.T, name string, within time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		seen := slices.ContainsFunc(s.failed, func(f string) bool { return strings.EqualFold(f, name) })
		s.mu.Unlock()
		if seen {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// testDHCP is an insomniacslk server4 on loopback answering by unicast, as ours does on
// loopback: one address per MAC from 127.0.0.100 up, and the TFTP server in the
// options the test asks for.
type testDHCP struct {
	addr *net.UDPAddr

	mu      sync.Mutex
	classes []string // option 60 of every DISCOVER, as sent
	leases  map[string]net.IP
	msgs    []*dhcpv4.DHCPv4
}

// dhcpOpts says how the test server names the TFTP server.
type dhcpOpts struct {
	opt150, opt66, siaddr net.IP
	opt66Text             string // verbatim option 66 (overrides opt66)
	silent                bool   // never answer
	nak                   bool   // NAK every REQUEST
}

func startDHCP(t *testing.T, o dhcpOpts) *testDHCP {
	t.Helper()
	d := &testDHCP{leases: map[string]net.IP{}}
	serverIP := net.IPv4(127, 0, 0, 1)
	handler := func(conn net.PacketConn, peer net.Addr, m *dhcpv4.DHCPv4) {
		d.mu.Lock()
		d.msgs = append(d.msgs, m)
		if m.MessageType() == dhcpv4.MessageTypeDiscover {
			d.classes = append(d.classes, m.ClassIdentifier())
		}
		ip, ok := d.leases[m.ClientHWAddr.String()]
		if !ok {
			ip = net.IPv4(127, 0, 0, byte(100+len(d.leases)))
			d.leases[m.ClientHWAddr.String()] = ip
		}
		d.mu.Unlock()
		if o.silent {
			return
		}
		var mt dhcpv4.MessageType
		switch m.MessageType() {
		case dhcpv4.MessageTypeDiscover:
			mt = dhcpv4.MessageTypeOffer
		case dhcpv4.MessageTypeRequest:
			mt = dhcpv4.MessageTypeAck
			if o.nak {
				mt = dhcpv4.MessageTypeNak
			}
		default:
			return
		}
		mods := []dhcpv4.Modifier{
			dhcpv4.WithMessageType(mt),
			dhcpv4.WithYourIP(ip),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(serverIP)),
			dhcpv4.WithNetmask(net.CIDRMask(8, 32)),
			dhcpv4.WithLeaseTime(3600),
		}
		if o.siaddr != nil {
			mods = append(mods, dhcpv4.WithServerIP(o.siaddr))
		}
		if o.opt66 != nil {
			mods = append(mods, dhcpv4.WithOption(dhcpv4.OptTFTPServerName(o.opt66.String())))
		}
		if o.opt66Text != "" {
			mods = append(mods, dhcpv4.WithOption(dhcpv4.OptTFTPServerName(o.opt66Text)))
		}
		if o.opt150 != nil {
			mods = append(mods, dhcpv4.WithOption(dhcpv4.Option{Code: dhcpv4.OptionTFTPServerAddress, Value: dhcpv4.IPs{o.opt150}}))
		}
		resp, err := dhcpv4.NewReplyFromRequest(m, mods...)
		if err != nil {
			return
		}
		_, _ = conn.WriteTo(resp.ToBytes(), peer) // unicast back to the phone's port
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: serverIP})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server4.NewServer("", nil, handler, server4.WithConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	d.addr = conn.LocalAddr().(*net.UDPAddr)
	return d
}

func (d *testDHCP) sentClasses() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.classes...)
}

func (d *testDHCP) messages() []*dhcpv4.DHCPv4 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*dhcpv4.DHCPv4(nil), d.msgs...)
}

// loopbackListen is the phone's TFTP socket on loopback.
func loopbackListen() (*net.UDPConn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

// pattern makes n deterministic bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}
