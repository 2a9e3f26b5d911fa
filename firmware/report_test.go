package firmware

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWriteReportGolden compares the table (and its verbose form) for testdata/firmware
// with testdata/report*.golden; -update rewrites them.
func TestWriteReportGolden(t *testing.T) {
	lib := openTestdata(t)
	for _, c := range []struct {
		golden  string
		verbose bool
	}{{"report.golden", false}, {"report-verbose.golden", true}} {
		var b bytes.Buffer
		if err := WriteReport(&b, lib, c.verbose); err != nil {
			t.Fatal(err)
		}
		got := strings.ReplaceAll(b.String(), string(filepath.Separator), "/")
		golden := filepath.Join("testdata", c.golden)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs (rerun with -update after checking):\n%s", golden, got)
		}
	}
	var b bytes.Buffer
	if err := WriteReport(&b, &Library{}, false); err != nil || !strings.Contains(b.String(), "No firmware loads found") {
		t.Errorf("empty library: %q %v", b.String(), err)
	}
	if err := WriteReport(failingWriter{}, lib, true); err == nil {
		t.Error("a write error was swallowed")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriteReportJSONSchema checks the output against the schema: exactly one
// object, exactly these keys, these types, lists never null.
func TestWriteReportJSONSchema(t *testing.T) {
	lib := openTestdata(t)
	var b bytes.Buffer
	if err := WriteReportJSON(&b, lib); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&b)
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("more than one JSON value: %v", err)
	}
	keys := func(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
	if got := keys(top); !slices.Equal(got, []string{"loads", "problems"}) {
		t.Fatalf("top-level keys %v", got)
	}
	loads := top["loads"].([]any)
	if len(loads) != len(lib.Loads) {
		t.Fatalf("%d loads in JSON, %d in the library", len(loads), len(lib.Loads))
	}
	loadKeys := []string{"complete", "family", "files", "id", "models", "problems", "protocol", "source", "version"}
	for i, l := range loads {
		load := l.(map[string]any)
		if got := keys(load); !slices.Equal(got, loadKeys) {
			t.Fatalf("load %d keys %v", i, got)
		}
		for _, k := range []string{"id", "family", "protocol", "version", "source"} {
			if s, ok := load[k].(string); !ok || s == "" {
				t.Errorf("load %d: %s = %#v", i, k, load[k])
			}
		}
		if _, ok := load["complete"].(bool); !ok {
			t.Errorf("load %d: complete = %#v", i, load["complete"])
		}
		for _, k := range []string{"models", "problems"} {
			list, ok := load[k].([]any)
			if !ok {
				t.Errorf("load %d: %s = %#v, want a list", i, k, load[k])
			}
			for _, v := range list {
				if _, ok := v.(string); !ok {
					t.Errorf("load %d: %s holds %#v", i, k, v)
				}
			}
		}
		files, ok := load["files"].([]any)
		if !ok || len(files) == 0 {
			t.Fatalf("load %d: files = %#v", i, load["files"])
		}
		for _, f := range files {
			file := f.(map[string]any)
			_, name := file["name"].(string)
			_, size := file["size"].(float64)
			_, present := file["present"].(bool)
			if got := keys(file); !slices.Equal(got, []string{"name", "present", "size"}) || !name || !size || !present {
				t.Errorf("load %d: file %#v", i, file)
			}
		}
	}
	problems := top["problems"].([]any)
	if len(problems) != len(lib.Problems) || len(problems) == 0 {
		t.Fatalf("problems %v", problems)
	}
	for _, p := range problems {
		pm := p.(map[string]any)
		_, src := pm["source"].(string)
		_, msg := pm["error"].(string)
		if got := keys(pm); !slices.Equal(got, []string{"error", "source"}) || !src || !msg {
			t.Errorf("problem %#v", pm)
		}
	}
	// A decoded sample matches the library.
	first := loads[0].(map[string]any)
	if first["id"] != "P00303010102" || first["version"] != "3.1(1.2)" || first["complete"] != true || first["family"] != "7940/7960" {
		t.Errorf("first load %v", first)
	}

	b.Reset()
	if err := WriteReportJSON(&b, &Library{Loads: []*Load{{ID: "SIP41.9-4-2SR3-1S"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"problems": []`, `"models": []`, `"files": []`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("empty lists must be [], not null: %s", b.String())
		}
	}
	if err := WriteReportJSON(failingWriter{}, lib); err == nil {
		t.Error("a write error was swallowed")
	}
}
