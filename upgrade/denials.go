package upgrade

import (
	"fmt"
	"strings"

	"phoneflash/servers"
)

// What the technician should make of a refused request, by the servers' reason word
// (servers.Reason): each names the file as the client asked for it.
var denialAdvice = map[string]string{
	servers.DeniedWrite: "Something at %[2]s tried to write %[1]q to phoneflash and was refused: phoneflash only serves " +
		"files. A phone never writes; look for another device on the bench network.",
	servers.DeniedControl: "Something at %[2]s asked for %[1]q, a name with control characters no phone sends, and was " +
		"refused; its name is shown with them made visible.",
	servers.DeniedEmpty:     "Something at %[2]s asked for a file with no name and was refused: not a phone.",
	servers.DeniedTooLong:   "Something at %[2]s sent a request too long for any phone (%[1]q) and was refused.",
	servers.DeniedMalformed: "Something at %[2]s sent a request phoneflash cannot read (%[1]q) and was refused.",
	servers.DeniedOutside:   "The phone asked for %[1]q, which leads outside the firmware folder, and was refused.",
	servers.DeniedPermission: "phoneflash may not read %[1]q, which the phone asked for: %[3]s. Give the user that runs " +
		"phoneflash read access to it (or copy it somewhere readable); the phone asks again by itself.",
	servers.DeniedHidden: "The phone asked for %[1]q, a hidden file, and was refused: phoneflash never serves hidden " +
		"files or anything under a hidden folder.",
	servers.DeniedBusy: "The client at %[2]s asked for %[1]q while it already ran as many transfers as phoneflash allows " +
		"one address: refused. A phone fetches one or two files at a time; something else may share its address.",
	servers.DeniedRate: "The client at %[2]s asks faster than a phone does and was refused for a while (%[1]q). If it is " +
		"the phone, it is looping: the hints before this say on what.",
}

// denied explains a tftp.denied event by its reason.
func (t *Tracker) denied(p *Phone, ev *Event, out []Event) []Event {
	name := asked(ev)
	reason := servers.Reason(ev.Event)
	_, text, _ := strings.Cut(ev.Msg, ": ")
	advice, ok := denialAdvice[reason]
	if !ok {
		advice = "The phone asked for %[1]q and was refused: %[3]s."
		text = strings.TrimSpace(ev.Msg)
	}
	return append(out, t.hint(p, ev.Time, name, fmt.Sprintf(advice, name, orWhat(ev.IP, "an unknown address"), text)))
}

func orWhat(s, or string) string {
	if s == "" {
		return or
	}
	return s
}
