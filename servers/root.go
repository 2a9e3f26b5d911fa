package servers

import "io"

// Root is what the TFTP server serves. It resolves a requested name (as the client sent
// it: leading '/', backslashes, any case, trailing NUL or spaces) to one file.
//
// Errors: wrap fs.ErrNotExist for a name that is simply not there (reported as
// tftp.missing) and fs.ErrPermission for a name that is refused (escapes the root,
// NUL inside, too long: reported as tftp.denied). The error text goes to the client.
type Root interface {
	Open(name string) (r io.ReadSeekCloser, size int64, resolved string, err error)
}
