package servers

import "io"

// Root is what the TFTP server serves. It resolves a requested name (as the client sent
// it: leading '/', backslashes, any case, trailing NUL or spaces) to one file.
//
// The server refuses before asking the Root: write requests, requests over 512 bytes,
// empty names, names over 255 bytes or with control characters. Open's errors: wrap
// fs.ErrNotExist for a name that is simply not there (reported as tftp.missing) and
// fs.ErrPermission for a name that is refused (reported as tftp.denied, by default as
// leaving the root; a Refusal names its own reason). The error text goes to the client.
type Root interface {
	Open(name string) (r io.ReadSeekCloser, size int64, resolved string, err error)
}
