package firmware

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func openTestdata(t testing.TB) *Library {
	t.Helper()
	lib, err := Open(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestTestdataLoads: every synthetic load with the right family, protocol, version,
// status, file count and source format.
func TestTestdataLoads(t *testing.T) {
	lib := openTestdata(t)
	want := []struct {
		id, family, proto, version, status string
		files                              int
		source                             string
	}{
		{"P00303010102", "7940/7960", "SCCP", "3.1(1.2)", "complete (unsigned)", 1, "7940-7960"},
		{"P00305000200", "7940/7960", "SCCP", "5.0(2)", "complete", 3, "7940-7960"},
		{"P00308000900", "7940/7960", "SCCP", "8.0(9)", "complete", 3, "7940-7960"},
		{"P0030801SR02", "7940/7960", "SCCP", "8.1(2)SR2", "complete", 3, "7940-7960"},
		{"P0S3-8-12-00", "7940/7960", "SIP", "8.12", "complete", 3, "7940-7960"},
		{"SIP11.8-2-2S", "7906/7911", "SIP", "8.2(2)", "complete, 1 name differs in case", 6, "broken/case-mismatch"},
		{"SCCP41.8-2-2SR2S", "7941/7961", "SCCP", "8.2(2)SR2", "complete", 6, "cmterm-7941_7961-sccp.8-2-2SR2.zip"},
		{"SCCP41.8-5-2S", "7941/7961", "SCCP", "8.5(2)", "complete", 6, "cmterm-7941_7961-sccp.8-5-2.tar"},
		{"SCCP41.9-4-2SR1-1S", "7941/7961", "SCCP", "9.4(2)SR1", "incomplete: 1 missing", 6, "broken/missing-component"},
		{"SIP41.9-4-2SR3-1S", "7941/7961", "SIP", "9.4(2)SR3", "complete", 6, "cmterm-7941_7961-sip.9-4-2SR3-1.cop"},
		{"SCCP42.9-4-2SR1-1S", "7942/7962", "SCCP", "9.4(2)SR1", "unreadable .loads", 1, "broken/garbage-header"},
		{"SIP42.9-4-2SR3-1S", "7942/7962", "SIP", "9.4(2)SR3", "complete", 6, "cmterm-7942_7962-sip.9-4-2SR3-1.tgz"},
		{"SCCP45.9-4-2SR3-1S", "7945/7965", "SCCP", "9.4(2)SR3", "complete", 6, "cmterm-7945_7965-sccp.9-4-2SR3-1.tar.gz"},
		{"SIP45.9-4-2SR1-1S", "7945/7965", "SIP", "9.4(2)SR1", "incomplete: 1 empty", 6, "broken/empty-file"},
		{"SCCP70.8-5-2S", "7970/7971", "SCCP", "8.5(2)", "complete", 6, "cmterm-7970_7971-sccp.8-5-2.zip"},
		{"SCCP70.9-3-1SR1-1S", "7970/7971", "SCCP", "9.3(1)SR1", "incomplete: 2 missing", 6, "broken/truncated.tar.gz"},
		{"SIP70.9-4-2SR1-1S", "7970/7971", "SIP", "9.4(2)SR1", "complete", 6, "cmterm-7970_7971-sip.9-4-2SR1-1"},
	}
	if len(lib.Loads) != len(want) {
		var ids []string
		for _, ld := range lib.Loads {
			ids = append(ids, ld.ID)
		}
		t.Fatalf("found %d loads %v, want %d", len(lib.Loads), ids, len(want))
	}
	for i, w := range want {
		ld := lib.Loads[i]
		got := []string{ld.ID, string(ld.Family), string(ld.Protocol), ld.Version.String(), ld.Status(), filepath.ToSlash(ld.Source)}
		exp := []string{w.id, w.family, w.proto, w.version, w.status, "../testdata/firmware/" + w.source}
		if !slices.Equal(got, exp) || len(ld.Files) != w.files {
			t.Errorf("load %d: got %q with %d files, want %q with %d", i, got, len(ld.Files), exp, w.files)
		}
		if !slices.Equal(ld.Models, FamilyModels(ld.Family)) {
			t.Errorf("%s: models %v", ld.ID, ld.Models)
		}
	}
}

func TestLoadFiles(t *testing.T) {
	lib := openTestdata(t)
	names := func(files []File) []string {
		var out []string
		for _, f := range files {
			out = append(out, f.Name)
		}
		return out
	}
	sip := lib.Find("P0S3-8-12-00")
	if got := names(sip.Files); !slices.Equal(got, []string{"P0S3-8-12-00.loads", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2"}) {
		t.Errorf("SIP 8.12 files %v", got)
	}
	if got := names(sip.Extras); !slices.Equal(got, []string{"P003-8-12-00.bin"}) || sip.Meta["LA_VERSION"] != "PAS30830" {
		t.Errorf("SIP 8.12 extras %v meta %v", got, sip.Meta)
	}
	old := lib.Find("p00303010102") // case-insensitive
	if old == nil || old.Signed || !slices.Equal(names(old.Files), []string{"P00303010102.bin"}) || old.Extras != nil {
		t.Fatalf("old unsigned load: %+v", old)
	}
	java := lib.Find("SIP41.9-4-2SR3-1S.loads")
	wantJava := []string{"SIP41.9-4-2SR3-1S.loads", "jar41sip.9-4-2ES26.sbn", "cnu41.9-4-2ES26.sbn", "apps41.9-4-2ES26.sbn",
		"dsp41.9-4-2ES26.sbn", "cvm41sip.9-4-2ES26.sbn"}
	if got := names(java.Files); !slices.Equal(got, wantJava) {
		t.Errorf("SIP41 files %v", got)
	}
	for _, f := range java.Files {
		if !f.Present || f.Size == 0 || f.Status != FileOK || f.Found != "" {
			t.Errorf("SIP41 file %+v", f)
		}
	}
	if !slices.Equal(java.Defaults, []string{"term41.default.loads", "term61.default.loads"}) {
		t.Errorf("SIP41 defaults %v", java.Defaults)
	}
	if lib.Find("SCCP45.9-4-2SR3-1S").Meta["HARDWARE_COMP_1"] == "" {
		t.Error("SCCP45 lost its #HARDWARE_COMP lines")
	}
	if ld := lib.Find("SIP70.9-4-2SR1-1S"); !slices.Equal(ld.Defaults, []string{"TERM70.default.loads", "term71.default.loads"}) {
		t.Errorf("upper-case TERM70 not tied: %v", ld.Defaults)
	}
	cs := lib.Find("SIP11.8-2-2S")
	if f := cs.Files[1]; f.Name != "Jar11sip.8-2-2ES4.sbn" || f.Found != "jar11sip.8-2-2ES4.sbn" || !f.Present {
		t.Errorf("case mismatch: %+v", f)
	}
	if !cs.Complete() || !strings.Contains(strings.Join(cs.Problems, "\n"), "differ in case") {
		t.Errorf("case mismatch must be served but reported: %v", cs.Problems)
	}
	if lib.Find("nope") != nil {
		t.Error("Find of an absent load")
	}
	var versions []string
	for _, ld := range lib.ByFamily(Family7941) {
		versions = append(versions, ld.Version.String())
	}
	if !slices.Equal(versions, []string{"8.2(2)SR2", "8.5(2)", "9.4(2)SR1", "9.4(2)SR3"}) {
		t.Errorf("7941 by family: %v", versions)
	}
}

// TestReadFileOwnSource: each load's termNN.default.loads comes from its own set
// (every 7941 set has one, with a different body).
func TestReadFileOwnSource(t *testing.T) {
	lib := openTestdata(t)
	for _, id := range []string{"SCCP41.8-2-2SR2S", "SCCP41.8-5-2S", "SIP41.9-4-2SR3-1S", "SCCP41.9-4-2SR1-1S", "SIP70.9-4-2SR1-1S", "SCCP70.8-5-2S"} {
		ld := lib.Find(id)
		for _, d := range ld.Defaults {
			data, err := ld.ReadFile(d)
			if err != nil {
				t.Fatalf("%s %s: %v", id, d, err)
			}
			m, err := ParseLoads(data)
			if err != nil || !sameNames(ld.Files[1:], m.Files) || !strings.EqualFold(m.Name, d) {
				t.Errorf("%s: %s is not its own (%v, %v)", id, d, m, err)
			}
		}
		for _, f := range ld.Files {
			data, err := ld.ReadFile(strings.ToUpper(f.Name))
			if f.Present && (err != nil || int64(len(data)) != f.Size) || !f.Present && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: ReadFile(%s) %d bytes, %v", id, f.Name, len(data), err)
			}
		}
	}
	if _, err := lib.Find("SCCP41.8-5-2S").ReadFile("apps41.9-4-2ES26.sbn"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file of another load: %v", err)
	}
}

// TestBadInput: truncated archives name the file and the reason, every other source
// still loads, and files that are not firmware are listed as ignored.
func TestBadInput(t *testing.T) {
	lib := openTestdata(t)
	var unread []string
	for _, p := range lib.Problems {
		if p.Unread {
			unread = append(unread, filepath.ToSlash(p.Source)+": "+p.Error)
		}
	}
	slices.Sort(unread)
	if len(unread) != 2 || !strings.Contains(unread[0], "broken/truncated.tar.gz: truncated after 4 file(s)") ||
		!strings.Contains(unread[1], "broken/truncated.zip: cannot read the zip directory") || !strings.Contains(unread[1], "truncated") {
		t.Errorf("problems: %q", unread)
	}
	if err := lib.Err(); err == nil || !strings.Contains(err.Error(), "truncated.zip") {
		t.Errorf("Err: %v", err)
	}
	for _, want := range []string{"broken/README.txt (not served", "7940-7960/OS79XX.TXT", "sccp.8-5-2.zip:cmterm-7970_7971-sccp.8-5-2/release-notes.txt (not served"} {
		if !slices.ContainsFunc(lib.Ignored, func(s string) bool { return strings.Contains(filepath.ToSlash(s), want) }) {
			t.Errorf("%s not listed as ignored: %q", want, lib.Ignored)
		}
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "notes.txt"), "hello")
	writeFile(t, filepath.Join(dir, "a", "bogus.zip"), "this is not a zip at all")
	writeFile(t, filepath.Join(dir, "a", "empty.cop"), "")
	writeFile(t, filepath.Join(dir, "a", "SCCP31.9-4-2S.loads"), "apps31.sbn\r\n")
	lib, err := Open(filepath.Join(dir, "a"), filepath.Join(dir, "nope"), testdataDir+"/7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Loads) != 5 {
		t.Errorf("the good folder did not load: %d loads", len(lib.Loads))
	}
	got := map[string]string{}
	for _, p := range lib.Problems {
		got[filepath.Base(p.Source)] = p.Error
	}
	for name, want := range map[string]string{"nope": "check the path", "bogus.zip": "not a zip, tar or tar.gz archive", "empty.cop": "empty"} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: problem %q, want %q", name, got[name], want)
		}
	}
	if !slices.ContainsFunc(lib.Ignored, func(s string) bool { return strings.Contains(s, "SCCP31") && strings.Contains(s, "not a family") }) {
		t.Errorf("unknown family .loads not ignored with a reason: %q", lib.Ignored)
	}

	// Lone files: a .loads alone is a load with its components missing, a pre-5.0
	// image alone a complete load; a device is not firmware.
	lib, _ = Open(testdataDir+"/7940-7960/P0S3-8-12-00.loads", testdataDir+"/7940-7960/P00303010102.bin", os.DevNull)
	if sip, old := lib.Find("P0S3-8-12-00"), lib.Find("P00303010102"); len(lib.Loads) != 2 || sip.Complete() || !old.Complete() || old.Signed {
		t.Errorf("lone files: %v", lib.Loads)
	}
	if len(lib.Problems) != 1 || !strings.Contains(lib.Problems[0].Error, "not a folder, an archive or a file") {
		t.Errorf("device: %v", lib.Problems)
	}
}

func writeFile(t testing.TB, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinks: loops do not hang the scan, links inside the folder serve, links out
// of it are refused with the reason, pipes are never opened.
func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.sbn"), "secret")
	writeFile(t, filepath.Join(dir, "real", "P00303010102.bin"), "old image")
	for _, l := range [][2]string{
		{"loop1", filepath.Join(dir, "loop2")}, {"loop2", filepath.Join(dir, "loop1")}, // file link loop
		{"real/self", filepath.Join(dir, "real")}, // folder loop
		{"up", ".."},
		{"inside.bin", "real/P00303010102.bin"},
		{"absolute.bin", filepath.Join(dir, "real", "P00303010102.bin")}, // os.Root alone would refuse it
		{"escape.sbn", filepath.Join(outside, "secret.sbn")},
		{"outdir", outside},
		{"dangling", filepath.Join(dir, "nothing")},
	} {
		if err := os.Symlink(l[1], filepath.Join(dir, l[0])); err != nil {
			t.Skip("symlinks not available:", err)
		}
	}
	if err := mkfifo(filepath.Join(dir, "pipe.loads")); err != nil && !errors.Is(err, errNoFIFO) {
		t.Fatal(err) // where named pipes exist, the pipe is the point of this test
	}
	done := make(chan *Library)
	go func() {
		lib, _ := Open(dir)
		done <- lib
	}()
	var lib *Library
	select {
	case lib = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("scan hangs on symlink loops or a pipe")
	}
	if len(lib.Loads) != 1 || lib.Loads[0].ID != "P00303010102" {
		t.Errorf("loads: %v", lib.Loads)
	}
	root := lib.Root()
	r, size, name, err := root.Open("inside.bin", netip.Addr{})
	if err != nil || size != int64(len("old image")) || name != "inside.bin" {
		t.Fatalf("link inside: %v %d %q", err, size, name)
	}
	r.Close()
	if r, size, _, err := root.Open("absolute.bin", netip.Addr{}); err != nil || size != int64(len("old image")) {
		t.Errorf("absolute link inside the folder: %v", err)
	} else {
		r.Close()
	}
	for _, req := range []string{"escape.sbn", "/ESCAPE.SBN"} {
		_, _, _, err = root.Open(req, netip.Addr{})
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "leaves the firmware folder") {
			t.Errorf("%s: %v", req, err)
		}
	}
	for _, req := range []string{"outdir/secret.sbn", "secret.sbn", "up/etc/passwd", "pipe.loads", "dangling"} {
		if _, _, _, err := root.Open(req, netip.Addr{}); err == nil {
			t.Errorf("%s was served", req)
		}
	}
	if !slices.ContainsFunc(lib.Ignored, func(s string) bool { return strings.Contains(s, "escape.sbn (refused") }) {
		t.Errorf("escaping link not listed: %q", lib.Ignored)
	}
}

// TestArchiveFormats serves every file of every complete load from its folder or
// archive, byte for byte, and a truly deflated zip member with its CRC checked.
func TestArchiveFormats(t *testing.T) {
	lib := openTestdata(t)
	bodies := map[string]map[string][]byte{} // set path -> file name -> bytes
	for _, set := range testdataSets(t) {
		bodies[set.path] = map[string][]byte{}
		for _, f := range set.files {
			bodies[set.path][f.name] = f.data
		}
	}
	kinds := map[sourceKind]int{}
	for _, ld := range lib.Loads {
		if !ld.Complete() {
			continue
		}
		kinds[ld.manifest.src.kind]++
		rel, err := filepath.Rel(testdataDir, ld.Source)
		if err != nil {
			t.Fatal(err)
		}
		set := bodies[filepath.ToSlash(rel)]
		for _, f := range ld.Files {
			r, size, resolved, err := lib.Root().Open(f.Name, netip.Addr{})
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil || int64(len(data)) != size || size != f.Size {
				t.Fatalf("%s: %d bytes (size %d, listed %d): %v", f.Name, len(data), size, f.Size, err)
			}
			if !strings.EqualFold(path.Base(resolved), f.Name) {
				t.Errorf("%s resolved to %s", f.Name, resolved)
			}
			onDisk := f.Name
			if f.Found != "" {
				onDisk = f.Found
			}
			if want, ok := set[onDisk]; !ok || !bytes.Equal(want, data) {
				t.Errorf("%s from %s: wrong bytes", f.Name, ld.Source)
			}
		}
	}
	if len(kinds) != 4 {
		t.Errorf("complete loads by source kind: %v, want all four", kinds)
	}

	dir := t.TempDir()
	body := bytes.Repeat([]byte("compressible component "), 4000)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, f := range []genFile{loadsFile(t, "SIP42.9-4-2SR3-1S.loads", []string{"apps42.sbn"}, "\r\n"), {"apps42.sbn", body}} {
		w, err := zw.Create("deep/" + f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	zw.Close()
	zipPath := filepath.Join(dir, "set.zip")
	writeFile(t, zipPath, zb.String())
	lib, _ = Open(zipPath)
	if len(lib.Loads) != 1 || !lib.Loads[0].Complete() {
		t.Fatalf("deflated zip: %+v %v", lib.Loads, lib.Problems)
	}
	r, size, resolved, err := lib.Root().Open("apps42.sbn", netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r)
	if size != int64(len(body)) || !bytes.Equal(data, body) || resolved != "deep/apps42.sbn" {
		t.Fatalf("deflated member: %d bytes as %s", len(data), resolved)
	}
	// Damage the compressed bytes (the directory stays intact): the CRC catches it.
	damaged := bytes.Clone(zb.Bytes())
	damaged[bytes.Index(damaged, []byte("deep/apps42.sbn"))+len("deep/apps42.sbn")+40] ^= 0xff
	writeFile(t, zipPath, string(damaged))
	lib, _ = Open(zipPath)
	if _, _, _, err := lib.Root().Open("apps42.sbn", netip.Addr{}); err == nil || lib.Err() != nil {
		t.Errorf("a damaged deflated member was served (%v, scan %v)", err, lib.Err())
	}
}

// seqFS hides ReadAt and Seek from an fs.FS's files, like a stream-only file system.
type seqFS struct{ fs.FS }

func (s seqFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || info.IsDir() {
		return f, err
	}
	return struct{ fs.File }{f}, nil
}

// TestOpenFS scans an fs.FS (what the demo embeds) like a folder, archives included,
// with and without random access.
func TestOpenFS(t *testing.T) {
	mapFS := fstest.MapFS{}
	for name, data := range readTree(t, testdataDir) {
		if strings.HasPrefix(name, "7940-7960/") || strings.HasSuffix(name, ".cop") || strings.HasSuffix(name, ".zip") && !strings.HasPrefix(name, "broken/") {
			mapFS[name] = &fstest.MapFile{Data: data}
		}
	}
	for _, fsys := range []fs.FS{mapFS, seqFS{mapFS}} {
		lib, err := OpenFS("sample", fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(lib.Loads) != 8 || lib.Err() != nil {
			t.Fatalf("%T: %d loads, %v", fsys, len(lib.Loads), lib.Err())
		}
		for _, ld := range lib.Loads {
			if !ld.Complete() {
				t.Errorf("%T: %s: %v", fsys, ld.ID, ld.Problems)
			}
		}
		for _, name := range []string{"P0S3-8-12-00.sb2", "jar41sip.9-4-2ES26.sbn", "cnu70.8-5-2TH1-9.sbn", "term61.default.loads"} {
			r, size, _, err := lib.Root().Open(name, netip.Addr{})
			if err != nil {
				t.Fatalf("%T: %s: %v", fsys, name, err)
			}
			data, _ := io.ReadAll(r)
			r.Close()
			if int64(len(data)) != size || size == 0 {
				t.Errorf("%T: %s: %d of %d bytes", fsys, name, len(data), size)
			}
		}
	}
	if _, err := OpenFS("x", nil); err == nil {
		t.Error("OpenFS(nil)")
	}
	if _, err := Open(); err == nil {
		t.Error("Open() without paths")
	}
}

// TestDuplicates: the first source given wins, a load found twice counts once with a
// note naming the second source (issue 9, item 11), and different copies are reported.
func TestDuplicates(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeSets(t, a, []genSet{{path: ".", format: "folder", files: legacySet(t, "P00308000900", "P00308000900", "PAS30809", tinySize)}})
	writeSets(t, b, []genSet{{path: ".", format: "folder", files: legacySet(t, "P00308000900", "P00308000900", "PAS30809", func(string) int { return 10 })}})
	lib, _ := Open(a, b)
	if len(lib.Loads) != 1 || lib.Find("P00308000900").Source != a || len(lib.Loads[0].Problems) != 0 {
		t.Fatalf("loads %v", lib.Loads)
	}
	var notes []string
	for _, p := range lib.Problems {
		notes = append(notes, p.Source+": "+p.Error)
	}
	if len(notes) != 4 || strings.Count(strings.Join(notes, "\n"), "2 different copies") != 3 || lib.Err() != nil ||
		!slices.Contains(notes, b+": P00308000900 is here too: counted once; phones get the copy in "+a) {
		t.Errorf("problems %q", notes)
	}
	var report strings.Builder
	WriteReport(&report, lib, false)
	if !strings.Contains(report.String(), "1 load, 1 complete.") {
		t.Errorf("report:\n%s", report.String())
	}
	r, size, _, _ := lib.Root().Open("P00308000900.sb2", netip.Addr{})
	r.Close()
	if size == 10 {
		t.Error("the second source won")
	}
	lib, _ = Open(a, a, filepath.Join(a, "."))
	if len(lib.Loads) != 1 {
		t.Errorf("the same folder given three times: %d loads", len(lib.Loads))
	}
}

// TestMemberCache: concurrent readers of one compressed member share one
// decompression; the bound evicts the oldest.
func TestMemberCache(t *testing.T) {
	c := newMemberCache(100)
	m1, m2, m3 := &member{}, &member{}, &member{}
	var loads sync.WaitGroup
	calls := 0
	var mu sync.Mutex
	release := make(chan struct{})
	load := func() ([]byte, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return make([]byte, 40), nil
	}
	for range 10 {
		loads.Go(func() {
			if data, err := c.get(m1, load); err != nil || len(data) != 40 {
				t.Errorf("get: %d %v", len(data), err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	loads.Wait()
	if calls != 1 {
		t.Errorf("%d decompressions for 10 concurrent readers", calls)
	}
	c.get(m2, load)
	c.get(m3, load) // 120 bytes > 100: m1, the oldest, goes
	if _, ok := c.entries[m1]; ok || c.used != 80 {
		t.Errorf("eviction: used %d, m1 kept %v", c.used, ok)
	}
	failing := func() ([]byte, error) { return nil, errors.New("boom") }
	if _, err := c.get(&member{}, failing); err == nil || len(c.entries) != 2 {
		t.Errorf("errors must not be cached: %v %d", err, len(c.entries))
	}
	if _, err := c.get(m1, func() ([]byte, error) { return make([]byte, 101), nil }); err != nil || c.entries[m1] != nil {
		t.Error("a member larger than the bound must not be kept")
	}
}

// TestDefaultLoads: a termNN.default.loads whose list matches no load, one of an
// unknown family, and a .loads whose signed header names another file are reported
// as notes, not as unreadable sources.
func TestDefaultLoads(t *testing.T) {
	dir := t.TempDir()
	set := javaSet(t, "SIP42.9-4-2SR3-1S", "9-4-2ES26", []string{"term42"}, 1, tinySize)
	orphan := loadsFile(t, "term62.default.loads", []string{"jar42sip.1-0-0.sbn"}, "\r\n")
	unknown := loadsFile(t, "term31.default.loads", []string{"jar31sip.1-0-0.sbn"}, "\r\n")
	renamed := loadsFile(t, "term45.default.loads", []string{"apps45.sbn"}, "\r\n")
	renamed.name = "SCCP45.9-4-2S.loads"
	writeSets(t, dir, []genSet{{path: ".", format: "folder", files: append(set, orphan, unknown, renamed, blob("apps45.sbn", tinySize))}})
	lib, _ := Open(dir)
	if err := lib.Err(); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, p := range lib.Problems {
		notes = append(notes, p.Error)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"term62.default.loads lists jar42sip.1-0-0.sbn and more, but no .loads in the set has that file list",
		"term31.default.loads: model code 31 is not a family"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing note %q in %q", want, notes)
		}
	}
	if ld := lib.Find("SIP42.9-4-2SR3-1S"); !slices.Equal(ld.Defaults, []string{"term42.default.loads"}) {
		t.Errorf("defaults %v", ld.Defaults)
	}
	ld := lib.Find("SCCP45.9-4-2S")
	if !ld.Complete() || len(ld.Problems) != 1 || !strings.Contains(ld.Problems[0], "its signed header names it term45.default.loads") {
		t.Errorf("renamed manifest: %v", ld.Problems)
	}
}

// TestZipUnreadableMembers: a member stored with a method phoneflash cannot read, or
// encrypted, makes the archive a problem naming the file; the load says which file
// is unreadable, and serving it fails with the reason.
func TestZipUnreadableMembers(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	add := func(h *zip.FileHeader, data []byte) {
		h.CompressedSize64, h.UncompressedSize64 = uint64(len(data)), uint64(len(data))
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	manifest := loadsFile(t, "SIP42.9-4-2SR3-1S.loads", []string{"apps42.sbn", "dsp42.sbn"}, "\r\n")
	add(&zip.FileHeader{Name: manifest.name, Method: zip.Store}, manifest.data)
	add(&zip.FileHeader{Name: "apps42.sbn", Method: 12}, []byte("BZh9 not really"))
	add(&zip.FileHeader{Name: "dsp42.sbn", Method: zip.Store, Flags: 1}, []byte("secret"))
	zw.Close()
	name := filepath.Join(t.TempDir(), "odd.zip")
	writeFile(t, name, zb.String())
	lib, _ := Open(name)
	err := lib.Err()
	if err == nil || !strings.Contains(err.Error(), "odd.zip: 2 damaged file(s): apps42.sbn: compression method 12 is not supported") ||
		!strings.Contains(err.Error(), "dsp42.sbn: encrypted") {
		t.Errorf("problem: %v", err)
	}
	ld := lib.Find("SIP42.9-4-2SR3-1S")
	if ld == nil || ld.Complete() || ld.Files[1].Status != FileUnreadable || ld.Files[2].Status != FileUnreadable {
		t.Fatalf("load: %+v", ld)
	}
	if _, _, _, err := lib.Root().Open("apps42.sbn", netip.Addr{}); err == nil || !strings.Contains(err.Error(), "compression method 12") {
		t.Errorf("serving an unreadable member: %v", err)
	}
}
