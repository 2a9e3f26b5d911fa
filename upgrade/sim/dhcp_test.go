package sim

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

var testMAC = net.HardwareAddr{0x00, 0x1e, 0x4a, 0x12, 0x34, 0x56}

func newTestDHCPClient(server *net.UDPAddr) *dhcpClient {
	return &dhcpClient{
		open:    func() (net.PacketConn, error) { return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}) },
		server:  server,
		timeout: 50 * time.Millisecond,
		tries:   3,
	}
}

func TestDHCPExchangeTFTPSource(t *testing.T) {
	tftpA, tftpB, tftpC := net.IPv4(127, 0, 0, 2).To4(), net.IPv4(127, 0, 0, 3).To4(), net.IPv4(127, 0, 0, 4).To4()
	tests := []struct {
		name     string
		opts     dhcpOpts
		want     net.IP
		wantFrom string
		wantErr  string
	}{
		{"150 beats 66 and siaddr", dhcpOpts{opt150: tftpA, opt66: tftpB, siaddr: tftpC}, tftpA, "option 150", ""},
		{"66 beats siaddr", dhcpOpts{opt66: tftpB, siaddr: tftpC}, tftpB, "option 66", ""},
		{"66 with a trailing NUL", dhcpOpts{opt66Text: "127.0.0.3\x00"}, tftpB, "option 66", ""},
		{"siaddr", dhcpOpts{siaddr: tftpC}, tftpC, "siaddr", ""},
		{"the DHCP server itself", dhcpOpts{}, net.IPv4(127, 0, 0, 1).To4(), "server identifier", ""},
		{"66 names a host", dhcpOpts{opt66Text: "tftp.example"}, nil, "", `option 66 names "tftp.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startDHCP(t, tt.opts)
			var offered *dhcpv4.DHCPv4
			l, err := newTestDHCPClient(srv.addr).exchange(context.Background(),
				dhcpRequest{MAC: testMAC, Class: "Cisco Systems, Inc. IP Phone CP-7960G\x00", Hostname: "SEP001E4A123456"},
				func(o *dhcpv4.DHCPv4) { offered = o })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !l.TFTP.Equal(tt.want) || l.TFTPFrom != tt.wantFrom {
				t.Errorf("TFTP %s from %s, want %s from %s", l.TFTP, l.TFTPFrom, tt.want, tt.wantFrom)
			}
			if offered == nil || !l.IP.Equal(net.IPv4(127, 0, 0, 100)) {
				t.Errorf("lease %s, offer seen %v", l.IP, offered != nil)
			}
		})
	}
}

func TestDHCPWhatThePhoneSends(t *testing.T) {
	srv := startDHCP(t, dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)})
	class := "Cisco Systems, Inc. IP Phone CP-7960G\x00"
	_, err := newTestDHCPClient(srv.addr).exchange(context.Background(),
		dhcpRequest{MAC: testMAC, Class: class, Hostname: "SEP001E4A123456"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 2 || msgs[0].MessageType() != dhcpv4.MessageTypeDiscover || msgs[1].MessageType() != dhcpv4.MessageTypeRequest {
		t.Fatalf("server saw %d messages, want DISCOVER then REQUEST", len(msgs))
	}
	for _, m := range msgs {
		// The trailing NUL real phones send must reach the wire (FACTS.md §6).
		if got := string(m.Options.Get(dhcpv4.OptionClassIdentifier)); got != class {
			t.Errorf("%s option 60 = %q, want %q", m.MessageType(), got, class)
		}
		if m.HostName() != "SEP001E4A123456" || m.ClientHWAddr.String() != testMAC.String() {
			t.Errorf("%s hostname %q chaddr %s", m.MessageType(), m.HostName(), m.ClientHWAddr)
		}
		prl := m.ParameterRequestList()
		if !prl.Has(dhcpv4.OptionTFTPServerAddress) || !prl.Has(dhcpv4.OptionTFTPServerName) {
			t.Errorf("%s PRL %v lacks 150 or 66", m.MessageType(), prl)
		}
		if m.IsBroadcast() {
			t.Errorf("%s has the broadcast flag on loopback", m.MessageType())
		}
	}
	if !msgs[1].RequestedIPAddress().Equal(net.IPv4(127, 0, 0, 100)) || !msgs[1].ServerIdentifier().Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("REQUEST asks %s from %s", msgs[1].RequestedIPAddress(), msgs[1].ServerIdentifier())
	}
}

func TestDHCPSilentServer(t *testing.T) {
	srv := startDHCP(t, dhcpOpts{silent: true})
	c := newTestDHCPClient(srv.addr)
	c.timeout, c.tries = 20*time.Millisecond, 3
	_, err := c.exchange(context.Background(), dhcpRequest{MAC: testMAC, Class: "x", Hostname: "SEP"}, nil)
	var nd *NoDHCPError
	if !errors.As(err, &nd) {
		t.Fatalf("want NoDHCPError, got %v", err)
	}
	if n := len(srv.messages()); n != 3 {
		t.Errorf("server saw %d DISCOVERs, want 3 tries", n)
	}
}

func TestDHCPNak(t *testing.T) {
	srv := startDHCP(t, dhcpOpts{nak: true})
	_, err := newTestDHCPClient(srv.addr).exchange(context.Background(), dhcpRequest{MAC: testMAC, Class: "x", Hostname: "SEP"}, nil)
	if err == nil || !strings.Contains(err.Error(), "refused 127.0.0.100 with a NAK") {
		t.Fatalf("want a NAK error, got %v", err)
	}
}

func TestDHCPLossRetries(t *testing.T) {
	srv := startDHCP(t, dhcpOpts{opt150: net.IPv4(127, 0, 0, 1)})
	c := newTestDHCPClient(srv.addr)
	c.tries = 8
	l := newLoss(50, 3)
	c.drop = l.drop
	if _, err := c.exchange(context.Background(), dhcpRequest{MAC: testMAC, Class: "x", Hostname: "SEP"}, nil); err != nil {
		t.Fatal(err)
	}
	if l.count() == 0 || len(srv.messages()) <= 2 {
		t.Errorf("dropped %d, server saw %d messages: a 50%% loss with this seed must cost a retry", l.count(), len(srv.messages()))
	}
}
