//go:build !linux

package servers_test

import (
	"net"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"phoneflash/servers"
)

// offerOnce sends one DISCOVER to r over loopback and waits for its OFFER: nclient4
// does not build off Linux, and this is all the portable tests need of DHCP.
func offerOnce(t *testing.T, r *servers.Running) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hw, _ := net.ParseMAC("00:00:00:00:00:01")
	disc, err := dhcpv4.NewDiscovery(hw, dhcpv4.WithOption(dhcpv4.OptClassIdentifier(phoneClass)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteTo(disc.ToBytes(), net.UDPAddrFromAddrPort(r.DHCPAddr())); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no OFFER: %v", err)
		}
		if m, err := dhcpv4.FromBytes(buf[:n]); err == nil && m.TransactionID == disc.TransactionID &&
			m.MessageType() == dhcpv4.MessageTypeOffer {
			return
		}
	}
}
