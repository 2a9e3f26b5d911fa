package firmware

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Version is a firmware release number as Cisco writes it: "8.5(2)", "9.4(2)SR3",
// "3.1(1.2)", "8.12". Versions order correctly within a family: 8.3(3) < 8.5(2) <
// 9.4(2)SR3 and 3.1(1.2) < 5.0(5) < 8.0(9) < 8.1(2)SR2. The zero Version means unknown.
// Versions are comparable with ==.
type Version struct {
	major, minor int
	build        [3]int // the numbers in parentheses: 8.5(2) -> 2; 3.1(1.2) -> 1, 2
	nbuild       int    // how many of build are set; 0 for "8.12"
	service      string // "SR", "ES", "TH" (upper case); "" for a plain release
	serviceNum   int    // 3 in "SR3"
}

// maxVersionNumber bounds each number so that hostile input cannot overflow.
const maxVersionNumber = 9999

// ParseVersion reads the canonical form ("8.5(2)", "9.4(2)SR3", "3.1(1.2)", "8.12",
// "8.0(9)"); the service letters may be any case.
func ParseVersion(s string) (Version, error) {
	v, rest, err := parseVersionNumbers(s, '.')
	if err == nil && rest != "" {
		err = fmt.Errorf("unexpected %q", rest)
	}
	if err != nil {
		return Version{}, fmt.Errorf("version %q: %w (want a form like 8.5(2), 9.4(2)SR3 or 8.12)", s, err)
	}
	return v, nil
}

// parseVersionNumbers reads MAJOR sep MINOR, then either "(N[.N[.N]])" (sep '.') or
// sep N (sep '-', the form inside load names: "9-4-2SR3"), then an optional service
// suffix. It returns what follows.
func parseVersionNumbers(s string, sep byte) (Version, string, error) {
	var v Version
	var err error
	if v.major, s, err = leadingNumber(s); err != nil {
		return Version{}, s, fmt.Errorf("major number: %w", err)
	}
	if s == "" || s[0] != sep {
		return Version{}, s, fmt.Errorf("no %q after the major number", sep)
	}
	if v.minor, s, err = leadingNumber(s[1:]); err != nil {
		return Version{}, s, fmt.Errorf("minor number: %w", err)
	}
	switch {
	case sep == '.' && strings.HasPrefix(s, "("):
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return Version{}, s, fmt.Errorf("no closing parenthesis")
		}
		for part := range strings.SplitSeq(s[1:end], ".") {
			if v.nbuild == len(v.build) {
				return Version{}, s, fmt.Errorf("more than %d build numbers", len(v.build))
			}
			n, rest, err := leadingNumber(part)
			if err != nil || rest != "" {
				return Version{}, s, fmt.Errorf("build number %q is not a number", part)
			}
			v.build[v.nbuild] = n
			v.nbuild++
		}
		s = s[end+1:]
	case sep == '-' && strings.HasPrefix(s, "-"):
		if v.build[0], s, err = leadingNumber(s[1:]); err != nil {
			return Version{}, s, fmt.Errorf("build number: %w", err)
		}
		v.nbuild = 1
	}
	letters := 0
	for letters < len(s) && letters < 4 && isLetter(s[letters]) {
		letters++
	}
	// Letters are a service release only with a number after them ("SR3"); the "S"
	// that ends a signed load name is left to the caller.
	if letters > 0 {
		if num, rest, err := leadingNumber(s[letters:]); err == nil {
			v.service, v.serviceNum, s = strings.ToUpper(s[:letters]), num, rest
		}
	}
	return v, s, nil
}

// leadingNumber splits a decimal number (at most 4 digits) off the front of s.
func leadingNumber(s string) (int, string, error) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, s, fmt.Errorf("missing number")
	}
	v, err := strconv.Atoi(s[:n])
	if err != nil || v > maxVersionNumber {
		return 0, s, fmt.Errorf("number %q too large", s[:n])
	}
	return v, s[n:], nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// String gives the canonical form, "9.4(2)SR3"; "" for the zero Version.
func (v Version) String() string {
	if v.IsZero() {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d.%d", v.major, v.minor)
	if v.nbuild > 0 {
		b.WriteByte('(')
		for i := range v.nbuild {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strconv.Itoa(v.build[i]))
		}
		b.WriteByte(')')
	}
	if v.service != "" {
		fmt.Fprintf(&b, "%s%d", v.service, v.serviceNum)
	}
	return b.String()
}

// IsZero reports whether v is the unknown version.
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, the same as or newer than w. A
// missing build number sorts before any (8.12 < 8.12(1)); a plain release before its
// service releases (8.1(2) < 8.1(2)SR2).
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.major, w.major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.minor, w.minor); c != 0 {
		return c
	}
	for i := range max(v.nbuild, w.nbuild) {
		if c := cmp.Compare(v.buildAt(i), w.buildAt(i)); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(v.service, w.service); c != 0 {
		return c // "" sorts first
	}
	return cmp.Compare(v.serviceNum, w.serviceNum)
}

func (v Version) buildAt(i int) int {
	if i < v.nbuild {
		return v.build[i]
	}
	return -1
}

// MarshalText writes the canonical form (JSON gives "9.4(2)SR3").
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads the canonical form; "" gives the zero Version.
func (v *Version) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*v = Version{}
		return nil
	}
	p, err := ParseVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
