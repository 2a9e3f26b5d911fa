package servers_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pin/tftp/v3"

	"phoneflash/servers"
)

// fetch downloads name from r with pin's client.
func fetch(t *testing.T, r *servers.Running, name string, blksize int) ([]byte, int64, error) {
	t.Helper()
	c, err := tftp.NewClient(r.TFTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(time.Second)
	c.SetRetries(3)
	c.SetBackoff(func(int) time.Duration { return 0 })
	c.RequestTSize(true)
	if blksize > 0 {
		c.SetBlockSize(blksize)
	}
	wt, err := c.Receive(name, "octet")
	if err != nil {
		return nil, 0, err
	}
	size, _ := wt.(tftp.IncomingTransfer).Size()
	var b bytes.Buffer
	_, err = wt.WriteTo(&b)
	return b.Bytes(), size, err
}

func randomBytes(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTFTPServesNamesAsPhonesSendThem(t *testing.T) {
	body := randomBytes(t, 100_000)
	files := map[string]string{"SEP001122334455.cnf.xml": "<device/>", "P00308000900.bin": body, "sub/Ring1.raw": "ring"}
	r, rec := startLoopback(t, files, nil)
	for _, tc := range []struct{ asked, served, body string }{
		{"P00308000900.bin", "P00308000900.bin", body},
		{"/p00308000900.BIN", "P00308000900.bin", body},
		{`\P00308000900.bin`, "P00308000900.bin", body},
		{"P00308000900.bin   ", "P00308000900.bin", body},
		{"SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml", "<device/>"},
		{`\SUB\ring1.raw`, "sub/Ring1.raw", "ring"},
	} {
		t.Run(tc.asked, func(t *testing.T) {
			for _, bs := range []int{0, 1428} {
				got, size, err := fetch(t, r, tc.asked, bs)
				if err != nil {
					t.Fatalf("blksize %d: %v", bs, err)
				}
				if string(got) != tc.body || size != int64(len(tc.body)) {
					t.Fatalf("blksize %d: got %d bytes (tsize %d), want %d", bs, len(got), size, len(tc.body))
				}
			}
			// This request's own events: several cases serve the same file, told apart
			// by the name as asked (empty when it is the name served).
			wantAsked := tc.asked
			if tc.asked == tc.served {
				wantAsked = ""
			}
			mine := func(e servers.Event) bool { return e.File == tc.served && e.Asked == wantAsked }
			done := rec.Wait(t, servers.TFTPDone, mine, time.Second)
			if done.Bytes != int64(len(tc.body)) || done.Size != done.Bytes || done.IP != "127.0.0.1" || done.Port == 0 {
				t.Errorf("done event %+v", done)
			}
			if req := rec.Wait(t, servers.TFTPRequest, mine, time.Second); req.Size != int64(len(tc.body)) {
				t.Errorf("request event %+v", req)
			}
		})
	}
}

func TestTFTPBlockSizeAndStats(t *testing.T) {
	body := randomBytes(t, 50_000)
	r, rec := startLoopback(t, map[string]string{"f.bin": body}, func(c *servers.Config) { c.BlockSize = 1000 })
	got, _, err := fetch(t, r, "f.bin", 1428)
	if err != nil || string(got) != body {
		t.Fatalf("fetch: %v (%d bytes)", err, len(got))
	}
	e := rec.Wait(t, servers.TFTPDone, nil, time.Second)
	if e.BlockSize != 1000 || e.Retransmits != 0 || e.Rate <= 0 {
		t.Errorf("done %+v: want blksize capped at 1000, no retransmits, a rate", e)
	}
}

func TestTFTPRefusals(t *testing.T) {
	r, rec := startLoopback(t, map[string]string{"a.bin": "a"}, nil)
	for _, tc := range []struct {
		name, text string
		kind       servers.Kind
	}{
		{"../../etc/passwd", "access violation", servers.TFTPDenied},
		{`..\..\etc\passwd`, "access violation", servers.TFTPDenied},
		{"/a.bin/../../x", "access violation", servers.TFTPDenied},
		{"CTLSEP001122334455.tlv", "not found", servers.TFTPMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := fetch(t, r, tc.name, 0)
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err %v, want %q", err, tc.text)
			}
			e := rec.Wait(t, tc.kind, func(e servers.Event) bool { return e.File == tc.name }, time.Second)
			if e.IP != "127.0.0.1" || e.Msg == "" {
				t.Errorf("event %+v", e)
			}
		})
	}
	t.Run("write", func(t *testing.T) {
		c, _ := tftp.NewClient(r.TFTPAddr().String())
		c.SetTimeout(time.Second)
		rf, err := c.Send("new.bin", "octet")
		if err == nil {
			_, err = rf.ReadFrom(strings.NewReader("data"))
		}
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("write: %v, want refused as read-only", err)
		}
		rec.Wait(t, servers.TFTPDenied, func(e servers.Event) bool { return e.File == "new.bin" }, time.Second)
	})
	if n := len(rec.Of(servers.TFTPError)); n != 0 {
		t.Errorf("refusals reported as errors too: %v", rec.Of(servers.TFTPError))
	}
}

func TestTFTPProgressAtMostTenPerSecond(t *testing.T) {
	body := randomBytes(t, 4<<20)
	r, rec := startLoopback(t, map[string]string{"big.bin": body}, nil)
	start := time.Now()
	if got, _, err := fetch(t, r, "big.bin", 512); err != nil || len(got) != len(body) {
		t.Fatalf("fetch: %v", err)
	}
	took := time.Since(start)
	rec.Wait(t, servers.TFTPDone, nil, time.Second)
	prog := rec.Of(servers.TFTPProgress)
	if max := int(took/(100*time.Millisecond)) + 1; len(prog) > max {
		t.Errorf("%d progress events in %v, want at most %d", len(prog), took, max)
	}
	if took > 300*time.Millisecond && len(prog) == 0 {
		t.Errorf("no progress event in %v", took)
	}
	for i := 1; i < len(prog); i++ {
		if prog[i].Bytes < prog[i-1].Bytes || prog[i].Size != int64(len(body)) {
			t.Fatalf("progress goes back or lacks size: %+v then %+v", prog[i-1], prog[i])
		}
	}
}

func TestTFTPConcurrentDownloads(t *testing.T) {
	body := randomBytes(t, 300_000)
	r, rec := startLoopback(t, map[string]string{"f.bin": body}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _, err := fetch(t, r, "f.bin", 1428)
			if err == nil && string(got) != body {
				err = fmt.Errorf("corrupt download")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(rec.Of(servers.TFTPDone)) < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(rec.Of(servers.TFTPDone)); n != 20 {
		t.Errorf("%d done events for 20 downloads", n)
	}
}

func TestTFTPMemoryDoesNotGrowWithTransfers(t *testing.T) {
	const clients, size = 20, 4 << 20
	body := randomBytes(t, size)
	r, _ := startLoopback(t, map[string]string{"f.bin": body}, nil)
	want := sha256.Sum256([]byte(body))
	live := func() uint64 { // bytes reachable now, garbage collected first
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := live()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if l := live(); l > peak.Load() {
				peak.Store(l)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := tftp.NewClient(r.TFTPAddr().String())
			c.SetBlockSize(1428)
			wt, err := c.Receive("f.bin", "octet")
			if err != nil {
				t.Error(err)
				return
			}
			h := sha256.New() // not a buffer: only the server's memory is measured
			if _, err := wt.WriteTo(h); err != nil || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Errorf("download: %v", err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base)
	t.Logf("live heap grew %d KiB for %d concurrent transfers of a %d KiB file", grew>>10, clients, size>>10)
	if grew > size { // one copy of the file per transfer would be 20 times that
		t.Errorf("heap grew %d KiB for %d transfers of a %d KiB file", grew>>10, clients, size>>10)
	}
}

// rawRRQ is a TFTP read request with the options given as name, value pairs.
func rawRRQ(name string, opts ...string) []byte {
	b := []byte{0, 1}
	b = append(append(b, name...), 0)
	b = append(append(b, "octet"...), 0)
	for _, o := range opts {
		b = append(append(b, o...), 0)
	}
	return b
}

func ack(block uint16) []byte {
	return []byte{0, 4, byte(block >> 8), byte(block)}
}

// readPacket reads one datagram or returns nil after wait.
func readPacket(t *testing.T, c *net.UDPConn, wait time.Duration) ([]byte, *net.UDPAddr) {
	t.Helper()
	buf := make([]byte, 70000)
	c.SetReadDeadline(time.Now().Add(wait))
	n, from, err := c.ReadFromUDP(buf)
	if err != nil {
		return nil, nil
	}
	return buf[:n], from
}

func TestTFTPDuplicateRequestDoesNotBreakTransfer(t *testing.T) {
	body := randomBytes(t, 512*20+100)
	r, rec := startLoopback(t, map[string]string{"f.bin": body}, func(c *servers.Config) { c.Timeout = time.Second })
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	c.WriteToUDP(rawRRQ("f.bin"), srv)
	first, tid := readPacket(t, c, time.Second)
	if first == nil {
		t.Fatal("no first block")
	}
	// The phone did not see our block in time and asks again from the same port.
	c.WriteToUDP(rawRRQ("f.bin"), srv)
	var got []byte
	pkt := first
	for block := uint16(1); ; block++ {
		if binary.BigEndian.Uint16(pkt[0:2]) != 3 || binary.BigEndian.Uint16(pkt[2:4]) != block {
			t.Fatalf("block %d: got packet %x from %v", block, pkt[:min(len(pkt), 40)], tid)
		}
		got = append(got, pkt[4:]...)
		c.WriteToUDP(ack(block), tid)
		if len(pkt) < 516 {
			break
		}
		var from *net.UDPAddr
		for {
			pkt, from = readPacket(t, c, 2*time.Second)
			if pkt == nil {
				t.Fatalf("transfer stalled after block %d", block)
			}
			if from.Port == tid.Port {
				break
			}
			t.Fatalf("packet %x from a second transfer (%v) while the first runs", pkt[:4], from)
		}
	}
	if string(got) != body {
		t.Fatal("corrupt download")
	}
	rec.Wait(t, servers.TFTPDone, nil, time.Second)
	if n := len(rec.Of(servers.TFTPRequest)); n != 1 {
		t.Errorf("%d request events, want 1 (the duplicate is not a transfer)", n)
	}
}

// A duplicate request when the servers stop: Stop ends the first transfer, no second
// one starts, and (under -race) nothing writes the first transfer's statistics from
// another goroutine.
func TestTFTPStopWithADuplicateWaiting(t *testing.T) {
	r, rec := startLoopback(t, map[string]string{"f.bin": randomBytes(t, 512*20)}, nil)
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := net.UDPAddrFromAddrPort(r.TFTPAddr())
	c.WriteToUDP(rawRRQ("f.bin"), srv)
	if first, _ := readPacket(t, c, time.Second); first == nil {
		t.Fatal("no first block")
	}
	c.WriteToUDP(rawRRQ("f.bin"), srv) // the duplicate, then no ACK at all
	time.Sleep(50 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { r.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop hangs with a duplicate request waiting")
	}
	if n := len(rec.Of(servers.TFTPDone)); n != 0 {
		t.Fatalf("%d tftp.done for a transfer that never finished", n)
	}
}

func TestTFTPVanishingClient(t *testing.T) {
	const timeout, retries = 200 * time.Millisecond, 3
	body := randomBytes(t, 512*50)
	r, rec := startLoopback(t, map[string]string{"f.bin": body}, func(c *servers.Config) {
		c.Timeout, c.Retries = timeout, retries
	})
	settle := func() int { time.Sleep(50 * time.Millisecond); return runtime.NumGoroutine() }
	before := settle()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c.WriteToUDP(rawRRQ("f.bin"), net.UDPAddrFromAddrPort(r.TFTPAddr()))
	pkt, tid := readPacket(t, c, time.Second)
	if pkt == nil {
		t.Fatal("no first block")
	}
	c.WriteToUDP(ack(1), tid)
	if pkt, _ := readPacket(t, c, time.Second); pkt == nil {
		t.Fatal("no second block")
	}
	gone := time.Now()
	c.Close() // the phone is unplugged
	e := rec.Wait(t, servers.TFTPError, nil, 5*time.Second)
	took := time.Since(gone)
	if limit := r.Config().GiveUpAfter() + 300*time.Millisecond; took > limit {
		t.Errorf("gave up after %v, want within %v", took, limit)
	}
	if e.File != "f.bin" || e.Bytes == 0 || e.Msg == "" {
		t.Errorf("error event %+v", e)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before the transfer", n, before)
	}
}

func TestTFTPLastAckLost(t *testing.T) {
	body := randomBytes(t, 700)
	r, rec := startLoopback(t, map[string]string{"f.bin": body}, func(c *servers.Config) { c.Timeout, c.Retries = 50*time.Millisecond, 2 })
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteToUDP(rawRRQ("f.bin"), net.UDPAddrFromAddrPort(r.TFTPAddr()))
	_, tid := readPacket(t, c, time.Second)
	c.WriteToUDP(ack(1), tid)
	if last, _ := readPacket(t, c, time.Second); len(last) != 4+700-512 {
		t.Fatalf("last block %d bytes", len(last))
	}
	// The client has everything and leaves without acknowledging the last block.
	e := rec.Wait(t, servers.TFTPDone, nil, 2*time.Second)
	if e.Bytes != 700 || !strings.Contains(e.Msg, "acknowledgement") {
		t.Errorf("done event %+v", e)
	}
	if errs := rec.Of(servers.TFTPError); len(errs) != 0 {
		t.Errorf("also reported as an error: %+v", errs)
	}
}

func TestTFTPFirstRequestRightAfterStart(t *testing.T) {
	// pin enables the control messages that give it the local address and MTU inside
	// Serve; a request that arrives before must still negotiate its block size.
	for i := 0; i < 5; i++ {
		r, rec := startLoopback(t, map[string]string{"f.bin": randomBytes(t, 5000)}, nil)
		if _, _, err := fetch(t, r, "f.bin", 1428); err != nil {
			t.Fatal(err)
		}
		if e := rec.Wait(t, servers.TFTPDone, nil, time.Second); e.BlockSize != 1428 {
			t.Fatalf("run %d: blksize %d, want 1428", i, e.BlockSize)
		}
		r.Stop()
	}
}

var _ = io.EOF
