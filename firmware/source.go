package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sourceKind says how a source stores its files.
type sourceKind int

const (
	kindFolder sourceKind = iota // loose files, opened one by one
	kindZip                      // members stored or deflated inside a zip
	kindTar                      // members stored inside a plain tar
	kindTarGz                    // members inside a gzip stream (.tar.gz, .tgz, .cop)
)

// source is one folder or archive the user pointed at (or an archive found in a
// folder). It is never written to: files are read in place, archives without
// extracting.
type source struct {
	name        string // as shown to the user: the path given, or folder/inside/x.zip
	kind        sourceKind
	order       int // position among all sources: the first given wins a tie
	openFile    func(rel string) (fs.File, error)
	openArchive func() (fs.File, error)
	cache       *memberCache
	members     []*member
	ignored     []string // entries that are not files (devices, folder symlinks, broken links)
}

// member is one file of a source.
type member struct {
	src     *source
	path    string // slash-separated path inside the source
	size    int64
	offset  int64   // start of the data inside the archive (zip, tar)
	csize   int64   // compressed size of a deflated zip member
	method  uint16  // zip compression method
	crc     uint32  // zip CRC-32 of the uncompressed data
	index   int     // position of a tar member in its stream
	target  string  // for a symlink in a folder: the path of the file it points to; else ""
	link    *member // for a hard link in a tar: the member whose bytes it has; else nil
	refused string  // why it may never be served (a symlink leaving the folder)
	broken  string  // why it cannot be read (unsupported zip method, cut off)
	served  bool    // a phone may be given it: part of a load or a phone file (phonefile.go)
	content []byte  // a .loads read during the scan; nil if not read
	readErr error   // why content could not be read
}

// base is the file name without folders.
func (m *member) base() string { return path.Base(m.path) }

// filePath is the path to open inside a folder: a link's target, or the path itself.
func (m *member) filePath() string {
	if m.target != "" {
		return m.target
	}
	return m.path
}

// readAtScan opens a file found in a folder during the scan, so that one phoneflash
// may not read is unreadable now, not "complete" and then refused to the phone; a
// .loads is read as well.
func (m *member) readAtScan(open func(string) (fs.File, error)) {
	f, err := open(m.filePath())
	if err != nil {
		m.broken = cannotOpen(err)
		m.readErr = err
		return
	}
	defer f.Close()
	if isManifestName(m.path) {
		m.readManifest(f)
	}
}

// cannotOpen says why a file cannot be opened, and what to do when it is permissions.
func cannotOpen(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("cannot be opened (%v): the user running phoneflash may not read it; make it readable (chmod a+r) or run phoneflash as its owner", err)
	}
	return fmt.Sprintf("cannot be opened (%v)", err)
}

// where names the member for people: "dir/sub/file" or "x.zip:file".
func (m *member) where() string {
	if m.src.kind == kindFolder {
		return filepath.Join(m.src.name, filepath.FromSlash(m.path))
	}
	return m.src.name + ":" + m.path
}

// folder is where the member sits, for Load.Source: the folder (joined with the
// user's path) or the archive.
func (m *member) folder() string {
	if m.src.kind == kindFolder {
		return filepath.Join(m.src.name, filepath.FromSlash(path.Dir(m.path)))
	}
	return m.src.name
}

// maxPhoneFileSize bounds every file phoneflash serves. Phone files are a few MB (the
// largest known, apps42.9-4-2ES9.sbn, is 4.6 MB; FACTS.md §1.2), and TFTP with 512-byte
// blocks cannot send more than 32 MiB without block-number rollover. Anything larger is
// not a phone firmware file: refused at scan time, it is never inflated (a 900 MiB zip
// member took 2.77 GB of memory for three transfers), and every member that is served
// fits the member cache.
const maxPhoneFileSize = 64 << 20

// maxArchiveInMemory bounds an archive read whole because its fs.FS cannot seek (the
// demo's embedded sample firmware is a few hundred KB).
const maxArchiveInMemory = 1 << 30

// tooLarge says why a member is refused for its size, or "" when it is not.
func (m *member) tooLarge() string {
	if m.size <= maxPhoneFileSize {
		return ""
	}
	return fmt.Sprintf("%d bytes: not a phone firmware file (phone files are a few MB; phoneflash serves at most %d MiB)",
		m.size, maxPhoneFileSize>>20)
}

// open gives a reader of the member's bytes and its size. Each call returns its own
// reader, so concurrent transfers of one file do not interfere.
func (m *member) open() (io.ReadSeekCloser, int64, error) {
	if m.refused != "" {
		return nil, 0, fmt.Errorf("%s: %s: %w", m.where(), m.refused, fs.ErrPermission)
	}
	if m.broken != "" {
		return nil, 0, fmt.Errorf("%s: %s", m.where(), m.broken)
	}
	switch {
	case m.link != nil:
		return m.link.open()
	case m.src.kind == kindFolder:
		return m.openLoose()
	case m.src.kind == kindTar || m.src.kind == kindZip && m.method == zipStore:
		if rc, err := m.openSection(); !errors.Is(err, errNoReaderAt) {
			return rc, m.size, err
		}
	}
	var data []byte
	var err error
	if m.src.kind == kindZip {
		data, err = m.src.cache.get(m, m.decompress)
	} else { // a tar.gz has no index: one pass over the stream fills every member
		data, err = m.src.cache.getFromStream(m, m.src.readStream)
	}
	if err != nil {
		return nil, 0, err
	}
	return readSeekNopCloser{bytes.NewReader(data)}, int64(len(data)), nil
}

func (m *member) openLoose() (io.ReadSeekCloser, int64, error) {
	f, err := m.src.openFile(m.filePath())
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", m.where(), err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", m.where(), err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is no longer a regular file", m.where())
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		return readSeekFile{rs, f}, info.Size(), nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPhoneFileSize))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", m.where(), err)
	}
	return readSeekNopCloser{bytes.NewReader(data)}, int64(len(data)), nil
}

var errNoReaderAt = errors.New("archive cannot be read at an offset")

// openSection serves a stored member straight from the archive file.
func (m *member) openSection() (io.ReadSeekCloser, error) {
	f, err := m.src.openArchive()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.src.name, err)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, errNoReaderAt
	}
	return readSeekFile{io.NewSectionReader(ra, m.offset, m.size), f}, nil
}

// readSeekFile reads through r and closes the file it comes from.
type readSeekFile struct {
	io.ReadSeeker
	f io.Closer
}

func (r readSeekFile) Close() error { return r.f.Close() }

// readSeekNopCloser serves bytes held in memory (overlay, decompressed members).
type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

// archiveExts are the names of archives as downloaded: .cop is a tar.gz.
var archiveExts = []string{".zip", ".cop", ".tar", ".tgz", ".tar.gz"}

func isArchiveName(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// isManifestName reports a .loads file, whose body is read during the scan.
func isManifestName(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".loads")
}

// readManifest reads a manifest's bytes during the scan, bounded.
func (m *member) readManifest(r io.Reader) {
	if m.size > maxManifestSize {
		m.readErr = fmt.Errorf("%d bytes is too large for a .loads file", m.size)
		return
	}
	m.content, m.readErr = io.ReadAll(io.LimitReader(r, maxManifestSize+1))
	if m.readErr != nil {
		m.content = nil
	}
}

// scanner collects the sources of one Open call.
type scanner struct {
	cache    *memberCache
	sources  []*source
	problems []SourceProblem
	seen     map[string]bool // absolute paths already scanned
}

func (s *scanner) problem(src string, err error) {
	s.problems = append(s.problems, SourceProblem{Source: src, Error: err.Error(), Unread: true})
}

func (s *scanner) newSource(name string, kind sourceKind) *source {
	src := &source{name: name, kind: kind, order: len(s.sources), cache: s.cache}
	s.sources = append(s.sources, src)
	return src
}

// addPath scans one path the user gave: a folder, an archive, or a lone file.
func (s *scanner) addPath(p string) {
	info, err := os.Stat(p)
	switch {
	case err != nil:
		s.problem(p, fmt.Errorf("cannot read it (%w): check the path", err))
	case isArchiveName(p) && info.Mode().IsRegular():
		s.addArchive(p, func() (fs.File, error) { return os.Open(p) })
	case s.once(p):
		// given twice
	case info.IsDir():
		s.addFolder(p)
	case !info.Mode().IsRegular():
		s.problem(p, fmt.Errorf("not a folder, an archive or a file"))
	case isHidden(filepath.Base(p)):
		s.problem(p, fmt.Errorf("a hidden file: phoneflash never serves one, no phone asks for it"))
	default:
		// A lone file: its folder is the source, with only that file in it.
		dir := filepath.Dir(p)
		src := s.newSource(dir, kindFolder)
		src.openFile = func(rel string) (fs.File, error) { return os.Open(filepath.Join(dir, filepath.FromSlash(rel))) }
		m := &member{src: src, path: filepath.Base(p), size: info.Size()}
		m.readAtScan(src.openFile)
		src.members = append(src.members, m)
	}
}

// once reports whether path p was scanned already, and notes it as scanned.
func (s *scanner) once(p string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	if s.seen[abs] {
		return true
	}
	s.seen[abs] = true
	return false
}

// addFolder scans a folder on disk through an os.Root, so that nothing is read from
// outside it; symlinks inside it are followed only to files that stay inside.
func (s *scanner) addFolder(dir string) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		s.problem(dir, fmt.Errorf("cannot open the folder: %w", err))
		return
	}
	defer root.Close()
	openFile := func(rel string) (fs.File, error) {
		r, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer r.Close() // files opened from a Root outlive it
		return r.Open(filepath.FromSlash(rel))
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		s.problem(dir, fmt.Errorf("cannot open the folder: %w", err))
		return
	}
	// A link is followed to a file inside the folder (by its real path: os.Root
	// refuses absolute links even when they point inside).
	link := func(rel string) (fs.FileInfo, string, string) {
		real, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, "", "" // broken link or loop
		}
		inside, err := filepath.Rel(realDir, real)
		if err != nil || !filepath.IsLocal(inside) {
			return nil, "", "is a symlink that leaves the firmware folder"
		}
		info, err := root.Stat(inside)
		if err != nil {
			return nil, "", ""
		}
		return info, filepath.ToSlash(inside), ""
	}
	s.walk(dir, root.FS(), openFile, link)
}

// addFS scans an fs.FS (the demo's embedded sample firmware) like a folder.
func (s *scanner) addFS(name string, fsys fs.FS) {
	link := func(rel string) (fs.FileInfo, string, string) {
		info, err := fs.Stat(fsys, rel)
		if err != nil {
			return nil, "", ""
		}
		return info, rel, ""
	}
	s.walk(name, fsys, fsys.Open, link)
}

// walk adds the files of a folder as one source and each archive in it as a source of
// its own. Symlinked folders are not descended into, so link loops cannot hang it.
// link resolves a symlink: the target's info and path, or why it is refused, or neither.
func (s *scanner) walk(name string, fsys fs.FS, openFile func(string) (fs.File, error), link func(string) (fs.FileInfo, string, string)) {
	src := s.newSource(name, kindFolder)
	src.openFile = openFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			s.problem(filepath.Join(name, filepath.FromSlash(p)), fmt.Errorf("cannot read: %w", err))
			return nil
		}
		if p != "." && isHidden(path.Base(p)) {
			if d.IsDir() {
				return fs.SkipDir // never read: see phonefile.go
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		var info fs.FileInfo
		var target string
		switch {
		case d.Type().IsRegular():
			if info, err = d.Info(); err != nil {
				s.problem(filepath.Join(name, filepath.FromSlash(p)), fmt.Errorf("cannot read: %w", err))
				return nil
			}
		case d.Type()&fs.ModeSymlink != 0:
			var refused string
			if info, target, refused = link(p); refused != "" {
				src.members = append(src.members, &member{src: src, path: p, refused: refused})
				return nil
			}
		}
		if info == nil || !info.Mode().IsRegular() {
			// Devices, pipes (reading one would hang), folder links, broken links.
			src.ignored = append(src.ignored, p)
			return nil
		}
		m := &member{src: src, path: p, size: info.Size(), target: target}
		if isArchiveName(p) {
			s.addArchive(filepath.Join(name, filepath.FromSlash(p)), func() (fs.File, error) { return openFile(m.filePath()) })
			return nil
		}
		m.readAtScan(openFile)
		src.members = append(src.members, m)
		return nil
	})
	if err != nil {
		s.problem(name, fmt.Errorf("cannot read the folder: %w", err))
	}
}

// cleanMemberPath makes an archive member name a clean slash path ("" to skip it).
func cleanMemberPath(name string) string {
	name = slashPath(name)
	if name == "" || strings.HasSuffix(name, "/") {
		return ""
	}
	return path.Clean(name)
}
