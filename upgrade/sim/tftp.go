package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// maxFile bounds what the phone accepts in one file: the largest 79xx file is 4.6 MB
// (FACTS.md §1.2), so a server sending more is broken, not generous.
const maxFile = 64 << 20

// ServerError is a TFTP ERROR packet the server answered with.
type ServerError struct {
	File string
	Code uint16
	Msg  string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("%s: server answered TFTP error %d %q", e.File, e.Code, e.Msg)
}

// NotFound reports whether the server said the file is not there. pin/tftp answers
// code 1 for every failure, so the text is not consulted.
func (e *ServerError) NotFound() bool { return e.Code == errCodeNotFound }

// NoAnswerError means nothing came back to a read request: no TFTP server there.
type NoAnswerError struct {
	File   string
	Server string
	Tries  int
}

func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("%s: no TFTP server answers at %s (%d requests sent)", e.File, e.Server, e.Tries)
}

// StallError means a transfer started and then the server went silent.
type StallError struct {
	File  string
	Bytes int64
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: transfer stalled after %d bytes (server silent)", e.File, e.Bytes)
}

// errPowerCut ends a transfer the phone abandons on purpose (the power-cut fault).
var errPowerCut = errors.New("power cut")

// tftpClient reads files the way a phone does: lock-step, one socket per transfer,
// octet mode, no RFC 2347 options unless blksize is set (a 7940 sends none, FACTS.md §3).
// It is a raw client rather than pin/tftp's because the faults need packet-level
// control: dropping received datagrams (loss) and going silent mid-file (power cut).
type tftpClient struct {
	server  *net.UDPAddr
	listen  func() (*net.UDPConn, error) // the phone's side of one transfer
	timeout time.Duration                // per datagram
	retries int                          // resends of the last packet before giving up
	blksize int                          // 0: no options
	drop    func() bool                  // loss fault: true drops the datagram just read
	pace    time.Duration                // wait before each ACK (Timing.Block)
}

// fetch is one read request.
type fetch struct {
	name     string
	extraNUL bool  // the 2000-era 7960 quirk (FACTS.md §3)
	cutAt    int64 // > 0: stop dead once this many bytes arrived (power cut)
}

// fetched is what one transfer brought, with the wire counts the report shows.
type fetched struct {
	data    []byte
	resent  int // RRQ/ACK datagrams sent again after a timeout
	dropped int // datagrams the loss fault threw away
}

// get runs one read transfer to the end, to an error, or to the power cut.
func (c *tftpClient) get(ctx context.Context, f fetch) (fetched, error) {
	var res fetched
	conn, err := c.listen()
	if err != nil {
		return res, fmt.Errorf("%s: open a TFTP socket: %w", f.name, err)
	}
	defer conn.Close()
	// Cancelation wakes a blocked read; the deadline set below is then in the past.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	var opts [][2]string
	blk := 512
	if c.blksize > 0 {
		opts = [][2]string{{"blksize", strconv.Itoa(c.blksize)}}
	}
	last := appendRRQ(nil, f.name, f.extraNUL, opts)
	to := c.server
	var peer *net.UDPAddr // the server's transfer ID, fixed by its first reply
	expect := uint16(1)
	tries := 1
	buf := make([]byte, 65536+4)
	send := func(b []byte, addr *net.UDPAddr) error {
		if _, err := conn.WriteToUDP(b, addr); err != nil {
			return fmt.Errorf("%s: send to %s: %w", f.name, addr, err)
		}
		return nil
	}
	if err := send(last, to); err != nil {
		return res, err
	}
	for {
		if err := conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
			return res, fmt.Errorf("%s: %w", f.name, err)
		}
		if ctx.Err() != nil { // canceled just before: the deadline above replaced the cancel's
			return res, ctx.Err()
		}
		n, from, err := conn.ReadFromUDP(buf)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if tries > c.retries {
				if peer == nil {
					return res, &NoAnswerError{File: f.name, Server: c.server.String(), Tries: tries}
				}
				return res, &StallError{File: f.name, Bytes: int64(len(res.data))}
			}
			tries++
			res.resent++
			if err := send(last, to); err != nil {
				return res, err
			}
			continue
		}
		if err != nil {
			return res, fmt.Errorf("%s: read: %w", f.name, err)
		}
		if c.drop != nil && c.drop() {
			res.dropped++
			continue
		}
		if peer != nil && !sameUDPAddr(from, peer) {
			// RFC 1350: a stray source gets "unknown transfer ID"; ours goes on.
			_ = send(appendError(nil, errCodeUnknownTID, "unknown transfer ID"), from)
			continue
		}
		p, err := parsePacket(buf[:n])
		if err != nil {
			_ = send(appendError(nil, errCodeNotDefined, "malformed packet"), from)
			return res, fmt.Errorf("%s: garbled reply from %s: %w", f.name, from, err)
		}
		if peer == nil {
			peer, to = from, from
		}
		switch p.Op {
		case opERROR:
			return res, &ServerError{File: f.name, Code: p.Code, Msg: p.Msg}
		case opOACK:
			if expect != 1 || len(res.data) > 0 {
				continue // a duplicate OACK: our ACK 0 is on its way or lost, resent on timeout
			}
			if blk, err = blockSizeOption(p.Opts); err != nil {
				_ = send(appendError(nil, 8, err.Error()), from)
				return res, fmt.Errorf("%s: %w", f.name, err)
			}
			last = appendACK(nil, 0)
			if err := send(last, to); err != nil {
				return res, err
			}
		case opDATA:
			if p.Block != expect {
				if p.Block == expect-1 { // the server missed our ACK: say it again
					if err := send(appendACK(nil, p.Block), to); err != nil {
						return res, err
					}
				}
				continue
			}
			if len(p.Data) > blk {
				_ = send(appendError(nil, errCodeNotDefined, "block larger than negotiated"), to)
				return res, fmt.Errorf("%s: block %d has %d bytes, more than the block size %d", f.name, p.Block, len(p.Data), blk)
			}
			if len(res.data)+len(p.Data) > maxFile {
				_ = send(appendError(nil, 3, "file too large"), to)
				return res, fmt.Errorf("%s: more than %d bytes: not a phone file", f.name, maxFile)
			}
			res.data = append(res.data, p.Data...)
			if f.cutAt > 0 && int64(len(res.data)) >= f.cutAt {
				return res, errPowerCut // silent: no ACK, no ERROR, the socket just goes away
			}
			if err := sleep(ctx, c.pace); err != nil {
				return res, err
			}
			last = appendACK(nil, p.Block)
			if err := send(last, to); err != nil {
				return res, err
			}
			if len(p.Data) < blk {
				return res, nil
			}
			expect++ // wraps past 65535 like most servers do
		default:
			_ = send(appendError(nil, 4, "unexpected opcode"), from)
			return res, fmt.Errorf("%s: server sent opcode %d during a read", f.name, p.Op)
		}
		tries = 1
	}
}

func sameUDPAddr(a, b *net.UDPAddr) bool { return a.Port == b.Port && a.IP.Equal(b.IP) }
