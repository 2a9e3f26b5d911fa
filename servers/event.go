package servers

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kind names what happened. The values are a contract: `serve --json`, the --log file
// and scripts read them (DESIGN.md "Events").
type Kind string

// Server-side kinds; the upgrade tracker adds its own (step.*, upgrade.done, phone.*).
const (
	DHCPDiscover  Kind = "dhcp.discover"
	DHCPOffer     Kind = "dhcp.offer"
	DHCPAck       Kind = "dhcp.ack"
	DHCPNak       Kind = "dhcp.nak"
	DHCPRelease   Kind = "dhcp.release"
	DHCPDecline   Kind = "dhcp.decline"
	DHCPInform    Kind = "dhcp.inform"
	DHCPIgnored   Kind = "dhcp.ignored"
	DHCPExhausted Kind = "dhcp.exhausted"
	DHCPRogue     Kind = "dhcp.rogue"
	DHCPError     Kind = "dhcp.error" // a reply could not be sent, the leases file not written
	LogError      Kind = "log.error"  // the --log file could not be written (a full disk); serving goes on

	TFTPRequest  Kind = "tftp.request"
	TFTPProgress Kind = "tftp.progress"
	TFTPDone     Kind = "tftp.done"
	TFTPError    Kind = "tftp.error"
	TFTPMissing  Kind = "tftp.missing"
	TFTPDenied   Kind = "tftp.denied"

	StepStart   Kind = "step.start"
	StepDone    Kind = "step.done"
	UpgradeDone Kind = "upgrade.done"
	PhoneStall  Kind = "phone.stalled"
	PhoneHint   Kind = "phone.hint"
)

// Event is one thing that happened on the wire or in the tracker. Fields that do not
// apply stay zero and are left out of the JSON form.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  Kind      `json:"kind"`
	MAC   string    `json:"mac,omitempty"`   // client hardware address, aa:bb:cc:dd:ee:ff
	IP    string    `json:"ip,omitempty"`    // client address: leased (DHCP) or source (TFTP)
	Model string    `json:"model,omitempty"` // filled by the upgrade layer from Class
	File  string    `json:"file,omitempty"`  // TFTP: the name served (or asked, when nothing was served)
	Bytes int64     `json:"bytes,omitempty"` // TFTP: bytes sent so far / in all
	Size  int64     `json:"size,omitempty"`  // TFTP: file size
	Load  string    `json:"load,omitempty"`  // upgrade: the load concerned
	Step  int       `json:"step,omitempty"`  // upgrade: 1-based step number
	Steps int       `json:"steps,omitempty"` // upgrade: number of steps in the plan
	Msg   string    `json:"msg,omitempty"`   // what happened or what to do, for a human

	// DHCP details (issue 3: option 60, 61, 12 and the server seen for a rogue).
	Class    string `json:"class,omitempty"`     // option 60, trailing NULs stripped
	ClientID string `json:"client_id,omitempty"` // option 61, hex
	Hostname string `json:"hostname,omitempty"`  // option 12
	Server   string `json:"server,omitempty"`    // dhcp.rogue: the other server's address

	// TFTP details.
	Asked       string  `json:"asked,omitempty"`       // the name exactly as requested: always on tftp.denied and tftp.missing, else when it differs from File
	Port        int     `json:"port,omitempty"`        // client's TFTP port: tells transfers of one client apart
	DurationMS  int64   `json:"duration_ms,omitempty"` // tftp.done / tftp.error
	Rate        float64 `json:"rate,omitempty"`        // tftp.done: bytes per second
	Retransmits int     `json:"retransmits,omitempty"` // tftp.done: blocks sent more than once
	BlockSize   int     `json:"blksize,omitempty"`     // tftp.done: negotiated block size
}

// Important reports whether a consumer must see the event. Progress events may be
// dropped or coalesced for a slow consumer; nothing else may.
func (e Event) Important() bool { return e.Kind != TFTPProgress }

// JSON is the one-line JSON form used by `serve --json` and the --log file.
func (e Event) JSON() []byte {
	b, err := json.Marshal(e)
	if err != nil { // cannot happen: every field is a plain value
		panic(fmt.Sprintf("marshal event: %v", err))
	}
	return b
}

// String is the one-line human form printed by `serve`.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05.000"))
	fmt.Fprintf(&b, " %-14s", e.Kind)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	add("mac", e.MAC)
	add("ip", e.IP)
	add("model", e.Model)
	add("file", e.File)
	if e.Asked != "" {
		add("asked", fmt.Sprintf("%q", e.Asked))
	}
	if e.Bytes > 0 || e.Size > 0 {
		add("bytes", fmt.Sprintf("%d/%d", e.Bytes, e.Size))
	}
	if e.Steps > 0 {
		add("step", fmt.Sprintf("%d/%d", e.Step, e.Steps))
	}
	add("load", e.Load)
	add("class", quoteIfSpace(e.Class))
	add("server", e.Server)
	if e.DurationMS > 0 {
		add("took", (time.Duration(e.DurationMS) * time.Millisecond).String())
	}
	if e.Rate > 0 {
		add("rate", fmt.Sprintf("%.1fKiB/s", e.Rate/1024))
	}
	if e.Retransmits > 0 {
		add("retransmits", fmt.Sprint(e.Retransmits))
	}
	if e.Msg != "" {
		b.WriteString(" — ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

func quoteIfSpace(s string) string {
	if strings.ContainsAny(s, " \t") {
		return fmt.Sprintf("%q", s)
	}
	return s
}
