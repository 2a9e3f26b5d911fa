package firmware

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// benchSizes make a Java load about 10 MB, like a real 9.4(2) set.
var benchSizes = map[string]int{"jar": 2 << 20, "cnu": 512 << 10, "apps": 3 << 20, "dsp": 512 << 10, "cvm": 4 << 20}

func benchSize(name string) int {
	for prefix, n := range benchSizes {
		if strings.HasPrefix(name, prefix) {
			return n
		}
	}
	return tinySize(name)
}

// BenchmarkScan opens 30 Java loads (about 300 MB) spread over folders, zips, tars and
// tar.gz files: names, headers and .loads only. A tar.gz has to be inflated to reach
// its headers; the others are not read beyond them. Files are in the page cache.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	codes := []string{"41", "42", "45", "70", "11", "75"}
	formats := []string{"folder", "zip", "tar", "tgz"}
	var total int64
	for i := range 30 {
		proto := []string{"SCCP", "SIP"}[i%2]
		id := fmt.Sprintf("%s%s.9-%d-%dS", proto, codes[i%len(codes)], i/6, i%6)
		files := javaSet(b, id, fmt.Sprintf("9-%d-%dES%d", i/6, i%6, i), []string{"term" + codes[i%len(codes)]}, 0, benchSize)
		for _, f := range files {
			total += int64(len(f.data))
		}
		set := genSet{path: fmt.Sprintf("set%02d", i), format: formats[i%len(formats)], files: files}
		if set.format != "folder" {
			set.path += map[string]string{"zip": ".zip", "tar": ".tar", "tgz": ".cop"}[set.format]
		}
		writeSets(b, dir, []genSet{set})
	}
	check := func(lib *Library) {
		if len(lib.Loads) != 30 || lib.Err() != nil {
			b.Fatalf("%d loads, %v", len(lib.Loads), lib.Err())
		}
		for _, ld := range lib.Loads {
			if !ld.Complete() {
				b.Fatalf("%s: %v", ld.ID, ld.Problems)
			}
		}
	}
	lib, err := Open(filepath.Join(dir))
	if err != nil {
		b.Fatal(err)
	}
	check(lib)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		lib, _ = Open(dir)
	}
	check(lib)
	b.ReportMetric(float64(total)/(1<<20), "MB-of-firmware")
}
