package sim

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"net"
	"regexp"
	"strconv"
	"strings"

	"phoneflash/upgrade"
)

// How the phone reads the files it is served, written from the phone's side
// (FACTS.md §1.4, §7) and apart from the code that writes them: a config the writer
// gets wrong is one this reader does not understand, and the virtual phone then
// fails the way the real one would.

var loadInfoTag = regexp.MustCompile(`^(?i:loadInformation)(\d*)$`)

// loadInformation is the load an XML config names for this model: the element with the
// model's own number (<loadInformation7> on a 7960), one whose model attribute names it
// ("IP Phone 7960", "Cisco 7962"), or a plain <loadInformation> (a SEP file). "" when
// none does. The phone is forgiving about XML: a syntax error keeps what was read.
func loadInformation(data []byte, m upgrade.Model) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	own, named, plain := "", "", ""
	var cur *string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = nil
			g := loadInfoTag.FindStringSubmatch(t.Name.Local)
			if g == nil {
				continue
			}
			switch {
			case g[1] != "" && ownNumber(m, g[1]):
				cur = &own
			case g[1] == "" && namesModel(t.Attr, m):
				cur = &named
			case g[1] == "" && !hasModelAttr(t.Attr):
				cur = &plain
			}
		case xml.CharData:
			if cur != nil && *cur == "" {
				*cur = firstToken(string(t))
			}
		case xml.EndElement:
			cur = nil
		}
	}
	for _, v := range []string{own, named, plain} {
		if v != "" {
			return v
		}
	}
	return ""
}

func ownNumber(m upgrade.Model, n string) bool {
	id, err := strconv.Atoi(n)
	if err != nil {
		return false
	}
	for _, x := range m.XMLIDs {
		if x.ID == id {
			return true
		}
	}
	return false
}

var digits = regexp.MustCompile(`\d{4}`)

func namesModel(attrs []xml.Attr, m upgrade.Model) bool {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, "model") {
			for _, n := range digits.FindAllString(a.Value, -1) {
				if n == m.Name {
					return true
				}
			}
		}
	}
	return false
}

func hasModelAttr(attrs []xml.Attr) bool {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, "model") {
			return true
		}
	}
	return false
}

// imageVersion reads `image_version: "P0S3-8-12-00"` from a SIP .cnf (lines of
// `name: value ; comment`, the value quoted or not, FACTS.md §7).
func imageVersion(cnf []byte) (string, bool) {
	v, ok := cnfValue(cnf, "image_version")
	v = firstToken(v)
	return v, ok && v != ""
}

// firstToken is a load name as a phone reads it out of a value: up to the first space
// or line break (a name never holds one).
func firstToken(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// cnfValue is the last value a SIP .cnf gives name (later lines override earlier ones).
func cnfValue(cnf []byte, name string) (string, bool) {
	var val string
	found := false
	sc := bufio.NewScanner(bytes.NewReader(cnf))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, ";#"); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), name) {
			continue
		}
		val, found = strings.Trim(strings.TrimSpace(v), `"`), true
	}
	return val, found
}

// selectorImage is the image OS79XX.TXT names: its first line, spaces dropped.
func selectorImage(data []byte) string {
	return firstToken(strings.TrimRight(string(data), "\x00"))
}

// macDigits is the MAC as phones write it in file names: 12 upper-case hex digits.
func macDigits(mac net.HardwareAddr) string { return strings.ToUpper(hex.EncodeToString(mac)) }

// sameFile compares names as a TFTP server resolves them: any case, a leading "/" or
// "./" dropped.
func sameFile(a, b string) bool { return a != "" && strings.EqualFold(serverName(a), serverName(b)) }

// serverName is the name as a server resolves it. It repeats upgrade's request
// trimming on purpose: the virtual phone judges phoneflash from outside, so it shares
// none of its code for what the phone sees (a test holds the two to the same reading).
func serverName(n string) string {
	n = strings.TrimRight(n, "\x00 ")
	for {
		switch {
		case strings.HasPrefix(n, "/"):
			n = n[1:]
		case strings.HasPrefix(n, "./"):
			n = n[2:]
		default:
			return n
		}
	}
}
