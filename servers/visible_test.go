package servers_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"phoneflash/servers"
)

func TestVisible(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SEP001E4A123456.cnf.xml", "SEP001E4A123456.cnf.xml"},
		{"x\x1b]0;owned\a.bin", `x\x1b]0;owned\x07.bin`},
		{"\x1b[2J", `\x1b[2J`},
		{"a\nb\tc\r", `a\x0ab\x09c\x0d`},
		{"del\x7f", `del\x7f`},
		{"c1\u009b2J", `c1\x9b2J`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"rtl\u202etxt.exe", `rtl\u202etxt.exe`},
		{"Grüße 電話", "Grüße 電話"},
	} {
		if got := servers.Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := servers.VisibleLines("one\x1b[2J\n\ttwo\n"); got != "one\\x1b[2J\n\ttwo\n" {
		t.Errorf("VisibleLines = %q", got)
	}
}

func TestVisibleWriter(t *testing.T) {
	var b bytes.Buffer
	w := servers.VisibleWriter(&b)
	line := "file=\x1b]0;pwned\x07 class=\"x\x1b[2J\"\n"
	n, err := fmt.Fprint(w, line)
	if err != nil || n != len(line) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") || !strings.HasSuffix(b.String(), "\n") {
		t.Fatalf("written: %q", b.String())
	}
}

// FuzzVisible: whatever comes in, nothing a terminal acts on goes out, and clean text
// is left alone.
func FuzzVisible(f *testing.F) {
	f.Add("x\x1b]0;t\a")
	f.Add("Grüße\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := servers.Visible(s)
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("Visible(%q) keeps %U", s, r)
			}
		}
		if servers.Visible(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
	})
}
