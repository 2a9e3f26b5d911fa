package servers

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ifaceConn is a socket of one interface: reads return only datagrams the OS says
// arrived on that interface, and replies leave from the send socket. Linux's
// SO_BINDTODEVICE already filters receives, so there this is a second guard. macOS's
// IP_BOUND_IF scopes sends only (xnu in_pcb.c _inp_restricted_recv; insomniacslk/dhcp
// issue #378), and Windows cannot bind a socket to an interface at all: there this
// filter is what keeps a DHCP server from answering another network.
type ifaceConn struct {
	ifindex int            // the interface's index (net.Interface.Index)
	send    net.PacketConn // replies leave here
	readers []ifaceReader
	conns   []net.PacketConn // every socket, for Close and deadlines
	explain func(error) error

	pkts    chan ifacePacket // several readers meet here
	done    chan struct{}
	once    sync.Once
	dropped atomic.Uint64 // datagrams from other interfaces (or with no word of one)
}

// ifaceReader reads one datagram and the index of the interface it arrived on; ok is
// false when no control message named one.
type ifaceReader func(b []byte) (n int, from net.Addr, ifindex int, ok bool, err error)

type ifacePacket struct {
	b       []byte
	from    net.Addr
	ifindex int
	ok      bool
	err     error
}

// fromInterface is the filter: a datagram is ours only when the OS named the
// interface it arrived on and that is ours. No word at all means drop: krolaw/dhcp4's
// filter lets such packets through, and one answer on the wrong network is one too many.
func fromInterface(want, got int, ok bool) bool {
	return ok && want > 0 && got == want
}

// newIfaceConn reads from readers (one per socket in conns) and sends from send.
// explain, if set, rewrites a send error into one that names the fix.
func newIfaceConn(ifindex int, send net.PacketConn, conns []net.PacketConn, readers []ifaceReader, explain func(error) error) *ifaceConn {
	c := &ifaceConn{ifindex: ifindex, send: send, conns: conns, readers: readers, explain: explain, done: make(chan struct{})}
	if len(readers) > 1 {
		c.pkts = make(chan ifacePacket)
		for _, r := range readers {
			go c.pump(r)
		}
	}
	return c
}

// pump feeds one socket's datagrams to ReadFrom until the conn is closed.
func (c *ifaceConn) pump(r ifaceReader) {
	buf := make([]byte, 4096)
	for {
		n, from, idx, ok, err := r(buf)
		p := ifacePacket{b: append([]byte(nil), buf[:n]...), from: from, ifindex: idx, ok: ok, err: err}
		select {
		case c.pkts <- p:
		case <-c.done:
			return
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
	}
}

// ReadFrom returns the next datagram that arrived on the interface.
func (c *ifaceConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		var p ifacePacket
		if c.pkts == nil {
			n, from, idx, ok, err := c.readers[0](b)
			p = ifacePacket{b: b[:n], from: from, ifindex: idx, ok: ok, err: err}
		} else {
			select {
			case p = <-c.pkts:
			case <-c.done:
				return 0, nil, net.ErrClosed
			}
		}
		if p.err != nil {
			return 0, p.from, p.err
		}
		if fromInterface(c.ifindex, p.ifindex, p.ok) {
			return copy(b, p.b), p.from, nil
		}
		c.dropped.Add(1)
	}
}

// WriteTo sends b from the send socket.
func (c *ifaceConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	n, err := c.send.WriteTo(b, addr)
	if err != nil && c.explain != nil {
		err = c.explain(err)
	}
	return n, err
}

// Close closes every socket; a blocked ReadFrom returns net.ErrClosed.
func (c *ifaceConn) Close() error {
	var errs []error
	c.once.Do(func() {
		close(c.done)
		for _, pc := range c.conns {
			errs = append(errs, pc.Close())
		}
	})
	return errors.Join(errs...)
}

// LocalAddr is the receiving socket's address (the wildcard on Windows and macOS).
func (c *ifaceConn) LocalAddr() net.Addr { return c.conns[0].LocalAddr() }

// errDeadlines: with several sockets behind one ReadFrom a read deadline has no single
// meaning; nothing that reads such a conn sets one.
var errDeadlines = errors.New("read deadlines need a single socket")

func (c *ifaceConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *ifaceConn) SetReadDeadline(t time.Time) error {
	if c.pkts != nil {
		return errDeadlines
	}
	return c.conns[0].SetReadDeadline(t)
}

func (c *ifaceConn) SetWriteDeadline(t time.Time) error { return c.send.SetWriteDeadline(t) }

// closeAll closes what a failed listen opened so far.
func closeAll(cs ...io.Closer) {
	for _, c := range cs {
		if c != nil {
			c.Close()
		}
	}
}
