package servers

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeReader hands out scripted datagrams, then blocks until closed: the several-
// socket path of ifaceConn (Windows) without Windows.
type fakeReader struct {
	pkts   []ifacePacket
	mu     sync.Mutex
	closed chan struct{}
}

func (f *fakeReader) read(b []byte) (int, net.Addr, int, bool, error) {
	f.mu.Lock()
	if len(f.pkts) > 0 {
		p := f.pkts[0]
		f.pkts = f.pkts[1:]
		f.mu.Unlock()
		return copy(b, p.b), p.from, p.ifindex, p.ok, p.err
	}
	f.mu.Unlock()
	<-f.closed
	return 0, nil, 0, false, net.ErrClosed
}

type fakeConn struct {
	net.PacketConn
	closed chan struct{}
	once   sync.Once
}

func (f *fakeConn) Close() error        { f.once.Do(func() { close(f.closed) }); return nil }
func (f *fakeConn) LocalAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4zero, Port: 67} }

func TestIfaceConnMergesSocketsAndFilters(t *testing.T) {
	peer := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 68}
	closed := make(chan struct{})
	wild := &fakeReader{closed: closed, pkts: []ifacePacket{
		{b: []byte("other interface"), from: peer, ifindex: 9, ok: true},
		{b: []byte("no pktinfo"), from: peer},
		{b: []byte("broadcast on ours"), from: peer, ifindex: 4, ok: true},
	}}
	own := &fakeReader{closed: closed, pkts: []ifacePacket{
		{b: []byte("unicast on ours"), from: peer, ifindex: 4, ok: true},
	}}
	conn := &fakeConn{closed: closed}
	ic := newIfaceConn(4, conn, []net.PacketConn{conn}, []ifaceReader{wild.read, own.read}, nil)
	got := map[string]bool{}
	buf := make([]byte, 64)
	for len(got) < 2 {
		n, _, err := ic.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got[string(buf[:n])] = true
	}
	if !got["broadcast on ours"] || !got["unicast on ours"] {
		t.Errorf("read %v", got)
	}
	if err := ic.SetReadDeadline(time.Now()); !errors.Is(err, errDeadlines) {
		t.Errorf("deadline on several sockets: %v", err)
	}
	ic.Close()
	if _, _, err := ic.ReadFrom(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	if d := ic.dropped.Load(); d != 2 {
		t.Errorf("dropped %d, want 2 (the other interface, the one with no pktinfo)", d)
	}
}
