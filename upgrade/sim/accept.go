package sim

import (
	"fmt"
	"strings"

	"phoneflash/firmware"
)

// The virtual phone's own judgement of what it takes. It is written from the facts
// (FACTS.md §4), from the phone's side, and on purpose shares nothing with the planner
// in package upgrade: the planner decides which loads to serve, this decides what a
// phone does with them, and a test walks every pair of known loads through both. Where
// they disagree, one of them holds a wrong fact.

// image is a load as the phone sees it: which line, which protocol, which version.
type image struct {
	family  firmware.Family
	proto   firmware.Protocol
	version firmware.Version
}

func imageOf(id string) (image, bool) {
	f, p, v, err := firmware.ParseID(id)
	return image{f, p, v}, err == nil
}

func ver(s string) firmware.Version {
	v, err := firmware.ParseVersion(s)
	if err != nil {
		panic(fmt.Sprintf("sim tables: %v", err))
	}
	return v
}

// Versions the phone's own firmware cares about (FACTS.md §4.1, §4.2).
var (
	signedLoader = ver("5.0")    // 7940/7960 SCCP: the universal loader; before it, unsigned .bin only [V]
	beyondFive   = ver("6.0")    // an unsigned-loader phone checks signed 5.x images, nothing later [S: seed chain]
	sccp809      = ver("8.0(9)") // 7940/7960 SCCP older than this refuse later SCCP images [S: "Strange Fail"]
	bothKeys     = ver("8.3(3)") // Java: from here on the phone knows the old and the new signing keys [S]
	newKeysOnly  = ver("8.5(3)") // Java: a phone from here on knows only the new keys [S]
	lastOldSig   = ver("8.5(2)") // Java: the last load signed so that an old phone checks it; 8.5(2)SR1 is not [S: crimsonsilo]
)

// unsigned reports whether the image is a 7940/7960 SCCP image from before the
// universal loader: it reads OS79XX.TXT first, names no model in option 60 and takes
// only .bin images (FACTS.md §1.4, §4.1, §6).
func (i image) unsigned() bool {
	return i.family == firmware.Family7940 && i.proto == firmware.SCCP && !i.version.IsZero() &&
		i.version.Compare(signedLoader) < 0
}

// takes says whether a phone running cur accepts load next, and if not, what the phone
// shows and why. A phone whose load is unknown takes anything.
func takes(cur, next image) (ok bool, why string) {
	if cur.family != next.family {
		return false, fmt.Sprintf("a load of the %s line is not for a %s", next.family, cur.family)
	}
	if cur.family == firmware.Family7940 {
		return legacyTakes(cur, next)
	}
	switch rel := release(next.version); {
	case cur.version.Compare(bothKeys) < 0 && rel.Compare(lastOldSig) > 0:
		return false, fmt.Sprintf("%s knows only the old signing keys; %s is signed with the new ones", cur.version, next.version)
	case cur.version.Compare(newKeysOnly) >= 0 && rel.Compare(bothKeys) < 0:
		return false, fmt.Sprintf("%s knows only the new signing keys; %s is signed with the old ones", cur.version, next.version)
	}
	return true, ""
}

// legacyTakes is the 7940/7960: SCCP and SIP images number their versions apart, so
// every comparison is within one protocol (FACTS.md §1.1).
func legacyTakes(cur, next image) (bool, string) {
	nextUnsigned := next.proto == firmware.SCCP && next.version.Compare(signedLoader) < 0
	switch {
	case cur.unsigned():
		if next.proto == firmware.SCCP && next.version.Compare(beyondFive) < 0 {
			return true, "" // an unsigned image, or the signed 5.x loader that comes as a .bin too
		}
		return false, fmt.Sprintf("an image before 5.0 cannot check %s %s: it takes unsigned images and the signed 5.x line only", next.proto, next.version)
	case nextUnsigned:
		return false, fmt.Sprintf("a signed image does not go back to an unsigned one (%s %s)", next.proto, next.version)
	case cur.proto == firmware.SCCP && next.proto == firmware.SCCP &&
		cur.version.Compare(sccp809) < 0 && next.version.Compare(sccp809) > 0:
		return false, fmt.Sprintf("SCCP %s fails to verify SCCP %s: it takes 8.0(9) first", cur.version, next.version)
	}
	return true, ""
}

// release is the release a build belongs to: components are named by build
// ("8-5-2TH1-9" of load 8.5(2), "9-4-2ES26" of 9.4(2)SR3), and what a phone checks is
// the release's signature, not the build (FACTS.md §1.2).
func release(v firmware.Version) firmware.Version {
	s := v.String()
	for _, tag := range []string{"TH", "ES"} {
		if i := strings.Index(s, tag); i > 0 {
			if r, err := firmware.ParseVersion(s[:i]); err == nil {
				return r
			}
		}
	}
	return v
}
