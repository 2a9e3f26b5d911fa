package ui

import (
	"fmt"
	"strings"
	"time"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// logLimit is how many lines the Watch screen keeps; the --log file has them all.
const logLimit = 50000

// eventLog is the Watch screen's scrolling log. Each event is formatted once, when it
// arrives; the filter keeps an index of the matching lines, extended as lines come, so
// View only slices the visible window whatever the log's length.
type eventLog struct {
	lines   []logLine
	filter  string
	match   []int // indexes of lines matching filter (all lines when filter is "")
	top     int   // first visible match; -1 follows the end
	editing bool  // typing the filter
	total   int   // events ever added (lines drops the oldest past logLimit)
}

// logLine is one formatted event.
type logLine struct {
	text  string // plain text, for the filter and the width cut
	lower string // text in lower case, for the filter
	mark  string // the marker column
	kind  lineKind
}

type lineKind int

const (
	lineNormal   lineKind = iota
	lineExpected          // an expected miss: dimmed
	lineGood              // a step or the upgrade done
	lineWarn              // a hint, an ignored client
	lineBad               // an error, a stall, a missing file that matters
)

func newEventLog() eventLog { return eventLog{top: -1} }

// add appends an event (progress events are not logged: the bar shows them).
func (l *eventLog) add(e upgrade.Event) {
	if e.Kind == servers.TFTPProgress {
		return
	}
	ln := formatEvent(e)
	l.total++
	if len(l.lines) >= logLimit {
		drop := logLimit / 10
		l.lines = append(l.lines[:0], l.lines[drop:]...)
		l.rebuild()
	}
	l.lines = append(l.lines, ln)
	if l.filter == "" || strings.Contains(ln.lower, l.filter) {
		l.match = append(l.match, len(l.lines)-1)
	}
}

// setFilter keeps only lines containing f (case-insensitive).
func (l *eventLog) setFilter(f string) {
	l.filter = strings.ToLower(f)
	l.rebuild()
	l.top = -1
}

func (l *eventLog) rebuild() {
	l.match = l.match[:0]
	for i, ln := range l.lines {
		if l.filter == "" || strings.Contains(ln.lower, l.filter) {
			l.match = append(l.match, i)
		}
	}
}

// scroll moves the window by d lines (h is its height); scrolling to the end follows.
func (l *eventLog) scroll(d, h int) {
	last := max(0, len(l.match)-h)
	top := l.top
	if top < 0 {
		top = last
	}
	top += d
	if top >= last {
		l.top = -1
		return
	}
	l.top = max(0, top)
}

func (l *eventLog) home() { l.top = 0 }
func (l *eventLog) end()  { l.top = -1 }

// view renders h lines of width w: the window of matching lines.
func (l *eventLog) view(w, h int) string {
	if h <= 0 {
		return ""
	}
	top := l.top
	if top < 0 || top > len(l.match)-h {
		top = max(0, len(l.match)-h)
	}
	var b strings.Builder
	n := 0
	for i := top; i < len(l.match) && n < h; i++ {
		if n > 0 {
			b.WriteByte('\n')
		}
		ln := l.lines[l.match[i]]
		text := cut(ln.text, w-2)
		switch ln.kind {
		case lineExpected:
			b.WriteString(styleDim.Render(ln.mark + " " + text))
		case lineGood:
			b.WriteString(styleOK.Render(ln.mark) + " " + text)
		case lineWarn:
			b.WriteString(styleWarn.Render(ln.mark) + " " + text)
		case lineBad:
			b.WriteString(styleBad.Render(ln.mark) + " " + styleBad.Render(text))
		default:
			b.WriteString(ln.mark + " " + text)
		}
		n++
	}
	if len(l.match) == 0 {
		if l.filter != "" {
			b.WriteString(styleDim.Render("  (no event contains " + fmt.Sprintf("%q", l.filter) + ")"))
		} else {
			b.WriteString(styleDim.Render("  (no events yet)"))
		}
	}
	return b.String()
}

// following reports whether the window follows the newest line.
func (l *eventLog) following() bool { return l.top < 0 }

// formatEvent is the compact one-line form the log shows: time, kind, then what
// matters for the kind. Lines are cut to the screen width, so the informative part
// comes first.
func formatEvent(e upgrade.Event) logLine {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05"))
	fmt.Fprintf(&b, " %-13s ", e.Kind)
	ln := logLine{mark: " "}
	switch e.Kind {
	case servers.DHCPDiscover, servers.DHCPOffer, servers.DHCPAck, servers.DHCPNak, servers.DHCPRelease,
		servers.DHCPDecline, servers.DHCPInform:
		b.WriteString(e.MAC)
		if e.IP != "" {
			b.WriteString(" " + e.IP)
		}
		if e.Model != "" {
			b.WriteString(" " + e.Model)
		}
	case servers.DHCPIgnored, servers.DHCPRogue, servers.DHCPExhausted, servers.DHCPError:
		ln.mark, ln.kind = markWarn, lineWarn
		if e.Kind == servers.DHCPRogue || e.Kind == servers.DHCPError {
			ln.mark, ln.kind = markBad, lineBad
		}
		if e.Server != "" {
			b.WriteString("server " + e.Server + " ")
		}
		b.WriteString(e.MAC)
	case servers.TFTPRequest:
		b.WriteString(e.File)
		if e.Size > 0 {
			fmt.Fprintf(&b, " (%s)", size(e.Size))
		}
	case servers.TFTPDone:
		ln.mark = markOK
		fmt.Fprintf(&b, "%s %s", e.File, size(e.Bytes))
		if e.DurationMS > 0 {
			fmt.Fprintf(&b, " in %s", (time.Duration(e.DurationMS) * time.Millisecond).Round(time.Millisecond))
		}
		if e.Rate > 0 {
			fmt.Fprintf(&b, ", %s/s", size(int64(e.Rate)))
		}
		if e.Retransmits > 0 {
			fmt.Fprintf(&b, ", %d resent", e.Retransmits)
		}
	case servers.TFTPMissing:
		name := e.Asked
		if name == "" {
			name = e.File
		}
		b.WriteString(name)
		if upgrade.ExpectedMiss(name) {
			ln.mark, ln.kind = markExpect, lineExpected
			b.WriteString(" not found (normal)")
		} else {
			ln.mark, ln.kind = markBad, lineBad
			b.WriteString(" not found")
		}
		e.Msg = "" // the server's "file not found: …" says it again
	case servers.TFTPError, servers.TFTPDenied:
		ln.mark, ln.kind = markBad, lineBad
		name := e.File
		if name == "" {
			name = e.Asked
		}
		b.WriteString(name)
	case upgrade.StepStart:
		ln.mark = markNow
		fmt.Fprintf(&b, "step %d/%d %s", e.Step, e.Steps, e.Load)
	case upgrade.StepDone, upgrade.UpgradeDone:
		ln.mark, ln.kind = markOK, lineGood
		if e.Kind == upgrade.StepDone {
			fmt.Fprintf(&b, "step %d/%d %s", e.Step, e.Steps, e.Load)
		} else {
			b.WriteString(e.Load)
		}
	case upgrade.PhoneHint:
		ln.mark, ln.kind = markWarn, lineWarn
	case upgrade.PhoneStall:
		ln.mark, ln.kind = markBad, lineBad
	default:
		b.WriteString(e.File)
	}
	switch {
	case e.Msg == "" || e.Kind == upgrade.StepStart:
	case e.Kind == upgrade.PhoneHint || e.Kind == upgrade.PhoneStall:
		b.WriteString(e.Msg)
	default:
		b.WriteString(" — " + e.Msg)
	}
	// Names, classes and messages came off the wire: a file name can carry "ESC [ 2 J".
	// The line is plain text, so making the whole line visible covers every field.
	ln.text = servers.Visible(strings.TrimRight(b.String(), " "))
	ln.lower = strings.ToLower(ln.text)
	return ln
}

// size is a byte count as people read it: 532 B, 12.3 KiB, 4.4 MiB.
func size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
}
