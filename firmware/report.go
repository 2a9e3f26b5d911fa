package firmware

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Status is a load's state in one phrase: "complete", "incomplete: 1 missing",
// "unreadable .loads".
func (l *Load) Status() string {
	if l.ManifestError != "" {
		return "unreadable .loads"
	}
	counts := map[FileStatus]int{}
	caseDiffers := 0
	for _, f := range l.Files {
		counts[f.Status]++
		if f.Found != "" {
			caseDiffers++
		}
	}
	var notes []string
	for _, s := range []FileStatus{FileMissing, FileEmpty, FileRefused, FileUnreadable} {
		if counts[s] > 0 {
			notes = append(notes, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if !l.Complete() {
		return "incomplete: " + strings.Join(notes, ", ")
	}
	status := "complete"
	if !l.Signed {
		status += " (unsigned)"
	}
	if caseDiffers > 0 {
		status += ", " + plural(caseDiffers, "name differs", "names differ") + " in case"
	}
	return status
}

// present counts the files of l that are there and non-empty.
func (l *Load) present() int {
	n := 0
	for _, f := range l.Files {
		if f.Present {
			n++
		}
	}
	return n
}

// WriteReport writes the table a technician reads (ID, family, protocol, version,
// files present/total, status) with every problem under it; verbose adds each load's
// files and source, and the files that belong to no load.
func WriteReport(w io.Writer, lib *Library, verbose bool) error {
	ew := &errWriter{w: w}
	for _, warning := range lib.Warnings {
		ew.printf("Warning: %s\n", warning)
	}
	if len(lib.Loads) == 0 {
		ew.printf("No firmware loads found.\n")
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tFAMILY\tPROTOCOL\tVERSION\tFILES\tSTATUS")
		for _, ld := range lib.Loads {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\n", ld.ID, ld.Family, ld.Protocol, ld.Version, ld.present(), len(ld.Files), ld.Status())
		}
		tw.Flush()
	}
	if verbose {
		for _, ld := range lib.Loads {
			writeLoadDetail(ew, ld)
		}
	}
	complete, unread := 0, 0
	for _, ld := range lib.Loads {
		if ld.Complete() {
			complete++
		}
	}
	var withProblems []*Load
	for _, ld := range lib.Loads {
		if len(ld.Problems) > 0 {
			withProblems = append(withProblems, ld)
		}
	}
	if len(withProblems) > 0 || len(lib.Problems) > 0 {
		ew.printf("\nProblems:\n")
	}
	for _, ld := range withProblems {
		ew.printf("  %s (%s):\n", ld.ID, ld.Source)
		for _, p := range ld.Problems {
			ew.printf("    %s\n", p)
		}
	}
	for _, p := range lib.Problems {
		if p.Unread {
			unread++
		}
		ew.printf("  %s: %s\n", p.Source, p.Error)
	}
	if verbose && len(lib.Ignored) > 0 {
		ew.printf("\nNot part of any load (served unless it says not):\n")
		for _, name := range lib.Ignored {
			ew.printf("  %s\n", name)
		}
	}
	ew.printf("\n%s, %d complete.", plural(len(lib.Loads), "load", "loads"), complete)
	if unread > 0 {
		ew.printf(" %s could not be read (see Problems): loads in %s may be missing or incomplete.",
			plural(unread, "source", "sources"), map[bool]string{true: "it", false: "them"}[unread == 1])
	}
	if !verbose && len(lib.Ignored) > 0 {
		ew.printf(" %s no load (the verbose report lists %s).", plural(len(lib.Ignored), "file belongs to", "files belong to"),
			map[bool]string{true: "it", false: "them"}[len(lib.Ignored) == 1])
	}
	ew.printf("\n")
	return ew.err
}

func writeLoadDetail(ew *errWriter, ld *Load) {
	signed := "signed"
	if !ld.Signed {
		signed = "unsigned"
	}
	ew.printf("\n%s  %s %s %s, %s, models %s\n  from %s\n", ld.ID, ld.Family, ld.Protocol, ld.Version, signed,
		strings.Join(ld.Models, " "), ld.Source)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, f := range ld.Files {
		note, size := string(f.Status), fmt.Sprintf("%d bytes", f.Size)
		if f.Found != "" {
			note = "on disk as " + f.Found
		}
		if f.Status != FileOK && f.Status != FileEmpty {
			size = "-"
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", f.Name, size, note)
	}
	for _, f := range ld.Extras {
		fmt.Fprintf(tw, "    %s\t%d bytes\tunsigned loader, asked only by phones on a pre-5.0 image: not counted\n", f.Name, f.Size)
	}
	tw.Flush()
	if len(ld.Defaults) > 0 {
		ew.printf("  default loads for a factory-reset phone: %s\n", strings.Join(ld.Defaults, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(ld.Meta)) {
		ew.printf("  %s=%s\n", k, ld.Meta[k])
	}
}

// plural writes "1 load" or "3 loads".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// errWriter keeps the first write error so the report code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// The JSON report's schema (issue 2): exactly these fields.
type (
	jsonReport struct {
		Loads    []jsonLoad      `json:"loads"`
		Problems []SourceProblem `json:"problems"`
	}
	jsonLoad struct {
		ID       string     `json:"id"`
		Family   Family     `json:"family"`
		Models   []string   `json:"models"`
		Protocol Protocol   `json:"protocol"`
		Version  string     `json:"version"`
		Complete bool       `json:"complete"`
		Files    []jsonFile `json:"files"`
		Problems []string   `json:"problems"`
		Source   string     `json:"source"`
	}
	jsonFile struct {
		Name    string `json:"name"`
		Size    int64  `json:"size"`
		Present bool   `json:"present"`
	}
)

// WriteReportJSON writes the library as one JSON object:
// {"loads":[{"id","family","models","protocol","version","complete","files":[{"name","size","present"}],
// "problems","source"}],"problems":[{"source","error"}]}. Lists are [] when empty, never null.
func WriteReportJSON(w io.Writer, lib *Library) error {
	r := jsonReport{Loads: []jsonLoad{}, Problems: lib.Problems}
	if r.Problems == nil {
		r.Problems = []SourceProblem{}
	}
	for _, ld := range lib.Loads {
		jl := jsonLoad{ID: ld.ID, Family: ld.Family, Models: ld.Models, Protocol: ld.Protocol, Version: ld.Version.String(),
			Complete: ld.Complete(), Files: []jsonFile{}, Problems: ld.Problems, Source: ld.Source}
		if jl.Models == nil {
			jl.Models = []string{}
		}
		if jl.Problems == nil {
			jl.Problems = []string{}
		}
		for _, f := range ld.Files {
			jl.Files = append(jl.Files, jsonFile{Name: f.Name, Size: f.Size, Present: f.Present})
		}
		r.Loads = append(r.Loads, jl)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write firmware report: %w", err)
	}
	return nil
}
