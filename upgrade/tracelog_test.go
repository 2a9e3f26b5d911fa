package upgrade

// Parsers for the real logs under testdata/traces/real: each turns one log format into
// the servers.Event stream phoneflash's own servers would have published for the same
// traffic, so the tracker can be judged against phones we did not make up.
//
// Rules shared by every format (the per-format rules are on each parser):
//   - A file the server found and sent is tftp.request then tftp.done. A file it could
//     not find is tftp.missing alone: servers/tftp.go publishes no tftp.request for a name
//     the Root refuses, and the replay must show the tracker what it would see live.
//   - A request whose outcome the log does not show (cut short, or a format that logs
//     no completions) is settled by settleUnanswered: trust-list names (CTL/ITL) are
//     missing, since no bench without CUCM has them; others are left as a request.
//   - TFTP events carry no MAC, as the TFTP server knows none: the tracker reads it from
//     SEP/CTLSEP names itself. DHCP events carry the MAC the log names.
//   - Times are the log's own, relative times preserved. A log without a date gets
//     traceYear (and January 1st when it has no day either); a log without any time
//     gets one second between lines, which is said where it happens.
//   - Lines that do not parse are skipped: every source here is cut somewhere, often
//     mid-line, and a parser must take whatever it is given (the fuzz targets hold it to that).

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

// dhcpRequest is a client's DHCPREQUEST as a foreign server logged it. phoneflash's DHCP
// server publishes no event of its own for a REQUEST (it answers with dhcp.ack or
// dhcp.nak), so the tracker never sees this kind; the DHCP replay sends it to the real
// server instead. IP is the address asked for, Msg what the foreign server did with it.
const dhcpRequest servers.Kind = "dhcp.request"

// traceYear stands in for the year of logs that do not give one (syslog, tftpd32).
const traceYear = 2000

// traceStart is the time of a log that gives none at all.
var traceStart = time.Date(traceYear, time.January, 1, 0, 0, 0, 0, time.UTC)

// logLines splits a log into lines, without the '#' header lines that name its source
// and with a trailing CR dropped (pastes from Windows tools).
func logLines(log []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// askedName is the name as the phone sent it (Asked when the server resolved it to
// another File), as the tracker reads it.
func askedName(e servers.Event) string {
	if e.Asked != "" {
		return e.Asked
	}
	return e.File
}

// settleUnanswered is what a request becomes when the log shows no outcome for it.
func settleUnanswered(req servers.Event) []servers.Event {
	if Classify(askedName(req)) == ReqSecurity {
		req.Kind = servers.TFTPMissing
		req.Msg = "no outcome in the log: a trust list, which a bench without CUCM does not have"
		return []servers.Event{req}
	}
	return []servers.Event{req}
}

// byTime orders events by time, keeping the log's order among equal times (outcomes
// are often logged after later requests have begun).
func byTime(evs []servers.Event) []servers.Event {
	slices.SortStableFunc(evs, func(a, b servers.Event) int { return a.Time.Compare(b.Time) })
	return evs
}

// validIP returns s when it is an IPv4 address, else "".
func validIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return ""
	}
	return a.String()
}

// normMAC returns the MAC in the form of servers.Event.MAC, or "" (a MAC cut short).
func normMAC(s string) string {
	m, err := NormalizeMAC(s)
	if err != nil {
		return ""
	}
	return m
}

var syslogStamp = regexp.MustCompile(`^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) `)

// syslogTime reads "Apr 13 10:25:10 " at the start of a line (in traceYear).
func syslogTime(line string) (time.Time, bool) {
	m := syslogStamp.FindStringSubmatch(line)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("Jan 2 15:04:05", m[1]+" "+m[2]+" "+m[3]+":"+m[4]+":"+m[5])
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(traceYear-t.Year(), 0, 0), true
}

// clockTime reads "11:44:37" (and a fraction, when given) as a time on traceStart's day.
func clockTime(hh, mm, ss, frac string) (time.Time, bool) {
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	s, err3 := strconv.Atoi(ss)
	if err1 != nil || err2 != nil || err3 != nil || h > 23 || m > 59 || s > 60 {
		return time.Time{}, false
	}
	t := traceStart.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		ns, err := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		if err != nil {
			return time.Time{}, false
		}
		t = t.Add(time.Duration(ns))
	}
	return t, true
}

// --- tftpd-hpa ---------------------------------------------------------------------

var (
	hpaPID  = regexp.MustCompile(`in\.tftpd\[(\d+)\]: `)
	hpaRRQ  = regexp.MustCompile(`RRQ from (\S+) filename (.+?)(?: remapped to (.+))?$`)
	hpaNAK  = regexp.MustCompile(`sending NAK \((\d+), ([^)]*)\) to (\S+)`)
	hpaCli  = regexp.MustCompile(`Client (\S+) (finished|File not found|.+?)(?: (\S+))?$`)
	hpaFail = regexp.MustCompile(`tftpd: (.*)$`)
)

// parseTFTPDHPA reads a tftpd-hpa log: syslog lines ("Apr 13 10:25:10 pbx
// in.tftpd[2732]: RRQ from IP filename NAME"), the same without the date and host, or
// bare "RRQ from ..." lines. Rules:
//   - "RRQ from IP filename NAME [remapped to PATH]" is a request (File the remapped
//     path, Asked the name the phone sent).
//   - "sending NAK (1, File not found) to IP" and "Client IP File not found PATH" make
//     it tftp.missing; other NAKs and "tftpd: read(ack): ..." make it tftp.error (the
//     phone went away mid-transfer); "Client IP finished NAME" makes it tftp.done.
//     Outcomes are matched to the RRQ by process ID (tftpd-hpa forks one per
//     transfer), else by the client's address.
//   - tftpd-hpa logs no completion unless asked to: a request with no outcome is served
//     (tftp.request, tftp.done at the same time) unless it names a trust list (missing).
//   - Lines without a date are one second apart (the log has no times to keep).
func parseTFTPDHPA(log []byte) []servers.Event {
	type rrq struct {
		ev      servers.Event
		pid     string
		outcome []servers.Event // nil until the log says
	}
	var reqs []*rrq
	open := func(pid, ip string) *rrq { // the newest request without an outcome
		for i := len(reqs) - 1; i >= 0; i-- {
			r := reqs[i]
			if r.outcome != nil {
				continue
			}
			if pid != "" && r.pid != "" {
				if r.pid == pid {
					return r
				}
				continue
			}
			if ip == "" || r.ev.IP == ip {
				return r
			}
		}
		return nil
	}
	clock := traceStart
	for _, line := range logLines(log) {
		at, dated := syslogTime(line)
		if !dated {
			clock = clock.Add(time.Second) // no time in the log: one second per line
			at = clock
		}
		pid := ""
		if m := hpaPID.FindStringSubmatch(line); m != nil {
			pid = m[1]
		}
		if m := hpaRRQ.FindStringSubmatch(line); m != nil {
			ip := validIP(m[1])
			name := m[2]
			ev := servers.Event{Time: at, Kind: servers.TFTPRequest, IP: ip, File: name}
			if m[3] != "" && m[3] != name {
				ev.File, ev.Asked = m[3], name
			}
			reqs = append(reqs, &rrq{ev: ev, pid: pid})
			continue
		}
		var r *rrq
		kind, msg := servers.TFTPError, ""
		if m := hpaNAK.FindStringSubmatch(line); m != nil {
			r = open(pid, validIP(m[3]))
			msg = m[2]
			if m[1] == "1" || strings.Contains(strings.ToLower(m[2]), "not found") {
				kind = servers.TFTPMissing
			}
		} else if m := hpaCli.FindStringSubmatch(line); m != nil {
			r = open(pid, validIP(m[1]))
			msg = strings.TrimSpace(m[2] + " " + m[3])
			switch m[2] {
			case "finished":
				kind = servers.TFTPDone
			case "File not found":
				kind = servers.TFTPMissing
			}
		} else if m := hpaFail.FindStringSubmatch(line); m != nil {
			r = open(pid, "")
			msg = m[1]
		}
		if r == nil {
			continue
		}
		e := r.ev
		e.Time, e.Kind, e.Msg = at, kind, msg
		switch kind {
		case servers.TFTPMissing: // as the server publishes it: the name as asked, alone
			e.File, e.Asked = askedName(r.ev), ""
			r.outcome = []servers.Event{e}
		default:
			r.outcome = []servers.Event{r.ev, e}
		}
	}
	var evs []servers.Event
	for _, r := range reqs {
		switch {
		case r.outcome != nil:
			evs = append(evs, r.outcome...)
		case Classify(askedName(r.ev)) == ReqSecurity:
			evs = append(evs, settleUnanswered(r.ev)...)
		default:
			done := r.ev
			done.Kind = servers.TFTPDone
			evs = append(evs, r.ev, done)
		}
	}
	return byTime(evs)
}

// --- tftpd32 / tftpd64 log window ---------------------------------------------------

var (
	t32Stamp    = regexp.MustCompile(`^(.*?)\s*\[(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\]\s*$`)
	t32Conn     = regexp.MustCompile(`^Connection received from (\S+) on port (\d+)`)
	t32Read     = regexp.MustCompile(`^Read request for file <(.*)>\. Mode (\S+)`)
	t32Sent     = regexp.MustCompile(`^<(.*)>: sent (\d+) blks?, (\d+) bytes in (\d+) s\. (\d+) blks? resent`)
	t32FileErr  = regexp.MustCompile(`^File <(.*)> : error (\d+) in system call (\S+)(.*)$`)
	t32Discover = regexp.MustCompile(`^Rcvd DHCP Discover Msg for IP (\S+), Mac (\S+)`)
	t32Request  = regexp.MustCompile(`^Rcvd DHCP Rqst Msg for IP (\S+), Mac (\S+)`)
	t32Proposed = regexp.MustCompile(`^DHCP: proposed address (\S+)`)
	t32Acked    = regexp.MustCompile(`^Previously allocated address (\S+) acked`)
)

// parseTFTPD32 reads tftpd32's log window ("... [DD/MM HH:MM:SS.mmm]"), DHCP lines
// included. Rules:
//   - "Rcvd DHCP Discover Msg ..., Mac M" is dhcp.discover; "DHCP: proposed address A"
//     is dhcp.offer to the last discoverer; "Rcvd DHCP Rqst Msg" is a dhcpRequest;
//     "Previously allocated address A acked" is dhcp.ack to the last requester.
//   - "Connection received from IP on port P" then "Read request for file <NAME>" is a
//     request from that client port; "<NAME>: sent N blks, B bytes in S s. R blk resent"
//     is its tftp.done (duration from the two timestamps, which are finer than S);
//     "File <NAME> : error 2 (or 3) in system call CreateFile" is tftp.missing (Windows'
//     file and path not found), any other error code tftp.error.
//   - A read request whose outcome was cut off stays a request (a trust list: missing).
//   - tftpd32 logs an OACK when a client asks for options; no such line means none were
//     asked, so a done transfer used 512-byte blocks.
//   - A line without its full timestamp was cut by the source: skipped. Day and month
//     are the log's, the year traceYear.
func parseTFTPD32(log []byte) []servers.Event {
	type xfer struct {
		req     servers.Event
		outcome []servers.Event
	}
	var (
		evs              []servers.Event
		xfers            []*xfer
		connIP           string
		connPort         int
		discMAC, rqstMAC string
	)
	find := func(name string) *xfer { // the newest transfer of name without an outcome
		for i := len(xfers) - 1; i >= 0; i-- {
			if x := xfers[i]; x.outcome == nil && x.req.File == name {
				return x
			}
		}
		return nil
	}
	for _, line := range logLines(log) {
		m := t32Stamp.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		day, _ := strconv.Atoi(m[2])
		month, _ := strconv.Atoi(m[3])
		at, ok := clockTime(m[4], m[5], m[6], m[7])
		if !ok || day < 1 || day > 31 || month < 1 || month > 12 {
			continue
		}
		at = at.AddDate(0, month-1, day-1)
		msg := m[1]
		switch {
		case t32Discover.MatchString(msg):
			d := t32Discover.FindStringSubmatch(msg)
			discMAC = normMAC(d[2])
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPDiscover, MAC: discMAC})
		case t32Proposed.MatchString(msg):
			d := t32Proposed.FindStringSubmatch(msg)
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPOffer, MAC: discMAC, IP: validIP(d[1])})
		case t32Request.MatchString(msg):
			d := t32Request.FindStringSubmatch(msg)
			rqstMAC = normMAC(d[2])
			evs = append(evs, servers.Event{Time: at, Kind: dhcpRequest, MAC: rqstMAC, IP: validIP(d[1])})
		case t32Acked.MatchString(msg):
			d := t32Acked.FindStringSubmatch(msg)
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPAck, MAC: rqstMAC, IP: validIP(d[1])})
		case t32Conn.MatchString(msg):
			d := t32Conn.FindStringSubmatch(msg)
			connIP = validIP(d[1])
			connPort, _ = strconv.Atoi(d[2])
		case t32Read.MatchString(msg):
			d := t32Read.FindStringSubmatch(msg)
			if d[1] == "" {
				continue
			}
			xfers = append(xfers, &xfer{req: servers.Event{Time: at, Kind: servers.TFTPRequest, IP: connIP, Port: connPort, File: d[1]}})
		case t32Sent.MatchString(msg):
			d := t32Sent.FindStringSubmatch(msg)
			x := find(d[1])
			if x == nil {
				continue
			}
			blocks, _ := strconv.Atoi(d[2])
			n, _ := strconv.ParseInt(d[3], 10, 64)
			resent, _ := strconv.Atoi(d[5])
			done := x.req
			done.Time, done.Kind = at, servers.TFTPDone
			done.Bytes, done.Size, done.Retransmits, done.BlockSize = n, n, resent, 512
			x.req.Size = n
			if took := at.Sub(x.req.Time); took > 0 {
				done.DurationMS = took.Milliseconds()
				done.Rate = float64(n) / took.Seconds()
			}
			done.Msg = fmt.Sprintf("%d blocks", blocks)
			x.outcome = []servers.Event{x.req, done}
		case t32FileErr.MatchString(msg):
			d := t32FileErr.FindStringSubmatch(msg)
			x := find(d[1])
			if x == nil {
				continue
			}
			e := x.req
			e.Time, e.Msg = at, "error "+d[2]+" in system call "+d[3]
			if d[2] == "2" || d[2] == "3" { // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
				e.Kind = servers.TFTPMissing
				x.outcome = []servers.Event{e}
			} else {
				e.Kind = servers.TFTPError
				x.outcome = []servers.Event{x.req, e}
			}
		}
	}
	for _, x := range xfers {
		if x.outcome != nil {
			evs = append(evs, x.outcome...)
		} else {
			evs = append(evs, settleUnanswered(x.req)...)
		}
	}
	return byTime(evs)
}

// --- ISC dhcpd syslog ---------------------------------------------------------------

var (
	iscLine     = regexp.MustCompile(`^(?:(\d\d):(\d\d):(\d\d) |[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+ )dhcpd(?:\[\d+\])?: (.*)$`)
	iscDiscover = regexp.MustCompile(`^DHCPDISCOVER from (\S*)`)
	iscOffer    = regexp.MustCompile(`^DHCPOFFER on (\S+) to (\S+)`)
	iscRequest  = regexp.MustCompile(`^DHCPREQUEST for (\S*) ?(?:\(\S+\) )?from (\S+)(?: \([^)]*\))?(?: via \S+?)?(?:: (.*))?$`)
	iscAck      = regexp.MustCompile(`^DHCPACK on (\S+) to (\S+)`)
	iscNak      = regexp.MustCompile(`^DHCPNAK on (\S+) to (\S+)`)
)

// parseISCDHCPD reads ISC dhcpd's syslog lines, full ("Oct 19 11:44:37 host
// dhcpd[123]: ...") or trimmed to "11:44:37 dhcpd: ..." as a blog may quote them.
// Rules:
//   - DHCPDISCOVER is dhcp.discover, DHCPOFFER dhcp.offer, DHCPACK dhcp.ack, DHCPNAK
//     dhcp.nak; DHCPREQUEST is a dhcpRequest with the address asked for in IP and what
//     dhcpd did with it (": ignored (not authoritative)") in Msg.
//   - A line that repeats an earlier one (same time, kind and client: a page quoted
//     twice) only fills in what the earlier copy lacked, an address lost to markup.
//   - A MAC cut short leaves MAC empty. Syslog dates are ignored beyond the clock: only
//     relative times matter to a replay.
func parseISCDHCPD(log []byte) []servers.Event {
	var evs []servers.Event
	for _, line := range logLines(log) {
		m := iscLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var at time.Time
		if m[1] != "" {
			t, ok := clockTime(m[1], m[2], m[3], "")
			if !ok {
				continue
			}
			at = t
		} else if t, ok := syslogTime(line); ok {
			at = t
		} else {
			continue
		}
		msg := m[4]
		var e servers.Event
		switch {
		case iscDiscover.MatchString(msg):
			d := iscDiscover.FindStringSubmatch(msg)
			e = servers.Event{Kind: servers.DHCPDiscover, MAC: normMAC(d[1])}
		case iscOffer.MatchString(msg):
			d := iscOffer.FindStringSubmatch(msg)
			e = servers.Event{Kind: servers.DHCPOffer, IP: validIP(d[1]), MAC: normMAC(d[2])}
		case iscRequest.MatchString(msg):
			d := iscRequest.FindStringSubmatch(msg)
			e = servers.Event{Kind: dhcpRequest, IP: validIP(d[1]), MAC: normMAC(d[2]), Msg: d[3]}
		case iscAck.MatchString(msg):
			d := iscAck.FindStringSubmatch(msg)
			e = servers.Event{Kind: servers.DHCPAck, IP: validIP(d[1]), MAC: normMAC(d[2])}
		case iscNak.MatchString(msg):
			d := iscNak.FindStringSubmatch(msg)
			e = servers.Event{Kind: servers.DHCPNak, IP: validIP(d[1]), MAC: normMAC(d[2])}
		default:
			continue
		}
		e.Time = at
		if i := slices.IndexFunc(evs, func(p servers.Event) bool {
			return p.Time.Equal(e.Time) && p.Kind == e.Kind && p.MAC == e.MAC
		}); i >= 0 {
			if evs[i].IP == "" {
				evs[i].IP = e.IP
			}
			if len(e.Msg) > len(evs[i].Msg) {
				evs[i].Msg = e.Msg
			}
			continue
		}
		evs = append(evs, e)
	}
	return byTime(evs)
}

// --- Wireshark text -----------------------------------------------------------------

var (
	wsFrame = regexp.MustCompile(`^"?(\d+)"?[ ,]+"?(\d+\.\d+)"?[ ,]+"?([0-9.]+)"?[ ,]+"?([0-9.]+)"?[ ,]+"?([A-Za-z0-9]+)"?[ ,]+"?(\d+)"?[ ,]+"?(.*?)"?\s*$`)
	wsRRQ   = regexp.MustCompile(`Read Request, File: (.+?),\s*Transfer type: (\S+)`)
	wsErr   = regexp.MustCompile(`Error Code, Code: ([^,]+?)(?:, Message: (.*))?$`)
)

// parseWireshark reads Wireshark's packet list as text, in the plain column form or
// exported as CSV, where a record may wrap onto the next line. Rules:
//   - A TFTP "Read Request, File: NAME" from client C is a request from C; an "Error
//     Code, Code: File not found" sent to C afterwards makes it tftp.missing (at the
//     error's time, when the server answered), any other error code tftp.error.
//   - A request without an answer in the excerpt is settled by settleUnanswered; a
//     record whose name was cut off is skipped: nothing can be said of it.
//   - Times are the capture's seconds since its start, from traceStart.
func parseWireshark(log []byte) []servers.Event {
	// Join wrapped records: a line that does not start a frame continues the last one.
	var records []string
	for _, line := range logLines(log) {
		if wsFrame.MatchString(line) || len(records) == 0 {
			records = append(records, line)
			continue
		}
		records[len(records)-1] += " " + strings.TrimSpace(line)
	}
	type rrq struct {
		ev      servers.Event
		outcome []servers.Event
	}
	var reqs []*rrq
	for _, rec := range records {
		m := wsFrame.FindStringSubmatch(rec)
		if m == nil || !strings.EqualFold(m[5], "TFTP") {
			continue
		}
		secs, err := strconv.ParseFloat(m[2], 64)
		if err != nil || secs < 0 || secs > 1e9 {
			continue
		}
		at := traceStart.Add(time.Duration(secs * float64(time.Second)))
		src, dst, info := validIP(m[3]), validIP(m[4]), m[7]
		if r := wsRRQ.FindStringSubmatch(info); r != nil {
			if name := strings.TrimSpace(r[1]); name != "" {
				reqs = append(reqs, &rrq{ev: servers.Event{Time: at, Kind: servers.TFTPRequest, IP: src, File: name}})
			}
			continue
		}
		if r := wsErr.FindStringSubmatch(info); r != nil {
			for i := len(reqs) - 1; i >= 0; i-- {
				q := reqs[i]
				if q.outcome != nil || q.ev.IP != dst {
					continue
				}
				e := q.ev
				e.Time, e.Msg = at, strings.TrimSpace(strings.TrimSuffix(r[1]+": "+r[2], ": "))
				if strings.EqualFold(strings.TrimSpace(r[1]), "File not found") {
					e.Kind = servers.TFTPMissing
					q.outcome = []servers.Event{e}
				} else {
					e.Kind = servers.TFTPError
					q.outcome = []servers.Event{q.ev, e}
				}
				break
			}
		}
	}
	var evs []servers.Event
	for _, q := range reqs {
		if q.outcome != nil {
			evs = append(evs, q.outcome...)
		} else {
			evs = append(evs, settleUnanswered(q.ev)...)
		}
	}
	return byTime(evs)
}

// --- HTTP provisioning log (sccp_manager's provision_sccp resolver) ----------------

var httpGet = regexp.MustCompile(`^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)\t\[(\w+)\]\t\s*GET \(([^)]*)\)\s*:([^\t]*)\t([^\t]*)`)

// parseHTTPProvision reads the sccp_manager HTTP resolver log ("DD.MM.YYYY HH:MM:SS TAB
// [LEVEL] TAB GET (name):resolved TAB result"). Phones on 9.x fetch the same files
// over HTTP (port 6970) that they fetch over TFTP, so each GET is treated as a request.
// Rules:
//   - "no match found" is tftp.missing; "Remap :PATH" is a file sent: tftp.request and
//     tftp.done at the same second (the log keeps no completion time).
//   - The log has neither client address nor port: IP and Port stay empty; the tracker
//     ties the requests to the phone through the MAC in CTLSEP/SEP names.
//   - A line cut before its closing ")" is skipped.
func parseHTTPProvision(log []byte) []servers.Event {
	var evs []servers.Event
	for _, line := range logLines(log) {
		m := httpGet.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		day, _ := strconv.Atoi(m[1])
		month, _ := strconv.Atoi(m[2])
		year, _ := strconv.Atoi(m[3])
		at, ok := clockTime(m[4], m[5], m[6], "")
		if !ok || day < 1 || day > 31 || month < 1 || month > 12 {
			continue
		}
		at = at.AddDate(year-traceYear, month-1, day-1)
		name, result := strings.TrimSpace(m[8]), strings.TrimSpace(m[10])
		if name == "" {
			continue
		}
		req := servers.Event{Time: at, Kind: servers.TFTPRequest, File: name}
		switch {
		case strings.Contains(strings.ToLower(result), "no match"):
			miss := req
			miss.Kind, miss.Msg = servers.TFTPMissing, result
			evs = append(evs, miss)
		case strings.HasPrefix(result, "Remap"):
			req.File, req.Asked = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(result, "Remap"), " :")), name
			done := req
			done.Kind = servers.TFTPDone
			evs = append(evs, req, done)
		default:
			evs = append(evs, settleUnanswered(req)...)
		}
	}
	return byTime(evs)
}

// --- phone console (Cisco TNP syslog on the AUX port) -------------------------------

// phoneNote is one line of a phone's own console: what the server cannot see.
type phoneNote struct {
	Time   time.Time
	Sev    string // ERR, WRN, NOT, INF ...
	Module string // DHCP, DLoad, image, JVM ...
	Text   string
}

var (
	conLine   = regexp.MustCompile(`^(?:\d+: )?(EMR|ALT|CRT|ERR|WRN|NOT|INF|DBG) (\d\d):(\d\d):(\d\d)\.(\d+) ([^:]+): ?(.*)$`)
	conHeader = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) \d\d:\d\d:\d\d (\d{4})`)
	conIP     = regexp.MustCompile(`IP Address -+ (\S+)`)
)

// parseConsole reads a phone's console ("[NNNN: ]SEV HH:MM:SS.usec module: text").
// Most of it happens inside the phone; only what crosses the wire becomes an event:
//   - "DHCP: Sending Discover" is dhcp.discover and "DHCP: Sending Request" a
//     dhcpRequest (the server sees both); "DHCP: ACK received" is dhcp.ack, with the
//     address of the "DHCP: IP Address -- A" line that follows it. The console does not
//     show the MAC: MAC stays empty.
//   - Every console line is returned as a phoneNote, for expectations about what the
//     phone itself said (the server cannot conclude those).
//   - The day is the "Syslogd TNP" header's when there is one, else traceStart's.
func parseConsole(log []byte) ([]servers.Event, []phoneNote) {
	var (
		evs   []servers.Event
		notes []phoneNote
		day   = traceStart
	)
	for _, line := range logLines(log) {
		if h := conHeader.FindStringSubmatch(line); h != nil {
			if t, err := time.Parse("Jan 2 2006", h[1]+" "+h[2]+" "+h[3]); err == nil {
				day = t
			}
			continue
		}
		m := conLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		clock, ok := clockTime(m[2], m[3], m[4], m[5])
		if !ok {
			continue
		}
		at := day.Add(clock.Sub(traceStart))
		n := phoneNote{Time: at, Sev: m[1], Module: strings.TrimSpace(m[6]), Text: m[7]}
		notes = append(notes, n)
		if n.Module != "DHCP" {
			continue
		}
		switch {
		case strings.HasPrefix(n.Text, "Sending Discover"):
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPDiscover})
		case strings.HasPrefix(n.Text, "Sending Request"):
			evs = append(evs, servers.Event{Time: at, Kind: dhcpRequest})
		case strings.HasPrefix(n.Text, "ACK received"):
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPAck})
		case strings.HasPrefix(n.Text, "NAK received"):
			evs = append(evs, servers.Event{Time: at, Kind: servers.DHCPNak})
		default:
			if ip := conIP.FindStringSubmatch(n.Text); ip != nil {
				for i := len(evs) - 1; i >= 0; i-- {
					if evs[i].Kind == servers.DHCPAck && evs[i].IP == "" {
						evs[i].IP = validIP(ip[1])
						break
					}
				}
			}
		}
	}
	return byTime(evs), notes
}

// --- a read request described in words ----------------------------------------------

var (
	rrqTotal = regexp.MustCompile(`:\s*(\d+) bytes\s*$`)
	rrqPart  = regexp.MustCompile(`^(?:opcode\s+)?((?:[0-9A-Fa-f]{2}\s*)+)(?:\((\d+) bytes?\))?$|^"((?:[^"\\]|\\.)*)"\s*(?:\((\d+)\))?$`)
)

// parseRRQNote builds the bytes of a read request from a description such as
// `payload = opcode 00 01 (2 bytes) + "OS79XX.TXT\0" (11) + "octet\0" (6) + "\0" (1): 20 bytes`:
// hex bytes and quoted strings (escapes \0, \\, \") joined by '+', each with its length
// in parentheses where given, and the total after the colon. Every stated length is
// checked, so a description that does not add up is an error rather than a guess.
func parseRRQNote(note []byte) ([]byte, error) {
	for _, line := range logLines(note) {
		_, spec, ok := strings.Cut(line, "payload =")
		if !ok {
			continue
		}
		total := -1
		if m := rrqTotal.FindStringSubmatch(spec); m != nil {
			total, _ = strconv.Atoi(m[1])
			spec = spec[:len(spec)-len(m[0])]
		}
		var out []byte
		for _, part := range splitOutsideQuotes(spec, '+') {
			part = strings.TrimSpace(part)
			m := rrqPart.FindStringSubmatch(part)
			if m == nil {
				return nil, fmt.Errorf("payload part %q: want hex bytes or a quoted string", part)
			}
			var b []byte
			stated := ""
			if m[1] != "" {
				for _, h := range strings.Fields(m[1]) {
					v, err := strconv.ParseUint(h, 16, 8)
					if err != nil {
						return nil, fmt.Errorf("payload part %q: %v", part, err)
					}
					b = append(b, byte(v))
				}
				stated = m[2]
			} else {
				s, err := unescapeNote(m[3])
				if err != nil {
					return nil, fmt.Errorf("payload part %q: %v", part, err)
				}
				b, stated = []byte(s), m[4]
			}
			if stated != "" {
				if n, _ := strconv.Atoi(stated); n != len(b) {
					return nil, fmt.Errorf("payload part %q: %d bytes, the note says %s", part, len(b), stated)
				}
			}
			out = append(out, b...)
		}
		if total >= 0 && total != len(out) {
			return nil, fmt.Errorf("payload is %d bytes, the note says %d", len(out), total)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("empty payload")
		}
		return out, nil
	}
	return nil, fmt.Errorf("no %q line", "payload =")
}

func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func unescapeNote(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("a lone backslash")
		}
		switch s[i] {
		case '0':
			b.WriteByte(0)
		case '\\', '"':
			b.WriteByte(s[i])
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// --- fuzz targets: a parser takes anything without panicking ------------------------

// checkParsed holds what every parser promises: events in time order, of kinds the
// servers (or dhcpRequest) publish, TFTP events naming a file.
func checkParsed(t *testing.T, evs []servers.Event) {
	t.Helper()
	known := []servers.Kind{servers.DHCPDiscover, servers.DHCPOffer, servers.DHCPAck, servers.DHCPNak, dhcpRequest,
		servers.TFTPRequest, servers.TFTPDone, servers.TFTPMissing, servers.TFTPError}
	for i, e := range evs {
		if !slices.Contains(known, e.Kind) {
			t.Fatalf("event %d has kind %q", i, e.Kind)
		}
		if i > 0 && e.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d (%s) is earlier than the one before it", i, e.Kind)
		}
		if strings.HasPrefix(string(e.Kind), "tftp.") && askedName(e) == "" {
			t.Fatalf("event %d (%s) names no file", i, e.Kind)
		}
	}
}

// seedFuzz adds the real logs of one format as seeds.
func seedFuzz(f *testing.F, format traceFormat) {
	n := 0
	for _, c := range realTraces {
		if c.format == format {
			f.Add(readRealTrace(f, c.log))
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no real log of format %s to seed from", format)
	}
}

func FuzzParseTFTPDHPA(f *testing.F) {
	seedFuzz(f, formatHPA)
	f.Fuzz(func(t *testing.T, log []byte) { checkParsed(t, parseTFTPDHPA(log)) })
}

func FuzzParseTFTPD32(f *testing.F) {
	seedFuzz(f, formatTFTPD32)
	f.Fuzz(func(t *testing.T, log []byte) { checkParsed(t, parseTFTPD32(log)) })
}

func FuzzParseISCDHCPD(f *testing.F) {
	seedFuzz(f, formatISC)
	f.Fuzz(func(t *testing.T, log []byte) { checkParsed(t, parseISCDHCPD(log)) })
}

func FuzzParseWireshark(f *testing.F) {
	seedFuzz(f, formatWireshark)
	f.Fuzz(func(t *testing.T, log []byte) { checkParsed(t, parseWireshark(log)) })
}

func FuzzParseHTTPProvision(f *testing.F) {
	seedFuzz(f, formatHTTP)
	f.Fuzz(func(t *testing.T, log []byte) { checkParsed(t, parseHTTPProvision(log)) })
}

func FuzzParseConsole(f *testing.F) {
	seedFuzz(f, formatConsole)
	f.Fuzz(func(t *testing.T, log []byte) {
		evs, notes := parseConsole(log)
		checkParsed(t, evs)
		if len(evs) > len(notes) {
			t.Fatalf("%d events from %d console lines", len(evs), len(notes))
		}
	})
}

func FuzzParseRRQNote(f *testing.F) {
	seedFuzz(f, formatRRQNote)
	f.Fuzz(func(t *testing.T, note []byte) {
		b, err := parseRRQNote(note)
		if err == nil && len(b) == 0 {
			t.Fatal("no error and no bytes")
		}
	})
}
