package servers_test

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// holdTransfer starts a transfer of name from a new socket on ip and never ACKs it.
func holdTransfer(t *testing.T, srv *net.UDPAddr, ip, name string) []byte {
	t.Helper()
	c := loopbackClient(t, ip)
	if _, err := c.WriteToUDP(rawRRQ(name), srv); err != nil {
		t.Fatal(err)
	}
	pkt, _ := readPacket(t, c, 2*time.Second)
	return pkt
}

func TestTFTPTooManyTransfers(t *testing.T) {
	r, rec := startLoopback(t, map[string]string{"f.bin": randomBytes(t, 8<<10)}, func(c *servers.Config) {
		c.Timeout, c.Retries = 2*time.Second, 3 // the held transfers outlive the test
	})
	servers.SetTFTPLimits(r, 3, 2, time.Millisecond, 100)
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	isData := func(pkt []byte) bool { return len(pkt) > 4 && pkt[1] == 3 }
	for i := range 2 {
		if pkt := holdTransfer(t, srv, "127.0.0.1", "f.bin"); !isData(pkt) {
			t.Fatalf("transfer %d from 127.0.0.1: %q", i+1, pkt)
		}
	}
	// A third from the same address is one too many for it ...
	if _, msg, ok := tftpError(holdTransfer(t, srv, "127.0.0.1", "f.bin")); !ok || !strings.Contains(msg, "too many transfers") {
		t.Fatalf("third transfer from one address: %q, want an ERROR saying too many transfers", msg)
	}
	e := rec.Wait(t, servers.TFTPDenied, func(e servers.Event) bool { return servers.Reason(e) == servers.DeniedBusy }, time.Second)
	if e.IP != "127.0.0.1" || e.Asked != "f.bin" {
		t.Errorf("event %+v", e)
	}
	// ... another address still gets one, and then the server as a whole is full.
	if pkt := holdTransfer(t, srv, "127.0.0.2", "f.bin"); !isData(pkt) {
		t.Fatalf("transfer from 127.0.0.2: %q", pkt)
	}
	if _, msg, ok := tftpError(holdTransfer(t, srv, "127.0.0.3", "f.bin")); !ok || !strings.Contains(msg, "too many transfers") {
		t.Fatalf("transfer beyond the overall cap: %q, want an ERROR saying too many transfers", msg)
	}
}

func TestTFTPRequestsAreRateLimitedPerClient(t *testing.T) {
	r, rec := startLoopback(t, nil, nil)
	servers.SetTFTPLimits(r, 100, 100, time.Hour, 3) // three requests, then none for an hour
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	ask := func(ip, name string) string {
		c := loopbackClient(t, ip)
		if _, err := c.WriteToUDP(rawRRQ(name), srv); err != nil {
			t.Fatal(err)
		}
		pkt, _ := readPacket(t, c, 2*time.Second)
		_, msg, _ := tftpError(pkt)
		return msg
	}
	for i := range 3 {
		if msg := ask("127.0.0.1", fmt.Sprintf("nope%d.bin", i)); !strings.Contains(msg, "not found") {
			t.Fatalf("request %d: %q", i+1, msg)
		}
	}
	for i := range 3 { // refused, and reported once
		if msg := ask("127.0.0.1", fmt.Sprintf("more%d.bin", i)); !strings.Contains(msg, "too many requests") {
			t.Fatalf("request %d over the budget: %q, want too many requests", i+4, msg)
		}
	}
	if msg := ask("127.0.0.2", "other.bin"); !strings.Contains(msg, "not found") {
		t.Fatalf("another address: %q", msg)
	}
	rec.Wait(t, servers.TFTPMissing, func(e servers.Event) bool { return e.IP == "127.0.0.2" }, time.Second)
	var limited []servers.Event
	for _, e := range rec.Of(servers.TFTPDenied) {
		if servers.Reason(e) == servers.DeniedRate {
			limited = append(limited, e)
		}
	}
	if len(limited) != 1 || limited[0].Asked != "more0.bin" {
		t.Errorf("rate-limited reports %+v, want one, for more0.bin", limited)
	}
	if n := len(rec.Of(servers.TFTPMissing)); n != 4 {
		t.Errorf("%d tftp.missing events, want 4", n)
	}
}

// openFiles counts this process's file descriptors.
func openFiles(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(fds)
}

// liveHeap is the heap still reachable, after one forced collection (as in the report
// of issue 9: what a sync.Pool keeps survives one).
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// A flood of read requests that are never acknowledged holds a bounded number of
// transfers, sockets and bytes, and leaves nothing behind.
func TestTFTPRequestFloodStaysBounded(t *testing.T) {
	const rounds, names = 50, 100 // 5000 distinct transfers asked for
	files := map[string]string{}
	for i := range names {
		files[fmt.Sprintf("f%02d.bin", i)] = strings.Repeat("x", 4<<10)
	}
	r, rec := startLoopback(t, files, func(c *servers.Config) {
		c.Timeout, c.Retries = 250*time.Millisecond, 3 // each unanswered transfer gives up after 1.75 s
	})
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	flooders := make([]*net.UDPConn, rounds)
	for i := range flooders {
		flooders[i] = loopbackClient(t, "127.0.0.1")
	}
	probe := loopbackClient(t, "127.0.0.2")
	fdsBefore, heapBefore := openFiles(t), liveHeap()

	start := time.Now()
	for round, c := range flooders {
		for i := range names {
			c.WriteToUDP(rawRRQ(fmt.Sprintf("f%02d.bin", i)), srv)
		}
		// The server reads requests in order: once the probe's is answered, the round's are.
		name := fmt.Sprintf("probe%d.bin", round)
		probe.WriteToUDP(rawRRQ(name), srv)
		rec.Wait(t, servers.TFTPMissing, func(e servers.Event) bool { return e.File == name }, 5*time.Second)
	}
	fdsHeld, heapHeld := openFiles(t)-fdsBefore, int64(liveHeap())-int64(heapBefore)
	t.Logf("%d requests in %v: %d transfers started, %d more files open, live heap %+d KiB",
		rounds*names, time.Since(start), len(rec.Of(servers.TFTPRequest)), fdsHeld, heapHeld>>10)

	// Every transfer started gives up; then the heap is back where it was.
	rec.Wait(t, servers.TFTPError, func(servers.Event) bool {
		return len(rec.Of(servers.TFTPError)) >= len(rec.Of(servers.TFTPRequest))
	}, 30*time.Second)
	heapAfter := int64(liveHeap()) - int64(heapBefore)
	t.Logf("after the transfers gave up: live heap %+d KiB, %d more files open", heapAfter>>10, openFiles(t)-fdsBefore)

	_, perClient := servers.TFTPLimits()
	if fdsHeld > 2*perClient+16 { // a transfer holds its socket and its file
		t.Errorf("%d more files open during the flood, want at most 2 x %d (transfers per client) + 16", fdsHeld, perClient)
	}
	if heapHeld > 8<<20 || heapAfter > 4<<20 {
		t.Errorf("live heap grew %d KiB during the flood and %d KiB after it, want under 8 MiB and 4 MiB", heapHeld>>10, heapAfter>>10)
	}
}
