package upgrade

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// The line's file goes to the phone's leased address alone: the same request from
// another address is told "file not found", exactly as for a name that does not
// exist; the event log and the report name the line, never the password.
func TestSessionServesTheLineToItsPhoneOnly(t *testing.T) {
	lib, plan := linePlan(t)
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, Options{Library: lib, Plan: plan, Log: &log, Servers: servers.Config{
		Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"), PoolStart: netip.MustParseAddr("127.0.0.100"), PoolSize: 1,
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort, ClassPrefix: "Cisco"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ph := newBenchPhone(t, s)
	ph.boot() // leases 127.0.0.100, the pool's only address
	tftpAddr := net.UDPAddrFromAddrPort(s.Servers().TFTPAddr())
	leased, other := net.IPv4(127, 0, 0, 100), net.IPv4(127, 0, 0, 1)

	var got []byte
	for deadline := time.Now().Add(eventBound); ; { // the tracker stages the phone's files as the lease's events arrive
		if got = firstBlock(t, leased, tftpAddr, "./SIP001E4A123456.cnf"); bytes.Contains(got, []byte("s3cret")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone never got its line: %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !bytes.Equal(got, SIPLineConfig(benchLine)) {
		t.Fatalf("the phone got %q", got)
	}
	refused := firstBlock(t, other, tftpAddr, "./SIP001E4A123456.cnf")
	never := firstBlock(t, other, tftpAddr, "./SIP001E4A000000.cnf")
	if !strings.HasPrefix(string(refused), "error: ") || strings.Replace(string(refused), "123456", "000000", 1) != string(never) {
		t.Fatalf("another address got %q; a file never set gets %q", refused, never)
	}
	// The phone's own SEP file and the shared files are anyone's.
	if b := firstBlock(t, other, tftpAddr, "SIPDefault.cnf"); !bytes.Contains(b, []byte("proxy_register: 1")) {
		t.Fatalf("SIPDefault.cnf: %q", b)
	}

	var report bytes.Buffer
	deadline := time.Now().Add(eventBound)
	for {
		r := s.Report(time.Now())
		if i := slices.IndexFunc(r.Phones, func(p PhoneReport) bool { return p.MAC == "00:1e:4a:12:34:56" }); i >= 0 && r.Phones[i].LineRead {
			if r.Phones[i].Line != "line 1001 written" {
				t.Fatalf("report line %q", r.Phones[i].Line)
			}
			if err := r.WriteJSON(&report); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report never says the phone read its line: %+v", r.Phones)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	for what, text := range map[string]string{"event log": log.String(), "report": report.String()} {
		if strings.Contains(text, "s3cret") {
			t.Errorf("the %s holds the password:\n%s", what, text)
		}
	}
	if !strings.Contains(log.String(), `"file":"SIP001E4A123456.cnf"`) || !strings.Contains(report.String(), `"line": "line 1001 written"`) {
		t.Errorf("the log or the report do not name the line's file:\n%s\n%s", log.String(), report.String())
	}
}

// firstBlock sends one read request from address from and returns the first DATA
// block, or "error: <code> <message>" for an ERROR packet.
func firstBlock(t *testing.T, from net.IP, server *net.UDPAddr, name string) []byte {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: from})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rrq := append(append(append([]byte{0, 1}, name...), 0), "octet\x00"...)
	if _, err := c.WriteToUDP(rrq, server); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	n, src, err := c.ReadFromUDP(buf)
	if err != nil || n < 4 {
		t.Fatalf("read %s from %s: %v", name, from, err)
	}
	switch binary.BigEndian.Uint16(buf) {
	case 3:
		c.WriteToUDP([]byte{0, 4, buf[2], buf[3]}, src) // ACK: the transfer ends cleanly
		return append([]byte(nil), buf[4:n]...)
	case 5:
		msg := strings.TrimRight(string(buf[4:n]), "\x00")
		return []byte("error: " + string(rune('0'+buf[3])) + " " + msg)
	}
	t.Fatalf("read %s: packet %x", name, buf[:n])
	return nil
}
