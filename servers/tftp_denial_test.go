package servers_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

// refusingRoot is a DirRoot that also refuses two names the way a Root may: one the
// operating system will not open, and one the Root refuses with its own reason.
type refusingRoot struct{ *servertest.DirRoot }

// hiddenRefusal is a Root's refusal that names its reason.
type hiddenRefusal struct{ name string }

func (h hiddenRefusal) Error() string {
	return fmt.Sprintf("access violation: %q is a hidden file", h.name)
}
func (h hiddenRefusal) Unwrap() error        { return fs.ErrPermission }
func (h hiddenRefusal) DeniedReason() string { return servers.DeniedHidden }

func (r refusingRoot) Open(name string, client netip.Addr) (io.ReadSeekCloser, int64, string, error) {
	switch name {
	case "locked.bin":
		return nil, 0, "", fmt.Errorf("open locked.bin: %w", &fs.PathError{Op: "open", Path: "/fw/locked.bin", Err: syscall.EACCES})
	case ".ssh/id_rsa":
		return nil, 0, "", hiddenRefusal{name}
	}
	return r.DirRoot.Open(name, client)
}

// loopbackClient is a UDP socket on ip (a 127/8 address), closed with the test.
func loopbackClient(t testing.TB, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tftpError returns the code and text of an ERROR packet; ok is false for anything else.
func tftpError(pkt []byte) (code uint16, msg string, ok bool) {
	if len(pkt) < 5 || binary.BigEndian.Uint16(pkt) != 5 {
		return 0, "", false
	}
	return binary.BigEndian.Uint16(pkt[2:]), strings.TrimRight(string(pkt[4:]), "\x00"), true
}

// rawWRQ is a TFTP write request for name.
func rawWRQ(name string) []byte {
	b := rawRRQ(name)
	b[1] = 2
	return b
}

// Every refusal is an event with the name exactly as asked and its own reason, and the
// client gets an ERROR packet saying why.
func TestTFTPRefusalsNameTheRequestAndTheirReason(t *testing.T) {
	dir := t.TempDir()
	dr, err := servertest.NewDirRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dr.Close() })
	r, rec := startRoot(t, refusingRoot{dr}, nil)
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	long := strings.Repeat("a", 300)
	for _, tc := range []struct {
		test, name string
		pkt        []byte
		kind       servers.Kind
		reason     string
		told       string // in the ERROR packet's text
	}{
		{"write", "new.bin", rawWRQ("new.bin"), servers.TFTPDenied, servers.DeniedWrite, "only serves"},
		{"control characters", "a\x1b]0;pwned\x07b.bin", nil, servers.TFTPDenied, servers.DeniedControl, "control character"},
		{"empty", "", nil, servers.TFTPDenied, servers.DeniedEmpty, "empty"},
		{"outside", "../../etc/passwd", nil, servers.TFTPDenied, servers.DeniedOutside, "access violation"},
		{"outside backslash", `..\..\etc\passwd`, nil, servers.TFTPDenied, servers.DeniedOutside, "access violation"},
		{"permission", "locked.bin", nil, servers.TFTPDenied, servers.DeniedPermission, "permission denied"},
		{"hidden", ".ssh/id_rsa", nil, servers.TFTPDenied, servers.DeniedHidden, "hidden"},
		{"too long", long, nil, servers.TFTPDenied, servers.DeniedTooLong, "too long"},
		{"missing", "CTLSEP001122334455.tlv", nil, servers.TFTPMissing, servers.MissingFile, "not found"},
	} {
		t.Run(tc.test, func(st *testing.T) {
			// Each client's socket stays open until the whole test ends: a port the
			// kernel handed out again would find an earlier case's event.
			c := loopbackClient(t, "127.0.0.1")
			t := st
			pkt := tc.pkt
			if pkt == nil {
				pkt = rawRRQ(tc.name)
			}
			if _, err := c.WriteToUDP(pkt, srv); err != nil {
				t.Fatal(err)
			}
			reply, _ := readPacket(t, c, 2*time.Second)
			if _, msg, ok := tftpError(reply); !ok || !strings.Contains(msg, tc.told) {
				t.Errorf("reply %q, want an ERROR saying %q", reply, tc.told)
			}
			port := c.LocalAddr().(*net.UDPAddr).Port
			e := rec.Wait(t, tc.kind, func(e servers.Event) bool { return e.Port == port }, 2*time.Second)
			if e.Asked != tc.name || e.File != tc.name || e.IP != "127.0.0.1" {
				t.Errorf("event names file %q asked %q from %s, want %q as asked", e.File, e.Asked, e.IP, tc.name)
			}
			if got := servers.Reason(e); got != tc.reason {
				t.Errorf("reason %q (msg %q), want %q", got, e.Msg, tc.reason)
			}
		})
	}
}
