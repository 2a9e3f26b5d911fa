package ui

import (
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
)

// choice is one row of a picker.
type choice struct {
	Value string // what choosing it means ("" allowed: "unknown")
	Label string // the row as shown (plain text: styling is the picker's)
	Note  string // dim text after the label
	Mark  string // a marker before the label (✓, ✗ …), "" for none
}

// picker is a list to choose from: a cursor, a window that follows it, and an
// optional filter (`/`, then type) that keeps the rows containing the typed text.
type picker struct {
	choices   []choice
	shown     []int // indexes into choices that pass the filter
	cursor    int   // index into shown
	offset    int   // first shown row in the window
	filter    string
	filtering bool // typing into the filter
}

func newPicker(cs []choice) picker {
	p := picker{}
	p.set(cs)
	return p
}

// set replaces the rows, keeping the cursor on the same value when it is still there.
func (p *picker) set(cs []choice) {
	cur, had := p.selected()
	p.choices = cs
	p.refilter()
	if had {
		p.selectValue(cur.Value)
	}
}

// refilter keeps the rows containing the filter: those whose label does first (typing
// 7960 finds the 7960 before the 7940 of the family "7940/7960"), then by their note.
func (p *picker) refilter() {
	p.shown = p.shown[:0]
	f := strings.ToLower(p.filter)
	var byNote []int
	for i, c := range p.choices {
		switch {
		case f == "" || strings.Contains(strings.ToLower(c.Label), f):
			p.shown = append(p.shown, i)
		case strings.Contains(strings.ToLower(c.Note), f):
			byNote = append(byNote, i)
		}
	}
	p.shown = append(p.shown, byNote...)
	if f != "" {
		p.cursor = 0
	}
	p.cursor = min(p.cursor, max(0, len(p.shown)-1))
}

// selected is the row under the cursor.
func (p *picker) selected() (choice, bool) {
	if p.cursor < 0 || p.cursor >= len(p.shown) {
		return choice{}, false
	}
	return p.choices[p.shown[p.cursor]], true
}

// selectValue moves the cursor to the first row with value v (case-insensitive).
func (p *picker) selectValue(v string) bool {
	for i, k := range p.shown {
		if strings.EqualFold(p.choices[k].Value, v) {
			p.cursor = i
			return true
		}
	}
	return false
}

func (p *picker) move(d int) {
	if len(p.shown) == 0 {
		return
	}
	p.cursor = max(0, min(len(p.shown)-1, p.cursor+d))
}

// typed handles a key while filtering; it reports whether the key was the filter's.
// Typed and pasted text alike come as runes, several at once for a paste.
func (p *picker) typed(k tea.KeyMsg) bool {
	if !p.filtering {
		return false
	}
	switch k.String() {
	case "esc":
		p.filtering, p.filter = false, ""
	case "enter":
		p.filtering = false
		return false // enter also chooses
	case "backspace":
		if r := []rune(p.filter); len(r) > 0 {
			p.filter = string(r[:len(r)-1])
		}
	case "up", "down":
		return false
	default:
		if k.Type != tea.KeyRunes && k.Type != tea.KeySpace {
			return false
		}
		// A filter is one line: a pasted newline or tab would match nothing.
		p.filter += strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, string(k.Runes))
	}
	p.refilter()
	return true
}

// view renders at most h rows of width w, the cursor row marked with ">" when focused.
func (p *picker) view(w, h int, focused bool) string {
	if h <= 0 {
		return ""
	}
	var lines []string
	if p.filtering || p.filter != "" {
		h--
	}
	if len(p.shown) == 0 {
		lines = append(lines, styleDim.Render("  (nothing matches)"))
	}
	// Keep the cursor inside the window.
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, len(p.shown)-h))
	for i := p.offset; i < len(p.shown) && i < p.offset+h; i++ {
		lines = append(lines, p.row(p.choices[p.shown[i]], i == p.cursor, focused, w))
	}
	if p.filtering || p.filter != "" {
		f := "/" + servers.Visible(p.filter) // pasted text may carry anything
		if p.filtering {
			f += "▏"
		}
		lines = append(lines, styleDim.Render("  filter: ")+f)
	}
	return strings.Join(lines, "\n")
}

func (p *picker) row(c choice, cur, focused bool, w int) string {
	lead := "  "
	if cur {
		lead = markCursor + " "
		if !focused {
			lead = markFocus + " "
		}
	}
	label := servers.Visible(c.Label) // interface names, load IDs and paths are outside text
	if c.Mark != "" {
		label = c.Mark + " " + label
	}
	if cur && focused {
		label = styleSelected.Render(label)
	}
	line := lead + label
	if c.Note != "" {
		line += "  " + styleDim.Render(servers.Visible(c.Note))
	}
	return cut(line, w)
}
