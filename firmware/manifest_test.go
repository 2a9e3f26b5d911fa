package firmware

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"
)

// java41Body is term41.default.loads of 9.4(2)SR1 as FACTS.md §1.3 shows it: CRLF,
// comments, a blank line and trailing spaces.
var java41Body = []string{
	"#",
	"# This file contains a list of archive image files that will be requested by the ",
	"# RELEASE load version 9-4-2ES9",
	"#",
	"",
	"jar41sccp.9-4-2ES9.sbn",
	"cnu41.9-4-2ES9.sbn",
	"apps41.9-4-2ES9.sbn",
	"dsp41.9-4-2ES9.sbn ",
	"cvm41sccp.9-4-2ES9.sbn ",
}

var java41Files = []string{"jar41sccp.9-4-2ES9.sbn", "cnu41.9-4-2ES9.sbn", "apps41.9-4-2ES9.sbn", "dsp41.9-4-2ES9.sbn", "cvm41sccp.9-4-2ES9.sbn"}

// ciscoLayoutHeader builds a header byte for byte in the layout FACTS.md §1.3 dumps
// (other signer strings, zero signature), independent of WriteLoads.
func ciscoLayoutHeader(name string) []byte {
	h := []byte{0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x02, 0x00, 0x00}
	signer := []byte{}
	for _, part := range []struct {
		tag byte
		v   string
	}{{4, "CN=someSigner;OU=someOrgUnit;O=someOrg\x00"}, {5, "\x12\x34\x56\x78\x90\xab\xcd\xef"}, {6, "CN=someCA;OU=someOrgUnit;O=someOrg\x00"}} {
		signer = append(signer, part.tag, 0, byte(len(part.v)))
		signer = append(signer, part.v...)
	}
	h = append(h, 0x03, 0x00, byte(len(signer)))
	h = append(h, signer...)
	h = append(h, 0x07, 0x00, 0x0f, 0x08, 0x00, 0x01, 0x01, 0x09, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x01, 0x02, 0x0b, 0x00, 0x00)
	h = append(h, 0x0c, 0x01, 0x00)
	h = append(h, make([]byte, 256)...)
	h = append(h, 0x0e, 0x00, byte(len(name)+1))
	h = append(h, name...)
	h = append(h, 0, 0x0d, 0x0d, 0x0d)
	binary.BigEndian.PutUint16(h[8:], uint16(len(h)))
	return h
}

func crlf(lines []string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseLoads(t *testing.T) {
	sb2 := []string{"P0030801SR02.sbn", "P0030801SR02.sb2", "LA_VERSION=PAS30831"}
	hw := append([]string{"#", "#HARDWARE_COMP_1 1", "#HARDWARE_COMP_1 2", ""}, java41Files...)
	for _, c := range []struct {
		name   string
		data   []byte
		signed bool
		own    string
		files  []string
		meta   map[string]string
	}{
		{"cisco layout, CRLF, comments, trailing spaces", append(ciscoLayoutHeader("term41.default.loads"), crlf(java41Body)...),
			true, "term41.default.loads", java41Files, nil},
		{"plain CRLF", []byte(crlf(java41Body)), false, "", java41Files, nil},
		{"plain LF 7940 with LA_VERSION", []byte(strings.Join(sb2, "\n") + "\n"), false, "", sb2[:2], map[string]string{"LA_VERSION": "PAS30831"}},
		{"no final newline", []byte(strings.Join(sb2, "\n")), false, "", sb2[:2], map[string]string{"LA_VERSION": "PAS30831"}},
		{"signed 7940 LF", append(ciscoLayoutHeader("P0030801SR02.loads"), strings.Join(sb2, "\n")+"\n"...),
			true, "P0030801SR02.loads", sb2[:2], map[string]string{"LA_VERSION": "PAS30831"}},
		{"hardware lines", []byte(crlf(hw)), false, "", java41Files, map[string]string{"HARDWARE_COMP_1": "1,2"}},
		{"key spacing and tabs", []byte("\tfoo.sbn  \r\nKEY_2=a b \r\n  # comment = not meta\r\n"), false, "", []string{"foo.sbn"}, map[string]string{"KEY_2": "a b"}},
	} {
		m, err := ParseLoads(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if m.Signed != c.signed || m.Name != c.own || !slices.Equal(m.Files, c.files) || !maps.Equal(m.Meta, c.meta) {
			t.Errorf("%s: got %+v, want signed=%v name=%q files=%q meta=%v", c.name, m, c.signed, c.own, c.files, c.meta)
		}
	}
}

func TestParseLoadsBad(t *testing.T) {
	good := append(ciscoLayoutHeader("x.loads"), "a.sbn\r\n"...)
	beyond := bytes.Clone(good)
	binary.BigEndian.PutUint16(beyond[8:], 0xfff0)
	short := bytes.Clone(good)
	binary.BigEndian.PutUint16(short[8:], 6)
	overrun := bytes.Clone(good)
	overrun[12] = 0xff // signer tag length runs past the header
	for _, c := range []struct {
		name, data, want string
	}{
		{"empty", "", "lists no files"},
		{"only comments", "#\r\n# nothing\r\n", "lists no files"},
		{"binary garbage", "\x7fELF\x02\x01\x01garbage", "binary byte"},
		{"header length beyond the file", string(beyond), "beyond the end"},
		{"header length too short", string(short), "shorter than its own tags"},
		{"tag overruns", string(overrun), "runs past"},
		{"version tag only", "\x01\x00\x02\x01\x01", "no header-length tag"},
		{"cut short", "\x01\x00", "does not start with a version tag"},
		{"space inside a name", "apps41 9-4-2.sbn\n", "not a file name"},
		{"too large", strings.Repeat("a.sbn\n", maxManifestSize), "too large"},
	} {
		_, err := ParseLoads([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestWriteLoadsRoundTrip(t *testing.T) {
	for _, lineEnd := range []string{"\r\n", "\n"} {
		var b bytes.Buffer
		body := append(slices.Clone(java41Body), "LA_VERSION=PAS30830")
		if err := WriteLoads(&b, "SIP41.9-4-2SR3-1S.loads", body, lineEnd); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		hlen := int(binary.BigEndian.Uint16(data[8:]))
		if data[0] != 1 || data[5] != 2 || hlen%4 != 0 || hlen < 400 || hlen > 440 {
			t.Fatalf("header: tag %d, tag %d, length %d", data[0], data[3], hlen)
		}
		if want := strings.Join(body, lineEnd) + lineEnd; string(data[hlen:]) != want {
			t.Fatalf("body %q, want %q", data[hlen:], want)
		}
		if bytes.Contains(data, []byte("Cisco Systems")) {
			t.Fatal("header carries a Cisco name")
		}
		m, err := ParseLoads(data)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Signed || m.Name != "SIP41.9-4-2SR3-1S.loads" || !slices.Equal(m.Files, java41Files) || m.Meta["LA_VERSION"] != "PAS30830" {
			t.Fatalf("round trip: %+v", m)
		}
	}
}

// FuzzParseLoads: no input may panic; what parses has sane files, and what WriteLoads
// writes from them parses back the same.
func FuzzParseLoads(f *testing.F) {
	var signed bytes.Buffer
	_ = WriteLoads(&signed, "term41.default.loads", java41Body, "\r\n")
	f.Add(signed.Bytes())
	f.Add(append(ciscoLayoutHeader("P0030801SR02.loads"), "P0030801SR02.sbn\nP0030801SR02.sb2\nLA_VERSION=PAS30831\n"...))
	f.Add([]byte(crlf(java41Body)))
	f.Add([]byte("#HARDWARE_COMP_1 5\r\na.sbn\r\n"))
	f.Add([]byte{1, 0, 2, 1, 1, 2, 0, 2, 0, 9, 13, 13, 'a', '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseLoads(data)
		if err != nil {
			return
		}
		if len(m.Files) == 0 {
			t.Fatal("parsed with no files")
		}
		for _, name := range m.Files {
			if name == "" || name[0] == '#' || strings.ContainsAny(name, " \t\r\n") {
				t.Fatalf("bad file name %q", name)
			}
		}
		var b bytes.Buffer
		if err := WriteLoads(&b, "fuzz.loads", m.Files, "\r\n"); err != nil {
			t.Fatal(err)
		}
		back, err := ParseLoads(b.Bytes())
		if err != nil || !slices.Equal(back.Files, m.Files) {
			t.Fatalf("round trip of %q: %+v %v", m.Files, back, err)
		}
	})
}
