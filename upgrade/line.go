package upgrade

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"phoneflash/firmware"
)

// DefaultSIPPort is the registrar port when none is given (FACTS.md §11.1 proxy1_port).
const DefaultSIPPort = 5060

// maxLineValue bounds name, authName and authPassword: a project rule with no public
// source [U] (FACTS.md §11.2; a 7941 is reported to take 8 password characters and a
// 7942 12 [S]). The same bound is kept for the display name and the label, whose
// limits are not documented at all [U].
const maxLineValue = 30

// LineSettings is line 1 of a phone leaving the bench on SIP: what it needs to register
// with an Asterisk or FreePBX (FACTS.md §11). Password is a secret: it is written only
// into the one phone's config (served to that phone alone) and never printed: String
// and JSON leave it out.
type LineSettings struct {
	Registrar string `json:"registrar"`           // host or IPv4 address, optionally :port
	User      string `json:"user"`                // the extension: line1_name / <name>
	AuthUser  string `json:"auth_user,omitempty"` // "" = User (the extension, as FreePBX expects)
	Password  string `json:"-"`
	Display   string `json:"display,omitempty"` // shown on the phone and sent as the caller's name
	Label     string `json:"label,omitempty"`   // the text at the top of the screen
}

// LineError is a line setting that cannot be written: Field names the setting
// ("registrar", "user", "auth-user", "password", "display", "label"), so that a front end
// can point at its own flag or form field. Its text never holds the password.
type LineError struct {
	Field string
	Msg   string
}

func (e *LineError) Error() string { return e.Field + ": " + e.Msg }

// Line fields, as LineError names them.
const (
	LineRegistrar = "registrar"
	LineUser      = "user"
	LineAuthUser  = "auth-user"
	LinePassword  = "password"
	LineDisplay   = "display"
	LineLabel     = "label"
)

// Empty reports whether no setting is given: no line is written.
func (l LineSettings) Empty() bool { return l == LineSettings{} }

// String names the line without its password: "1001 at 192.0.2.50:5060".
func (l LineSettings) String() string {
	host, port, err := l.Proxy()
	if err != nil {
		return l.User + " at " + l.Registrar
	}
	return fmt.Sprintf("%s at %s", l.User, net.JoinHostPort(host, strconv.Itoa(port)))
}

// GoString keeps %#v from printing the password too.
func (l LineSettings) GoString() string {
	return "upgrade.LineSettings{" + strconv.Quote(l.String()) + "}"
}

// Written is what the session report and the Done screen say once the line went into
// a phone's config: "line 1001 written".
func (l LineSettings) Written() string { return "line " + l.User + " written" }

// Auth is the user name that answers the registrar's challenge: AuthUser, or the
// extension.
func (l LineSettings) Auth() string {
	if l.AuthUser != "" {
		return l.AuthUser
	}
	return l.User
}

// Proxy is the registrar's host and port (DefaultSIPPort when none is given).
func (l LineSettings) Proxy() (string, int, error) {
	return parseRegistrar(l.Registrar)
}

// Validate says, before anything is served, why the settings cannot go into a phone's
// config: the registrar and the extension are needed together; no value may hold what
// a .cnf line cannot carry (a double quote, ';', '#', a control character: FACTS.md
// §11.1 [I]); values are printable ASCII, at most maxLineValue characters [U]; the
// label has no spaces (FACTS.md §11.2 [U]); the registrar is an IPv4 address or a host
// name, with an optional port. Each error is a *LineError.
func (l LineSettings) Validate() error {
	if l.Empty() {
		return nil
	}
	if strings.TrimSpace(l.Registrar) == "" {
		return &LineError{LineRegistrar, "missing: the line needs the address of the Asterisk or FreePBX it registers with"}
	}
	if l.User == "" {
		return &LineError{LineUser, "missing: the line needs its extension, e.g. 1001"}
	}
	if _, _, err := l.Proxy(); err != nil {
		return &LineError{LineRegistrar, err.Error()}
	}
	for _, f := range []struct {
		field, value string
		user         bool // a SIP user part: no spaces or punctuation a URI would need escaped
	}{
		{LineUser, l.User, true}, {LineAuthUser, l.AuthUser, true}, {LinePassword, l.Password, false},
		{LineDisplay, l.Display, false}, {LineLabel, l.Label, false},
	} {
		if err := checkLineValue(f.field, f.value, f.user); err != nil {
			return err
		}
	}
	if strings.Contains(l.Label, " ") {
		return &LineError{LineLabel, "has a space: 7900-series phones are reported to refuse a label with spaces; use e.g. Bench-1001"}
	}
	return nil
}

// checkLineValue checks one value; the message never quotes a password.
func checkLineValue(field, v string, user bool) error {
	bad := func(msg string) error { return &LineError{field, msg} }
	switch {
	case len(v) > maxLineValue:
		return bad(fmt.Sprintf("is %d characters long: at most %d", len(v), maxLineValue))
	case strings.TrimSpace(v) != v:
		return bad("starts or ends with a space: the phone would drop it")
	}
	for _, c := range v {
		switch {
		case c == '"' || c == ';' || c == '#':
			return bad(fmt.Sprintf("has a %q, which a SIP .cnf file cannot carry (it ends the value or starts a comment)", c))
		case c < 0x20 || c == 0x7f:
			return bad("has a line break or another control character")
		case c > 0x7e:
			return bad("has a character outside plain ASCII, which the phone's config files may not carry")
		case user && !isUserChar(c):
			return bad(fmt.Sprintf("has a %q: use letters, digits and . _ - + ~ only", c))
		}
	}
	return nil
}

// isUserChar is a character of a SIP user part that needs no escaping (RFC 3261
// "unreserved", without the marks a .cnf or a dial plan might read otherwise).
func isUserChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+~", c)
}

// parseRegistrar reads "HOST[:PORT]": an IPv4 address or a host name, port 1-65535
// (DefaultSIPPort when none).
func parseRegistrar(s string) (string, int, error) {
	host, port := strings.TrimSpace(s), DefaultSIPPort
	if h, p, err := net.SplitHostPort(host); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, fmt.Errorf("port %q: want 1 to 65535 (5060 by default)", p)
		}
		host, port = h, n
	} else if strings.Contains(host, ":") {
		return "", 0, fmt.Errorf("%q is not HOST or HOST:PORT (IPv6 is not offered: these phones' SIP speaks IPv4)", s)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() {
			return "", 0, fmt.Errorf("%s is not an IPv4 address", host)
		}
		if a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return "", 0, fmt.Errorf("%s is no registrar's address", host)
		}
		return host, port, nil
	}
	if err := checkHostName(host); err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// checkHostName accepts a DNS host name (RFC 1123 labels); a name of digits and dots
// only is a mistyped address, not a name.
func checkHostName(h string) error {
	if h == "" {
		return errors.New("missing: give the registrar's address or host name, e.g. 192.0.2.50 or pbx.example.net")
	}
	if len(h) > 253 {
		return fmt.Errorf("%.40q… is longer than a host name can be", h)
	}
	numeric := true
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q is neither an IPv4 address nor a host name", h)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is neither an IPv4 address nor a host name", h)
			}
			numeric = numeric && c >= '0' && c <= '9'
		}
	}
	if numeric {
		return fmt.Errorf("%q is not an IPv4 address (four numbers 0-255, e.g. 192.0.2.50)", h)
	}
	return nil
}

// SetLine gives the plan the line its SIP target writes (nil: none). The settings must
// be valid, and the plan's target a SIP load: an SCCP phone has no use for them.
func (p *Plan) SetLine(l *LineSettings) error {
	if l == nil || l.Empty() {
		p.Line = nil
		return nil
	}
	if err := l.Validate(); err != nil {
		return err
	}
	if n := len(p.Steps); n > 0 && p.Steps[n-1].Protocol != "" && p.Steps[n-1].Protocol != firmware.SIP {
		return &LineError{LineRegistrar, fmt.Sprintf("the target %s is %s: a SIP line is written only for a SIP load", p.To, p.Steps[n-1].Protocol)}
	}
	c := *l
	p.Line = &c
	p.Hints = slices.DeleteFunc(p.Hints, func(h string) bool { return h == unprovisionedHint })
	return nil
}
