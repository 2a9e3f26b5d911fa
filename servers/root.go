package servers

import (
	"io"
	"net/netip"
)

// Root is what the TFTP server serves. It resolves a requested name (as the client sent
// it: leading '/', backslashes, any case, trailing NUL or spaces) to one file.
//
// The server refuses before asking the Root: write requests, requests over 512 bytes,
// empty names, names over 255 bytes or with control characters. Open's errors: wrap
// fs.ErrNotExist for a name that is simply not there (reported as tftp.missing) and
// fs.ErrPermission for a name that is refused (reported as tftp.denied, by default as
// leaving the root; a Refusal names its own reason). The error text goes to the client.
//
// client is the address the request came from: a Root may serve a file to one client
// only, and tell every other one it is not there.
type Root interface {
	Open(name string, client netip.Addr) (r io.ReadSeekCloser, size int64, resolved string, err error)
}
