//go:build linux

// nclient4 builds on Linux only (it opens a raw socket: conn_unix.go uses unix.ETH_P_IP,
// client.go NewRawUDPConn), so these loopback DHCP tests are Linux-only; the DHCP
// handler is the same code on every system.

package servers_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"

	"phoneflash/servers"
)

// offerOnce gets a lease from r, to show the DHCP server works (a full exchange here;
// offer_other_test.go does a DISCOVER where nclient4 does not build).
func offerOnce(t *testing.T, r *servers.Running) {
	t.Helper()
	c := dhcpClient(t, r, "00:00:00:00:00:01")
	lease(t, c)
	c.Close()
}

// dhcpClient is an nclient4 client on a loopback socket talking to r.
func dhcpClient(t *testing.T, r *servers.Running, mac string) *nclient4.Client {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	c, err := nclient4.NewWithConn(conn, hw, nclient4.WithServerAddr(net.UDPAddrFromAddrPort(r.DHCPAddr())),
		nclient4.WithTimeout(300*time.Millisecond), nclient4.WithRetry(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func phoneMods(extra ...dhcpv4.Modifier) []dhcpv4.Modifier {
	return append([]dhcpv4.Modifier{
		dhcpv4.WithOption(dhcpv4.OptClassIdentifier(phoneClass + "\x00")),
		dhcpv4.WithOption(dhcpv4.OptHostName("SEP001122334455")),
		dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 0, 0x11, 0x22, 0x33, 0x44, 0x55})),
		dhcpv4.WithRequestedOptions(dhcpv4.OptionTFTPServerName, dhcpv4.OptionTFTPServerAddress),
	}, extra...)
}

func lease(t *testing.T, c *nclient4.Client, mods ...dhcpv4.Modifier) *nclient4.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	l, err := c.Request(ctx, phoneMods(mods...)...)
	if err != nil {
		t.Fatalf("DHCP exchange: %v", err)
	}
	return l
}

func TestDHCPGivesPhoneAnAddressAndTFTPServer(t *testing.T) {
	r, rec := startLoopback(t, nil, nil)
	l := lease(t, dhcpClient(t, r, "00:11:22:33:44:55"))
	ack := l.ACK
	srv := net.IPv4(127, 0, 0, 1)
	if ack.MessageType() != dhcpv4.MessageTypeAck {
		t.Fatalf("got %s", ack.MessageType())
	}
	if got := ack.YourIPAddr.String(); got != "127.0.0.2" {
		t.Errorf("yiaddr %s, want the first of the pool 127.0.0.2", got)
	}
	if !ack.ServerIPAddr.Equal(srv) || !ack.ServerIdentifier().Equal(srv) {
		t.Errorf("siaddr %s, option 54 %s, want %s", ack.ServerIPAddr, ack.ServerIdentifier(), srv)
	}
	if ips := dhcpv4.GetIPs(dhcpv4.OptionTFTPServerAddress, ack.Options); len(ips) != 1 || !ips[0].Equal(srv) {
		t.Errorf("option 150 = %v, want [%s]", ips, srv)
	}
	if raw := ack.Options.Get(dhcpv4.OptionTFTPServerAddress); string(raw) != "\x7f\x00\x00\x01" {
		t.Errorf("option 150 bytes %x, want 7f000001", raw)
	}
	if got := ack.TFTPServerName(); got != "127.0.0.1" {
		t.Errorf("option 66 = %q", got)
	}
	if got := ack.IPAddressLeaseTime(0); got != time.Hour {
		t.Errorf("lease %v, want the default hour", got)
	}
	if m := ack.SubnetMask(); m.String() != "ffffff00" {
		t.Errorf("mask %v", m)
	}
	if ack.Options.Has(dhcpv4.OptionRouter) {
		t.Errorf("router sent although none configured")
	}
	e := rec.Wait(t, servers.DHCPAck, nil, time.Second)
	want := servers.Event{Kind: servers.DHCPAck, MAC: "00:11:22:33:44:55", IP: "127.0.0.2", Class: phoneClass,
		Hostname: "SEP001122334455", ClientID: "01001122334455"}
	e.Time = time.Time{}
	if e != want {
		t.Errorf("ack event %+v, want %+v", e, want)
	}
	for _, k := range []servers.Kind{servers.DHCPDiscover, servers.DHCPOffer} {
		if len(rec.Of(k)) != 1 {
			t.Errorf("%d %s events, want 1", len(rec.Of(k)), k)
		}
	}
}

func TestDHCPOptions(t *testing.T) {
	r, _ := startLoopback(t, nil, func(c *servers.Config) {
		c.Router = netip.MustParseAddr("127.0.0.254")
		c.Lease = 10 * time.Minute
		c.PoolStart = netip.MustParseAddr("127.0.0.100")
		c.PoolSize = 5
	})
	ack := lease(t, dhcpClient(t, r, "00:11:22:33:44:56")).ACK
	if got := ack.YourIPAddr.String(); got != "127.0.0.100" {
		t.Errorf("yiaddr %s", got)
	}
	if rt := ack.Router(); len(rt) != 1 || rt[0].String() != "127.0.0.254" {
		t.Errorf("router %v", rt)
	}
	if got := ack.IPAddressLeaseTime(0); got != 10*time.Minute {
		t.Errorf("lease %v", got)
	}
}

func TestDHCPIgnoresOtherClassesUnlessAnyClient(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, class string
		answered            bool
	}{
		{"phone", "Cisco", phoneClass, true},
		{"phone with NULs", "Cisco", phoneClass + "\x00\x00", true},
		{"laptop", "Cisco", "MSFT 5.0", false},
		{"no class", "Cisco", "", false},
		{"any client", "", "MSFT 5.0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rec := startLoopback(t, nil, func(c *servers.Config) { c.ClassPrefix = tc.prefix })
			c := dhcpClient(t, r, "52:54:00:00:00:01")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var mods []dhcpv4.Modifier
			if tc.class != "" {
				mods = append(mods, dhcpv4.WithOption(dhcpv4.OptClassIdentifier(tc.class)))
			}
			_, err := c.DiscoverOffer(ctx, mods...)
			if tc.answered != (err == nil) {
				t.Fatalf("answered=%v, err=%v", tc.answered, err)
			}
			if !tc.answered {
				if !errors.Is(err, nclient4.ErrNoResponse) {
					t.Fatalf("err %v, want no response", err)
				}
				e := rec.Wait(t, servers.DHCPIgnored, nil, time.Second)
				if e.MAC != "52:54:00:00:00:01" || e.Class != tc.class || e.Msg == "" {
					t.Errorf("ignored event %+v", e)
				}
				if n := len(rec.Of(servers.DHCPIgnored)); n != 1 {
					t.Errorf("%d ignored events for one client's retries, want 1", n)
				}
			}
		})
	}
}

func TestDHCPKeepsAddressPerMAC(t *testing.T) {
	r, _ := startLoopback(t, nil, nil)
	a := lease(t, dhcpClient(t, r, "00:00:00:00:00:01"))
	b := lease(t, dhcpClient(t, r, "00:00:00:00:00:02"))
	if a.ACK.YourIPAddr.Equal(b.ACK.YourIPAddr) {
		t.Fatalf("two clients share %s", a.ACK.YourIPAddr)
	}
	c := dhcpClient(t, r, "00:00:00:00:00:01")
	if err := c.Release(a); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // a phone reboots several times during an upgrade
		again := lease(t, c)
		if !again.ACK.YourIPAddr.Equal(a.ACK.YourIPAddr) {
			t.Fatalf("reboot %d: got %s, had %s", i, again.ACK.YourIPAddr, a.ACK.YourIPAddr)
		}
	}
}

func TestDHCPPoolExhausted(t *testing.T) {
	r, rec := startLoopback(t, nil, func(c *servers.Config) { c.PoolSize = 3 })
	var got []string
	for i := 1; i <= 3; i++ {
		got = append(got, lease(t, dhcpClient(t, r, "00:00:00:00:00:0"+string(rune('0'+i)))).ACK.YourIPAddr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := dhcpClient(t, r, "00:00:00:00:00:04").DiscoverOffer(ctx, phoneMods()...); err == nil {
		t.Fatal("fourth client got an offer from a pool of 3")
	}
	e := rec.Wait(t, servers.DHCPExhausted, nil, time.Second)
	if e.MAC != "00:00:00:00:00:04" || e.Msg == "" {
		t.Errorf("exhausted event %+v", e)
	}
	for i := 1; i <= 3; i++ {
		again := lease(t, dhcpClient(t, r, "00:00:00:00:00:0"+string(rune('0'+i)))).ACK.YourIPAddr.String()
		if again != got[i-1] {
			t.Errorf("client %d moved from %s to %s after the pool ran out", i, got[i-1], again)
		}
	}
}

// request sends a REQUEST built by hand and returns the reply (nil: none).
func request(t *testing.T, c *nclient4.Client, r *servers.Running, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	hw, _ := net.ParseMAC("00:11:22:33:44:99")
	req, err := dhcpv4.New(append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(hw),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest)}, phoneMods(mods...)...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := c.SendAndRead(ctx, net.UDPAddrFromAddrPort(r.DHCPAddr()), req, nil)
	if errors.Is(err, nclient4.ErrNoResponse) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDHCPRequestOutcomes(t *testing.T) {
	r, rec := startLoopback(t, nil, func(c *servers.Config) { c.PoolSize = 10 })
	other := lease(t, dhcpClient(t, r, "00:00:00:00:00:01")).ACK.YourIPAddr
	c := dhcpClient(t, r, "00:11:22:33:44:99")
	for _, tc := range []struct {
		name string
		mods []dhcpv4.Modifier
		want dhcpv4.MessageType // 0: no reply
	}{
		{"address not ours", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(10, 9, 9, 9)))}, dhcpv4.MessageTypeNak},
		{"another client's", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(other))}, dhcpv4.MessageTypeNak},
		{"free one of the pool (INIT-REBOOT)", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(127, 0, 0, 7)))}, dhcpv4.MessageTypeAck},
		{"renewal from ciaddr", []dhcpv4.Modifier{dhcpv4.WithClientIP(net.IPv4(127, 0, 0, 7))}, dhcpv4.MessageTypeAck},
		{"chose another server", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(127, 0, 0, 7))),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(127, 0, 0, 9)))}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := request(t, c, r, tc.mods...)
			switch {
			case tc.want == 0 && resp != nil:
				t.Fatalf("got %s, want silence", resp.MessageType())
			case tc.want == 0:
			case resp == nil:
				t.Fatalf("no reply, want %s", tc.want)
			case resp.MessageType() != tc.want:
				t.Fatalf("got %s (%s), want %s", resp.MessageType(), resp.Message(), tc.want)
			case tc.want == dhcpv4.MessageTypeNak && (resp.Message() == "" || !resp.YourIPAddr.IsUnspecified()):
				t.Errorf("NAK without reason or with an address: %s", resp.Summary())
			}
		})
	}
	if n := len(rec.Of(servers.DHCPNak)); n != 2 {
		t.Errorf("%d dhcp.nak events, want 2", n)
	}
}

func TestDHCPDeclineMovesClient(t *testing.T) {
	r, rec := startLoopback(t, nil, nil)
	c := dhcpClient(t, r, "00:00:00:00:00:01")
	first := lease(t, c)
	dec, err := dhcpv4.New(dhcpv4.WithHwAddr(first.ACK.ClientHWAddr), dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(first.ACK.YourIPAddr)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(first.ACK.ServerIdentifier())))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(r.DHCPAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(dec.ToBytes()); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, servers.DHCPDecline, nil, time.Second)
	second := lease(t, c)
	if second.ACK.YourIPAddr.Equal(first.ACK.YourIPAddr) {
		t.Fatalf("declined address %s given again", first.ACK.YourIPAddr)
	}
}

func TestDHCPInform(t *testing.T) {
	r, rec := startLoopback(t, nil, nil)
	c := dhcpClient(t, r, "00:00:00:00:00:01")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	hw, _ := net.ParseMAC("00:00:00:00:00:01")
	ack, err := c.Inform(ctx, net.IPv4(127, 0, 0, 50), phoneMods(dhcpv4.WithHwAddr(hw))...)
	if err != nil {
		t.Fatal(err)
	}
	if !ack.YourIPAddr.IsUnspecified() || ack.Options.Has(dhcpv4.OptionIPAddressLeaseTime) {
		t.Errorf("INFORM answered with an address or lease: %s", ack.Summary())
	}
	if ips := dhcpv4.GetIPs(dhcpv4.OptionTFTPServerAddress, ack.Options); len(ips) != 1 {
		t.Errorf("INFORM ACK without option 150")
	}
	if e := rec.Wait(t, servers.DHCPInform, nil, time.Second); e.IP != "127.0.0.50" {
		t.Errorf("inform event %+v", e)
	}
}

func TestDHCPLeasesFileSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "leases.json")
	mod := func(c *servers.Config) { c.LeasesFile = file }
	r, _ := startLoopback(t, nil, mod)
	lease(t, dhcpClient(t, r, "00:00:00:00:00:01"))
	b := lease(t, dhcpClient(t, r, "00:00:00:00:00:02")).ACK.YourIPAddr
	r.Stop()

	r2, _ := startLoopback(t, nil, mod)
	// A new client first: it must not get the address client 2 held before the restart.
	n := lease(t, dhcpClient(t, r2, "00:00:00:00:00:03")).ACK.YourIPAddr
	again := lease(t, dhcpClient(t, r2, "00:00:00:00:00:02")).ACK.YourIPAddr
	if !again.Equal(b) || n.Equal(b) {
		t.Fatalf("after restart: client 2 got %s (had %s), new client got %s", again, b, n)
	}
}
