package firmware

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzOpenArchive: no archive makes the scan or serving panic or hang; a file served
// gives exactly the bytes its size says, never one beyond maxPhoneFileSize, and a load
// called complete has every file within that bound.
func FuzzOpenArchive(f *testing.F) {
	// Small seeds: the minimizer works byte by byte, and a 13 KB testdata archive keeps
	// it busy for most of a one-minute run.
	set := legacySet(f, "P00308000900", "P00308000900", "PAS30809", func(string) int { return 40 })
	for _, format := range []string{"zip", "zip-store", "tar", "tgz"} {
		var b bytes.Buffer
		if err := writeArchive(&b, genSet{format: format, prefix: "set", files: set}); err != nil {
			f.Fatal(err)
		}
		ext := "." + strings.TrimSuffix(format, "-store")
		f.Add(b.Bytes(), ext)
		f.Add(b.Bytes()[:b.Len()/2], ext) // truncated
	}
	for _, gz := range []bool{false, true} {
		name := filepath.Join(f.TempDir(), "links.tar")
		writeTarWithLinks(f, name, set, map[string]string{"P00308000900.sb2": "P00308000900.sbn"}, gz)
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, map[bool]string{false: ".tar", true: ".tgz"}[gz])
	}
	f.Fuzz(func(t *testing.T, data []byte, ext string) {
		if ext != ".zip" && ext != ".tar" && ext != ".tgz" {
			ext = ".cop"
		}
		lib, err := OpenFS("fuzz", fstest.MapFS{"set" + ext: &fstest.MapFile{Data: data}})
		if err != nil {
			t.Fatal(err)
		}
		for _, ld := range lib.Loads {
			for _, file := range ld.Files {
				if ld.Complete() && file.Size > maxPhoneFileSize {
					t.Fatalf("%s complete with %s of %d bytes", ld.ID, file.Name, file.Size)
				}
			}
		}
		for _, src := range lib.sources {
			for _, m := range src.members {
				if !m.served {
					continue
				}
				r, size, _, err := lib.Root().Open(m.path, netip.Addr{})
				if err != nil {
					continue // damaged: refused with the reason
				}
				n, err := io.Copy(io.Discard, r)
				r.Close()
				if err == nil && n != size || size > maxPhoneFileSize {
					t.Fatalf("%s: %d bytes read of %d (%v)", m.path, n, size, err)
				}
			}
		}
	})
}
