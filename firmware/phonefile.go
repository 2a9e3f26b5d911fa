package firmware

import (
	"path"
	"regexp"
	"strings"
)

// What the Root serves. A folder the user points at may hold anything (a home folder
// holds ~/.ssh/id_rsa; /etc holds shadow), and a TFTP server answers anyone on the
// bench network by base name. So the Root serves only what a phone can ask for: the
// files of the loads found, the generated overlay, and loose files whose names are
// phone files by phoneFileName below. Hidden files and everything under a hidden
// folder are never even scanned: no phone asks for one, and they are where secrets
// and tool state live (.ssh, .git, macOS "._" AppleDouble copies).

// phoneFileName matches the names phones request besides the files a .loads lists
// (FACTS.md §1-§2.3; upgrade/requests.go classifies the same requests): load images
// and manifests (.loads .sbn .sb2 .bin .sgn .zz), trust lists (.tlv), configs (.cnf,
// .cnf.xml, gk<MAC>, and every other .xml: dial plans, ring lists, tones, dictionaries,
// Desktops/List.xml), locale files (.jar .properties), ring tones (.raw), RINGLIST.DAT
// and OS79XX.TXT. Other .txt and .dat are left out on purpose: release notes are not
// asked for, and a home folder's notes.txt must not leak. Pictures are phone files only
// under a Desktops/ folder (backgrounds), never a screenshot elsewhere.
var phoneFileName = regexp.MustCompile(`(?i)(?:^|/)(?:` +
	`[^/]+\.(?:loads|sbn|sb2|bin|sgn|zz|tlv|cnf|xml|jar|properties|raw)` +
	`|OS79XX\.TXT|RINGLIST\.DAT|gk[0-9a-f]{12}` +
	`|Desktops/(?:[^/]+/)*[^/]+\.(?:png|jpg|jpeg|bmp))$`)

// isPhoneFile reports whether a phone may ask for a file at this slash path inside a
// source, by its name alone.
func isPhoneFile(p string) bool { return phoneFileName.MatchString(p) }

// isHidden reports a slash path with a hidden file or folder in it (".ssh/id_rsa",
// "a/.git/config", "._x.sbn").
func isHidden(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." && seg != ".." {
			return true
		}
	}
	return false
}

// maxUnservedListed bounds the files of one source listed as not served: a home folder
// has thousands, and the count says enough.
const maxUnservedListed = 20

// keepServed narrows the Root to what phones may ask for (see above): byBase keeps
// the members a load uses and the phone files; the others are marked not served.
func (l *Library) keepServed(used map[*member]bool) {
	l.byBase = map[string][]*member{}
	for _, src := range l.sources {
		for _, m := range src.members {
			if !used[m] && !isPhoneFile(m.path) {
				continue
			}
			m.served = true
			key := strings.ToLower(path.Base(m.path))
			l.byBase[key] = append(l.byBase[key], m)
		}
	}
}
