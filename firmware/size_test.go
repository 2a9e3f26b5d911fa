package firmware

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestOversizeMember: a member far beyond any phone file (a 900 MiB zip bomb, a 2 GiB
// member, a 2 GiB loose file) is refused at scan time as not a phone firmware file, so
// the load is not complete and nothing is inflated for it (issue 9, items 4 and 11).
func TestOversizeMember(t *testing.T) {
	dir := t.TempDir()
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	manifest := loadsFile(t, "SIP42.9-4-2SR3-1S.loads", []string{"apps42.sbn", "dsp42.sbn"}, "\r\n")
	for _, f := range []struct {
		name string
		size uint64
		data []byte
	}{
		{manifest.name, uint64(len(manifest.data)), manifest.data},
		{"apps42.sbn", 900 << 20, []byte{0x03, 0x00}}, // the sizes are the directory's word: the scan reads nothing more
		{"dsp42.sbn", 2 << 30, []byte{0x03, 0x00}},
	} {
		method := zip.Deflate
		if f.name == manifest.name {
			method = zip.Store
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: method, CompressedSize64: uint64(len(f.data)), UncompressedSize64: f.size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	zw.Close()
	writeFile(t, filepath.Join(dir, "bomb.zip"), zb.String())
	writeSets(t, dir, []genSet{{path: "loose", format: "folder", files: testdataSet(t, "7940-7960").files}})
	if err := os.Truncate(filepath.Join(dir, "loose", "P00308000900.sb2"), 2<<30); err != nil {
		t.Fatal(err) // sparse: no disk used
	}
	lib, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, file string }{{"SIP42.9-4-2SR3-1S", "apps42.sbn"}, {"SIP42.9-4-2SR3-1S", "dsp42.sbn"}, {"P00308000900", "P00308000900.sb2"}} {
		ld := lib.Find(c.id)
		if ld == nil || ld.Complete() {
			t.Fatalf("%s: complete with an oversize %s: %+v", c.id, c.file, ld)
		}
		if p := strings.Join(ld.Problems, "\n"); !strings.Contains(p, c.file) || !strings.Contains(p, "not a phone firmware file") {
			t.Errorf("%s: problems %q", c.id, ld.Problems)
		}
		r, _, _, err := lib.Root().Open(c.file, netip.Addr{})
		if err == nil {
			r.Close()
			t.Errorf("%s served", c.file)
		} else if !strings.Contains(err.Error(), "not a phone firmware file") {
			t.Errorf("%s: %v", c.file, err)
		}
	}
	if err := lib.Err(); err != nil {
		t.Errorf("an oversize member is not damage: %v", err)
	}
}

// countOpens counts how often each archive source of lib is opened after the scan:
// each open of a tar.gz is one inflation from its start.
func countOpens(lib *Library, kind sourceKind) *atomic.Int64 {
	var n atomic.Int64
	for _, src := range lib.sources {
		if src.kind == kind {
			open := src.openArchive
			src.openArchive = func() (fs.File, error) { n.Add(1); return open() }
		}
	}
	return &n
}

// TestInflatedOnce: every file of a .cop, read by a phone in turn and by several
// transfers at once, costs one inflation of the stream; a deflated zip member is
// inflated once however often it is read (issue 9, item 4).
func TestInflatedOnce(t *testing.T) {
	lib, err := Open(filepath.Join(testdataDir, "cmterm-7941_7961-sip.9-4-2SR3-1.cop"))
	if err != nil {
		t.Fatal(err)
	}
	opens := countOpens(lib, kindTarGz)
	ld := lib.Find("SIP41.9-4-2SR3-1S")
	read := func(name string) []byte {
		r, size, _, err := lib.Root().Open(name, netip.Addr{})
		if err != nil {
			t.Error(err)
			return nil
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil || int64(len(data)) != size {
			t.Errorf("%s: %d of %d bytes: %v", name, len(data), size, err)
		}
		return data
	}
	first := map[string][]byte{}
	for _, f := range ld.Files {
		first[f.Name] = read(f.Name)
	}
	var wg sync.WaitGroup
	for range 4 {
		for _, f := range ld.Files {
			wg.Go(func() {
				if !bytes.Equal(read(f.Name), first[f.Name]) {
					t.Errorf("%s: other bytes the second time", f.Name)
				}
			})
		}
	}
	wg.Wait()
	if n := opens.Load(); n != 1 {
		t.Errorf("the .cop was inflated %d times for %d files read %d times", n, len(ld.Files), 5)
	}

	body := bytes.Repeat([]byte("compressible component "), 4000)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("apps42.sbn")
	w.Write(body)
	zw.Close()
	name := filepath.Join(t.TempDir(), "set.zip")
	writeFile(t, name, zb.String())
	lib, _ = Open(name)
	opens = countOpens(lib, kindZip)
	for range 3 {
		if data := func() []byte {
			r, _, _, err := lib.Root().Open("apps42.sbn", netip.Addr{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			data, _ := io.ReadAll(r)
			return data
		}(); !bytes.Equal(data, body) {
			t.Fatal("wrong bytes")
		}
	}
	if n := opens.Load(); n != 1 {
		t.Errorf("a deflated member was inflated %d times for 3 transfers", n)
	}
}
