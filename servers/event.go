package servers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Kind names what happened. The values are a contract: `serve --json`, the --log file
// and scripts read them (README "JSON outputs").
type Kind string

// The servers' kinds. A layer above adds kinds of its own (the upgrade tracker does)
// in an event type of its own, which embeds Event.
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
)

// Event is one thing that happened on the wire. Fields that do not apply stay zero and
// are left out of the JSON form.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  Kind      `json:"kind"`
	MAC   string    `json:"mac,omitempty"`   // client hardware address, aa:bb:cc:dd:ee:ff
	IP    string    `json:"ip,omitempty"`    // client address: leased (DHCP) or source (TFTP)
	File  string    `json:"file,omitempty"`  // TFTP: the name served (or asked, when nothing was served)
	Bytes int64     `json:"bytes,omitempty"` // TFTP: bytes sent so far / in all
	Size  int64     `json:"size,omitempty"`  // TFTP: file size
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

// Carried is what a Bus carries: an Event, or the event type of a layer above that
// embeds one (and so has its Wire method).
type Carried interface{ Wire() Event }

// Wire returns the event as the servers saw it.
func (e Event) Wire() Event { return e }

// Important reports whether a consumer must see the event. Progress events may be
// dropped or coalesced for a slow consumer; nothing else may.
func (e Event) Important() bool { return e.Kind != TFTPProgress }

// Pair is one key and value a layer above adds to an event's forms.
type Pair struct {
	Key   string
	Value any
}

// Extra names, for the key of one of the Event's own fields, the fields a layer above
// places right after it (nil: none). It is asked about every key, present or not, so
// the fields of both layers keep one order in every line.
type Extra func(after string) []Pair

// JSON is the one-line JSON form used by `serve --json` and the --log file.
func (e Event) JSON() []byte { return e.JSONWith(nil) }

// JSONWith is the JSON form with a layer's fields spliced in after the keys extra
// names; their zero values are left out, as the Event's own are. The bytes are those
// encoding/json writes for a struct of the same fields in that order.
func (e Event) JSONWith(extra Extra) []byte {
	b := make([]byte, 0, 256)
	b = append(b, '{')
	put := func(key []byte, v any) {
		val, err := json.Marshal(v)
		if err != nil { // cannot happen: every field is a plain value
			panic(fmt.Sprintf("marshal event %s: %v", key, err))
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(append(b, key...), val...)
	}
	v := reflect.ValueOf(e)
	for i, f := range eventFields {
		if fv := v.Field(i); !f.omitEmpty || !fv.IsZero() {
			put(f.key, fv.Interface())
		}
		if extra == nil {
			continue
		}
		for _, x := range extra(f.name) {
			if x.Value != nil && !reflect.ValueOf(x.Value).IsZero() {
				k, _ := json.Marshal(x.Key)
				put(append(k, ':'), x.Value)
			}
		}
	}
	return append(b, '}')
}

// eventField is one of Event's JSON keys, read once from its tags.
type eventField struct {
	name      string
	key       []byte // "name":
	omitEmpty bool
}

var eventFields = func() []eventField {
	t := reflect.TypeFor[Event]()
	out := make([]eventField, t.NumField())
	for i := range out {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		k, _ := json.Marshal(name)
		out[i] = eventField{name: name, key: append(k, ':'), omitEmpty: opts == "omitempty"}
	}
	return out
}()

// String is the one-line human form printed by `serve`.
func (e Event) String() string { return e.TextWith(nil) }

// TextWith is the human form with a layer's fields spliced in after the keys extra
// names ("ip", "bytes", ...); a field whose value prints empty is left out.
func (e Event) TextWith(extra Extra) string {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05.000"))
	fmt.Fprintf(&b, " %-14s", e.Kind)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
		if extra != nil {
			for _, x := range extra(k) {
				if s := fmt.Sprint(x.Value); s != "" {
					fmt.Fprintf(&b, " %s=%s", x.Key, s)
				}
			}
		}
	}
	add("mac", e.MAC)
	add("ip", e.IP)
	add("file", e.File)
	asked := ""
	if e.Asked != "" {
		asked = fmt.Sprintf("%q", e.Asked)
	}
	add("asked", asked)
	bytes := ""
	if e.Bytes > 0 || e.Size > 0 {
		bytes = fmt.Sprintf("%d/%d", e.Bytes, e.Size)
	}
	add("bytes", bytes)
	add("class", quoteIfSpace(e.Class))
	add("server", e.Server)
	took := ""
	if e.DurationMS > 0 {
		took = (time.Duration(e.DurationMS) * time.Millisecond).String()
	}
	add("took", took)
	rate := ""
	if e.Rate > 0 {
		rate = fmt.Sprintf("%.1fKiB/s", e.Rate/1024)
	}
	add("rate", rate)
	retransmits := ""
	if e.Retransmits > 0 {
		retransmits = fmt.Sprint(e.Retransmits)
	}
	add("retransmits", retransmits)
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
