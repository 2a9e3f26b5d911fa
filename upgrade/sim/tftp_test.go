package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestClient(server *net.UDPAddr) *tftpClient {
	return &tftpClient{server: server, listen: loopbackListen, timeout: 300 * time.Millisecond, retries: 4}
}

func TestTFTPGetSizes(t *testing.T) {
	files := map[string][]byte{}
	sizes := []int{0, 1, 511, 512, 513, 1024, 5000}
	for _, n := range sizes {
		files[name(n)] = pattern(n)
	}
	srv := startTFTP(t, files, time.Second)
	for _, n := range sizes {
		for _, blk := range []int{0, 1024} {
			c := newTestClient(srv.addr)
			c.blksize = blk
			got, err := c.get(context.Background(), fetch{name: name(n)})
			if err != nil {
				t.Fatalf("%d bytes, blksize %d: %v", n, blk, err)
			}
			if !bytes.Equal(got.data, files[name(n)]) {
				t.Fatalf("%d bytes, blksize %d: got %d bytes, not the file", n, blk, len(got.data))
			}
			if got.resent != 0 || got.dropped != 0 {
				t.Errorf("%d bytes: resent %d dropped %d on a clean loopback", n, got.resent, got.dropped)
			}
		}
	}
}

func name(n int) string { return "f" + string(rune('a'+n%26)) + "-" + itoa(n) + ".sbn" }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestTFTPNotFound(t *testing.T) {
	srv := startTFTP(t, nil, time.Second)
	_, err := newTestClient(srv.addr).get(context.Background(), fetch{name: "CTLSEP001E4A123456.tlv"})
	var se *ServerError
	if !errors.As(err, &se) || !se.NotFound() {
		t.Fatalf("want a not-found ServerError, got %v", err)
	}
	if !strings.HasPrefix(se.Msg, "file not found: ") || strings.ContainsRune(se.Msg, 0) {
		t.Errorf("message %q: want the server's text without its trailing NUL", se.Msg)
	}
}

func TestTFTPNoServer(t *testing.T) {
	// A bound socket that never answers: nothing else on loopback is addressed.
	quiet, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	c := newTestClient(quiet.LocalAddr().(*net.UDPAddr))
	c.timeout, c.retries = 20*time.Millisecond, 2
	_, err = c.get(context.Background(), fetch{name: "XMLDefault.cnf.xml"})
	var na *NoAnswerError
	if !errors.As(err, &na) || na.Tries != 3 {
		t.Fatalf("want NoAnswerError after 3 requests, got %v", err)
	}
	n := 0
	buf := make([]byte, 600)
	_ = quiet.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	for {
		if _, _, err := quiet.ReadFrom(buf); err != nil {
			break
		}
		n++
	}
	if n != 3 {
		t.Errorf("the server side saw %d RRQs, want 3", n)
	}
}

func TestTFTPLoss(t *testing.T) {
	body := pattern(40 * 512)
	srv := startTFTP(t, map[string][]byte{"apps41.sbn": body}, 30*time.Millisecond)
	c := newTestClient(srv.addr)
	c.timeout = 100 * time.Millisecond
	c.retries = 10
	l := newLoss(25, 7)
	c.drop = l.drop
	got, err := c.get(context.Background(), fetch{name: "apps41.sbn"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.data, body) {
		t.Fatal("data differs after loss")
	}
	if got.dropped == 0 || got.dropped != l.count() {
		t.Errorf("dropped %d (loss counted %d): a 25%% loss over 40 blocks must drop some", got.dropped, l.count())
	}
}

func TestTFTPPowerCut(t *testing.T) {
	body := pattern(8 * 512)
	srv := startTFTP(t, map[string][]byte{"cnu41.sbn": body}, 30*time.Millisecond)
	got, err := newTestClient(srv.addr).get(context.Background(), fetch{name: "cnu41.sbn", cutAt: 1500})
	if !errors.Is(err, errPowerCut) {
		t.Fatalf("want errPowerCut, got %v", err)
	}
	if len(got.data) != 1536 {
		t.Errorf("cut after %d bytes, want 1536 (the block that crossed 1500)", len(got.data))
	}
	// The server must see the transfer die: it was never ACKed past block 2.
	if !srv.waitFailed(t, "cnu41.sbn", 2*time.Second) {
		t.Error("the server did not see the cut transfer fail")
	}
}

func TestTFTPExtraNULAccepted(t *testing.T) {
	srv := startTFTP(t, map[string][]byte{"OS79XX.TXT": []byte("P0S3-8-12-00\r\n")}, time.Second)
	got, err := newTestClient(srv.addr).get(context.Background(), fetch{name: "OS79XX.TXT", extraNUL: true})
	if err != nil || string(got.data) != "P0S3-8-12-00\r\n" {
		t.Fatalf("got %q, %v", got.data, err)
	}
}

func TestTFTPCancel(t *testing.T) {
	quiet, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	c := newTestClient(quiet.LocalAddr().(*net.UDPAddr))
	c.timeout, c.retries = 10*time.Second, 3
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.get(ctx, fetch{name: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("want a prompt context error, got %v after %v", err, time.Since(start))
	}
}

// scripted is a fake server: for each datagram it reads, script returns the
// datagrams to send (to the sender, from the given socket).
type step func(from *net.UDPAddr, p []byte) []reply

type reply struct {
	via  *net.UDPConn // nil: the transfer socket
	data []byte
}

func runScripted(t *testing.T, makeScript func(stray *net.UDPConn) step) (*net.UDPAddr, *net.UDPConn) {
	t.Helper()
	listen, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	xfer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	stray, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	script := makeScript(stray)
	var mu sync.Mutex // both sockets' readers call the script
	done := make(chan struct{})
	serve := func(c *net.UDPConn) {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			mu.Lock()
			replies := script(from, append([]byte(nil), buf[:n]...))
			mu.Unlock()
			for _, r := range replies {
				via := r.via
				if via == nil {
					via = xfer
				}
				_, _ = via.WriteToUDP(r.data, from)
			}
		}
	}
	go func() { serve(listen) }()
	go func() { serve(xfer); close(done) }()
	t.Cleanup(func() { listen.Close(); xfer.Close(); stray.Close(); <-done })
	return listen.LocalAddr().(*net.UDPAddr), stray
}

func data(block uint16, b []byte) []byte {
	p := binary.BigEndian.AppendUint16(nil, opDATA)
	p = binary.BigEndian.AppendUint16(p, block)
	return append(p, b...)
}

func TestTFTPScripted(t *testing.T) {
	full := pattern(512)
	tests := []struct {
		name    string
		script  func(stray *net.UDPConn) step
		want    []byte
		wantErr string
		stray   bool // the phone must have told a stray source "unknown transfer ID"
	}{
		{"stray TID is told off, transfer goes on", func(stray *net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				switch binary.BigEndian.Uint16(p) {
				case opRRQ:
					return []reply{{nil, data(1, full)}}
				case opACK:
					if binary.BigEndian.Uint16(p[2:]) == 1 {
						return []reply{{stray, data(2, []byte("junk"))}, {nil, data(2, []byte("end"))}}
					}
				}
				return nil
			}
		}, append(append([]byte(nil), full...), "end"...), "", true},
		{"duplicate DATA is ACKed again", func(*net.UDPConn) step {
			acks := 0
			return func(_ *net.UDPAddr, p []byte) []reply {
				switch binary.BigEndian.Uint16(p) {
				case opRRQ:
					return []reply{{nil, data(1, full)}}
				case opACK:
					acks++
					if acks == 1 { // pretend ACK 1 was lost: send block 1 again
						return []reply{{nil, data(1, full)}}
					}
					if acks == 2 {
						return []reply{{nil, data(2, nil)}}
					}
				}
				return nil
			}
		}, full, "", false},
		{"OACK then data", func(*net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				switch binary.BigEndian.Uint16(p) {
				case opRRQ:
					return []reply{{nil, append(binary.BigEndian.AppendUint16(nil, opOACK), "blksize\x00600\x00"...)}}
				case opACK:
					if binary.BigEndian.Uint16(p[2:]) == 0 {
						return []reply{{nil, data(1, pattern(100))}}
					}
				}
				return nil
			}
		}, pattern(100), "", false},
		{"garbled reply", func(*net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				if binary.BigEndian.Uint16(p) == opRRQ {
					return []reply{{nil, []byte{0, 9, 1}}}
				}
				return nil
			}
		}, nil, "garbled reply", false},
		{"block larger than negotiated", func(*net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				if binary.BigEndian.Uint16(p) == opRRQ {
					return []reply{{nil, data(1, pattern(513))}}
				}
				return nil
			}
		}, nil, "more than the block size", false},
		{"server stalls mid-file", func(*net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				if binary.BigEndian.Uint16(p) == opRRQ {
					return []reply{{nil, data(1, full)}}
				}
				return nil
			}
		}, nil, "transfer stalled after 512 bytes", false},
		{"error without NUL", func(*net.UDPConn) step {
			return func(_ *net.UDPAddr, p []byte) []reply {
				return []reply{{nil, append([]byte{0, 5, 0, 2}, "denied"...)}}
			}
		}, nil, `TFTP error 2 "denied"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, stray := runScripted(t, tt.script)
			c := newTestClient(addr)
			c.timeout, c.retries = 50*time.Millisecond, 2
			got, err := c.get(context.Background(), fetch{name: "x.sbn"})
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.data, tt.want) {
				t.Fatalf("got %d bytes, want %d", len(got.data), len(tt.want))
			}
			// Anything the phone sent the stray socket must be "unknown transfer ID".
			told := 0
			buf := make([]byte, 100)
			_ = stray.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			for {
				n, _, err := stray.ReadFromUDP(buf)
				if err != nil {
					break
				}
				if p, _ := parsePacketFromClient(buf[:n]); p != errCodeUnknownTID {
					t.Errorf("stray source got % x, want ERROR 5", buf[:n])
				}
				told++
			}
			if tt.stray && told == 0 {
				t.Error("the stray source was not told off")
			}
		})
	}
}

// parsePacketFromClient returns the error code of an ERROR the phone sent, or 0xffff.
func parsePacketFromClient(b []byte) (uint16, error) {
	if len(b) < 4 || binary.BigEndian.Uint16(b) != opERROR {
		return 0xffff, errors.New("not an ERROR")
	}
	return binary.BigEndian.Uint16(b[2:]), nil
}
