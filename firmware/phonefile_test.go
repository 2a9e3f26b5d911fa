package firmware

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestServesOnlyPhoneFiles: pointed at a home folder, the Root serves the loads' files
// and what phones ask for by name, never a hidden file, anything under a hidden folder,
// or a file no phone asks for (issue 9, item 3).
func TestServesOnlyPhoneFiles(t *testing.T) {
	home := t.TempDir()
	for name, body := range map[string]string{
		".ssh/id_rsa":                      "PRIVATE KEY",
		".ssh/authorized_keys.xml":         "looks like a phone file, but is hidden",
		".bashrc":                          "export SECRET=1",
		".hidden.sbn":                      "hidden image",
		".cache/P0S3-8-12-00.sb2":          "a stale copy",
		"shadow":                           "root:$6$...",
		"notes.txt":                        "passwords",
		"Pictures/screenshot.png":          "png",
		"Documents/tax.pdf":                "pdf",
		"OS79XX.TXT":                       "P0S3-8-12-00",
		"RINGLIST.DAT":                     "ring",
		"dialplan.xml":                     "<DIALTEMPLATE/>",
		"SEP001646CB4791.cnf.xml":          "<device/>",
		"SIP001646CB4791.cnf":              "line1_name: 100",
		"gk001646CB4791":                   "gk",
		"CTLSEP001646CB4791.tlv":           "ctl",
		"English_United_States/mk-sip.jar": "locale",
		"Desktops/320x212x12/List.xml":     "<list/>",
		"Desktops/320x212x12/beach.png":    "background",
		"ring/Analog1.raw":                 "tone",
		"firmware/readme-for-humans.txt":   "release notes",
		"firmware/SEPDefault.cnf":          "default",
		"firmware/sub/XMLDefault.cnf.xml":  "<Default/>",
	} {
		writeFile(t, filepath.Join(home, filepath.FromSlash(name)), body)
	}
	letters := t.TempDir() // a second source with more files than are listed
	for i := range maxUnservedListed + 5 {
		writeFile(t, filepath.Join(letters, fmt.Sprintf("letter%02d.doc", i)), "dear")
	}
	writeSets(t, home, []genSet{{path: "firmware", format: "folder", files: testdataSet(t, "7940-7960").files}})
	// A zip as unpacked on a Mac: AppleDouble "._" files and a hidden folder.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range []string{"__MACOSX/._apps42.sbn", ".git/config", "set/apps42.sbn"} {
		w, _ := zw.Create(name)
		w.Write([]byte("data of " + name))
	}
	zw.Close()
	writeFile(t, filepath.Join(home, "set.zip"), zb.String())

	lib, err := Open(home, letters)
	if err != nil {
		t.Fatal(err)
	}
	root := lib.Root()
	for _, req := range []string{"id_rsa", ".ssh/id_rsa", "authorized_keys.xml", ".bashrc", ".hidden.sbn", "shadow", "notes.txt",
		"screenshot.png", "Pictures/screenshot.png", "tax.pdf", "readme-for-humans.txt", "._apps42.sbn", "config", ".git/config"} {
		r, _, resolved, err := root.Open(req, netip.Addr{})
		if err == nil {
			r.Close()
			t.Errorf("%s served as %s", req, resolved)
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want not found (a refusal would tell it is there)", req, err)
		}
	}
	if r, _, resolved, err := root.Open("P0S3-8-12-00.sb2", netip.Addr{}); err != nil || resolved != "firmware/P0S3-8-12-00.sb2" {
		t.Errorf("the load's file: %s %v", resolved, err)
	} else {
		r.Close()
	}
	for _, req := range []string{"OS79XX.TXT", "RINGLIST.DAT", "dialplan.xml", "SEP001646CB4791.cnf.xml", "SIP001646CB4791.cnf",
		"gk001646CB4791", "CTLSEP001646CB4791.tlv", "English_United_States/mk-sip.jar", "Desktops/320x212x12/List.xml",
		"Desktops/320x212x12/beach.png", "Analog1.raw", "SEPDefault.cnf", "XMLDefault.cnf.xml", "P00303010102.bin", "apps42.sbn"} {
		r, _, _, err := root.Open(req, netip.Addr{})
		if err != nil {
			t.Errorf("phone file %s: %v", req, err)
			continue
		}
		io.Copy(io.Discard, r)
		r.Close()
	}
	all := strings.Join(lib.Ignored, "\n")
	for _, secret := range []string{"id_rsa", ".bashrc", ".cache", "._apps42", ".git"} {
		if strings.Contains(all, secret) {
			t.Errorf("hidden %s listed: %q", secret, lib.Ignored)
		}
	}
	for _, want := range []string{"notes.txt (not served", "tax.pdf (not served", "screenshot.png (not served"} {
		if !strings.Contains(all, want) {
			t.Errorf("%s missing from %q", want, lib.Ignored)
		}
	}
	listed := slices.DeleteFunc(slices.Clone(lib.Ignored), func(s string) bool { return !strings.HasPrefix(s, letters) })
	if n := len(listed); n != maxUnservedListed+1 || listed[n-1] != letters+": 5 more files not served (no phone asks for such names)" {
		t.Errorf("a folder's other files are not summed up: %d lines, last %q", n, listed[n-1])
	}
	if slices.ContainsFunc(lib.Ignored, func(s string) bool { return strings.Contains(s, "OS79XX.TXT (not served") }) {
		t.Errorf("OS79XX.TXT not served: %q", lib.Ignored)
	}
}

// TestPhoneFileNames: the rule by name alone, as the scan applies it.
func TestPhoneFileNames(t *testing.T) {
	for name, want := range map[string]bool{
		"P0S3-8-12-00.loads": true, "P003-8-12-00.sbn": true, "P0S3-8-12-00.sb2": true, "P00303010102.bin": true,
		"SIP70.9-4-2SR1-1S.zz.sgn": true, "cnu70.zz": true, "ITLFile.tlv": true, "SIPDefault.cnf": true,
		"XMLDefault.cnf.xml": true, "g3-tones.xml": true, "mk-sip.jar": true, "Analog1.raw": true,
		"os79xx.txt": true, "ringlist.dat": true, "gk00AABBCCDDEE": true, "Desktops/320x196x4/a.PNG": true,
		"sub/Desktops/320x196x4/a.png": true, "fr_FR/dictionary.properties": true,
		"notes.txt": false, "P0030801SR02.txt": false, "id_rsa": false, "shadow": false, "a.png": false,
		"data.dat": false, "gk": false, "x.pdf": false, "Makefile": false, "photo.jpg": false,
	} {
		if got := isPhoneFile(name); got != want {
			t.Errorf("isPhoneFile(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		".ssh/id_rsa": true, "a/.git/config": true, "._x.sbn": true, ".x": true,
		"x.sbn": false, "a/b.c/d": false, "a./b": false,
	} {
		if got := isHidden(name); got != want {
			t.Errorf("isHidden(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestFolderWarning: a home folder, a folder above it, someone else's home and the
// system folders warn; a firmware folder and the usual TFTP folders do not.
func TestFolderWarning(t *testing.T) {
	base := t.TempDir()
	home := filepath.Join(base, "alice")
	fw := filepath.Join(home, "Downloads", "7960")
	writeFile(t, filepath.Join(fw, "P00303010102.bin"), "image")
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	warns := []string{home, base, filepath.Join(home, "."), "/", "/etc", "/usr", "/var"}
	quiet := []string{fw, filepath.Join(home, "Downloads"), filepath.Join(fw, "P00303010102.bin"), filepath.Join(base, "nope")}
	if runtime.GOOS != "windows" {
		warns = append(warns, "/etc/ssh", "/root", "/home")
		quiet = append(quiet, "/var/lib", "/usr/share")
	}
	for _, p := range warns {
		if _, err := os.Stat(p); err != nil {
			continue // not on this system
		}
		if w := FolderWarning(p); !strings.HasPrefix(w, p+" is a ") || !strings.Contains(w, "point at the folder that holds the firmware") {
			t.Errorf("%s: warning %q", p, w)
		}
	}
	for _, p := range quiet {
		if w := FolderWarning(p); w != "" {
			t.Errorf("%s: unexpected warning %q", p, w)
		}
	}
	if w := FolderWarning(home); !strings.HasPrefix(w, home+" is a home folder: ") {
		t.Errorf("home: %q", w)
	}
	if w := FolderWarning(base); !strings.HasPrefix(w, base+" is a folder that holds a home folder: ") {
		t.Errorf("above home: %q", w)
	}
	if w := FolderWarning("/etc"); runtime.GOOS == "linux" && !strings.Contains(w, "/etc is a system folder") {
		t.Errorf("/etc: %q", w)
	}
	lib, err := Open(home, fw)
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Warnings) != 1 || lib.Warnings[0] != FolderWarning(home) {
		t.Errorf("Library.Warnings %q", lib.Warnings)
	}
	var b strings.Builder
	if err := WriteReport(&b, lib, false); err != nil || !strings.HasPrefix(b.String(), "Warning: "+FolderWarning(home)+"\n") {
		t.Errorf("report does not open with the warning: %q", b.String())
	}
}
