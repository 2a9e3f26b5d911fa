// Package servertest helps tests of the servers and of the packages built on them:
// a Root over a plain folder, a harness of network namespaces joined by veth pairs or
// a bridge, and the real DHCP/TFTP clients run inside them.
package servertest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"strings"

	"phoneflash/servers"
)

// DirRoot serves the files of one folder the way phones name them: a leading '/',
// backslashes, trailing NULs or spaces and any case are accepted; names that leave the
// folder (.., symlinks out) are refused. It is a test stand-in for firmware's Root.
type DirRoot struct{ root *os.Root }

var _ servers.Root = (*DirRoot)(nil)

// NewDirRoot opens dir; the caller closes it.
func NewDirRoot(dir string) (*DirRoot, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", dir, err)
	}
	return &DirRoot{root: r}, nil
}

// Close releases the folder.
func (d *DirRoot) Close() error { return d.root.Close() }

// Open implements servers.Root.
func (d *DirRoot) Open(name string, _ netip.Addr) (io.ReadSeekCloser, int64, string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return nil, 0, "", err
	}
	found, err := d.lookup(clean)
	if err != nil {
		return nil, 0, "", err
	}
	f, err := d.root.Open(found)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, "", fmt.Errorf("file not found: %s: %w", clean, fs.ErrNotExist)
		}
		return nil, 0, "", fmt.Errorf("access violation: %q: %w", name, fs.ErrPermission)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, "", fmt.Errorf("file not found: %s: %w", clean, fs.ErrNotExist)
	}
	return f, st.Size(), found, nil
}

// CleanName turns a name as a client sent it into a slash path inside the root, or
// refuses it with an error wrapping fs.ErrPermission.
func CleanName(raw string) (string, error) {
	n := strings.TrimRight(raw, "\x00 ")
	n = strings.ReplaceAll(n, `\`, "/")
	n = strings.TrimLeft(n, "/")
	if n == "" || strings.ContainsRune(n, 0) {
		return "", fmt.Errorf("access violation: %q: %w", raw, fs.ErrPermission)
	}
	c := path.Clean(n)
	if !fs.ValidPath(c) || c == "." || c != n && strings.Contains(n, "..") {
		return "", fmt.Errorf("access violation: %q: %w", raw, fs.ErrPermission)
	}
	return c, nil
}

// lookup finds clean in the folder ignoring case, one path element at a time.
func (d *DirRoot) lookup(clean string) (string, error) {
	if _, err := d.root.Lstat(clean); err == nil {
		return clean, nil
	}
	dir := "."
	for _, elem := range strings.Split(clean, "/") {
		f, err := d.root.Open(dir)
		if err != nil {
			return "", fmt.Errorf("file not found: %s: %w", clean, fs.ErrNotExist)
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("file not found: %s: %w", clean, fs.ErrNotExist)
		}
		match := ""
		for _, n := range names {
			if strings.EqualFold(n, elem) {
				match = n
				break
			}
		}
		if match == "" {
			return "", fmt.Errorf("file not found: %s: %w", clean, fs.ErrNotExist)
		}
		dir = path.Join(dir, match)
	}
	return dir, nil
}
