package firmware

import (
	"fmt"
	"strings"
)

// oddNames are 7940/7960 load names that do not follow the P003MMmmbbss pattern
// (FACTS.md §1.1): the last SCCP release drops its build number from the name.
var oddNames = map[string]string{
	"P0030801SR02": "8.1(2)SR2",
}

// javaProtocols maps the prefix of a Java load name to its protocol. TERM loads
// (7.x and older, e.g. TERM41.7-0-3-0S) were SCCP only.
var javaProtocols = map[string]Protocol{"SCCP": SCCP, "SIP": SIP, "MGCP": MGCP, "TERM": SCCP}

// ParseID reads family, protocol and version from a load ID alone (a phone's current
// load is often not on disk). A trailing ".loads" or ".bin" is ignored; case is not
// significant. Forms: "SIP41.9-4-2SR3-1S" (7941/7961 SIP 9.4(2)SR3), "SCCP70.8-5-2S",
// "TERM41.7-0-3-0S", "P00308000900" (7940/7960 SCCP 8.0(9)), "P00303010102" (3.1(1.2)),
// "P0030801SR02" (8.1(2)SR2), "P0S3-8-12-00" (SIP 8.12), "P0S3-08-11-00", "P0M3-…" (MGCP).
func ParseID(id string) (Family, Protocol, Version, error) {
	f, p, v, err := parseID(id)
	if err != nil {
		return "", "", Version{}, fmt.Errorf("load name %q: %w", id, err)
	}
	return f, p, v, nil
}

func parseID(id string) (Family, Protocol, Version, error) {
	u := strings.ToUpper(id)
	u = strings.TrimSuffix(strings.TrimSuffix(u, ".LOADS"), ".BIN")
	if strings.HasPrefix(u, "P0") {
		p, v, err := parseLegacyID(u)
		return Family7940, p, v, err
	}
	dot := strings.IndexByte(u, '.')
	if dot < 2 {
		return "", "", Version{}, fmt.Errorf("not a load name (want e.g. SIP41.9-4-2SR3-1S or P00308000900)")
	}
	prefix, code := u[:dot-2], u[dot-2:dot]
	proto, ok := javaProtocols[prefix]
	if !ok {
		return "", "", Version{}, fmt.Errorf("unknown prefix %q (want SCCP, SIP or TERM before the model code)", prefix)
	}
	fam, ok := familyByCode(code)
	if !ok {
		return "", "", Version{}, fmt.Errorf("model code %q is not a family phoneflash knows", code)
	}
	v, rest, err := parseVersionNumbers(u[dot+1:], '-')
	if err != nil {
		return "", "", Version{}, err
	}
	// What may follow: a build sequence ("-1", not part of the release number) and
	// the "S" of a signed load.
	if strings.HasPrefix(rest, "-") {
		if _, r, err := leadingNumber(rest[1:]); err == nil {
			rest = r
		}
	}
	if rest != "" && rest != "S" {
		return "", "", Version{}, fmt.Errorf("unexpected %q after the version", rest)
	}
	return fam, proto, v, nil
}

// parseLegacyID reads a 7940/7960 name: P003MMmmbbss (SCCP), P0S3-MM-m-bb (SIP),
// P0M3-MM-m-bb (MGCP), or one of the oddNames.
func parseLegacyID(u string) (Protocol, Version, error) {
	if s, ok := oddNames[u]; ok {
		v, err := ParseVersion(s)
		return SCCP, v, err
	}
	if len(u) < 5 || u[3] != '3' {
		return "", Version{}, fmt.Errorf("not a 7940/7960 load name (want P003…, P0S3-… or P0M3-…)")
	}
	if u[4] == '-' {
		var p Protocol
		switch u[2] {
		case 'S':
			p = SIP
		case 'M':
			p = MGCP
		default:
			return "", Version{}, fmt.Errorf("a loader image (P003-…), not a load: its load is named P0S3-… or P0M3-…")
		}
		v, rest, err := parseVersionNumbers(u[5:], '-')
		if err == nil && (rest != "" || v.nbuild != 1 || v.service != "") {
			err = fmt.Errorf("want P0%c3-MM-m-bb", u[2])
		}
		if err != nil {
			return "", Version{}, err
		}
		if v.build[0] == 0 { // P0S3-8-12-00 is plain 8.12
			v.nbuild = 0
		}
		return p, v, nil
	}
	digits := u[4:]
	if u[2] != '0' || len(digits) != 8 || strings.Trim(digits, "0123456789") != "" {
		return "", Version{}, fmt.Errorf("want P003 and 8 digits (P00308000900), P0S3-MM-m-bb or P0M3-MM-m-bb")
	}
	n := func(i int) int { return int(digits[i]-'0')*10 + int(digits[i+1]-'0') }
	v := Version{major: n(0), minor: n(2), build: [3]int{n(4), n(6)}, nbuild: 2}
	if v.build[1] == 0 { // P00308000900 is 8.0(9), P00303010102 is 3.1(1.2)
		v.nbuild = 1
	}
	return SCCP, v, nil
}
