package servers

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode"
)

// Wire constants of TFTP (RFC 1350, RFC 2347).
const (
	opRRQ   uint16 = 1
	opWRQ   uint16 = 2
	opError uint16 = 5

	codeUndefined uint16 = 0
	codeAccess    uint16 = 2
	codeIllegal   uint16 = 4

	maxRequestLength = 512 // RFC 2347: a request, options included, fits in 512 bytes
	maxNameLength    = 255 // what TFTP servers commonly allow; phone file names are far shorter
)

// request is a read or write request as it came off the wire.
type request struct {
	op     uint16 // opRRQ or opWRQ
	name   string // as sent: the bytes before the first NUL
	length int    // of the whole datagram
	mode   bool   // a NUL ends the name: a transfer mode follows
}

// parseRequest reads a datagram sent to the TFTP port. ok is false for anything but a
// request (a stray ACK, noise), which gets no answer.
func parseRequest(b []byte) (req request, ok bool) {
	if len(b) < 2 {
		return request{}, false
	}
	req.op = binary.BigEndian.Uint16(b)
	if req.op != opRRQ && req.op != opWRQ {
		return request{}, false
	}
	name, _, found := bytes.Cut(b[2:], []byte{0})
	return request{op: req.op, name: string(name), length: len(b), mode: found}, true
}

// check refuses what no Root should be asked: a request TFTP does not allow, a write,
// a name that names nothing or carries control characters (they would reach the
// terminals that show it). nil: the Root decides.
func (r request) check() *denial {
	switch {
	case r.length > maxRequestLength:
		return deny(DeniedTooLong, codeIllegal, "request too long: %d bytes, TFTP allows %d", r.length, maxRequestLength)
	case !r.mode:
		return deny(DeniedMalformed, codeIllegal, "malformed request: no transfer mode after the file name")
	case r.op == opWRQ:
		return deny(DeniedWrite, codeAccess, "access violation: write request refused, this server is read-only: it only serves files")
	case strings.Trim(r.name, ` /\`) == "":
		return deny(DeniedEmpty, codeAccess, "access violation: empty file name")
	case strings.ContainsFunc(r.name, unicode.IsControl):
		return deny(DeniedControl, codeAccess, "access violation: the file name has control characters")
	case len(r.name) > maxNameLength:
		return deny(DeniedTooLong, codeIllegal, "request too long: the file name has %d bytes, at most %d", len(r.name), maxNameLength)
	}
	return nil
}

// errorPacket is a TFTP ERROR packet.
func errorPacket(code uint16, text string) []byte {
	b := binary.BigEndian.AppendUint16(nil, opError)
	b = binary.BigEndian.AppendUint16(b, code)
	return append(append(b, text...), 0)
}
