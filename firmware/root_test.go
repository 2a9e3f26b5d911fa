package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// rootFixture is a folder with the files phones ask for (FACTS.md §2.3), the 7940
// seed chain, a case-mismatched Java set, a link out of the folder, and an overlay
// file. It returns the library and the folder.
func rootFixture(t testing.TB, dir string) *Library {
	t.Helper()
	outside := filepath.Join(dir, "outside")
	fw := filepath.Join(dir, "fw")
	writeFile(t, filepath.Join(outside, "secret.sbn"), "secret")
	for name, body := range map[string]string{
		"OS79XX.TXT":                       "P0S3-8-12-00",
		"SEP001646CB4791.cnf.xml":          "<device/>",
		"CTLSEP0006537B84EF.tlv":           "ctl",
		"mk-sip.jar":                       "top-level locale",
		"sp-sip.jar":                       "sp",
		"g3-tones.xml":                     "tones",
		"Desktops/320x196x4/List.xml":      "<list/>",
		"English_United_States/mk-sip.jar": "english locale",
		"SIPDefault.cnf":                   "image_version: P0S3-8-12-00",
		"dialplan.xml":                     "<DIALTEMPLATE/>",
		"RINGLIST.DAT":                     "ring",
		"term70.default.loads":             "jar70sip.9-4-2ES9.sbn\r\n",
	} {
		writeFile(t, filepath.Join(fw, filepath.FromSlash(name)), body)
	}
	writeSets(t, fw, []genSet{
		{path: "7940-7960", format: "folder", files: testdataSet(t, "7940-7960").files},
		{path: "java", format: "folder", files: testdataSet(t, "broken/case-mismatch").files},
	})
	if err := os.Symlink(filepath.Join(outside, "secret.sbn"), filepath.Join(fw, "escape.sbn")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(fw, "outdir")); err != nil {
		t.Fatal(err)
	}
	lib, err := Open(fw)
	if err != nil {
		t.Fatal(err)
	}
	lib.Root().Set("XMLDefault.cnf.xml", []byte("<Default/>"))
	return lib
}

// testdataSet is one set of testdata/firmware by its path.
func testdataSet(t testing.TB, path string) genSet {
	t.Helper()
	for _, set := range testdataSets(t) {
		if set.path == path {
			return set
		}
	}
	t.Fatalf("no set %s in testdata/firmware", path)
	return genSet{}
}

// TestRootGoodNames: every name a phone sends resolves, in every form phones use.
func TestRootGoodNames(t *testing.T) {
	root := rootFixture(t, t.TempDir()).Root()
	for _, c := range []struct{ req, resolved, body string }{
		{"OS79XX.TXT", "OS79XX.TXT", "P0S3-8-12-00"},
		{"OS79XX.TXT\x00", "OS79XX.TXT", ""},
		{"OS79XX.TXT\x00\x00\x00", "OS79XX.TXT", ""},
		{"OS79XX.TXT  ", "OS79XX.TXT", ""},
		{"OS79XX.TXT \x00", "OS79XX.TXT", ""},
		{"os79xx.txt", "OS79XX.TXT", ""},
		{"/OS79XX.TXT", "OS79XX.TXT", ""},
		{"//OS79XX.TXT", "OS79XX.TXT", ""},
		{"./OS79XX.TXT", "OS79XX.TXT", ""},
		{`\OS79XX.TXT`, "OS79XX.TXT", ""},
		{"SEP001646CB4791.cnf.xml", "SEP001646CB4791.cnf.xml", "<device/>"},
		{"sep001646cb4791.cnf.xml", "SEP001646CB4791.cnf.xml", ""},
		{"CTLSEP0006537B84EF.tlv", "CTLSEP0006537B84EF.tlv", ""},
		{"/mk-sip.jar", "mk-sip.jar", "top-level locale"},
		{"/sp-sip.jar", "sp-sip.jar", ""},
		{"/g3-tones.xml", "g3-tones.xml", ""},
		{"Desktops/320x196x4/List.xml", "Desktops/320x196x4/List.xml", "<list/>"},
		{"desktops/320X196X4/list.xml", "Desktops/320x196x4/List.xml", ""},
		{"/Desktops/320x196x4/List.xml", "Desktops/320x196x4/List.xml", ""},
		{"English_United_States/mk-sip.jar", "English_United_States/mk-sip.jar", "english locale"},
		{`English_United_States\mk-sip.jar`, "English_United_States/mk-sip.jar", "english locale"},
		{"/english_united_states/MK-SIP.JAR", "English_United_States/mk-sip.jar", "english locale"},
		{"SIPDefault.cnf", "SIPDefault.cnf", ""},
		{"dialplan.xml", "dialplan.xml", ""},
		{"RINGLIST.DAT", "RINGLIST.DAT", ""},
		{"TERM70.DEFAULT.loads", "term70.default.loads", ""},
		{"term70.default.loads", "term70.default.loads", ""},
		{"P00303010102.bin", "7940-7960/P00303010102.bin", ""},
		{"P0030801SR02.loads", "7940-7960/P0030801SR02.loads", ""},
		{"P0030801SR02.sbn", "7940-7960/P0030801SR02.sbn", ""},
		{"P0S3-8-12-00.loads", "7940-7960/P0S3-8-12-00.loads", ""},
		{"P003-8-12-00.sbn", "7940-7960/P003-8-12-00.sbn", ""},
		{"P0S3-8-12-00.sb2", "7940-7960/P0S3-8-12-00.sb2", ""},
		{"7940-7960/P0S3-8-12-00.sb2", "7940-7960/P0S3-8-12-00.sb2", ""},
		{"Jar11sip.8-2-2ES4.sbn", "java/jar11sip.8-2-2ES4.sbn", ""},
		{"term11.default.loads", "java/term11.default.loads", ""},
		{"XMLDefault.cnf.xml", "XMLDefault.cnf.xml", "<Default/>"},
		{"/xmldefault.cnf.xml\x00", "XMLDefault.cnf.xml", "<Default/>"},
	} {
		r, size, resolved, err := root.Open(c.req, netip.Addr{})
		if err != nil {
			t.Errorf("%q: %v", c.req, err)
			continue
		}
		data, err := io.ReadAll(r)
		r.Close()
		if resolved != c.resolved || int64(len(data)) != size || err != nil || c.body != "" && string(data) != c.body {
			t.Errorf("%q: resolved %q with %q (%d bytes, %v), want %q", c.req, resolved, data, size, err, c.resolved)
		}
	}
}

// TestRootHostileNames: each is refused with fs.ErrPermission and a reason.
func TestRootHostileNames(t *testing.T) {
	root := rootFixture(t, t.TempDir()).Root()
	cases := []struct{ req, reason string }{
		{"../etc/passwd", "leaves the firmware folder"},
		{`..\..\windows\win.ini`, "leaves"},
		{"/../x", "leaves"},
		{`\..\x`, "leaves"},
		{"a/../../x", "leaves"},
		{"a/b/../../../x", "leaves"},
		{"Desktops/../../OS79XX.TXT", "leaves"},
		{"OS79XX.TXT/..", "leaves"},
		{"..", "leaves"},
		{"../", "leaves"},
		{"/..", "leaves"},
		{"../\x00", "leaves"},
		{`\\server\share\..\x`, "leaves"},
		{`C:\Windows\win.ini`, "absolute path"},
		{"c:/windows/win.ini", "absolute path"},
		{"C:relative.txt", "absolute path"},
		{"/C:/boot.ini", "absolute path"},
		{"apps41.sbn:stream", "':'"},
		{"P0S3-8-12-00.sb2\x00../../etc/passwd", "NUL"},
		{"a\x00b", "NUL"},
		{strings.Repeat("a", 256), "longer than 255"},
		{strings.Repeat("a/", 128) + "x", "longer than 255"},
		{"bad\nname", "control character"},
		{"bad\rname", "control character"},
		{"tab\tname", "control character"},
		{"\x1b[31mred", "control character"},
		{"del\x7f", "control character"},
		{"bad\xff\xfename", "UTF-8"},
		{"", "empty"},
		{"\x00", "empty"},
		{"   ", "empty"},
		{"/", "empty"},
		{`\\`, "empty"},
		{".", "folder itself"},
		{"./", "folder itself"},
		{"CON", "Windows device"},
		{"nul.txt", "Windows device"},
		{"lpt1", "Windows device"},
		{"sub/aux.sbn", "Windows device"},
		{"escape.sbn", "is a symlink that leaves the firmware folder"},
		{"/Escape.SBN", "is a symlink that leaves the firmware folder"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d hostile names", len(cases))
	}
	for _, c := range cases {
		r, _, _, err := root.Open(c.req, netip.Addr{})
		if r != nil {
			r.Close()
		}
		var re *RequestError
		if !errors.Is(err, fs.ErrPermission) || !errors.As(err, &re) || !strings.Contains(err.Error(), c.reason) ||
			!strings.HasPrefix(err.Error(), "access violation: ") {
			t.Errorf("%q: %v, want access violation (%s)", c.req, err, c.reason)
		}
		if len(err.Error()) > 200 {
			t.Errorf("%q: error text too long for a TFTP packet: %d", c.req, len(err.Error()))
		}
	}
	// Names that only look odd are simply not there.
	for _, req := range []string{"outdir/secret.sbn", "secret.sbn", "%2e%2e/x", "....", "...\\x", "etc/passwd", "/etc/passwd", "7940-7960"} {
		_, _, _, err := root.Open(req, netip.Addr{})
		if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "file not found: ") {
			t.Errorf("%q: %v, want not found", req, err)
		}
	}
}

func TestRootOverlay(t *testing.T) {
	root := rootFixture(t, t.TempDir()).Root()
	data := []byte("P00308000900")
	root.Set("/OS79XX.TXT", data)
	data[0] = 'X' // the overlay keeps its own copy
	read := func(name string) string {
		r, _, _, err := root.Open(name, netip.Addr{})
		if err != nil {
			return err.Error()
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		return string(b)
	}
	if got := read("os79xx.txt"); got != "P00308000900" {
		t.Errorf("overlay does not shadow the disk: %q", got)
	}
	if got := root.Generated(); !slices.Equal(got, []string{"OS79XX.TXT", "XMLDefault.cnf.xml"}) {
		t.Errorf("Generated: %q", got)
	}
	root.Remove(`\OS79XX.TXT`)
	if got := read("OS79XX.TXT"); got != "P0S3-8-12-00" {
		t.Errorf("after Remove: %q", got)
	}
	root.Set("SEP00AABBCCDDEE.cnf.xml", nil)
	if r, size, _, err := root.Open("SEP00AABBCCDDEE.cnf.xml", netip.Addr{}); err != nil || size != 0 {
		t.Errorf("empty overlay file: %d %v", size, err)
	} else {
		r.Close()
	}
	root.Remove("nothing")
}

// TestRootConcurrent: transfers read while the overlay changes and disk files are
// served (run with -race). Each reader gets one whole version, never a mix.
func TestRootConcurrent(t *testing.T) {
	root := rootFixture(t, t.TempDir()).Root()
	version := func(k int) []byte { return bytes.Repeat([]byte{byte('a' + k%26)}, 512+k) }
	root.Set("XMLDefault.cnf.xml", version(0))
	root.Set("SEP000000000001.cnf.xml", version(0))
	stop := make(chan struct{})
	var writers, readers sync.WaitGroup
	writers.Go(func() {
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			root.Set("XMLDefault.cnf.xml", version(k))
			root.Set(fmt.Sprintf("SEP%012X.cnf.xml", k%4), version(k))
			if k%7 == 0 {
				root.Remove("SEP000000000000.cnf.xml")
			}
			_ = root.Generated()
		}
	})
	for i := range 8 {
		readers.Go(func() {
			for range 300 {
				name := []string{"XMLDefault.cnf.xml", "P0S3-8-12-00.sb2", "/xmldefault.cnf.xml", "SEP000000000001.cnf.xml"}[i%4]
				r, size, _, err := root.Open(name, netip.Addr{})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				data, err := io.ReadAll(r)
				r.Close()
				if err != nil || int64(len(data)) != size {
					t.Errorf("%s: %d of %d bytes: %v", name, len(data), size, err)
					return
				}
				if strings.Contains(name, "cnf") && (len(data) < 512 || !bytes.Equal(data, bytes.Repeat(data[:1], len(data)))) {
					t.Errorf("%s: a mixed or short version (%d bytes)", name, len(data))
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
}

// FuzzRootOpen: no request panics; a request is served only as a clean path of a
// known file, and refusals and misses wrap the errors servers.Root promises.
func FuzzRootOpen(f *testing.F) {
	lib := rootFixture(f, f.TempDir())
	root := lib.Root()
	known := map[string]bool{"XMLDefault.cnf.xml": true}
	for _, src := range lib.sources {
		for _, m := range src.members {
			known[m.path] = true
		}
	}
	for _, seed := range []string{"OS79XX.TXT\x00", "/mk-sip.jar", "../etc/passwd", `C:\x`, "Desktops/320x196x4/List.xml",
		"escape.sbn", "Jar11sip.8-2-2ES4.sbn", "a/../b", "\x00", strings.Repeat("x", 300), "English_United_States\\mk-sip.jar"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, req string) {
		r, size, resolved, err := root.Open(req, netip.Addr{})
		if err != nil {
			if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%q: error %v wraps neither ErrPermission nor ErrNotExist", req, err)
			}
			return
		}
		defer r.Close()
		if !known[resolved] || !fs.ValidPath(resolved) {
			t.Fatalf("%q served %q", req, resolved)
		}
		clean := strings.ReplaceAll(strings.TrimRight(req, "\x00 "), `\`, "/")
		if slices.Contains(strings.Split(clean, "/"), "..") || strings.ContainsAny(clean, "\x00:") || len(clean) > 600 {
			t.Fatalf("%q was served as %q", req, resolved)
		}
		if data, err := io.ReadAll(r); err != nil || int64(len(data)) != size {
			t.Fatalf("%q: %d of %d bytes, %v", req, len(data), size, err)
		}
	})
}
