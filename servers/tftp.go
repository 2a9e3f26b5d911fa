package servers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pin/tftp/v3"
)

// progressEvery is the least time between two tftp.progress events of one transfer.
const progressEvery = 100 * time.Millisecond

// errStopping aborts the transfers still running when the servers stop.
var errStopping = errors.New("server shutting down")

// tftpServer serves a Root read-only through pin/tftp and reports every transfer.
type tftpServer struct {
	srv      *tftp.Server
	root     Root
	bus      *Bus
	conn     *net.UDPConn
	stopping atomic.Bool
	served   chan error // Serve's result

	mu     sync.Mutex
	active map[transferKey]*transfer

	loopErrs limiter // only touched from the Serve goroutine (hook calls without a transfer)

	// buffers are read-ahead buffers, one per running transfer whatever the file size.
	buffers sync.Pool
}

// transfer is one read request being served.
type transfer struct {
	ev      Event         // IP, Port, File, Asked, Size filled in
	done    chan struct{} // closed when its handler returns
	sending atomic.Bool   // inside ReadFrom: the hook may report for it
	stats   tftp.TransferStats
}

func newTFTPServer(cfg *resolved, conn *net.UDPConn, root Root, bus *Bus) *tftpServer {
	t := &tftpServer{root: root, bus: bus, conn: conn, served: make(chan error, 1),
		active: map[transferKey]*transfer{}, loopErrs: limiter{every: quietFor},
		buffers: sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}}
	t.srv = tftp.NewServer(t.read, t.write)
	t.srv.SetTimeout(cfg.Timeout)
	t.srv.SetRetries(cfg.Retries)
	// Instead of pin's random 0-1 s sleep before every resend (5-6 s per lost packet
	// with its defaults): see backoff.
	t.srv.SetBackoff(func(n int) time.Duration { return backoff(cfg.Timeout, n) })
	if cfg.BlockSize > 0 {
		t.srv.SetBlockSize(cfg.BlockSize)
	}
	t.srv.SetHook(hook{t})
	return t
}

func (t *tftpServer) start() {
	go func() { t.served <- t.srv.Serve(t.conn) }()
}

// shutdown aborts running transfers at their next block, then stops pin: it closes the
// socket and waits for every transfer goroutine.
func (t *tftpServer) shutdown() error {
	t.stopping.Store(true)
	t.srv.Shutdown()
	return <-t.served
}

// write refuses every write request: phoneflash only reads.
func (t *tftpServer) write(name string, wt io.WriterTo) error {
	ra := wt.(tftp.IncomingTransfer).RemoteAddr()
	err := fmt.Errorf("access violation: %q: this server is read-only", name)
	t.bus.Publish(Event{Kind: TFTPDenied, IP: ra.IP.String(), Port: ra.Port, File: name, Msg: "write request refused: read-only"})
	return err
}

// read serves one read request. The name is passed to the Root exactly as the client
// sent it.
func (t *tftpServer) read(asked string, rf io.ReaderFrom) error {
	ot := rf.(tftp.OutgoingTransfer)
	ra := ot.RemoteAddr()
	tr := &transfer{ev: Event{IP: ra.IP.String(), Port: ra.Port, File: asked}, done: make(chan struct{})}
	key := transferKey{tr.ev.IP, tr.ev.Port, asked}
	if first := t.begin(key, tr); first != nil {
		// The client resent its request before our first packet reached it. Answering
		// would start a second transfer towards the same client port; stay silent until
		// the first one is over (on shutdown it stops at its next block). Returning
		// earlier would let pin's hook report this handler under the first one's key.
		<-first.done
		return fmt.Errorf("duplicate request for %q from %s: already served", asked, &ra)
	}
	defer t.end(key, tr)

	r, size, resolved, err := t.root.Open(asked)
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
	t.bus.Publish(req)

	start := time.Now()
	// pin reads one block at a time: without a buffer every block costs a read syscall.
	buf := t.buffers.Get().(*bufio.Reader)
	buf.Reset(r)
	defer func() { buf.Reset(nil); t.buffers.Put(buf) }()
	pr := &progressReader{r: buf, t: t, ev: tr.ev, next: start.Add(progressEvery)}
	pr.ev.Kind = TFTPProgress
	tr.sending.Store(true)
	n, err := rf.ReadFrom(pr)
	tr.sending.Store(false)

	e := tr.ev
	e.Bytes = n
	took := time.Since(start)
	e.DurationMS = took.Milliseconds()
	if err != nil && !(n == size && isTimeout(err)) {
		e.Kind, e.Msg = TFTPError, err.Error()
		t.bus.Publish(e)
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
	t.bus.Publish(e)
	return nil
}

// refuse reports a name the Root would not open and returns the error for the client
// (pin always sends it as code 1, so the text says what it is).
func (t *tftpServer) refuse(tr *transfer, err error) error {
	e := tr.ev
	e.Msg = err.Error()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Kind = TFTPMissing
	case errors.Is(err, fs.ErrPermission):
		e.Kind = TFTPDenied
		if !strings.Contains(e.Msg, "access violation") {
			err = fmt.Errorf("access violation: %w", err)
		}
	default:
		e.Kind = TFTPError
	}
	t.bus.Publish(e)
	return err
}

// begin registers tr; when a transfer for the same client port and name is running it
// returns that one instead.
func (t *tftpServer) begin(k transferKey, tr *transfer) *transfer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if first := t.active[k]; first != nil {
		return first
	}
	t.active[k] = tr
	return nil
}

func (t *tftpServer) end(k transferKey, tr *transfer) {
	t.mu.Lock()
	delete(t.active, k)
	t.mu.Unlock()
	close(tr.done)
}

// hook receives pin's per-transfer statistics, called inside ReadFrom.
type hook struct{ t *tftpServer }

func (h hook) OnSuccess(st tftp.TransferStats) { h.record(st) }

func (h hook) OnFailure(st tftp.TransferStats, err error) {
	if st.RemoteAddr == nil {
		// Not a transfer: the listening loop met a packet it could not use (a stray ACK,
		// garbage) or could not open a transfer socket.
		if h.t.loopErrs.allow(err.Error(), time.Now()) {
			h.t.bus.Publish(Event{Kind: TFTPError, Msg: "TFTP server: " + err.Error()})
		}
		return
	}
	h.record(st)
}

func (h hook) record(st tftp.TransferStats) {
	h.t.mu.Lock()
	tr := h.t.active[transferKey{st.RemoteAddr.String(), st.Tid, st.Filename}]
	h.t.mu.Unlock()
	// DatagramsSent == 0: a handler that sent nothing (a duplicate request) under the
	// same key as the transfer that is sending.
	if tr != nil && tr.sending.Load() && st.DatagramsSent > 0 {
		tr.stats = st // read by the same goroutine after ReadFrom returns
	}
}

// progressReader counts what pin reads (at most one block ahead of what the client
// acknowledged) and publishes it at most every progressEvery.
type progressReader struct {
	r    io.Reader
	t    *tftpServer
	ev   Event
	next time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.t.stopping.Load() {
		return 0, errStopping
	}
	n, err := p.r.Read(b)
	p.ev.Bytes += int64(n)
	if now := time.Now(); now.After(p.next) {
		p.next = now.Add(progressEvery)
		p.t.bus.Publish(p.ev)
	}
	return n, err
}
