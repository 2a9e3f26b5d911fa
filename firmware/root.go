package firmware

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Root is what the TFTP server serves: every file of every source of a Library, read
// in place, plus an in-memory overlay of generated files (configs, staged default
// loads) that takes precedence. The user's folders and archives are never written.
// Open and Set are safe to call concurrently.
type Root struct {
	lib *Library

	mu      sync.RWMutex
	overlay map[string]overlayFile // lower-case clean name -> file
	owners  map[string]netip.Addr  // owner -> the one client address its files go to
}

type overlayFile struct {
	name  string
	data  []byte // never changed once set: readers share it
	owner string // "": served to anyone; else only to owners[owner]
}

// RequestError is a request the Root cannot serve. It wraps fs.ErrNotExist (not
// there) or fs.ErrPermission (refused: it leaves the firmware folder, has a NUL
// inside, is too long ...). Its text goes to the TFTP client.
type RequestError struct {
	Name   string // as requested
	Reason string // "leaves the firmware folder"
	Err    error  // fs.ErrNotExist or fs.ErrPermission
}

func (e *RequestError) Error() string {
	name := e.Name
	if len(name) > 64 {
		name = name[:61] + "..."
	}
	if e.Err == fs.ErrPermission {
		return fmt.Sprintf("access violation: %q %s", name, e.Reason)
	}
	return fmt.Sprintf("file not found: %q %s", name, e.Reason)
}

func (e *RequestError) Unwrap() error { return e.Err }

// maxNameLen bounds a requested name, as TFTP servers commonly do.
const maxNameLen = 255

// Open resolves a requested name the way phones send it (leading '/' or '\',
// backslashes, trailing NULs or spaces, any case) to one file: the overlay first,
// then the full path inside a source, then the base name (or path tail) in any
// source; exact case before any case; the first source given on a tie. It returns
// the file's own reader, its size and the name it resolved to (the path inside its
// source, or the overlay name). client is the address asking (the zero Addr when
// unknown): an owned overlay file exists only for its owner's address; to any other
// client it is not there at all, and the name resolves as if it had never been set.
func (r *Root) Open(name string, client netip.Addr) (io.ReadSeekCloser, int64, string, error) {
	req, err := cleanRequest(name)
	if err != nil {
		return nil, 0, "", err
	}
	if f, ok := r.lookupOverlay(req, client); ok {
		return readSeekNopCloser{bytes.NewReader(f.data)}, int64(len(f.data)), f.name, nil
	}
	m := r.lib.resolve(req)
	switch {
	case m == nil:
		return nil, 0, "", &RequestError{Name: name, Reason: "is in none of the firmware folders or archives", Err: fs.ErrNotExist}
	case m.refused != "":
		return nil, 0, "", &RequestError{Name: name, Reason: m.refused, Err: fs.ErrPermission}
	}
	rc, size, err := m.open()
	if err != nil {
		return nil, 0, "", err
	}
	return rc, size, m.path, nil
}

func (r *Root) lookupOverlay(req string, client netip.Addr) (overlayFile, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.overlay[strings.ToLower(req)]
	if ok && f.owner != "" {
		a, known := r.owners[f.owner]
		ok = known && client.IsValid() && a == client.Unmap()
	}
	return f, ok
}

// Set adds or replaces a generated file in the overlay (a copy of data is kept).
// Transfers already reading the previous version finish with it.
func (r *Root) Set(name string, data []byte) { r.SetOwned(name, data, "") }

// SetOwned is Set for a file only one client may read: the one whose address Own gives
// owner (an opaque key; phoneflash uses a phone's MAC). Until Own names the address,
// nobody may.
func (r *Root) SetOwned(name string, data []byte, owner string) {
	n := overlayName(name)
	f := overlayFile{name: n, data: bytes.Clone(data), owner: owner}
	if f.data == nil {
		f.data = []byte{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.overlay[strings.ToLower(n)] = f
}

// Own ties owner to the one client address its files are served to; the zero Addr
// unties it (its files then go to nobody). A later call replaces the address.
func (r *Root) Own(owner string, client netip.Addr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !client.IsValid() {
		delete(r.owners, owner)
		return
	}
	if r.owners == nil {
		r.owners = map[string]netip.Addr{}
	}
	r.owners[owner] = client.Unmap()
}

// Remove drops a generated file from the overlay; the disk's file, if any, shows again.
func (r *Root) Remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.overlay, strings.ToLower(overlayName(name)))
}

// Generated lists the overlay's names, sorted.
func (r *Root) Generated() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.overlay))
	for _, f := range r.overlay {
		names = append(names, f.name)
	}
	slices.Sort(names)
	return names
}

// slashPath is the one rule for names from phones, archives and callers alike:
// backslashes become slashes and leading slashes go ("\\SUB\\a" -> "SUB/a").
func slashPath(name string) string {
	return strings.TrimLeft(strings.ReplaceAll(name, `\`, "/"), "/")
}

// overlayName is the key a generated file is stored under: the form cleanRequest
// gives a request for it.
func overlayName(name string) string { return path.Clean(slashPath(name)) }

// windowsDevices are names Windows opens as devices whatever the folder or extension.
var windowsDevices = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"CONIN$": true, "CONOUT$": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true,
	"COM6": true, "COM7": true, "COM8": true, "COM9": true, "LPT1": true, "LPT2": true, "LPT3": true,
	"LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// cleanRequest turns a requested name into a clean relative slash path, or refuses it
// with the reason. Stripped: trailing NULs and spaces, leading '/' and '\'.
func cleanRequest(raw string) (string, error) {
	refuse := func(why string) (string, error) {
		return "", &RequestError{Name: raw, Reason: why, Err: fs.ErrPermission}
	}
	n := slashPath(strings.TrimRight(raw, "\x00 "))
	switch {
	case n == "":
		return refuse("is an empty name")
	case len(n) > maxNameLen:
		return refuse(fmt.Sprintf("is longer than %d bytes", maxNameLen))
	case strings.IndexByte(n, 0) >= 0:
		return refuse("has a NUL byte inside")
	case !utf8.ValidString(n):
		return refuse("is not valid UTF-8")
	case strings.ContainsFunc(n, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		return refuse("has a control character")
	case len(n) >= 2 && n[1] == ':' && isLetter(n[0]):
		return refuse("is an absolute path")
	case strings.IndexByte(n, ':') >= 0:
		return refuse("has a ':' (a drive or a stream name)")
	}
	for seg := range strings.SplitSeq(n, "/") {
		if seg == ".." {
			return refuse("leaves the firmware folder")
		}
		stem, _, _ := strings.Cut(seg, ".")
		if windowsDevices[strings.ToUpper(strings.TrimRight(stem, " "))] {
			return refuse("names a Windows device")
		}
	}
	n = path.Clean(n)
	if n == "." {
		return refuse("names the folder itself")
	}
	return n, nil
}
