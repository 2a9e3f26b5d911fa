package firmware

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Zip compression methods phoneflash reads.
const (
	zipStore   = zip.Store
	zipDeflate = zip.Deflate
)

// archiveFile is what scanning an archive needs: random access and a size.
type archiveFile interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// addArchive scans an archive's table of contents (zip central directory, tar
// headers; a gzip stream has to be inflated to reach them) and keeps the manifests.
// Nothing is extracted. A damaged archive is a problem naming it and the reason;
// members read before the damage stay usable.
func (s *scanner) addArchive(name string, open func() (fs.File, error)) {
	if s.once(name) {
		return
	}
	f, err := open()
	if err != nil {
		s.problem(name, fmt.Errorf("cannot open the archive: %w", err))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		s.problem(name, fmt.Errorf("cannot read the archive: %w", err))
		return
	}
	af, ok := f.(archiveFile)
	if !ok { // an fs.FS without random access: read it whole (small embedded sets only)
		data, err := io.ReadAll(io.LimitReader(f, maxArchiveInMemory))
		if err != nil {
			s.problem(name, fmt.Errorf("cannot read the archive: %w", err))
			return
		}
		af = bytes.NewReader(data)
		open = func() (fs.File, error) { return memFile{bytes.NewReader(data), info}, nil }
	}
	var head [512]byte
	n, _ := af.ReadAt(head[:], 0)
	kind, err := sniffArchive(name, head[:n])
	if err != nil {
		s.problem(name, err)
		return
	}
	src := s.newSource(name, kind)
	src.openArchive = open
	switch kind {
	case kindZip:
		err = scanZip(src, af, info.Size())
	default:
		err = scanTar(src, af, info.Size())
	}
	if err != nil {
		s.problem(name, err)
	}
}

// sniffArchive tells the format from the first bytes (a .cop is a tar.gz; a .zip that
// is not one says so).
func sniffArchive(name string, head []byte) (sourceKind, error) {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return kindTarGz, nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar, nil
	case len(head) == 0:
		return 0, fmt.Errorf("the archive is empty: download it again")
	case strings.HasSuffix(strings.ToLower(name), ".tar") && len(head) == 512:
		return kindTar, nil // pre-POSIX tar has no magic
	}
	return 0, fmt.Errorf("not a zip, tar or tar.gz archive (it starts with % x): download it again", head[:min(len(head), 8)])
}

// scanZip lists a zip's members from its central directory; only manifests are read.
func scanZip(src *source, f archiveFile, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return fmt.Errorf("cannot read the zip directory (%w): the file is truncated or damaged, download it again", err)
	}
	var damaged []string
	for _, zf := range zr.File {
		p := cleanMemberPath(zf.Name)
		if p == "" || zf.Mode().IsDir() || isHidden(p) {
			continue // hidden members are never served (phonefile.go)
		}
		m := &member{src: src, path: p, size: int64(zf.UncompressedSize64), csize: int64(zf.CompressedSize64),
			method: zf.Method, crc: zf.CRC32}
		src.members = append(src.members, m)
		off, err := zf.DataOffset()
		switch {
		case err != nil:
			m.broken = fmt.Sprintf("damaged local header: %v", err)
		case off+m.csize > size:
			m.broken = "cut off: the archive ends before this file does"
		case zf.Flags&1 != 0:
			m.broken = "encrypted"
		case zf.Method != zipStore && zf.Method != zipDeflate:
			m.broken = fmt.Sprintf("compression method %d is not supported (only stored and deflate)", zf.Method)
		case zf.Method == zipStore && m.csize != m.size:
			m.broken = "damaged: stored size differs from its size"
		}
		if m.broken != "" {
			damaged = append(damaged, p+": "+m.broken)
			continue
		}
		m.offset = off
		if isManifestName(p) {
			if r, err := zf.Open(); err != nil {
				m.readErr = err
			} else {
				m.readManifest(r)
				r.Close()
			}
		}
	}
	if len(damaged) > 0 {
		return fmt.Errorf("%d damaged file(s): %s", len(damaged), strings.Join(damaged, "; "))
	}
	return nil
}

// scanTar lists a tar's or tar.gz's members from their headers. A plain tar is
// skipped through by seeking; a gzip stream has to be inflated all the way (and its
// checksum at the end verified).
func scanTar(src *source, f archiveFile, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("cannot read the archive: %w", err)
	}
	var r io.Reader = f
	var gz *gzip.Reader
	if src.kind == kindTarGz {
		var err error
		if gz, err = gzip.NewReader(bufio.NewReaderSize(f, 64<<10)); err != nil {
			return fmt.Errorf("not a readable gzip stream (%w): download it again", err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	files := 0
	for i := 0; ; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return damagedTar(files, err)
		}
		p := cleanMemberPath(h.Name)
		if p == "" || !h.FileInfo().Mode().IsRegular() || isHidden(p) {
			continue // folders, hidden members (phonefile.go), symlinks (not followed inside archives)
		}
		m := &member{src: src, path: p, size: h.Size, index: i}
		if h.Typeflag == tar.TypeLink {
			src.members = append(src.members, src.hardLink(m, cleanMemberPath(h.Linkname)))
			files++
			continue
		}
		if src.kind == kindTar {
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return fmt.Errorf("cannot read the archive: %w", err)
			}
			if off+h.Size > size {
				return damagedTar(files, io.ErrUnexpectedEOF)
			}
			m.offset = off
		}
		src.members = append(src.members, m)
		files++
		if isManifestName(p) {
			m.readManifest(tr)
		}
	}
	if gz != nil {
		if _, err := io.Copy(io.Discard, gz); err != nil { // reaches the CRC at the end
			return damagedTar(files, err)
		}
	}
	return nil
}

// hardLink makes m (a tar hard link, which has no data of its own) the member it
// links to: same bytes, size and manifest. A tar only links to a name it held before.
func (src *source) hardLink(m *member, target string) *member {
	for _, t := range slices.Backward(src.members) {
		if t.path == target {
			if t.link != nil {
				t = t.link
			}
			m.link, m.size, m.broken, m.content, m.readErr = t, t.size, t.broken, t.content, t.readErr
			return m
		}
	}
	m.size = 0
	m.broken = fmt.Sprintf("a hard link to %s, which the archive does not hold before it: download it again", target)
	return m
}

func damagedTar(files int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("truncated after %d file(s) (%w): download it again", files, err)
	}
	return fmt.Errorf("damaged after %d file(s) (%w): download it again", files, err)
}

// decompress inflates a deflated zip member whole; the cache calls it once per member.
func (m *member) decompress() ([]byte, error) {
	if why := m.tooLarge(); why != "" {
		return nil, fmt.Errorf("%s: %s", m.where(), why)
	}
	f, err := m.src.openArchive()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.src.name, err)
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return nil, fmt.Errorf("%s: %w", m.src.name, errNoReaderAt)
	}
	var r io.Reader = io.NewSectionReader(ra, m.offset, m.csize)
	if m.method == zipDeflate {
		fr := flate.NewReader(r)
		defer fr.Close()
		r = fr
	}
	buf := make([]byte, m.size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("read %s: %w", m.where(), err)
	}
	if crc32.ChecksumIEEE(buf) != m.crc {
		return nil, fmt.Errorf("read %s: checksum mismatch: the archive is damaged, download it again", m.where())
	}
	return buf, nil
}

// readStream reads a tar.gz (or a tar that cannot seek) once from its start and gives
// each member of want its bytes, or why it has none, through done: exactly once each.
// It stops after the last one wanted.
func (src *source) readStream(want []*member, done func(*member, []byte, error)) {
	byIndex := make(map[int]*member, len(want))
	for _, m := range want {
		byIndex[m.index] = m
	}
	failRest := func(err error) {
		for _, m := range byIndex {
			done(m, nil, fmt.Errorf("read %s: %w", m.where(), err))
		}
	}
	f, err := src.openArchive()
	if err != nil {
		failRest(err)
		return
	}
	defer f.Close()
	var r io.Reader = f
	if src.kind == kindTarGz {
		gz, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
		if err != nil {
			failRest(err)
			return
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for i := 0; len(byIndex) > 0; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			err = errArchiveChanged
		}
		if err != nil {
			failRest(err)
			return
		}
		m := byIndex[i]
		if m == nil {
			continue
		}
		delete(byIndex, i)
		if cleanMemberPath(h.Name) != m.path || h.Size != m.size {
			done(m, nil, fmt.Errorf("read %s: %w", m.where(), errArchiveChanged))
			continue
		}
		buf := make([]byte, m.size)
		if _, err := io.ReadFull(tr, buf); err != nil {
			done(m, nil, fmt.Errorf("read %s: %w", m.where(), err))
			failRest(err)
			return
		}
		done(m, buf, nil)
	}
}

var errArchiveChanged = errors.New("the archive changed since it was scanned")

// memFile is an archive held in memory, for an fs.FS whose files cannot seek.
type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (memFile) Close() error                 { return nil }
