package servers

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Visible returns s with every character that a terminal would act on instead of
// showing made visible as a Go escape: C0 and C1 controls, DEL, bidirectional
// overrides and bytes that are not UTF-8. A file name, an option 60 or a .loads line
// comes from the bench network or a firmware file, where anyone can put
// "ESC ] 0 ; ... BEL" (retitle the window) or "ESC [ 2 J" (wipe the screen) in it;
// whatever a person reads goes through here (JSON is escaped by encoding/json).
func Visible(s string) string { return visible(s, false) }

// VisibleLines is Visible for multi-line text: newlines and tabs stay as they are.
func VisibleLines(s string) string { return visible(s, true) }

func visible(s string, lines bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if hidden(r, n, lines) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !hidden(r, n, lines):
			b.WriteString(s[i : i+n])
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// hidden reports whether rune r (n bytes long) must be escaped.
func hidden(r rune, n int, lines bool) bool {
	switch {
	case r == utf8.RuneError && n <= 1:
		return true
	case lines && (r == '\n' || r == '\t'):
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	}
	return false
}

// VisibleWriter passes text to w with VisibleLines applied to each Write: the text
// output of `serve` and `firmware` goes through it, so nothing in a line can drive
// the terminal. Each Write should hold whole lines (fmt.Fprintln does).
func VisibleWriter(w io.Writer) io.Writer { return visibleWriter{w} }

type visibleWriter struct{ w io.Writer }

func (v visibleWriter) Write(p []byte) (int, error) {
	s := VisibleLines(string(p))
	if _, err := io.WriteString(v.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
