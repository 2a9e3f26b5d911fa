package upgrade

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"phoneflash/firmware"
)

// load describes one load of a test firmware folder.
type load struct {
	id      string
	terms   []string // termNN.default.loads files that come with it (Java)
	missing []string // files it lists that are not written
}

// components is what a load lists, named as real loads name them (FACTS.md §1.1-1.3).
func (l load) components() []string {
	id := l.id
	u := strings.ToUpper(id)
	switch {
	case strings.HasPrefix(u, "P0S3-"), strings.HasPrefix(u, "P0M3-"):
		return []string{"P003" + id[4:] + ".sbn", id + ".sb2", "LA_VERSION=PAS30830"}
	case strings.HasPrefix(u, "P0"):
		return []string{id + ".sbn", id + ".sb2", "LA_VERSION=PAS30831"}
	}
	proto, rest, _ := strings.Cut(id, ".")
	nn := proto[len(proto)-2:]
	p := strings.ToLower(proto[:len(proto)-2])
	v := strings.TrimSuffix(rest, "S")
	return []string{
		"jar" + nn + p + "." + v + ".sbn", "cnu" + nn + "." + v + ".sbn", "apps" + nn + "." + v + ".sbn",
		"dsp" + nn + "." + v + ".sbn", "cvm" + nn + p + "." + v + ".sbn",
	}
}

// testFirmware writes a firmware folder: signed-style .loads (firmware.WriteLoads),
// small component files, term files with the load's body, and for IDs ending in ".bin"
// a lone pre-5.0 image.
func testFirmware(t testing.TB, loads ...load) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range loads {
		if strings.HasSuffix(l.id, ".bin") {
			write(l.id, []byte("unsigned image "+l.id))
			continue
		}
		body := l.components()
		lineEnd := "\r\n"
		if strings.HasPrefix(strings.ToUpper(l.id), "P0") {
			lineEnd = "\n"
		}
		var b bytes.Buffer
		if err := firmware.WriteLoads(&b, l.id+".loads", body, lineEnd); err != nil {
			t.Fatal(err)
		}
		write(l.id+".loads", b.Bytes())
		for _, c := range body {
			if strings.Contains(c, "=") || slices.Contains(l.missing, c) {
				continue
			}
			write(c, []byte("component "+c))
		}
		for _, term := range l.terms {
			b.Reset()
			if err := firmware.WriteLoads(&b, term, body, lineEnd); err != nil {
				t.Fatal(err)
			}
			// Each load in its own folder, as technicians keep them: term files clash otherwise.
			sub := filepath.Join(dir, l.id)
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, term), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func openLib(t testing.TB, paths ...string) *firmware.Library {
	t.Helper()
	lib, err := firmware.Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Err(); err != nil {
		t.Fatalf("firmware: %v", err)
	}
	return lib
}

// memOverlay records what Stage does, like firmware.Root's overlay.
type memOverlay struct {
	mu     sync.Mutex
	files  map[string][]byte
	owners map[string]string // name -> owner, for owned files
	sets   int
}

func (o *memOverlay) Set(name string, data []byte) { o.SetOwned(name, data, "") }

func (o *memOverlay) SetOwned(name string, data []byte, owner string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.files == nil {
		o.files, o.owners = map[string][]byte{}, map[string]string{}
	}
	o.files[name] = data
	o.owners[name] = owner
	o.sets++
}

func (o *memOverlay) owner(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owners[name]
}

func (o *memOverlay) Remove(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.files, name)
}

func (o *memOverlay) get(name string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.files[name]
}

func (o *memOverlay) names() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for n := range o.files {
		out = append(out, n)
	}
	return out
}
