package sim

import (
	"fmt"

	"phoneflash/firmware"
)

// The order in which a phone asks for files while it boots, written from the real logs
// and the vendor's texts (FACTS.md §2, §12) for the virtual phone alone: the tracker in
// package upgrade reads requests with rules of its own, and a test holds the two
// against each other.

// ask is what a row of the boot sequence is to the phone.
type ask int

const (
	askSecurity      ask = iota // CTL/ITL trust lists: absent without CUCM
	askDeviceConfig             // SEP<MAC>.cnf.xml, SIP<MAC>.cnf
	askDefaultConfig            // XMLDefault.cnf.xml, SIPDefault.cnf, SEPDefault.cnf
	askSelector                 // OS79XX.TXT
	askDefaultLoads             // termNN.default.loads, then every file it lists
	askManifest                 // <LOAD>.loads of the load a config names
	askCheckLoads               // the .loads its SEP file names, even its own: read, nothing more
	askFiles                    // the files a manifest lists (fetched with the manifest)
	askLocale                   // locale jars and tones
	askDialplan                 // dialplan.xml
	askRingList                 // RINGLIST.DAT
)

// when says under which circumstance a phone makes a request.
type when int

const (
	always         when = iota
	afterReset          // after a factory reset (Java: the default loads; 7940/7960: OS79XX.TXT)
	noDeviceConfig      // its SEP<MAC>.cnf.xml was not found
	newLoad             // a config names a load other than the one it runs
	runningSIP          // a 7940/7960 running a SIP image
	runningSCCP         // a 7940/7960 running an SCCP image
	oldImage            // a 7940/7960 on an image from before 5.0
)

var whenNames = [...]string{
	always: "always", afterReset: "after a factory reset", noDeviceConfig: "when its SEP file is missing",
	newLoad: "when a config names another load", runningSIP: "when it runs SIP",
	runningSCCP: "when it runs SCCP", oldImage: "on images before 5.0",
}

func (w when) String() string {
	if w < 0 || int(w) >= len(whenNames) {
		return fmt.Sprintf("when(%d)", int(w))
	}
	return whenNames[w]
}

// request is one file a phone asks for while it boots, as a pattern. Placeholders:
// <MAC> 12 upper-case hex digits, <TERM> the model's termNN, <LOAD> a load ID, <FILES>
// the files a manifest lists, <proto> "sip" or "sccp".
type request struct {
	name    string
	ask     ask
	when    when
	mayMiss bool // "file not found" is normal here
	note    string
}

// filesRow is the placeholder for the files a manifest lists.
const filesRow = "<FILES>"

// bootSequence is the family's boot, in order.
func bootSequence(f firmware.Family) []request {
	if f == firmware.Family7940 {
		return legacyBoot()
	}
	return javaBoot()
}

// javaBoot: traces of a Java SIP phone on tftpd-hpa (CTL/ITL misses, SEP file, locale
// jar with a leading '/', tones, dialplan) and of a 7975 upgrade on tftpd32 (term75,
// then jar, cnu, apps …) [V: FACTS.md §2.1, §12].
func javaBoot() []request {
	return []request{
		{"<TERM>.default.loads", askDefaultLoads, afterReset, false, "then each file it lists, in order"},
		{filesRow, askFiles, afterReset, false, "jar, cnu, apps, dsp, cvm: flashed, then a reboot"},
		{"CTLSEP<MAC>.tlv", askSecurity, always, true, ""},
		{"ITLSEP<MAC>.tlv", askSecurity, always, true, ""},
		{"ITLFile.tlv", askSecurity, always, true, ""},
		{"SEP<MAC>.cnf.xml", askDeviceConfig, always, true, "holds <loadInformation>"},
		{"XMLDefault.cnf.xml", askDefaultConfig, noDeviceConfig, false, "<loadInformationNNN model=…> per model"},
		{"<LOAD>.loads", askManifest, newLoad, false, "the config names another load than it runs"},
		{filesRow, askFiles, newLoad, false, "in listed order, then flash writes and a reboot"},
		{"/mk-<proto>.jar", askLocale, always, true, "locale files with a leading '/'"},
		{"/sp-<proto>.jar", askLocale, always, true, ""},
		{"/g3-tones.xml", askLocale, always, true, ""},
		{"dialplan.xml", askDialplan, always, true, "the name in <dialTemplate>"},
	}
}

// legacyBoot: a 7960 on SIP 8.12 booting against tftpd-hpa asked CTLSEP, its SEP file,
// the .loads of the load it already ran, then (after some 23 s) SIPDefault.cnf,
// ./SIP<MAC>.cnf (SIPDefault.cnf's tftp_cfg_dir is "./"), RINGLIST.DAT and dialplan.xml
// [V: FACTS.md §10]. The SCCP side follows the CME hunt order [V] and the capture of a
// 7940 (CTLSEP, then the SEP file) [V]; images before 5.0 read OS79XX.TXT and
// SEPDefault.cnf first [S].
func legacyBoot() []request {
	return []request{
		{"OS79XX.TXT", askSelector, oldImage, false, "old images ask it first, and load the image it names"},
		{"SEPDefault.cnf", askDefaultConfig, oldImage, true, "some old images loop on it until OS79XX.TXT is right"},
		{"CTLSEP<MAC>.tlv", askSecurity, always, true, ""},
		{"SEP<MAC>.cnf.xml", askDeviceConfig, always, true, ""},
		{"<LOAD>.loads", askCheckLoads, runningSIP, false, "the load its SEP file names, even its own: read, nothing more"},
		{"XMLDefault.cnf.xml", askDefaultConfig, noDeviceConfig, false, "loadInformation7 (7960) / 8 (7940)"},
		{"OS79XX.TXT", askSelector, afterReset, false, "after a factory reset"},
		{"SIPDefault.cnf", askDefaultConfig, runningSIP, false, "image_version names the load"},
		{"./SIP<MAC>.cnf", askDeviceConfig, runningSIP, true, "overrides SIPDefault.cnf; the ./ is tftp_cfg_dir"},
		{"<LOAD>.loads", askManifest, newLoad, false, "then the loader .sbn: flashed, reboot, then the application .sb2"},
		{filesRow, askFiles, newLoad, false, ""},
		{"RINGLIST.DAT", askRingList, runningSIP, true, "asked at the same time as the dial plan"},
		{"dialplan.xml", askDialplan, runningSIP, true, "the dial_template"},
	}
}
