package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// TFTP opcodes (RFC 1350, RFC 2347).
const (
	opRRQ   uint16 = 1
	opWRQ   uint16 = 2
	opDATA  uint16 = 3
	opACK   uint16 = 4
	opERROR uint16 = 5
	opOACK  uint16 = 6
)

// TFTP error codes the phone sends or reads.
const (
	errCodeNotDefined = 0
	errCodeNotFound   = 1
	errCodeUnknownTID = 5
)

// packet is one TFTP datagram as the phone reads it off the wire.
type packet struct {
	Op    uint16
	Block uint16            // DATA, ACK
	Data  []byte            // DATA payload (aliases the read buffer)
	Code  uint16            // ERROR
	Msg   string            // ERROR text, trailing NULs removed
	Opts  map[string]string // OACK, names lower-cased
}

var errShort = errors.New("shorter than a TFTP header")

// parsePacket decodes a datagram a server sent. It never panics on hostile input:
// servers are "any server", so a garbled reply is an error, not a crash.
func parsePacket(b []byte) (packet, error) {
	if len(b) < 2 {
		return packet{}, errShort
	}
	p := packet{Op: binary.BigEndian.Uint16(b)}
	switch p.Op {
	case opDATA, opACK:
		if len(b) < 4 {
			return packet{}, fmt.Errorf("opcode %d: %w", p.Op, errShort)
		}
		p.Block = binary.BigEndian.Uint16(b[2:])
		if p.Op == opDATA {
			p.Data = b[4:]
		} else if len(b) > 4 {
			return packet{}, fmt.Errorf("ACK of %d bytes, want 4", len(b))
		}
	case opERROR:
		if len(b) < 4 {
			return packet{}, fmt.Errorf("ERROR: %w", errShort)
		}
		p.Code = binary.BigEndian.Uint16(b[2:])
		// pin/tftp and others end the text with NUL; some send none or several.
		msg := b[4:]
		if i := bytes.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i]
		}
		p.Msg = string(msg)
	case opOACK:
		opts, err := parseOptions(b[2:])
		if err != nil {
			return packet{}, fmt.Errorf("OACK: %w", err)
		}
		p.Opts = opts
	case opRRQ, opWRQ:
		return packet{}, fmt.Errorf("a server sent a request (opcode %d)", p.Op)
	default:
		return packet{}, fmt.Errorf("unknown opcode %d", p.Op)
	}
	return p, nil
}

// parseOptions reads NUL-terminated name/value pairs; trailing NUL padding is tolerated.
func parseOptions(b []byte) (map[string]string, error) {
	b = bytes.TrimRight(b, "\x00")
	opts := map[string]string{}
	if len(b) == 0 {
		return opts, nil
	}
	parts := bytes.Split(b, []byte{0})
	if len(parts)%2 != 0 {
		return nil, fmt.Errorf("option %q has no value", parts[len(parts)-1])
	}
	for i := 0; i < len(parts); i += 2 {
		if len(parts[i]) == 0 {
			return nil, errors.New("empty option name")
		}
		opts[string(bytes.ToLower(parts[i]))] = string(parts[i+1])
	}
	return opts, nil
}

// blockSizeOption reads the blksize a server granted in an OACK (RFC 2348 range).
func blockSizeOption(opts map[string]string) (int, error) {
	v, ok := opts["blksize"]
	if !ok {
		return 512, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 8 || n > 65464 {
		return 0, fmt.Errorf("OACK blksize %q out of range", v)
	}
	return n, nil
}

// appendRRQ builds a read request in octet mode. extraNUL adds the stray 0x00 that
// 2000-era 7960 images put after the mode (FACTS.md §3): a server must tolerate it.
func appendRRQ(dst []byte, name string, extraNUL bool, opts [][2]string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, opRRQ)
	dst = append(dst, name...)
	dst = append(dst, 0)
	dst = append(dst, "octet"...)
	dst = append(dst, 0)
	for _, o := range opts {
		dst = append(dst, o[0]...)
		dst = append(dst, 0)
		dst = append(dst, o[1]...)
		dst = append(dst, 0)
	}
	if extraNUL {
		dst = append(dst, 0)
	}
	return dst
}

func appendACK(dst []byte, block uint16) []byte {
	dst = binary.BigEndian.AppendUint16(dst, opACK)
	return binary.BigEndian.AppendUint16(dst, block)
}

func appendError(dst []byte, code uint16, msg string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, opERROR)
	dst = binary.BigEndian.AppendUint16(dst, code)
	dst = append(dst, msg...)
	return append(dst, 0)
}
