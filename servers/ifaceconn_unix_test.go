//go:build linux || darwin

package servers

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// loopbackIfaceConn is an ifaceConn over the x/net reader (Linux's and macOS's code
// path) on a loopback socket that accepts only the interface with index want.
func loopbackIfaceConn(t *testing.T, want int) *ifaceConn {
	t.Helper()
	c, err := listenUDP(netip.MustParseAddrPort("127.0.0.1:0"), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := unixReader(c)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	ic := newIfaceConn(want, c, []net.PacketConn{c}, []ifaceReader{r}, nil)
	t.Cleanup(func() { ic.Close() })
	return ic
}

func loopbackIndex(t *testing.T) int {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Index
		}
	}
	t.Skip("no loopback interface")
	return 0
}

func sendTo(t *testing.T, to net.Addr, msg string) {
	t.Helper()
	c, err := net.Dial("udp4", to.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func TestIfaceConnPassesItsInterface(t *testing.T) {
	ic := loopbackIfaceConn(t, loopbackIndex(t))
	sendTo(t, ic.LocalAddr(), "hello")
	ic.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, from, err := ic.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != "hello" || !from.(*net.UDPAddr).IP.IsLoopback() {
		t.Errorf("read %q from %v", buf[:n], from)
	}
	// Replies leave from the same socket.
	if _, err := ic.WriteTo([]byte("x"), from); err != nil {
		t.Errorf("write: %v", err)
	}
}

func TestIfaceConnDropsOtherInterfaces(t *testing.T) {
	ic := loopbackIfaceConn(t, loopbackIndex(t)+1000) // an index no datagram here arrives on
	sendTo(t, ic.LocalAddr(), "not for us")
	ic.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, _, err := ic.ReadFrom(make([]byte, 64))
	if err == nil {
		t.Fatalf("read %d bytes from another interface", n)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
	if d := ic.dropped.Load(); d != 1 {
		t.Errorf("dropped %d datagrams, want 1", d)
	}
}

func TestIfaceConnCloseEndsRead(t *testing.T) {
	ic := loopbackIfaceConn(t, loopbackIndex(t))
	errc := make(chan error, 1)
	go func() {
		_, _, err := ic.ReadFrom(make([]byte, 64))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	ic.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) { // dhcpServer.serve ends quietly only on this
			t.Errorf("read after close: %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ReadFrom still blocked after Close")
	}
}
