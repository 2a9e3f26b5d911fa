package servers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pin/tftp/v3"
)

// progressEvery is the least time between two tftp.progress events of one transfer.
const progressEvery = 100 * time.Millisecond

// readAhead is the buffer a transfer reads its file through once its client answers.
const readAhead = 16 << 10

// errStopping aborts the transfers still running when the servers stop.
var errStopping = errors.New(Stopped + ": the server is shutting down")

// tftpServer serves a Root read-only: serveRequests reads and admits each request, pin
// (github.com/pin/tftp/v3) runs the transfer, and every stage of a transfer is reported on the bus.
type tftpServer struct {
	srv      *tftp.Server
	root     Root
	bus      *Bus[Event]
	conn     *net.UDPConn
	admit    *admission
	stopping atomic.Bool
	served   chan error // serveRequests' result

	mu     sync.Mutex
	active map[transferKey]*transfer

	quiet limiter // reports of refusals in bulk and of noise; only touched by serveRequests
}

// transfer is one read request admitted, from serveRequests until its handler returns.
type transfer struct {
	ev    Event        // IP, Port, File (the name asked) filled in
	sock  *net.UDPConn // pin's socket for it, once its handler runs: closed to stop it
	stats tftp.TransferStats
	// sending: inside ReadFrom, the hook may report for it.
	sending atomic.Bool
}

func newTFTPServer(cfg *resolved, conn *net.UDPConn, root Root, bus *Bus[Event]) *tftpServer {
	t := &tftpServer{root: root, bus: bus, conn: conn, served: make(chan error, 1), admit: newAdmission(defaultTFTPLimits),
		active: map[transferKey]*transfer{}, quiet: limiter{every: quietFor}}
	t.srv = tftp.NewServer(t.read, nil) // write requests never reach pin: serveRequests refuses them
	t.srv.SetTimeout(cfg.Timeout)
	t.srv.SetRetries(cfg.Retries)
	// Instead of pin's random 0-1 s sleep before every resend (5-6 s per lost packet
	// with its defaults): see backoff. None once stopping: the socket is closed, and
	// each resend fails at once.
	t.srv.SetBackoff(func(n int) time.Duration {
		if t.stopping.Load() {
			return 0
		}
		return backoff(cfg.Timeout, n)
	})
	if cfg.BlockSize > 0 {
		t.srv.SetBlockSize(cfg.BlockSize)
	}
	t.srv.SetHook(hook{t})
	return t
}

func (t *tftpServer) start() {
	go func() { t.served <- t.serveRequests() }()
}

// shutdown stops taking requests, ends every transfer at once (its client may have gone
// silent: pin would resend for Timeout x Retries) and waits for their goroutines.
func (t *tftpServer) shutdown() error {
	t.stopping.Store(true)
	t.conn.Close()
	err := <-t.served // no request reaches pin after this
	t.mu.Lock()
	for _, tr := range t.active {
		if tr.sock != nil {
			tr.sock.Close()
		}
	}
	t.mu.Unlock()
	t.srv.Shutdown()
	return err
}

// read serves one read request. The name is passed to the Root exactly as the client
// sent it.
func (t *tftpServer) read(asked string, rf io.ReaderFrom) error {
	ot := rf.(tftp.OutgoingTransfer)
	ra := ot.RemoteAddr()
	key := transferKey{ra.IP.String(), ra.Port, asked}
	tr, ok := t.begin(key, transferSocket(rf))
	if tr == nil {
		return fmt.Errorf("TFTP server: %q from %s was never admitted", asked, &ra) // cannot happen
	}
	defer t.end(key)
	if !ok {
		return errStopping
	}

	client, _ := netip.AddrFromSlice(ra.IP)
	r, size, resolved, err := t.root.Open(asked, client.Unmap())
	if err != nil {
		return t.refuse(tr, err)
	}
	defer r.Close()
	tr.ev.File, tr.ev.Size = resolved, size
	if resolved != asked {
		tr.ev.Asked = asked
	}
	ot.SetSize(size) // the progress reader hides Seek: without this tsize goes unanswered
	req := tr.ev
	req.Kind = TFTPRequest
	publish(t.bus, req)

	start := time.Now()
	pr := &progressReader{file: r, t: t, ev: tr.ev, next: start.Add(progressEvery)}
	pr.ev.Kind = TFTPProgress
	tr.sending.Store(true)
	n, err := rf.ReadFrom(pr)
	tr.sending.Store(false)

	e := tr.ev
	e.Bytes = n
	took := time.Since(start)
	e.DurationMS = took.Milliseconds()
	if err != nil && t.stopping.Load() {
		err = errStopping // the socket closed under it: say why, not how
	}
	if err != nil && !(n == size && isTimeout(err)) {
		e.Kind, e.Msg = TFTPError, err.Error()
		publish(t.bus, e)
		return err
	}
	if err != nil {
		// Every block went out and only the acknowledgement of the last one never came:
		// lost, or a client that left without it (curl does). Almost surely delivered.
		e.Msg = "sent in full, but the acknowledgement of the last block never arrived"
	}
	st := tr.stats
	e.Kind = TFTPDone
	if took > 0 {
		e.Rate = float64(n) / took.Seconds()
	}
	e.Retransmits = max(0, st.DatagramsSent-st.DatagramsAcked)
	e.BlockSize = 512
	if bs, err := strconv.Atoi(map[string]string(st.Opts)["blksize"]); err == nil {
		e.BlockSize = bs
	}
	publish(t.bus, e)
	return nil
}

// refuse reports a name the Root would not open, with the name as asked and the
// reason, and returns the error for the client (pin always sends it as code 1, so the
// text says what it is).
func (t *tftpServer) refuse(tr *transfer, err error) error {
	e := tr.ev
	e.Asked = e.File
	var reason string
	e.Kind, reason = rootRefusal(err)
	e.Msg = err.Error()
	if reason != "" {
		e.Msg = reason + ": " + e.Msg
	}
	if e.Kind == TFTPDenied && !strings.Contains(err.Error(), "access violation") {
		err = fmt.Errorf("access violation: %w", err)
	}
	publish(t.bus, e)
	return err
}

// begin finds the transfer serveRequests admitted for k and records pin's socket for
// it; ok is false when the servers are stopping (shutdown has closed the sockets it
// knew of, and will not see this one).
func (t *tftpServer) begin(k transferKey, sock *net.UDPConn) (tr *transfer, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tr = t.active[k]
	if tr == nil || t.stopping.Load() {
		return tr, false
	}
	tr.sock = sock
	return tr, true
}

// end forgets the transfer of k and gives its place back.
func (t *tftpServer) end(k transferKey) {
	t.mu.Lock()
	delete(t.active, k)
	t.mu.Unlock()
	t.admit.release(k.ip)
}

// hook receives pin's per-transfer statistics, called inside ReadFrom.
type hook struct{ t *tftpServer }

func (h hook) OnSuccess(st tftp.TransferStats)            { h.record(st) }
func (h hook) OnFailure(st tftp.TransferStats, err error) { h.record(st) }

func (h hook) record(st tftp.TransferStats) {
	h.t.mu.Lock()
	tr := h.t.active[transferKey{st.RemoteAddr.String(), st.Tid, st.Filename}]
	h.t.mu.Unlock()
	if tr != nil && tr.sending.Load() {
		tr.stats = st // read by the same goroutine after ReadFrom returns
	}
}

// progressReader counts what pin reads (at most one block ahead of what the client
// acknowledged) and publishes it at most every progressEvery.
type progressReader struct {
	file  io.Reader
	ahead *bufio.Reader // made at the second read: a client that never answers costs none
	reads int
	t     *tftpServer
	ev    Event
	next  time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.t.stopping.Load() {
		return 0, errStopping
	}
	if p.reads++; p.reads == 2 {
		// pin reads one block at a time: without a buffer every block costs a read syscall.
		p.ahead = bufio.NewReaderSize(p.file, readAhead)
	}
	var n int
	var err error
	if p.ahead != nil {
		n, err = p.ahead.Read(b)
	} else {
		n, err = p.file.Read(b)
	}
	p.ev.Bytes += int64(n)
	if now := time.Now(); now.After(p.next) {
		p.next = now.Add(progressEvery)
		publish(p.t.bus, p.ev)
	}
	return n, err
}
