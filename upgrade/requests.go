package upgrade

import (
	"fmt"
	"regexp"
	"strings"
)

// Names of the files phoneflash generates (FACTS.md §1.4, §2, §7).
const (
	XMLDefaultName = "XMLDefault.cnf.xml"
	OS79XXName     = "OS79XX.TXT"
	SIPDefaultName = "SIPDefault.cnf"
)

// RequestKind says what a requested file is to the phone.
type RequestKind int

// Request kinds, from the phone's point of view.
const (
	ReqOther         RequestKind = iota // nothing we recognise
	ReqSecurity                         // CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv, ITLFile.tlv: trust lists, absent without CUCM
	ReqDeviceConfig                     // SEP<MAC>.cnf.xml, SIP<MAC>.cnf, gk<MAC>: this phone's own config
	ReqDefaultConfig                    // XMLDefault.cnf.xml, SIPDefault.cnf, SEPDefault.cnf(.xml)
	ReqSelector                         // OS79XX.TXT: the 7940/7960 image selector
	ReqDefaultLoads                     // termNN.default.loads: a Java phone after a factory reset
	ReqLoadManifest                     // <load>.loads
	ReqLoadImage                        // .sbn/.sb2/.bin/.sgn: the files a manifest lists
	ReqLocale                           // locale jars, tones, dictionaries, fonts
	ReqDialplan                         // dialplan.xml (the name in <dialTemplate> / dial_template)
	ReqRingList                         // RINGLIST.DAT/.XML, DISTINCTIVERINGLIST.XML, ringtones
	ReqDesktop                          // Desktops/<size>/List.xml and backgrounds
)

var kindNames = [...]string{
	ReqOther: "other", ReqSecurity: "security file", ReqDeviceConfig: "device config",
	ReqDefaultConfig: "default config", ReqSelector: "image selector", ReqDefaultLoads: "default loads",
	ReqLoadManifest: "load manifest", ReqLoadImage: "load image", ReqLocale: "locale file",
	ReqDialplan: "dial plan", ReqRingList: "ring list", ReqDesktop: "desktop image",
}

func (k RequestKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("RequestKind(%d)", int(k))
	}
	return kindNames[k]
}

// ExpectedMiss reports whether "file not found" for this kind is normal on a bench
// without CUCM (FACTS.md §2.1, §2.2: security files, a missing SEP file before the
// XMLDefault fallback, locale and ring files, the dial plan).
func (k RequestKind) ExpectedMiss() bool {
	switch k {
	case ReqSecurity, ReqDeviceConfig, ReqLocale, ReqDialplan, ReqRingList, ReqDesktop:
		return true
	}
	return false
}

// classifiers: first match wins, so the specific patterns come before the generic ones.
// Case-insensitive everywhere: phones and firmware disagree on case (FACTS.md §2.3).
var classifiers = []struct {
	re   *regexp.Regexp
	kind RequestKind
}{
	{regexp.MustCompile(`(?i)^(?:CTLSEP[0-9A-F]{12}|ITLSEP[0-9A-F]{12}|ITLFile|CTLFile)\.tlv$`), ReqSecurity},
	{regexp.MustCompile(`(?i)^(?:SEP[0-9A-F]{12}\.cnf\.xml|SIP[0-9A-F]{12}\.cnf|gk[0-9A-F]{12})$`), ReqDeviceConfig},
	{regexp.MustCompile(`(?i)^(?:XMLDefault\.cnf\.xml|SIPDefault\.cnf|SEPDefault\.cnf(?:\.xml)?)$`), ReqDefaultConfig},
	{regexp.MustCompile(`(?i)^OS79XX\.TXT$`), ReqSelector},
	{regexp.MustCompile(`(?i)^term\d\d\.default\.loads$`), ReqDefaultLoads},
	{regexp.MustCompile(`(?i)\.loads$`), ReqLoadManifest},
	{regexp.MustCompile(`(?i)\.(?:sbn|sb2|bin|sgn|zz\.sgn)$`), ReqLoadImage},
	{regexp.MustCompile(`(?i)^(?:Desktops/)`), ReqDesktop},
	{regexp.MustCompile(`(?i)^(?:dialplan\.xml|dial\w*\.xml)$`), ReqDialplan},
	{regexp.MustCompile(`(?i)(?:^|/)(?:RINGLIST\.(?:DAT|XML)|DISTINCTIVERINGLIST\.XML)$|\.raw$`), ReqRingList},
	{regexp.MustCompile(`(?i)\.jar$|-tones\.xml$|dictionary[^/]*\.xml$|-font\.xml$|-kate[^/]*\.xml$|\.properties$`), ReqLocale},
}

// trimRequest drops what phones add around a name: a leading '/' or '\' (79x2 SIP asks
// "/mk-sip.jar"), a leading "./" (a SIP 7960 asks "./SIP<MAC>.cnf", from SIPDefault.cnf's
// tftp_cfg_dir), backslashes, trailing NULs and spaces (FACTS.md §2.3, §3, §10).
func trimRequest(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	for {
		switch {
		case strings.HasPrefix(n, "/"):
			n = n[1:]
		case strings.HasPrefix(n, "./"):
			n = n[2:]
		default:
			return strings.TrimRight(n, "\x00 \t\r\n")
		}
	}
}

// SameRequest reports whether two names mean the same file to a phone: any case, a
// leading '/' or '\', trailing NULs and spaces ignored.
func SameRequest(a, b string) bool { return strings.EqualFold(trimRequest(a), trimRequest(b)) }

// Classify says what a requested file is. It accepts names as phones send them.
func Classify(name string) RequestKind {
	n := trimRequest(name)
	for _, c := range classifiers {
		if c.re.MatchString(n) {
			return c.kind
		}
	}
	return ReqOther
}

// sepDefault is the old 7940/7960 default config: asked for, never needed once
// OS79XX.TXT names the image (FACTS.md §2.2 [S]).
var sepDefault = regexp.MustCompile(`(?i)^SEPDefault\.cnf(?:\.xml)?$`)

// ExpectedMiss reports whether "file not found" for this request is normal: CTLSEP*,
// ITLSEP*, ITLFile.tlv, SEP<MAC>.cnf.xml before the XMLDefault fallback, SEPDefault.cnf,
// locale files, ring lists, the dial plan.
func ExpectedMiss(name string) bool {
	return Classify(name).ExpectedMiss() || sepDefault.MatchString(trimRequest(name))
}

// IsConfig reports whether the request is a configuration file a phone reads to learn
// its load: its own SEP/SIP file, a default config, or OS79XX.TXT.
func IsConfig(name string) bool {
	switch Classify(name) {
	case ReqDeviceConfig, ReqDefaultConfig, ReqSelector:
		return true
	}
	return false
}

// IsLoadFile reports whether the request is part of a load: a .loads manifest, a
// termNN.default.loads, or an image it lists.
func IsLoadFile(name string) bool {
	switch Classify(name) {
	case ReqLoadManifest, ReqDefaultLoads, ReqLoadImage:
		return true
	}
	return false
}

// DefaultLoadsTerm returns "term41" for a request of term41.default.loads (any case).
func DefaultLoadsTerm(name string) (string, bool) {
	n := trimRequest(name)
	if Classify(n) != ReqDefaultLoads {
		return "", false
	}
	return strings.ToLower(n[:len("termNN")]), true
}

var macInName = regexp.MustCompile(`(?i)^(?:CTLSEP|ITLSEP|SEP|SIP|gk)([0-9A-F]{12})(?:\.cnf\.xml|\.tlv|\.cnf)?$`)

// MACFromName reads the phone's MAC from SEP<MAC>.cnf.xml, CTLSEP<MAC>.tlv,
// ITLSEP<MAC>.tlv, SIP<MAC>.cnf or gk<MAC> (any case), as "00:1e:4a:12:34:56".
func MACFromName(name string) (string, bool) {
	n := trimRequest(name)
	k := Classify(n)
	if k != ReqSecurity && k != ReqDeviceConfig {
		return "", false
	}
	m := macInName.FindStringSubmatch(n)
	if m == nil {
		return "", false
	}
	mac, err := NormalizeMAC(m[1])
	return mac, err == nil
}

// NormalizeMAC accepts a MAC as "00:1E:4A:12:34:56", "00-1e-4a-12-34-56",
// "001e.4a12.3456" or "001E4A123456" and returns "00:1e:4a:12:34:56" (the form of
// Event.MAC).
func NormalizeMAC(mac string) (string, error) {
	h := MACDigits(mac)
	if len(h) != 12 {
		return "", fmt.Errorf("bad MAC address %q: want 12 hex digits, e.g. 00:1e:4a:12:34:56", mac)
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToLower(h[i : i+2]))
	}
	return b.String(), nil
}

// MACDigits returns the 12 hex digits of a MAC in upper case, as phones write it in
// file names ("001E4A123456"), or "" when it is not one.
func MACDigits(mac string) string {
	var b strings.Builder
	for _, r := range mac {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r >= 'A' && r <= 'F':
			b.WriteRune(r)
		case r == ':' || r == '-' || r == '.':
		default:
			return ""
		}
	}
	if b.Len() != 12 {
		return ""
	}
	return strings.ToUpper(b.String())
}

// SEPName is the device config a Java or SCCP phone asks for: "SEP001E4A123456.cnf.xml"
// (12 upper-case hex digits, as in every real trace, FACTS.md §2.3).
func SEPName(mac string) (string, error) { return macFileName("SEP", mac, ".cnf.xml") }

// SIPName is the device config of a SIP 7940/7960: "SIP001E4A123456.cnf".
func SIPName(mac string) (string, error) { return macFileName("SIP", mac, ".cnf") }

func macFileName(prefix, mac, suffix string) (string, error) {
	h := MACDigits(mac)
	if h == "" {
		return "", fmt.Errorf("bad MAC address %q: want 12 hex digits, e.g. 00:1e:4a:12:34:56", mac)
	}
	return prefix + h + suffix, nil
}
