package firmware

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Library is every load found in the folders and archives given to Open.
type Library struct {
	Loads    []*Load         // sorted: family, protocol, version
	Problems []SourceProblem // sources that could not be read (truncated zip ...), and notes about the set
	Ignored  []string        // files that are part of no load (each says when it is not served), and entries that are not files
	Warnings []string        // paths given that are home or system folders (FolderWarning): show before serving

	sources []*source
	byBase  map[string][]*member // lower-case base name -> every file with it, first source first
	root    *Root
}

// SourceProblem is something wrong with a folder or archive: it could not be read
// (Unread), or a note about the set (two different copies of one file, a
// termNN.default.loads that belongs to no load).
type SourceProblem struct {
	Source string `json:"source"` // the path as given, or folder/x.zip
	Error  string `json:"error"`  // what is wrong and what to do
	Unread bool   `json:"-"`      // all or part of the source could not be read
}

// Open scans folders (recursively, archives inside them included) and archives (.zip,
// .cop, .tar, .tar.gz, .tgz) for loads, reading names, headers and .loads files only.
// Nothing is extracted or written. A path that cannot be read is a Problem and the
// others still load; Err reports it. The error is for a call without paths.
func Open(paths ...string) (*Library, error) {
	if len(paths) == 0 {
		return nil, errors.New("no firmware given: name a folder or a .zip, .cop, .tar or .tar.gz file")
	}
	s := newScanner()
	var warnings []string
	for _, p := range paths {
		s.addPath(p)
		if w := FolderWarning(p); w != "" {
			warnings = append(warnings, w)
		}
	}
	l := s.library()
	l.Warnings = warnings
	return l, nil
}

// OpenFS scans an fs.FS like a folder named name (the demo serves firmware embedded
// with go:embed).
func OpenFS(name string, fsys fs.FS) (*Library, error) {
	if fsys == nil {
		return nil, fmt.Errorf("firmware %s: no file system", name)
	}
	s := newScanner()
	s.addFS(name, fsys)
	return s.library(), nil
}

func newScanner() *scanner {
	return &scanner{cache: newMemberCache(cacheLimit), seen: map[string]bool{}}
}

// Err reports the sources that could not be read, or nil when every one was.
func (l *Library) Err() error {
	var errs []error
	for _, p := range l.Problems {
		if p.Unread {
			errs = append(errs, fmt.Errorf("%s: %s", p.Source, p.Error))
		}
	}
	return errors.Join(errs...)
}

// Find returns the load with this ID (case-insensitive, ".loads" optional), nil if
// absent. When two sources hold it, the first given wins, as it does when served.
func (l *Library) Find(id string) *Load {
	id = strings.TrimSuffix(strings.ToLower(id), ".loads")
	for _, ld := range l.Loads {
		if strings.EqualFold(ld.ID, id) {
			return ld
		}
	}
	return nil
}

// ByFamily lists a family's loads, oldest version first.
func (l *Library) ByFamily(f Family) []*Load {
	var out []*Load
	for _, ld := range l.Loads {
		if ld.Family == f {
			out = append(out, ld)
		}
	}
	return out
}

// Root is the view a TFTP server serves: the files of the loads and the other phone
// files of every source (phonefile.go), plus an overlay.
func (l *Library) Root() *Root { return l.root }

// resolve finds the file a phone gets for a clean request path (overlay aside): the
// full path inside a source, then the path's tail (the base name for bare requests)
// anywhere; exact case before any case at each step, the first source given first.
// A refused file is chosen only when nothing else matches at its step.
func (l *Library) resolve(req string) *member {
	cands := l.byBase[strings.ToLower(path.Base(req))]
	tail := "/" + req
	for _, match := range [...]func(*member) bool{
		func(m *member) bool { return m.path == req },
		func(m *member) bool { return strings.EqualFold(m.path, req) },
		func(m *member) bool { return strings.HasSuffix(m.path, tail) },
		func(m *member) bool {
			return len(m.path) > len(tail) && strings.EqualFold(m.path[len(m.path)-len(tail):], tail)
		},
	} {
		var refused *member
		for _, m := range cands {
			if !match(m) {
				continue
			}
			if m.refused == "" {
				return m
			}
			if refused == nil {
				refused = m
			}
		}
		if refused != nil {
			return refused
		}
	}
	return nil
}

// listUnused notes in Ignored every file that is part of no load, and why it is not
// served when it is not.
func (l *Library) listUnused(used map[*member]bool) {
	for _, src := range l.sources {
		unserved := 0
		for _, m := range src.members {
			switch {
			case used[m]:
			case m.refused != "":
				l.Ignored = append(l.Ignored, fmt.Sprintf("%s (refused: %s)", m.where(), m.refused))
			case m.broken != "" && (m.src.kind == kindFolder || m.tooLarge() != ""): // an archive's problem says the rest
				l.Ignored = append(l.Ignored, fmt.Sprintf("%s (%s)", m.where(), m.broken))
			case !m.served:
				if unserved++; unserved <= maxUnservedListed {
					l.Ignored = append(l.Ignored, m.where()+" (not served: no phone asks for a file named like this)")
				}
			default:
				l.Ignored = append(l.Ignored, m.where())
			}
		}
		if unserved > maxUnservedListed {
			l.Ignored = append(l.Ignored, fmt.Sprintf("%s: %s not served (no phone asks for such names)",
				src.name, plural(unserved-maxUnservedListed, "more file", "more files")))
		}
		for _, p := range src.ignored {
			l.Ignored = append(l.Ignored, (&member{src: src, path: p}).where()+" (not a regular file, or a link to a folder: not followed)")
		}
	}
}

// termDefault matches the default manifests a phone asks for after a factory reset.
var termDefault = regexp.MustCompile(`(?i)^term(\d\d)\.default\.loads$`)

// library turns the scanned sources into loads, checks them, and notes the rest.
func (s *scanner) library() *Library {
	l := &Library{Problems: s.problems, sources: s.sources, byBase: map[string][]*member{}}
	for _, src := range s.sources {
		for _, m := range src.members {
			if m.broken == "" {
				m.broken = m.tooLarge()
			}
			key := strings.ToLower(m.base())
			l.byBase[key] = append(l.byBase[key], m)
		}
	}
	used := map[*member]bool{}
	l.addManifestLoads(used)
	l.addUnsignedLoads(used)
	slices.SortStableFunc(l.Loads, compareLoads)
	l.dropDuplicateLoads()
	l.matchDefaults(used)
	l.keepServed(used)
	l.noteDuplicateFiles()
	l.listUnused(used)
	l.root = &Root{lib: l, overlay: map[string]overlayFile{}}
	return l
}

func familyIndex(f Family) int {
	return slices.IndexFunc(familyTable, func(fi familyInfo) bool { return fi.family == f })
}

func compareLoads(a, b *Load) int {
	return cmp.Or(
		cmp.Compare(familyIndex(a.Family), familyIndex(b.Family)),
		cmp.Compare(a.Protocol, b.Protocol),
		a.Version.Compare(b.Version),
		cmp.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)),
		cmp.Compare(a.manifest.src.order, b.manifest.src.order),
	)
}

// addManifestLoads makes a load of every .loads file (termNN.default.loads aside).
func (l *Library) addManifestLoads(used map[*member]bool) {
	for _, src := range l.sources {
		for _, m := range src.members {
			name := m.base()
			if !isManifestName(name) || termDefault.MatchString(name) || m.refused != "" {
				continue
			}
			ld, err := newLoad(m, name[:len(name)-len(".loads")])
			if err != nil {
				l.Ignored = append(l.Ignored, fmt.Sprintf("%s (%v)", m.where(), err))
				used[m] = true
				continue
			}
			used[m] = true
			l.Loads = append(l.Loads, ld)
			man, err := m.manifest()
			if err != nil {
				ld.ManifestError = err.Error()
				ld.Problems = append(ld.Problems, fmt.Sprintf("%s: cannot read its file list: %v", name, err))
				continue
			}
			ld.Meta = man.Meta
			if man.Name != "" && !strings.EqualFold(man.Name, name) {
				ld.Problems = append(ld.Problems, fmt.Sprintf("%s: its signed header names it %s: a phone may refuse it", name, man.Name))
			}
			for _, f := range man.Files {
				ld.Files = append(ld.Files, l.check(ld, f, used))
			}
			if ld.Family == Family7940 {
				l.addLoaderBins(ld, man.Files, used)
			}
		}
	}
}

// newLoad starts a load named by its manifest (or lone .bin) m.
func newLoad(m *member, id string) (*Load, error) {
	fam, proto, ver, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	ld := &Load{ID: id, Family: fam, Models: FamilyModels(fam), Protocol: proto, Version: ver, Signed: true,
		Source: m.folder(), manifest: m, members: map[string]*member{strings.ToLower(m.base()): m}}
	ld.Files = []File{fileOf(m.base(), m)} // unreadable: its manifest error says why
	if ld.Files[0].Status == FileEmpty {
		ld.Problems = append(ld.Problems, "empty: "+m.base()+" (0 bytes)")
	}
	return ld, nil
}

// fileOf is what a phone asking for name gets from member m: its size and status.
func fileOf(name string, m *member) File {
	f := File{Name: name, Size: m.size, Status: FileOK}
	switch {
	case m.broken != "":
		f.Status = FileUnreadable
	case m.size == 0:
		f.Status = FileEmpty
	}
	f.Present = f.Status == FileOK
	return f
}

// manifest parses a .loads read during the scan.
func (m *member) manifest() (Manifest, error) {
	if m.readErr != nil {
		return Manifest{}, m.readErr
	}
	if m.broken != "" {
		return Manifest{}, errors.New(m.broken)
	}
	return ParseLoads(m.content)
}

// check finds what a phone gets when it asks for name on behalf of ld, and notes what
// is wrong with it.
func (l *Library) check(ld *Load, name string, used map[*member]bool) File {
	f := File{Name: name}
	req, err := cleanRequest(name)
	if err != nil {
		f.Status = FileRefused
		ld.Problems = append(ld.Problems, fmt.Sprintf("listed file %s", err))
		return f
	}
	m := l.resolve(req)
	switch {
	case m == nil:
		f.Status = FileMissing
		ld.Problems = append(ld.Problems, "missing: "+name)
		return f
	case m.refused != "":
		f.Status = FileRefused
		ld.Problems = append(ld.Problems, fmt.Sprintf("refused: %s %s", m.where(), m.refused))
		return f
	case m.broken != "":
		f.Status = FileUnreadable
		ld.Problems = append(ld.Problems, fmt.Sprintf("cannot be read: %s: %s", m.where(), m.broken))
		return f
	}
	used[m] = true
	ld.members[strings.ToLower(path.Base(req))] = m
	f = fileOf(name, m)
	if f.Status == FileEmpty {
		ld.Problems = append(ld.Problems, fmt.Sprintf("empty: %s (0 bytes)", name))
	}
	if m.base() != path.Base(req) {
		f.Found = m.base()
		ld.Problems = append(ld.Problems, fmt.Sprintf("%s is %s on disk: served, but the names differ in case", name, m.base()))
	}
	return f
}

// addLoaderBins adds the unsigned .bin of each .sbn a 7940/7960 load lists, when the
// set has it (P00308000900.bin, P003-8-12-00.bin).
func (l *Library) addLoaderBins(ld *Load, files []string, used map[*member]bool) {
	for _, f := range files {
		stem, ok := strings.CutSuffix(strings.ToLower(f), ".sbn")
		if !ok {
			continue
		}
		m := l.resolve(stem + ".bin")
		if m == nil || m.refused != "" || m.broken != "" {
			continue
		}
		used[m] = true
		ld.members[strings.ToLower(m.base())] = m
		ld.Extras = append(ld.Extras, fileOf(f[:len(stem)]+".bin", m))
	}
}

// addUnsignedLoads makes a load of each lone pre-5.0 7940/7960 image (P00303010102.bin):
// those came without a .loads.
func (l *Library) addUnsignedLoads(used map[*member]bool) {
	for _, src := range l.sources {
		for _, m := range src.members {
			name := m.base()
			if len(name) <= len(".bin") || !strings.EqualFold(name[len(name)-len(".bin"):], ".bin") || used[m] || m.refused != "" || m.broken != "" {
				continue // a damaged member is a problem of its archive already
			}
			id := name[:len(name)-len(".bin")]
			if l.Find(id) != nil {
				continue // the unsigned loader of a signed load
			}
			fam, _, ver, err := ParseID(id)
			if err != nil || fam != Family7940 || ver.major >= 5 {
				continue
			}
			ld, err := newLoad(m, id)
			if err != nil {
				continue
			}
			ld.Signed = false
			used[m] = true
			l.Loads = append(l.Loads, ld)
		}
	}
}

// dropDuplicateLoads keeps one load per ID, the one of the source given first (a phone
// gets its files), and notes each other source that holds it: one load found twice is
// still one load to plan with and to count.
func (l *Library) dropDuplicateLoads() {
	first := map[string]*Load{}
	l.Loads = slices.DeleteFunc(l.Loads, func(ld *Load) bool {
		key := strings.ToLower(ld.ID)
		f, ok := first[key]
		if !ok {
			first[key] = ld
			return false
		}
		l.Problems = append(l.Problems, SourceProblem{Source: ld.Source,
			Error: fmt.Sprintf("%s is here too: counted once; phones get the copy in %s", ld.ID, f.Source)})
		return true
	})
}

// matchDefaults ties each termNN.default.loads to the load whose file list its body
// repeats, preferring a load of the same source.
func (l *Library) matchDefaults(used map[*member]bool) {
	for _, src := range l.sources {
		for _, m := range src.members {
			sm := termDefault.FindStringSubmatch(m.base())
			if sm == nil || m.refused != "" {
				continue
			}
			used[m] = true
			fam, ok := familyByCode(sm[1])
			if !ok {
				l.Problems = append(l.Problems, SourceProblem{Source: src.name,
					Error: fmt.Sprintf("%s: model code %s is not a family phoneflash knows", m.path, sm[1])})
				continue
			}
			man, err := m.manifest()
			if err != nil {
				l.Problems = append(l.Problems, SourceProblem{Source: src.name,
					Error: fmt.Sprintf("%s: cannot read its file list: %v", m.path, err)})
				continue
			}
			var match *Load
			for _, ld := range l.Loads {
				if ld.Family == fam && ld.ManifestError == "" && sameNames(ld.Files[1:], man.Files) &&
					(match == nil || ld.manifest.src == src && match.manifest.src != src) {
					match = ld
				}
			}
			if match == nil {
				l.Problems = append(l.Problems, SourceProblem{Source: src.name,
					Error: fmt.Sprintf("%s lists %s and more, but no .loads in the set has that file list: a phone asking for it after a factory reset gets a load phoneflash cannot name", m.path, man.Files[0])})
				continue
			}
			key := strings.ToLower(m.base())
			if !slices.ContainsFunc(match.Defaults, func(d string) bool { return strings.EqualFold(d, m.base()) }) {
				match.Defaults = append(match.Defaults, m.base())
			}
			if own := match.members[key]; own == nil || own.src != match.manifest.src {
				match.members[key] = m
			}
		}
	}
}

func sameNames(files []File, names []string) bool {
	return slices.EqualFunc(files, names, func(f File, n string) bool { return strings.EqualFold(f.Name, n) })
}

// noteDuplicateFiles reports a file name held by several sources in copies of
// different sizes: only the first is served. termNN.default.loads copies are left
// out (staging serves the one that belongs to the step's load), and so are .loads
// files (a duplicate load says so itself).
func (l *Library) noteDuplicateFiles() {
	for _, src := range l.sources {
		for _, m := range src.members {
			group := l.byBase[strings.ToLower(m.base())]
			if !m.served || group[0] != m || isManifestName(m.base()) {
				continue // each name once, from its first copy
			}
			sizes := map[int64]bool{}
			var where []string
			for _, g := range group {
				sizes[g.size] = true
				where = append(where, fmt.Sprintf("%s (%d bytes)", g.where(), g.size))
			}
			if len(sizes) < 2 {
				continue
			}
			served := l.resolve(m.base())
			l.Problems = append(l.Problems, SourceProblem{Source: served.src.name,
				Error: fmt.Sprintf("%s: %d different copies: %s; a phone asking for it gets %s", m.base(), len(group), strings.Join(where, ", "), served.where())})
		}
	}
}
