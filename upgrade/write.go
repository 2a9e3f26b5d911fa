package upgrade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WritePlan prints a plan for a technician: the steps, what is missing, the hints.
func WritePlan(w io.Writer, p *Plan) error {
	ew := &textBuf{}
	from := p.From
	if p.FromUnknown {
		from = "an unknown load"
	} else if _, proto, v, err := parseLoadFor(p.Model, "current", p.From); err == nil {
		from = fmt.Sprintf("%s (%s %s)", p.From, proto, v)
	}
	to := p.To
	if _, proto, v, err := parseLoadFor(p.Model, "target", p.To); err == nil {
		to = fmt.Sprintf("%s (%s %s)", p.To, proto, v)
	}
	ew.printf("Plan for a %s (%s family): from %s to %s\n", p.Model.Name, p.Model.Family, from, to)
	if p.Symptom != SymptomNone {
		ew.printf("Rescue: the phone %s\n", p.Symptom.Describe())
	}
	if len(p.Steps) == 0 {
		ew.printf("\nNo steps.\n")
	}
	for i, s := range p.Steps {
		id, state := s.idState()
		ew.printf("\n%2d. %-20s %-4s %-12s %s\n", i+1, id, s.Protocol, s.Version, state)
		ew.printf("    why:   %s\n", s.Why)
		if s.How != "" {
			ew.printf("    how:   %s\n", s.How)
		}
		if len(s.Files) > 0 {
			ew.printf("    files: %s\n", strings.Join(s.Files, " "))
		}
		if s.Missing != "" {
			ew.printf("    needs: %s\n", s.Missing)
		}
	}
	if len(p.Bridges) > 0 {
		ew.printf("\nOnly if the phone proves older (phoneflash learns it from the phone and stages these by itself):\n")
		for _, b := range p.Bridges {
			id, state := b.idState()
			ew.printf("  - %-20s %-4s %-12s %s: %s\n", id, b.Protocol, b.Version, state, evidenceOf(b))
			if b.Missing != "" {
				ew.printf("    needs: %s\n", b.Missing)
			}
		}
	}
	if len(p.Missing) > 0 {
		ew.printf("\nMissing (get these, then plan again):\n")
		for _, m := range p.Missing {
			ew.printf("  - %s\n", m)
		}
	} else if len(p.Steps) > 0 {
		ew.printf("\nEvery step's load is at hand and complete.\n")
	}
	if len(p.Hints) > 0 {
		ew.printf("\nHints:\n")
		for _, h := range p.Hints {
			ew.printf("  - %s\n", h)
		}
	}
	return ew.flush(w)
}

// idState is a step as the printed plan names it: its load ("(not at hand)" without
// one) and whether it is complete, INCOMPLETE or MISSING.
func (s Step) idState() (id, state string) {
	id, state = s.ID, "complete"
	if id == "" {
		id = "(not at hand)"
	}
	switch {
	case s.Load == nil:
		state = "MISSING"
	case s.Missing != "":
		state = "INCOMPLETE"
	}
	return id, state
}

type planJSON struct {
	Model       string     `json:"model"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	Steps       []stepJSON `json:"steps"`
	Missing     []string   `json:"missing"`
	Complete    bool       `json:"complete"`
	FromUnknown bool       `json:"from_unknown,omitempty"`
	Bridges     []stepJSON `json:"bridges,omitempty"`  // with the load unknown: what a phone that proves older takes first
	IfOlder     []string   `json:"if_older,omitempty"` // what is missing for those bridges
	Symptom     string     `json:"symptom,omitempty"`
	Hints       []string   `json:"hints,omitempty"`
}

type stepJSON struct {
	Load     string   `json:"load"`
	Family   string   `json:"family"`
	Protocol string   `json:"protocol"`
	Version  string   `json:"version"`
	Why      string   `json:"why"`
	Files    []string `json:"files"`
	Missing  string   `json:"missing,omitempty"`
	Evidence string   `json:"evidence,omitempty"` // a bridge: what shows the phone needs it
}

// WritePlanJSON writes the plan as one JSON object: {"model","from","to","steps":[{"load",
// "family","protocol","version","why","files"}],"missing"} (issue 4), plus "complete" and,
// when they apply, "from_unknown", "symptom", "hints" and a step's own "missing".
func WritePlanJSON(w io.Writer, p *Plan) error {
	out := planJSON{
		Model: p.Model.Name, From: p.From, To: p.To,
		Steps: []stepJSON{}, Missing: append([]string{}, p.Missing...),
		Complete: p.Complete(), FromUnknown: p.FromUnknown, Hints: p.Hints,
	}
	if p.Symptom != SymptomNone {
		out.Symptom = p.Symptom.String()
	}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, stepOut(s))
	}
	for _, b := range p.Bridges {
		j := stepOut(b)
		j.Evidence = evidenceOf(b).String()
		out.Bridges = append(out.Bridges, j)
	}
	out.IfOlder = p.IfOlder
	return writeJSON(w, out)
}

func stepOut(s Step) stepJSON {
	return stepJSON{
		Load: s.ID, Family: string(s.Family), Protocol: string(s.Protocol), Version: s.Version.String(),
		Why: s.Why, Files: append([]string{}, s.Files...), Missing: s.Missing,
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// WriteModels prints the catalog: one line per model, then the reset sequences, once for
// each group of models that reset the same way.
func WriteModels(w io.Writer) error {
	ew := &textBuf{}
	tw := tabwriter.NewWriter(&ew.Buffer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tFAMILY\tDEFAULT LOADS\tPROTOCOLS\tXMLDEFAULT IDS\tOPTION 60 (vendor class)")
	for _, m := range Models() {
		var ids, protos []string
		for _, x := range m.XMLIDs {
			ids = append(ids, fmt.Sprintf("%d %q", x.ID, x.Name))
		}
		for _, p := range m.Protocols {
			protos = append(protos, string(p))
		}
		dl := m.DefaultLoads()
		if dl == "" {
			dl = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Family, dl, strings.Join(protos, " "),
			strings.Join(ids, ", "), strconv.Quote(m.Classes[0]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, g := range resetGroups() {
		ew.printf("\nReset: %s\n", strings.Join(g.models, ", "))
		ew.printf("%s", g.text)
	}
	return ew.flush(w)
}

type resetGroup struct {
	models []string
	text   string
}

// resetGroups renders each model's resets with its own default-loads name generalised,
// and groups the models whose text is then the same.
func resetGroups() []resetGroup {
	var groups []resetGroup
	for _, m := range Models() {
		var b strings.Builder
		for _, r := range m.Resets {
			fmt.Fprintf(&b, "  %s (%s): %s\n", r.Name, r.Keys, r.Note)
			for i, s := range r.Steps {
				fmt.Fprintf(&b, "    %d. %s\n       shows: %s\n", i+1, s.Do, s.Shows)
			}
			for _, c := range r.Conditions {
				fmt.Fprintf(&b, "    ! %s\n", c)
			}
		}
		text := b.String()
		if dl := m.DefaultLoads(); dl != "" {
			text = strings.ReplaceAll(text, dl, "termNN.default.loads")
		}
		found := false
		for i := range groups {
			if groups[i].text == text {
				groups[i].models = append(groups[i].models, m.Name)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, resetGroup{[]string{m.Name}, text})
		}
	}
	return groups
}

type modelJSON struct {
	Name         string      `json:"name"`
	Family       string      `json:"family"`
	DefaultLoads string      `json:"default_loads,omitempty"`
	Classes      []string    `json:"classes"`
	Protocols    []string    `json:"protocols"`
	XMLIDs       []xmlIDJSON `json:"xml_ids"`
	FlashQuietS  int         `json:"flash_quiet_s"`
	FormatQuietS int         `json:"format_quiet_s,omitempty"`
	Resets       []resetJSON `json:"resets"`
	FilePrefix   string      `json:"file_prefix,omitempty"`
}

type xmlIDJSON struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type resetJSON struct {
	Name       string          `json:"name"`
	Keys       string          `json:"keys"`
	Steps      []resetStepJSON `json:"steps"`
	Conditions []string        `json:"conditions"`
	Note       string          `json:"note"`
}

type resetStepJSON struct {
	Do    string `json:"do"`
	Shows string `json:"shows"`
}

// WriteModelsJSON writes the catalog as {"models":[…]}, each with its family, default
// loads, option 60 strings (NULs as \u0000), protocols, XMLDefault IDs, flash patience
// in seconds and reset sequences.
func WriteModelsJSON(w io.Writer) error {
	var out struct {
		Models []modelJSON `json:"models"`
	}
	for _, m := range Models() {
		mj := modelJSON{
			Name: m.Name, Family: string(m.Family), DefaultLoads: m.DefaultLoads(), FilePrefix: m.Prefix,
			Classes: m.Classes, FlashQuietS: int(m.FlashQuiet.Seconds()), FormatQuietS: int(m.FormatQuiet.Seconds()),
		}
		for _, p := range m.Protocols {
			mj.Protocols = append(mj.Protocols, string(p))
		}
		for _, x := range m.XMLIDs {
			mj.XMLIDs = append(mj.XMLIDs, xmlIDJSON(x))
		}
		for _, r := range m.Resets {
			rj := resetJSON{Name: r.Name, Keys: r.Keys, Conditions: r.Conditions, Note: r.Note}
			for _, s := range r.Steps {
				rj.Steps = append(rj.Steps, resetStepJSON(s))
			}
			mj.Resets = append(mj.Resets, rj)
		}
		out.Models = append(out.Models, mj)
	}
	return writeJSON(w, out)
}

// textBuf collects a text report, written out in one piece at the end.
type textBuf struct{ bytes.Buffer }

func (b *textBuf) printf(format string, a ...any) { fmt.Fprintf(&b.Buffer, format, a...) }

func (b *textBuf) flush(w io.Writer) error {
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// Route is the plan's steps in one line, for a banner or a summary row:
// "P00305000200 -> P00308000900 -> P0S3-8-12-00", and with the load unknown the
// bridges a phone that proves older takes: "P0S3-8-12-00 (if it proves older:
// P00305000200 -> P00308000900 first)". A bridge not at hand is named by what it needs.
func (p *Plan) Route(arrow string) string {
	ids := func(steps []Step) string {
		out := make([]string, len(steps))
		for i, s := range steps {
			out[i] = s.ID
			if s.ID == "" {
				out[i] = "(" + s.Missing + ")"
			}
		}
		return strings.Join(out, " "+arrow+" ")
	}
	r := ids(p.Steps)
	if len(p.Bridges) > 0 {
		r += " (if it proves older: " + ids(p.Bridges) + " first)"
	}
	return r
}
