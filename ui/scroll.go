package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// bodyScroll is the window on a screen's body when the body is taller than the
// terminal: nothing is cut off, the last line says what is above and below and which
// key shows it. Lines wider than the terminal wrap into it first. One per wizard: a
// new screen starts at its top.
type bodyScroll struct {
	top   int // first body line shown
	lines int // the body's lines at the last View
	room  int // the lines it had
}

// window is body as it fits in h lines; arrows: the arrow keys scroll it too.
func (s *bodyScroll) window(body string, w, h int, arrows bool) string {
	lines := unfold(strings.Split(strings.TrimRight(body, "\n"), "\n"), w)
	s.lines, s.room = len(lines), h
	if len(lines) <= h || h < 2 {
		s.top = 0
		return strings.Join(lines, "\n")
	}
	show := h - 1
	s.top = max(0, min(s.top, len(lines)-show))
	above, below := s.top, len(lines)-show-s.top
	return strings.Join(lines[s.top:s.top+show], "\n") + "\n" + rule(moreText(above, below, arrows), w)
}

// unfold wraps each line wider than w at its spaces (a word wider than w is split),
// the continuation indented under the line's text: a narrow terminal loses no word.
func unfold(lines []string, w int) []string {
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= w || w < 8 {
			out = append(out, l)
			continue
		}
		plain := ansi.Strip(l)
		indent := strings.Repeat(" ", min(len(plain)-len(strings.TrimLeft(plain, " "))+2, w/3))
		parts := strings.Split(ansi.Wrap(l, w, ""), "\n")
		out = append(out, parts[0])
		rest := strings.Join(parts[1:], " ")
		for _, c := range strings.Split(ansi.Wrap(rest, w-len(indent), ""), "\n") {
			out = append(out, indent+c)
		}
	}
	return out
}

// moreText is the marker's text: "↓ 9 more lines below (pgdn)".
func moreText(above, below int, arrows bool) string {
	up, down := "pgup", "pgdn"
	if arrows {
		up, down = "↑/pgup", "↓/pgdn"
	}
	switch {
	case above == 0:
		return fmt.Sprintf("↓ %s below (%s)", plural(below, "more line", "more lines"), down)
	case below == 0:
		return fmt.Sprintf("↑ %s above (%s)", plural(above, "more line", "more lines"), up)
	}
	return fmt.Sprintf("↑ %d above, ↓ %d below (%s, %s)", above, below, up, down)
}

// overflows reports whether the body did not fit at the last View.
func (s *bodyScroll) overflows() bool { return s.lines > s.room }

// by scrolls d lines (View keeps the window inside the body).
func (s *bodyScroll) by(d int) { s.top = max(0, min(s.top+d, s.lines-s.room+1)) }

// page is how far pgup/pgdn go: a window less the line kept for context.
func (s *bodyScroll) page() int { return max(1, s.room-2) }
