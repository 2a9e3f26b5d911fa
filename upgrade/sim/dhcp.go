package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// phonePRL is the parameter request list (option 55) the virtual phone sends:
// mask, TFTP server name (66), DNS, router, domain, TFTP server address (150), ARP
// cache timeout — the list Cisco phones are commonly captured with [I]. Servers that
// send only requested options (dnsmasq) need 66 and 150 in it (TESTBED.md §1).
var phonePRL = []dhcpv4.OptionCode{
	dhcpv4.OptionSubnetMask,
	dhcpv4.OptionTFTPServerName,
	dhcpv4.OptionDomainNameServer,
	dhcpv4.OptionRouter,
	dhcpv4.OptionDomainName,
	dhcpv4.OptionTFTPServerAddress,
	dhcpv4.OptionArpCacheTimeout,
}

// lease is what the phone keeps from one DHCP exchange.
type lease struct {
	IP       net.IP
	Mask     net.IPMask
	Server   net.IP // option 54
	TFTP     net.IP // where it will read its files
	TFTPFrom string // which field named it: "option 150", "option 66", "siaddr", "server identifier"
}

// NoDHCPError means no DHCP server answered.
type NoDHCPError struct {
	Server string // where the requests went
	Err    error
}

func (e *NoDHCPError) Error() string {
	return fmt.Sprintf("no DHCP answer from %s: %v", e.Server, e.Err)
}

func (e *NoDHCPError) Unwrap() error { return e.Err }

// dhcpClient runs the phone's DISCOVER/OFFER/REQUEST/ACK, a fresh socket each boot.
// It is a small exchange over dhcpv4 rather than nclient4's client because nclient4
// builds on Linux only and the demo's loopback phone must run everywhere; on a real
// interface nclient4's packet socket carries it (iface_linux.go).
type dhcpClient struct {
	open      func() (net.PacketConn, error) // the phone's DHCP socket for one boot
	server    *net.UDPAddr                   // unicast to a loopback server, or broadcast
	broadcast bool                           // set the BOOTP broadcast flag
	timeout   time.Duration                  // first wait, doubled per try (RFC 2131 §4.1)
	tries     int
	drop      func() bool // loss fault
}

// dhcpRequest is what the phone says about itself.
type dhcpRequest struct {
	MAC      net.HardwareAddr
	Class    string // option 60 exactly as sent, trailing NUL included where real phones send one
	Hostname string // option 12: SEP<MAC> [I]
}

// errNoReply is the silence of every server for every try.
var errNoReply = errors.New("no reply")

// exchange gets a lease. offered is called between OFFER and REQUEST so the report
// shows the two halves as they happen.
func (c *dhcpClient) exchange(ctx context.Context, req dhcpRequest, offered func(*dhcpv4.DHCPv4)) (lease, error) {
	conn, err := c.open()
	if err != nil {
		return lease{}, fmt.Errorf("open the DHCP socket: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	mods := []dhcpv4.Modifier{
		dhcpv4.WithBroadcast(c.broadcast),
		dhcpv4.WithOption(dhcpv4.OptClassIdentifier(req.Class)),
		dhcpv4.WithOption(dhcpv4.OptHostName(req.Hostname)),
		dhcpv4.WithOption(dhcpv4.OptClientIdentifier(append([]byte{1}, req.MAC...))),
		dhcpv4.WithRequestedOptions(phonePRL...),
	}
	discover, err := dhcpv4.New(append([]dhcpv4.Modifier{
		dhcpv4.WithHwAddr(req.MAC), dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover)}, mods...)...)
	if err != nil {
		return lease{}, fmt.Errorf("build DHCPDISCOVER: %w", err)
	}
	offer, err := c.sendAndRead(ctx, conn, discover, func(m *dhcpv4.DHCPv4) bool {
		return m.MessageType() == dhcpv4.MessageTypeOffer
	})
	if err != nil {
		return lease{}, c.noAnswer(ctx, "DHCPDISCOVER", err)
	}
	if offered != nil {
		offered(offer)
	}
	request, err := dhcpv4.New(append([]dhcpv4.Modifier{
		dhcpv4.WithReply(offer),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(offer.YourIPAddr)),
		dhcpv4.WithOptionCopied(offer, dhcpv4.OptionServerIdentifier)}, mods...)...)
	if err != nil {
		return lease{}, fmt.Errorf("build DHCPREQUEST: %w", err)
	}
	sid := offer.ServerIdentifier()
	ack, err := c.sendAndRead(ctx, conn, request, func(m *dhcpv4.DHCPv4) bool {
		t := m.MessageType()
		return (t == dhcpv4.MessageTypeAck || t == dhcpv4.MessageTypeNak) && (sid == nil || m.ServerIdentifier().Equal(sid))
	})
	if err != nil {
		return lease{}, c.noAnswer(ctx, "DHCPREQUEST", err)
	}
	if ack.MessageType() == dhcpv4.MessageTypeNak {
		msg := ack.Message()
		if msg == "" {
			msg = "no reason given"
		}
		return lease{}, fmt.Errorf("DHCP server %s refused %s with a NAK: %s", sid, offer.YourIPAddr, msg)
	}
	return leaseFromACK(ack)
}

// sendAndRead sends msg and waits for a reply to it (same xid and chaddr) that match
// accepts, resending with a doubled wait after each silence.
func (c *dhcpClient) sendAndRead(ctx context.Context, conn net.PacketConn, msg *dhcpv4.DHCPv4, match func(*dhcpv4.DHCPv4) bool) (*dhcpv4.DHCPv4, error) {
	buf := make([]byte, 4096)
	wait := c.timeout
	for try := 0; try < c.tries; try++ {
		if _, err := conn.WriteTo(msg.ToBytes(), c.server); err != nil {
			return nil, fmt.Errorf("send to %s: %w", c.server, err)
		}
		if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
			return nil, err
		}
		if ctx.Err() != nil { // canceled just before: the deadline above replaced the cancel's
			return nil, ctx.Err()
		}
		for {
			n, _, err := conn.ReadFrom(buf)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read: %w", err)
			}
			if c.drop != nil && c.drop() {
				continue
			}
			m, err := dhcpv4.FromBytes(buf[:n])
			if err != nil || m.OpCode != dhcpv4.OpcodeBootReply || m.TransactionID != msg.TransactionID ||
				!bytes.Equal(m.ClientHWAddr, msg.ClientHWAddr) || !match(m) {
				continue // not ours, or garbled: a phone keeps listening
			}
			return m, nil
		}
		wait *= 2
	}
	return nil, fmt.Errorf("%w to %d tries", errNoReply, c.tries)
}

func (c *dhcpClient) noAnswer(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !errors.Is(err, errNoReply) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &NoDHCPError{Server: c.server.String(), Err: fmt.Errorf("%s: %w", what, err)}
}

// leaseFromACK reads the address and the TFTP server the way the phones do: option
// 150 first (a 7941 logs "TFTP Svr set by opt150"), then 66, then siaddr, then the DHCP
// server itself (a 7940 tries it when nothing else is given) — FACTS.md §6. The
// precedence between 150 and 66 is unconfirmed [U].
func leaseFromACK(ack *dhcpv4.DHCPv4) (lease, error) {
	l := lease{IP: ack.YourIPAddr, Mask: ack.SubnetMask(), Server: ack.ServerIdentifier()}
	if l.IP == nil || l.IP.IsUnspecified() {
		return l, errors.New("the DHCP ACK gives no address (yiaddr 0.0.0.0)")
	}
	if ips := dhcpv4.GetIPs(dhcpv4.OptionTFTPServerAddress, ack.Options); len(ips) > 0 {
		l.TFTP, l.TFTPFrom = ips[0], "option 150"
		return l, nil
	}
	if name := strings.Trim(ack.TFTPServerName(), "\x00 "); name != "" {
		ip := net.ParseIP(name)
		if ip == nil || ip.To4() == nil {
			return l, fmt.Errorf("option 66 names %q, not an IPv4 address: the virtual phone resolves no names; give the server's address in option 66 or 150", name)
		}
		l.TFTP, l.TFTPFrom = ip.To4(), "option 66"
		return l, nil
	}
	if ip := ack.ServerIPAddr; ip != nil && !ip.IsUnspecified() {
		l.TFTP, l.TFTPFrom = ip, "siaddr"
		return l, nil
	}
	if l.Server != nil && !l.Server.IsUnspecified() {
		l.TFTP, l.TFTPFrom = l.Server, "server identifier"
		return l, nil
	}
	return l, errors.New("the DHCP ACK names no TFTP server (no option 150, 66, siaddr or server identifier)")
}
