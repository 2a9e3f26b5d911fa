package firmware

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Manifest is what a .loads file says: the files a phone requests for the load, in
// order, and the KEY=VALUE lines (LA_VERSION on 7940/7960) and #HARDWARE_COMP lines.
type Manifest struct {
	Name   string            // tag-14 own name of a signed file ("term41.default.loads"); "" when plain or absent
	Signed bool              // the file starts with a signed-file header (FACTS.md §1.3)
	Files  []string          // the files the phone requests, in order
	Meta   map[string]string // LA_VERSION=PAS30831 -> "LA_VERSION": "PAS30831"; "#HARDWARE_COMP_1 5" -> "HARDWARE_COMP_1": "5"; nil if none
}

// Tags of the signed-file header (FACTS.md §1.3; usecallmanagernz/certutils sgnfile).
const (
	tagVersion   = 1
	tagHeaderLen = 2
	tagSigner    = 3
	tagSignerCN  = 4
	tagSerial    = 5
	tagCA        = 6
	tagSigInfo   = 7
	tagSignature = 12
	tagPadding   = 13 // one byte, no length
	tagFileName  = 14
)

// maxManifestSize bounds what is read as a .loads (real ones are under 1 KB).
const maxManifestSize = 64 << 10

var (
	metaLine     = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)=(.*)$`)
	hardwareLine = regexp.MustCompile(`^#\s*(HARDWARE_COMP_[0-9A-Za-z_]*)\s+(.*)$`)
)

// ParseLoads reads a .loads file: a signed header (its length in tag 2, own name in
// tag 14) followed by a text body, or a plain text body. Body lines are trimmed
// (CRLF, trailing spaces); '#' lines are comments except #HARDWARE_COMP lines, which
// go to Meta with the KEY=VALUE lines; every other line names a file.
func ParseLoads(data []byte) (Manifest, error) {
	var m Manifest
	if len(data) > maxManifestSize {
		return m, fmt.Errorf("%d bytes is too large for a .loads file", len(data))
	}
	body := data
	if len(data) > 0 && data[0] == tagVersion {
		hlen, name, err := parseSignedHeader(data)
		if err != nil {
			return m, fmt.Errorf("signed header: %w", err)
		}
		m.Signed, m.Name, body = true, name, data[hlen:]
	}
	for i, c := range body {
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c > 0x7e {
			return m, fmt.Errorf("not a .loads file: binary byte 0x%02x at offset %d of the body", c, i)
		}
	}
	for n, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			if kv := hardwareLine.FindStringSubmatch(line); kv != nil {
				m.addMeta(kv[1], strings.TrimSpace(kv[2]))
			}
		case metaLine.MatchString(line):
			kv := metaLine.FindStringSubmatch(line)
			m.addMeta(kv[1], strings.TrimSpace(kv[2]))
		case strings.ContainsAny(line, " \t\r"):
			return m, fmt.Errorf("line %d: %q is not a file name", n+1, line)
		default:
			m.Files = append(m.Files, line)
		}
	}
	if len(m.Files) == 0 {
		return m, fmt.Errorf("lists no files")
	}
	return m, nil
}

// addMeta records key=value; a repeated key keeps every value, comma-separated.
func (m *Manifest) addMeta(key, value string) {
	if m.Meta == nil {
		m.Meta = map[string]string{}
	}
	if old, ok := m.Meta[key]; ok {
		value = old + "," + value
	}
	m.Meta[key] = value
}

// parseSignedHeader walks the TLVs up to the header length and returns it with the
// tag-14 file name.
func parseSignedHeader(data []byte) (hlen int, name string, err error) {
	tlv := func(pos int) (tag byte, value []byte, next int, err error) {
		if pos+3 > len(data) {
			return 0, nil, 0, fmt.Errorf("tag at offset %d is cut short", pos)
		}
		l := int(binary.BigEndian.Uint16(data[pos+1:]))
		if pos+3+l > len(data) {
			return 0, nil, 0, fmt.Errorf("tag %d at offset %d runs past the end of the file", data[pos], pos)
		}
		return data[pos], data[pos+3 : pos+3+l], pos + 3 + l, nil
	}
	tag, v, pos, err := tlv(0)
	if err != nil || tag != tagVersion || len(v) != 2 {
		return 0, "", fmt.Errorf("does not start with a version tag")
	}
	tag, v, pos, err = tlv(pos)
	if err != nil || tag != tagHeaderLen || len(v) != 2 {
		return 0, "", fmt.Errorf("no header-length tag after the version")
	}
	hlen = int(binary.BigEndian.Uint16(v))
	if hlen > len(data) {
		return 0, "", fmt.Errorf("header length %d is beyond the end of the file (%d bytes)", hlen, len(data))
	}
	if hlen < pos {
		return 0, "", fmt.Errorf("header length %d is shorter than its own tags", hlen)
	}
	for pos < hlen {
		if data[pos] == tagPadding {
			pos++
			continue
		}
		if tag, v, pos, err = tlv(pos); err != nil {
			return 0, "", err
		}
		if pos > hlen {
			return 0, "", fmt.Errorf("tag %d runs past the header length %d", tag, hlen)
		}
		if tag == tagFileName {
			name = string(bytes.TrimRight(v, "\x00"))
		}
	}
	return hlen, name, nil
}

// WriteLoads writes a .loads file with a signed-STYLE header (tags 1, 2, 3 with 4-6,
// 7 with 8-b, 12, 14 and 13 padding, laid out like Cisco's) and the body lines, each
// ended by lineEnd ("\r\n" for Java phones, "\n" for 7940/7960). Tag 12 holds a fixed
// pattern, not a signature: the files are for tests and the demo, no Cisco bytes.
func WriteLoads(w io.Writer, name string, body []string, lineEnd string) error {
	if len(name) > 1024 {
		return fmt.Errorf("write %s: name too long for a header", name)
	}
	header := slices.Concat(
		tlv(tagVersion, []byte{1, 1}),
		tlv(tagHeaderLen, []byte{0, 0}), // filled in below
		tlv(tagSigner,
			tlv(tagSignerCN, []byte("CN=phoneflash;OU=synthetic;O=not Cisco\x00")),
			tlv(tagSerial, []byte("phonefla")),
			tlv(tagCA, []byte("CN=phoneflash test CA;OU=synthetic;O=not Cisco\x00"))),
		tlv(tagSigInfo, tlv(8, []byte{1}), tlv(9, []byte{2}), tlv(10, []byte{2}), tlv(11)),
		tlv(tagSignature, bytes.Repeat([]byte("NOT A SIGNATURE "), 16)),
		tlv(tagFileName, []byte(name), []byte{0}),
		[]byte{tagPadding})
	for len(header)%4 != 0 {
		header = append(header, tagPadding)
	}
	binary.BigEndian.PutUint16(header[8:], uint16(len(header)))
	var b bytes.Buffer
	b.Write(header)
	for _, line := range body {
		b.WriteString(line)
		b.WriteString(lineEnd)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// tlv encodes one header tag: tag byte, big-endian 16-bit length, value.
func tlv(tag byte, value ...[]byte) []byte {
	v := slices.Concat(value...)
	return append(binary.BigEndian.AppendUint16([]byte{tag}, uint16(len(v))), v...)
}
