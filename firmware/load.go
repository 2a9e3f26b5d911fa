package firmware

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Load is one firmware release as a phone sees it: the manifest it is named after
// (the .loads file, or for pre-5.0 7940/7960 loads the lone unsigned .bin) and the
// files the phone will request for it.
type Load struct {
	ID       string            // the .loads name without extension: "SIP41.9-4-2SR3-1S", "P00308000900", "P0S3-8-12-00"
	Family   Family            // "7941/7961"
	Models   []string          // models of the family: "7941", "7961"
	Protocol Protocol          // SCCP, SIP or MGCP
	Version  Version           // orders correctly within a family
	Signed   bool              // false only for pre-5.0 7940/7960 loads (.bin only)
	Files    []File            // every file the phone will request for this load, in request order
	Meta     map[string]string // KEY=VALUE lines of the .loads body (LA_VERSION), nil if none
	Defaults []string          // termNN.default.loads files whose body matches this load
	Source   string            // the folder or archive it came from, as given by the user
	Problems []string          // missing, empty or case-different files; unreadable manifest

	// Extras come with the load but a phone asks for them only on some paths (the
	// unsigned .bin of a 7940/7960 loader, for phones still on a pre-5.0 image); they
	// do not count toward completeness.
	Extras []File
	// ManifestError says why the .loads could not be read ("" when it could); such a
	// load is never complete.
	ManifestError string

	manifest *member            // the .loads (or the lone .bin) this load was read from
	members  map[string]*member // lower-case base name -> what a phone gets for it
}

// File is one file a load needs, as the phone names it, and what is on disk for it.
type File struct {
	Name    string     // as the phone asks for it (from the .loads body)
	Size    int64      // bytes on disk; 0 when missing
	Present bool       // found and non-empty
	Found   string     // the name on disk when it differs from Name (case), else ""
	Status  FileStatus // why it is not Present; FileOK when it is
}

// FileStatus says what is on disk for a file a load needs.
type FileStatus string

// File statuses.
const (
	FileOK         FileStatus = "ok"         // present and non-empty
	FileMissing    FileStatus = "missing"    // in none of the sources
	FileEmpty      FileStatus = "empty"      // 0 bytes
	FileRefused    FileStatus = "refused"    // a symlink leaving the folder, or a hostile name in the .loads
	FileUnreadable FileStatus = "unreadable" // in a damaged archive, or stored in a way phoneflash cannot read
)

// Complete reports whether every file the phone will request exists and is non-empty
// (and the .loads itself could be read).
func (l *Load) Complete() bool {
	if l.ManifestError != "" {
		return false
	}
	for _, f := range l.Files {
		if !f.Present {
			return false
		}
	}
	return len(l.Files) > 0
}

// ReadFile reads a file of this load (one of Files, Extras or Defaults) from where a
// phone would get it; a termNN.default.loads comes from the load's own source.
// Staging copies termNN.default.loads this way.
func (l *Load) ReadFile(name string) ([]byte, error) {
	m := l.members[strings.ToLower(path.Base(slashPath(name)))]
	if m == nil {
		return nil, fmt.Errorf("%s: %q is not a file of this load: %w", l.ID, name, fs.ErrNotExist)
	}
	r, _, err := m.open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.where(), err)
	}
	return data, nil
}
