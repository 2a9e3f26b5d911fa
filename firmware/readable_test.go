package firmware

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// denyFS refuses to open one file, as a file system does for a file the process may
// not read: root is refused too, so the test means the same as root and as a user.
type denyFS struct {
	fstest.MapFS
	deny string
}

func (d denyFS) Open(name string) (fs.File, error) {
	if name == d.deny {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.MapFS.Open(name)
}

// checkUnreadable: the load is not complete, the file is unreadable, and the problem
// and the report name the file and the permission (issue 9, item 5).
func checkUnreadable(t *testing.T, lib *Library, name string) {
	t.Helper()
	ld := lib.Find("P00308000900")
	if ld == nil {
		t.Fatalf("no load: %v", lib.Loads)
	}
	if ld.Complete() || ld.Status() != "incomplete: 1 unreadable" || ld.Files[1].Status != FileUnreadable || ld.Files[1].Present {
		t.Errorf("an unreadable %s: %s, %+v", name, ld.Status(), ld.Files)
	}
	if p := strings.Join(ld.Problems, "\n"); !strings.Contains(p, name) || !strings.Contains(p, "permission denied") {
		t.Errorf("problems do not name the file and the permission: %q", ld.Problems)
	}
	var b strings.Builder
	if err := WriteReport(&b, lib, false); err != nil {
		t.Fatal(err)
	}
	if r := b.String(); !strings.Contains(r, "2/3") || !strings.Contains(r, name) || !strings.Contains(r, "permission denied") {
		t.Errorf("report:\n%s", r)
	}
}

func TestUnreadableFile(t *testing.T) {
	mapFS := fstest.MapFS{}
	for _, f := range testdataSet(t, "7940-7960").files {
		mapFS[f.name] = &fstest.MapFile{Data: f.data}
	}
	lib, err := OpenFS("sample", denyFS{mapFS, "P00308000900.sbn"})
	if err != nil {
		t.Fatal(err)
	}
	checkUnreadable(t, lib, "P00308000900.sbn")
}

// TestUnreadableFileMode000 is the case as reported: a file with mode 000. Root reads
// it anyway, so it runs only as another user.
func TestUnreadableFileMode000(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("mode 000 is readable here (root, or no Unix permissions); TestUnreadableFile covers it")
	}
	dir := t.TempDir()
	writeSets(t, dir, []genSet{{path: ".", format: "folder", files: testdataSet(t, "7940-7960").files}})
	sbn := filepath.Join(dir, "P00308000900.sbn")
	if err := os.Chmod(sbn, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(sbn, 0o644) })
	lib, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkUnreadable(t, lib, "P00308000900.sbn")
}
