package upgrade

import (
	"encoding/json"
	"fmt"

	"phoneflash/servers"
)

// The tracker's kinds, beside the servers' own (README "JSON outputs"): the wire knows
// no steps, so they live here.
const (
	StepStart   servers.Kind = "step.start"
	StepDone    servers.Kind = "step.done"
	UpgradeDone servers.Kind = "upgrade.done"
	PhoneStall  servers.Kind = "phone.stalled"
	PhoneHint   servers.Kind = "phone.hint"
)

// Event is what a Session publishes: a server event completed with the phone's model
// (TFTP events carry only the client address), or one of the tracker's own, about a
// step of the phone's route. Its two forms are the servers' with these fields in
// their places, so `serve` and --log lines read as they always did.
type Event struct {
	servers.Event
	Model string `json:"model,omitempty"` // the phone's model, from its DHCP class
	Load  string `json:"load,omitempty"`  // the load concerned
	Step  int    `json:"step,omitempty"`  // 1-based step number
	Steps int    `json:"steps,omitempty"` // number of steps in the phone's route
}

// JSON is the one-line JSON form used by `serve --json` and the --log file: the
// model after the address, the load and step after the size.
func (e Event) JSON() []byte {
	return e.Event.JSONWith(func(after string) []servers.Pair {
		switch after {
		case "ip":
			return []servers.Pair{{Key: "model", Value: e.Model}}
		case "size":
			return []servers.Pair{{Key: "load", Value: e.Load}, {Key: "step", Value: e.Step}, {Key: "steps", Value: e.Steps}}
		}
		return nil
	})
}

// MarshalJSON makes every encoding of an Event its JSON line (embedding alone would
// put the servers' fields first).
func (e Event) MarshalJSON() ([]byte, error) { return e.JSON(), nil }

// UnmarshalJSON reads a JSON line back (scripts and tests do).
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event // no methods: the default decoding of the embedded and own fields
	return json.Unmarshal(b, (*plain)(e))
}

// String is the one-line human form printed by `serve`.
func (e Event) String() string {
	return e.Event.TextWith(func(after string) []servers.Pair {
		switch after {
		case "ip":
			return []servers.Pair{{Key: "model", Value: e.Model}}
		case "bytes":
			if e.Steps > 0 {
				return []servers.Pair{{Key: "step", Value: fmt.Sprintf("%d/%d", e.Step, e.Steps)}, {Key: "load", Value: e.Load}}
			}
			return []servers.Pair{{Key: "load", Value: e.Load}}
		}
		return nil
	})
}

// wireEvent is how a server event enters the Session: not yet completed.
func wireEvent(e servers.Event) Event { return Event{Event: e} }
