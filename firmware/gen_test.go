package firmware

// The generator of testdata/firmware: synthetic firmware sets with real file names
// and structure, tiny deterministic bodies (no Cisco bytes), signed-style .loads
// headers, CRLF bodies for Java phones and LF for 7940/7960. TestTestdata regenerates
// them into a temporary folder and fails when the committed files differ;
// `go test ./firmware -run TestTestdata -update` rewrites them.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/firmware and the golden files")

// genFile is one file of a set.
type genFile struct {
	name string
	data []byte
}

// genSet is one download as a technician has it: a folder of loose files or an archive.
type genSet struct {
	path   string // under the output folder: "7940-7960" or "x.zip"
	format string // "folder", "zip" (deflate), "zip-store", "tar", "tgz"
	prefix string // folder inside the archive, "" for a flat one
	cut    int    // percent of the archive kept (a truncated download); 0 keeps it whole
	files  []genFile
}

// sizer gives the size of a synthetic component body; tests use a few hundred bytes,
// the benchmark megabytes.
type sizer func(name string) int

func tinySize(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	base := map[string]int{".sb2": 900, ".sbn": 600, ".bin": 500}[strings.ToLower(path.Ext(name))]
	return max(base, 300) + int(h.Sum32()%200)
}

// demoSize sizes the 7940/7960 set that `phoneflash demo` embeds: big enough that a
// transfer to the demo's paced virtual phone shows a moving progress bar, small enough
// for the binary and the repository.
func demoSize(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	base := map[string]int{".sb2": 12000, ".sbn": 4000, ".bin": 4000}[strings.ToLower(path.Ext(name))]
	return max(base, 300) + int(h.Sum32()%500)
}

// synthBody is a recognisable, deterministic, non-Cisco body of n bytes.
func synthBody(name string, n int) []byte {
	head := fmt.Sprintf("phoneflash synthetic test file %s, not firmware\n", name)
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	b := make([]byte, n)
	copy(b, head)
	for i := min(len(head), n); i < n; i++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		b[i] = byte(seed >> 56)
	}
	return b
}

func loadsFile(t testing.TB, name string, body []string, lineEnd string) genFile {
	var b bytes.Buffer
	if err := WriteLoads(&b, name, body, lineEnd); err != nil {
		t.Fatal(err)
	}
	return genFile{name, b.Bytes()}
}

// javaSet is a Java phone's load: SCCPNN/SIPNN .loads, its components and the
// termNN.default.loads of each model, with the body layout of the real ones
// (FACTS.md §1.3: comments, #HARDWARE_COMP lines, trailing spaces, CRLF).
func javaSet(t testing.TB, id, compVer string, terms []string, hwComp int, size sizer) []genFile {
	_, proto, _, err := ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	code := id[strings.IndexByte(id, '.')-2 : strings.IndexByte(id, '.')]
	p := strings.ToLower(string(proto))
	comps := []string{
		fmt.Sprintf("jar%s%s.%s.sbn", code, p, compVer),
		fmt.Sprintf("cnu%s.%s.sbn", code, compVer),
		fmt.Sprintf("apps%s.%s.sbn", code, compVer),
		fmt.Sprintf("dsp%s.%s.sbn", code, compVer),
		fmt.Sprintf("cvm%s%s.%s.sbn", code, p, compVer),
	}
	body := []string{"#", "# This file contains a list of archive image files that will be requested by the ",
		"# RELEASE load version " + compVer, "#"}
	for range hwComp {
		body = append(body, fmt.Sprintf("#HARDWARE_COMP_1 %d", hwComp))
	}
	body = append(body, "", comps[0], comps[1], comps[2], comps[3]+" ", comps[4]+" ")
	files := []genFile{loadsFile(t, id+".loads", body, "\r\n")}
	for _, term := range terms {
		files = append(files, loadsFile(t, term+".default.loads", body, "\r\n"))
	}
	for _, c := range comps {
		files = append(files, genFile{c, synthBody(c, size(c))})
	}
	return files
}

// legacySet is a signed 7940/7960 load: the .loads (LF, no comments), the .sbn loader,
// the .sb2 application and the unsigned .bin of the loader.
func legacySet(t testing.TB, id, loader, laVersion string, size sizer) []genFile {
	files := []genFile{loadsFile(t, id+".loads", []string{loader + ".sbn", id + ".sb2", "LA_VERSION=" + laVersion}, "\n")}
	for _, name := range []string{loader + ".sbn", id + ".sb2", loader + ".bin"} {
		files = append(files, genFile{name, synthBody(name, size(name))})
	}
	return files
}

func blob(name string, size sizer) genFile { return genFile{name, synthBody(name, size(name))} }

// without drops the named file from a set; rename renames one; emptied empties one.
func without(files []genFile, name string) []genFile {
	return slices.DeleteFunc(slices.Clone(files), func(f genFile) bool { return f.name == name })
}

func rename(files []genFile, from, to string) []genFile {
	out := slices.Clone(files)
	for i := range out {
		if out[i].name == from {
			out[i].name = to
		}
	}
	return out
}

func emptied(files []genFile, name string) []genFile {
	out := slices.Clone(files)
	for i := range out {
		if out[i].name == name {
			out[i].data = nil
		}
	}
	return out
}

// testdataSets is everything under testdata/firmware.
func testdataSets(t testing.TB) []genSet {
	s, d := tinySize, demoSize
	legacy := slices.Concat(
		[]genFile{blob("P00303010102.bin", d)},
		legacySet(t, "P00305000200", "P00305000200", "PAS3050A", d),
		legacySet(t, "P00308000900", "P00308000900", "PAS30809", d),
		legacySet(t, "P0030801SR02", "P0030801SR02", "PAS30831", s),
		legacySet(t, "P0S3-8-12-00", "P003-8-12-00", "PAS30830", d),
		[]genFile{{"OS79XX.TXT", []byte("P0S3-8-12-00 \r\n")}}, // 15 bytes, trailing space, as in Cisco's zip
	)
	// A .loads whose signed header claims more bytes than the file has.
	garbage := javaSet(t, "SCCP42.9-4-2SR1-1S", "9-4-2ES9", nil, 5, s)
	garbage[0].data = slices.Clone(garbage[0].data)
	garbage[0].data[8], garbage[0].data[9] = 0x7f, 0xf0
	caseSet := javaSet(t, "SIP11.8-2-2S", "8-2-2ES4", []string{"term06", "term11"}, 1, s)
	caseSet[0] = loadsFile(t, "SIP11.8-2-2S.loads", []string{"#", "Jar11sip.8-2-2ES4.sbn", "cnu11.8-2-2ES4.sbn",
		"apps11.8-2-2ES4.sbn", "dsp11.8-2-2ES4.sbn", "cvm11sip.8-2-2ES4.sbn"}, "\r\n")
	// The broken sets use component names no good set has: a phone asking for one of
	// them would otherwise be served the good copy.
	return []genSet{
		{path: "7940-7960", format: "folder", files: legacy},
		{path: "cmterm-7941_7961-sccp.8-2-2SR2.zip", format: "zip",
			files: javaSet(t, "SCCP41.8-2-2SR2S", "8-2-2SR2-3", []string{"term41", "term61"}, 0, s)},
		{path: "cmterm-7941_7961-sccp.8-5-2.tar", format: "tar", prefix: "cmterm-7941_7961-sccp.8-5-2",
			files: javaSet(t, "SCCP41.8-5-2S", "8-5-2TH1-9", []string{"term41", "term61"}, 0, s)},
		{path: "cmterm-7941_7961-sip.9-4-2SR3-1.cop", format: "tgz",
			files: javaSet(t, "SIP41.9-4-2SR3-1S", "9-4-2ES26", []string{"term41", "term61"}, 0, s)},
		{path: "cmterm-7942_7962-sip.9-4-2SR3-1.tgz", format: "tgz",
			files: javaSet(t, "SIP42.9-4-2SR3-1S", "9-4-2ES26", []string{"term42", "term62"}, 5, s)},
		{path: "cmterm-7945_7965-sccp.9-4-2SR3-1.tar.gz", format: "tgz",
			files: javaSet(t, "SCCP45.9-4-2SR3-1S", "9-4-2ES26", []string{"term45", "term65"}, 15, s)},
		{path: "cmterm-7970_7971-sccp.8-5-2.zip", format: "zip-store", prefix: "cmterm-7970_7971-sccp.8-5-2",
			files: append(javaSet(t, "SCCP70.8-5-2S", "8-5-2TH1-9", []string{"term70", "term71"}, 0, s),
				genFile{"release-notes.txt", []byte("Synthetic test set for phoneflash.\n")})},
		{path: "cmterm-7970_7971-sip.9-4-2SR1-1", format: "folder",
			files: rename(javaSet(t, "SIP70.9-4-2SR1-1S", "9-4-2ES9", []string{"term70", "term71"}, 0, s),
				"term70.default.loads", "TERM70.default.loads")},
		{path: "broken/missing-component", format: "folder",
			files: without(javaSet(t, "SCCP41.9-4-2SR1-1S", "9-4-2ES9", []string{"term41", "term61"}, 0, s), "dsp41.9-4-2ES9.sbn")},
		{path: "broken/empty-file", format: "folder",
			files: emptied(javaSet(t, "SIP45.9-4-2SR1-1S", "9-4-2ES9", nil, 15, s), "apps45.9-4-2ES9.sbn")},
		{path: "broken/case-mismatch", format: "folder", files: caseSet}, // lists Jar11sip…, holds jar11sip…
		{path: "broken/garbage-header", format: "folder", files: garbage},
		{path: "broken/truncated.zip", format: "zip", cut: 60,
			files: javaSet(t, "SCCP75.9-4-2SR3-1S", "9-4-2ES26", []string{"term75"}, 0, s)},
		{path: "broken/truncated.tar.gz", format: "tgz", cut: 60,
			files: javaSet(t, "SCCP70.9-3-1SR1-1S", "9-3-1ES11", nil, 0, s)},
		{path: "broken", format: "folder", files: []genFile{{"README.txt", []byte("Broken sets for phoneflash tests.\n")}}},
	}
}

// genTime is the fixed modification time of archive members (deterministic output).
var genTime = time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)

// writeSets writes sets under dir.
func writeSets(t testing.TB, dir string, sets []genSet) {
	for _, set := range sets {
		target := filepath.Join(dir, filepath.FromSlash(set.path))
		if set.format == "folder" {
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range set.files {
				if err := os.WriteFile(filepath.Join(target, f.name), f.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(target)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeArchive(out, set); err != nil {
			t.Fatal(err)
		}
		if set.cut > 0 {
			info, err := out.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if err := out.Truncate(info.Size() * int64(set.cut) / 100); err != nil {
				t.Fatal(err)
			}
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// writeArchive writes a set as a zip, tar or tar.gz. Compressed output uses stored
// deflate blocks, whose bytes do not depend on the Go version.
func writeArchive(w io.Writer, set genSet) error {
	name := func(f genFile) string { return path.Join(set.prefix, f.name) }
	switch set.format {
	case "zip", "zip-store":
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.NoCompression)
		})
		method := zip.Deflate
		if set.format == "zip-store" {
			method = zip.Store
		}
		for _, f := range set.files {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: name(f), Method: method, Modified: genTime})
			if err != nil {
				return err
			}
			if _, err := fw.Write(f.data); err != nil {
				return err
			}
		}
		return zw.Close()
	case "tar", "tgz":
		var gz *gzip.Writer
		if set.format == "tgz" {
			var err error
			if gz, err = gzip.NewWriterLevel(w, gzip.NoCompression); err != nil {
				return err
			}
			w = gz
		}
		tw := tar.NewWriter(w)
		if set.prefix != "" {
			if err := tw.WriteHeader(&tar.Header{Name: set.prefix + "/", Typeflag: tar.TypeDir, Mode: 0o755,
				ModTime: genTime, Format: tar.FormatUSTAR}); err != nil {
				return err
			}
		}
		for _, f := range set.files {
			if err := tw.WriteHeader(&tar.Header{Name: name(f), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data)),
				ModTime: genTime, Format: tar.FormatUSTAR}); err != nil {
				return err
			}
			if _, err := tw.Write(f.data); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if gz != nil {
			return gz.Close()
		}
		return nil
	}
	return fmt.Errorf("unknown format %q", set.format)
}

const testdataDir = "../testdata/firmware"

// TestTestdata keeps testdata/firmware and its generator in step.
func TestTestdata(t *testing.T) {
	sets := testdataSets(t)
	if *update {
		if err := os.RemoveAll(testdataDir); err != nil {
			t.Fatal(err)
		}
		writeSets(t, testdataDir, sets)
	}
	fresh := t.TempDir()
	writeSets(t, fresh, sets)
	want := readTree(t, fresh)
	got := readTree(t, testdataDir)
	var total int
	for name, data := range want {
		total += len(data)
		if g, ok := got[name]; !ok {
			t.Errorf("%s is missing from testdata/firmware", name)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s differs from what the generator writes", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s in testdata/firmware is not written by the generator", name)
		}
	}
	if t.Failed() {
		t.Log("regenerate with: go test ./firmware -run TestTestdata -update")
	}
	if total > 256<<10 {
		t.Errorf("testdata/firmware is %d bytes; keep it under 256 KB", total)
	}
	demo := 0
	for name, data := range want {
		if strings.HasPrefix(name, "7940-7960/") {
			demo += len(data)
		}
	}
	if demo > 96<<10 {
		t.Errorf("the demo folder 7940-7960 is %d bytes; keep it under 96 KB (it is in the binary)", demo)
	}
}

func readTree(t testing.TB, dir string) map[string][]byte {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
