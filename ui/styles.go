package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"phoneflash/servers"
)

// Colours are the basic ANSI ones (every terminal has them, no background query). Colour
// never carries meaning alone: every coloured state also has a marker (NO_COLOR drops
// all styling, bold and reverse included).
var (
	styleTitle    = lipgloss.NewStyle().Bold(true)
	styleCurrent  = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))
	styleDim      = lipgloss.NewStyle().Faint(true)
	styleOK       = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	styleBad      = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	styleWarn     = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	styleSelected = lipgloss.NewStyle().Bold(true)
	styleKey      = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))
	styleCard     = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
)

// Markers: the meaning colour gives, in a character that survives NO_COLOR.
const (
	markOK     = "✓"
	markBad    = "✗"
	markWarn   = "!"
	markNow    = "▶"
	markTodo   = "·"
	markCursor = ">"
	markFocus  = "›"
	markExpect = "·" // an expected miss in the log
	ellipsis   = "…"
	ruleChar   = "─"
)

// statusLine renders a marked line: ok, bad or warn.
func okLine(s string) string   { return styleOK.Render(markOK) + " " + s }
func badLine(s string) string  { return styleBad.Render(markBad) + " " + styleBad.Render(s) }
func warnLine(s string) string { return styleWarn.Render(markWarn) + " " + s }

// cut truncates every line of s to width w cells (ANSI-aware).
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if !strings.Contains(s, "\n") {
		return ansi.Truncate(s, w, ellipsis)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, ellipsis)
	}
	return strings.Join(lines, "\n")
}

// fit makes s exactly h lines of at most w cells: long lines are cut, missing lines
// padded, extra lines dropped from the end.
func fit(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, ellipsis)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks plain text s into lines of at most w cells, indenting continuation
// lines by indent. A word longer than a line (a path) is split. Wrapped text is what
// problems, hints and paths are shown through, and those quote names from the wire or
// a firmware file: control characters in s are made visible (servers.Visible).
func wrap(s string, w int, indent string) []string {
	s = servers.Visible(s)
	var lines []string
	line, width := "", 0
	var words []string
	for _, word := range strings.Fields(s) {
		for r := []rune(word); ; {
			room := max(8, w-len(indent))
			if len(r) <= room {
				words = append(words, string(r))
				break
			}
			words = append(words, string(r[:room]))
			r = r[room:]
		}
	}
	for _, word := range words {
		ww := ansi.StringWidth(word)
		switch {
		case width == 0:
			line, width = word, ww
		case width+1+ww <= w:
			line += " " + word
			width += 1 + ww
		default:
			lines = append(lines, line)
			line, width = indent+word, len(indent)+ww
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// rule is a horizontal line with an optional title: "── Log ────".
func rule(title string, w int) string {
	if title == "" {
		return styleDim.Render(strings.Repeat(ruleChar, max(0, w)))
	}
	head := ruleChar + ruleChar + " " + title + " "
	n := w - ansi.StringWidth(head)
	if n < 0 {
		return cut(head, w)
	}
	return styleDim.Render(ruleChar+ruleChar+" ") + styleTitle.Render(title) + " " + styleDim.Render(strings.Repeat(ruleChar, n))
}

// padLines pads every line of s to w cells.
func padLines(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pad(l, w)
	}
	return strings.Join(lines, "\n")
}

// pad right-pads one line s with spaces to w cells (ANSI-aware); longer s is cut.
func pad(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, ellipsis)
	}
	return s + strings.Repeat(" ", w-n)
}
