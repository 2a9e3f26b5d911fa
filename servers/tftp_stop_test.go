package servers_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// Stop does not wait for clients that went silent mid-transfer (one waiting for the
// ACK of block 1, one for the ACK of an OACK): it ends their transfers at once and each
// still ends with a tftp.error saying it was stopped.
func TestTFTPStopEndsSilentTransfersAtOnce(t *testing.T) {
	// A long give-up time: without the fix Stop would wait for it (about 13 s).
	r, rec := startLoopback(t, map[string]string{"f.bin": randomBytes(t, 64<<10)}, func(c *servers.Config) {
		c.Timeout, c.Retries = time.Second, 8
	})
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	var ports []int
	for _, opts := range [][]string{nil, {"blksize", "1428", "tsize", "0"}} {
		c := loopbackClient(t, "127.0.0.1")
		if _, err := c.WriteToUDP(rawRRQ("f.bin", opts...), srv); err != nil {
			t.Fatal(err)
		}
		if first, _ := readPacket(t, c, 2*time.Second); first == nil {
			t.Fatal("no first packet")
		}
		// ... and never an ACK.
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
	}
	start := time.Now()
	r.Stop()
	took := time.Since(start)
	t.Logf("Stop took %v with %d silent transfers", took, len(ports))
	if took > time.Second {
		t.Errorf("Stop took %v with silent transfers, want under a second", took)
	}
	for _, port := range ports {
		e := rec.Wait(t, servers.TFTPError, func(e servers.Event) bool { return e.Port == port }, time.Second)
		if !strings.HasPrefix(e.Msg, "stopped") || e.File != "f.bin" {
			t.Errorf("end event %+v, want a tftp.error that says stopped", e)
		}
	}
}
