package upgrade

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Report is the session's outcome for the work ticket: per phone, the load before and
// after, the steps with their durations and retries, and what the tracker had to say.
type Report struct {
	Started time.Time     `json:"started"`
	Ended   time.Time     `json:"ended"`
	Model   string        `json:"model,omitempty"`
	From    string        `json:"from,omitempty"`
	To      string        `json:"to,omitempty"`
	Steps   []string      `json:"steps,omitempty"`
	Phones  []PhoneReport `json:"phones"`
	Log     string        `json:"log,omitempty"` // the event log file, when there is one
}

// PhoneReport is one phone's part of the Report.
type PhoneReport struct {
	MAC      string       `json:"mac,omitempty"`
	IP       string       `json:"ip,omitempty"`
	Model    string       `json:"model,omitempty"`
	Before   string       `json:"before,omitempty"` // the plan's --from, "" when unknown
	After    string       `json:"after,omitempty"`  // the load it runs, once done
	Done     bool         `json:"done"`
	Steps    []StepReport `json:"steps,omitempty"`
	Retries  int          `json:"retries"`
	Failures int          `json:"failed_transfers"`
	Hints    []string     `json:"hints,omitempty"`
	// Already: it ran the target when it came; nothing was loaded.
	Already bool `json:"already,omitempty"`
	// Learned: what the phone showed of its load when the plan did not know it.
	Learned string `json:"learned,omitempty"`
	// NotKept: times it took a load and booted its old application again.
	NotKept int `json:"did_not_keep,omitempty"`
	// Line: the SIP line written into its config ("line 1001 written"), never the
	// password; LineRead: the phone fetched that config.
	Line     string `json:"line,omitempty"`
	LineRead bool   `json:"line_read,omitempty"`
	// NoLine: why it got no line although the plan has one (it went to another phone).
	NoLine string `json:"no_line,omitempty"`
}

// StepReport is one step of one phone.
type StepReport struct {
	Load    string  `json:"load"`
	Seconds float64 `json:"seconds"`
	Retries int     `json:"retries"`
	Skipped bool    `json:"skipped,omitempty"` // the phone already ran it
	Done    bool    `json:"done"`
}

// Report sums up the session so far.
func (s *Session) Report(now time.Time) Report {
	r := Report{Started: s.start, Ended: now, Log: s.opts.LogPath, Phones: []PhoneReport{}}
	if p := s.opts.Plan; p != nil {
		r.Model, r.From, r.To = p.Model.Name, p.From, p.To
		for _, st := range p.Steps {
			r.Steps = append(r.Steps, st.ID)
		}
	}
	for _, ph := range s.Phones() {
		pr := PhoneReport{MAC: ph.MAC, IP: ph.IP, Model: ph.Model, After: ph.FinalLoad, Done: ph.Phase == PhaseDone,
			Retries: ph.Retries, Failures: ph.Failures, Already: ph.AlreadyRan, Learned: ph.Learned, NotKept: ph.NotKept}
		pr.Before = r.From
		pr.Line, pr.LineRead, pr.NoLine = s.lineReport(ph.MAC)
		if ph.AlreadyRan {
			pr.Before = ph.FinalLoad // the phone said so itself
		}
		for _, st := range ph.Steps {
			pr.Steps = append(pr.Steps, StepReport{Load: st.Load, Seconds: st.Duration(now).Round(time.Second).Seconds(),
				Retries: st.Retries, Skipped: st.Skipped, Done: !st.Ended.IsZero()})
		}
		for _, h := range ph.Hints {
			pr.Hints = append(pr.Hints, h.Msg)
		}
		r.Phones = append(r.Phones, pr)
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the session report: %w", err)
	}
	return nil
}
