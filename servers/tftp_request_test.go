package servers_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// A request longer than TFTP allows (512 bytes) gets an ERROR packet, whether its name
// or its options make it long; pin/tftp alone reads 516 bytes and drops a request whose
// name fills them without a word to the client.
func TestTFTPOversizedRequestIsAnswered(t *testing.T) {
	r, rec := startLoopback(t, map[string]string{"a.bin": "a"}, nil)
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	long := strings.Repeat("a", 592)
	for _, tc := range []struct {
		test, name string
		pkt        []byte
	}{
		{"long name", long, rawRRQ(long)},
		{"long options", "a.bin", rawRRQ("a.bin", "blksize", "1428", "x-pad", strings.Repeat("p", 570))},
	} {
		t.Run(tc.test, func(st *testing.T) {
			c := loopbackClient(t, "127.0.0.1") // open till the test ends: no port, and no event, seen twice
			t := st
			if len(tc.pkt) < 600 {
				t.Fatalf("request of %d bytes", len(tc.pkt))
			}
			if _, err := c.WriteToUDP(tc.pkt, srv); err != nil {
				t.Fatal(err)
			}
			reply, _ := readPacket(t, c, 2*time.Second)
			code, msg, ok := tftpError(reply)
			if !ok || code != 0 && code != 4 || !strings.Contains(msg, "too long") {
				t.Fatalf("reply %q, want an ERROR with code 0 or 4 saying the request is too long", reply)
			}
			port := c.LocalAddr().(*net.UDPAddr).Port
			e := rec.Wait(t, servers.TFTPDenied, func(e servers.Event) bool { return e.Port == port }, time.Second)
			if e.Asked != tc.name || servers.Reason(e) != servers.DeniedTooLong {
				t.Errorf("event %+v, want asked %.20q denied as too long", e, tc.name)
			}
		})
	}
}
