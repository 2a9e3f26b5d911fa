package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kind names what the phone did. The values are part of `simulate --json`.
type Kind string

// What a phone does, in the order it usually does it.
const (
	PowerOn    Kind = "power-on" // a boot begins: first power-on, a reboot, or power back after a cut
	Discover   Kind = "discover" // DHCPDISCOVER sent
	Offer      Kind = "offer"    // an OFFER taken
	Lease      Kind = "lease"    // ACK: the address, and where the TFTP server is
	Get        Kind = "get"      // read request sent
	Got        Kind = "got"      // file received
	Missing    Kind = "missing"  // the server has no such file (or the Missing fault)
	Failed     Kind = "failed"   // the transfer failed otherwise (silence, an error, garbage)
	Named      Kind = "named"    // what the config files name
	Refuse     Kind = "refuse"   // the phone will not take a load
	Flash      Kind = "flash"    // writing to flash
	Reboot     Kind = "reboot"   // restarting after a flash
	Cut        Kind = "power-cut"
	Running    Kind = "running"    // it runs the load the server names: done
	Register   Kind = "register"   // REGISTER sent for line 1 (--register)
	Registered Kind = "registered" // the registrar answered 200 OK
	GiveUp     Kind = "give-up"    // it stops short, saying why
)

// Action is one thing the phone did: one line of `simulate`, one object of --json.
type Action struct {
	Time  time.Time `json:"time"`
	Boot  int       `json:"boot"` // 1 for the first power-on
	Kind  Kind      `json:"kind"`
	MAC   string    `json:"mac"`
	IP    string    `json:"ip,omitempty"`    // the leased address (lease)
	File  string    `json:"file,omitempty"`  // as requested
	Bytes int64     `json:"bytes,omitempty"` // got: the file's size
	Load  string    `json:"load,omitempty"`
	Msg   string    `json:"msg,omitempty"`
}

// String is the one-line form: time, boot, kind, then what applies.
func (a Action) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %-9s", a.Time.Format("15:04:05.000"), a.Boot, a.Kind)
	if a.IP != "" {
		fmt.Fprintf(&b, " ip=%s", a.IP)
	}
	if a.File != "" {
		fmt.Fprintf(&b, " %s", a.File)
	}
	if a.Kind == Got {
		fmt.Fprintf(&b, " (%d bytes)", a.Bytes)
	}
	if a.Load != "" {
		fmt.Fprintf(&b, " load=%s", a.Load)
	}
	if a.Msg != "" {
		b.WriteString(" — ")
		b.WriteString(a.Msg)
	}
	return b.String()
}

// JSON is the one-line JSON form.
func (a Action) JSON() []byte {
	j, err := json.Marshal(a)
	if err != nil { // cannot happen: plain fields only
		panic(fmt.Sprintf("marshal action: %v", err))
	}
	return j
}
