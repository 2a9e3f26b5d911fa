package firmware

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// writeTarWithLinks writes files as a tar (or tar.gz), each name in links as a hard link
// to the file it maps to, as GNU tar writes a second name of one file.
func writeTarWithLinks(t testing.TB, name string, files []genFile, links map[string]string, gz bool) {
	t.Helper()
	var b bytes.Buffer
	var w io.Writer = &b
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&b)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, f := range files {
		h := &tar.Header{Name: "set/" + f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data))}
		if target, ok := links[f.name]; ok {
			h = &tar.Header{Name: "set/" + f.name, Typeflag: tar.TypeLink, Linkname: "set/" + target, Mode: 0o644}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(f.data)
		}
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	writeFile(t, name, b.String())
}

// TestHardLinkMember: a hard link in a tar is the file it links to, not an empty file
// (issue 9, item 11); a link to a file the archive does not hold before it is
// unreadable, with the reason.
func TestHardLinkMember(t *testing.T) {
	set := javaSet(t, "SIP41.9-4-2SR3-1S", "9-4-2ES26", []string{"term41"}, 1, tinySize)
	var cnu, dsp string
	for _, f := range set {
		switch {
		case strings.HasPrefix(f.name, "cnu"):
			cnu = f.name
		case strings.HasPrefix(f.name, "dsp"):
			dsp = f.name
		}
	}
	for _, gz := range []bool{false, true} {
		name := filepath.Join(t.TempDir(), "set.tar")
		if gz {
			name += ".gz"
		}
		writeTarWithLinks(t, name, set, map[string]string{dsp: cnu}, gz)
		lib, err := Open(name)
		if err != nil || lib.Err() != nil {
			t.Fatal(err, lib.Err())
		}
		ld := lib.Find("SIP41.9-4-2SR3-1S")
		if ld == nil || !ld.Complete() {
			t.Fatalf("gz %v: a hard-linked member: %s %v", gz, ld.Status(), ld.Problems)
		}
		want, err := ld.ReadFile(cnu)
		if err != nil {
			t.Fatal(err)
		}
		r, size, _, err := lib.Root().Open(dsp, netip.Addr{})
		if err != nil {
			t.Fatalf("gz %v: %v", gz, err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if size != int64(len(want)) || !bytes.Equal(got, want) {
			t.Errorf("gz %v: %s: %d bytes, want the %d of %s", gz, dsp, len(got), len(want), cnu)
		}

		writeTarWithLinks(t, name, set, map[string]string{dsp: "nowhere.sbn"}, gz)
		lib, _ = Open(name)
		ld = lib.Find("SIP41.9-4-2SR3-1S")
		if ld.Complete() || !strings.Contains(strings.Join(ld.Problems, "\n"), dsp+": a hard link to set/nowhere.sbn") {
			t.Errorf("gz %v: a link to nothing: %s %q", gz, ld.Status(), ld.Problems)
		}
	}
}
