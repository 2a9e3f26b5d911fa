package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// small is the smallest terminal every screen must work in.
var small = size2{60, 15}

// bodyOf is the body of a frame: between the header's rule and the footer.
func bodyOf(m *Model) []string {
	lines := strings.Split(m.View(), "\n")
	footer := strings.Count(m.footer(m.width), "\n") + 1
	return lines[2 : len(lines)-footer]
}

// pageThrough pages the body down to its end at the current size and returns every
// body line seen on the way (the "more" line left out). The Watch screen pages its log,
// from the top.
func pageThrough(t *testing.T, m *Model) []string {
	t.Helper()
	if m.Screen() == ScreenWatch {
		m.Update(tea.KeyMsg{Type: tea.KeyHome})
	}
	var seen []string
	last := ""
	for range 50 {
		body := bodyOf(m)
		if m.body.overflows() {
			body = body[:len(body)-1]
		}
		if now := strings.Join(body, "\n"); now == last {
			return seen
		} else {
			last = now
		}
		seen = append(seen, body...)
		m.Update(tea.KeyMsg{Type: tea.KeyPgDown})
	}
	t.Fatal("pgdn never reached the end")
	return nil
}

// At 60x15 every screen shows its top, and a body that does not fit says so on its
// last line; paging down shows everything a tall terminal of the same width shows
// (but the rows of a list that its cursor scrolls, and the big keycaps).
func TestEveryScreenAt60x15(t *testing.T) {
	for s, m := range screensAt(t) {
		t.Run(s.String(), func(t *testing.T) {
			m.Update(tea.WindowSizeMsg{Width: small.w, Height: 200})
			tall := bodyOf(m)
			m.Update(tea.WindowSizeMsg{Width: small.w, Height: small.h})
			golden(t, m)
			body := bodyOf(m)
			if m.body.overflows() != strings.Contains(body[len(body)-1], "below (") {
				t.Errorf("overflows %v, last line %q", m.body.overflows(), body[len(body)-1])
			}
			seen := strings.Join(pageThrough(t, m), "\n")
			list := false // in the rows of the focused list, under the focused field
			for _, l := range tall {
				list = strings.HasPrefix(l, markFocus) || list && strings.HasPrefix(l, "    ")
				if l = strings.TrimSpace(l); l != "" && !list && !keycapLine(l) && !strings.Contains(seen, l) {
					t.Errorf("never shown at %dx%d: %q", small.w, small.h, l)
				}
			}
		})
	}
}

// keycapLine is a line of the big keycaps, which a short terminal shows as one line
// of [1][2]... keys.
func keycapLine(l string) bool {
	return strings.Contains(l, "╮╭") || strings.Contains(l, "││") || strings.Contains(l, "╯╰")
}

// The case: at 60x15 the Reset screen cut off steps 4-5, the keys themselves,
// and the conditions, and nothing scrolled.
func TestResetScrollsToTheKeysAndConditions(t *testing.T) {
	m := screensAt(t)[ScreenReset]
	m.Update(tea.WindowSizeMsg{Width: small.w, Height: small.h})
	if !strings.Contains(strings.Join(bodyOf(m), "\n"), "↓") {
		t.Fatalf("no sign of more below:\n%s", m.View())
	}
	seen := strings.Join(pageThrough(t, m), "\n")
	for _, want := range []string{"4. Within 60 seconds type 1 2 3 4 5 6 7 8 9 * 0 #", " 5. Press 2",
		"Conditions", "address or TFTP server keeps the phone away from"} {
		if !strings.Contains(seen, want) {
			t.Errorf("%q never shown at 60x15:\n%s", want, seen)
		}
	}
	if last := bodyOf(m); !strings.Contains(last[len(last)-1], "↑") {
		t.Errorf("at the end, no sign of more above: %q", last[len(last)-1])
	}
	m.Update(tea.KeyMsg{Type: tea.KeyUp})
	m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	if m.body.top != 0 || !strings.Contains(m.View(), "Servers running on eth0") {
		t.Errorf("pgup did not go back to the top: %d\n%s", m.body.top, m.View())
	}
}

// At 60 columns the quit question keeps its answer keys: the status line wraps.
func TestQuitQuestionWrapsAt60Columns(t *testing.T) {
	m := screensAt(t)[ScreenWatch]
	for _, w := range []int{60, 40} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: small.h})
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
		v := m.View()
		if !strings.Contains(strings.ReplaceAll(v, "\n", " "), "Stop the servers and quit? y/N") {
			t.Errorf("at %d columns the question is cut:\n%s", w, v)
		}
		if n := len(strings.Split(v, "\n")); n != small.h {
			t.Errorf("at %d columns %d lines", w, n)
		}
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	}
}
