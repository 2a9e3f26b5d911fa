// Package firmware reads what technicians download: folders of loose files and the
// archives exactly as downloaded (.zip, .cop = tar.gz, .tar.gz/.tgz, .tar). It finds
// the loads, says which are complete, and offers them as a read-only Root with an
// in-memory overlay for generated files. It imports nothing of phoneflash.
package firmware

// Family is a firmware line shared by a group of models: the loads of one family
// install on every model of it.
type Family string

// The families phoneflash knows (FACTS.md §1).
const (
	Family7940 Family = "7940/7960"
	Family7911 Family = "7906/7911"
	Family7941 Family = "7941/7961"
	Family7942 Family = "7942/7962"
	Family7945 Family = "7945/7965"
	Family7970 Family = "7970/7971"
	Family7975 Family = "7975"
)

// Protocol is the call-control protocol a load speaks.
type Protocol string

// Protocols.
const (
	SCCP Protocol = "SCCP"
	SIP  Protocol = "SIP"
	MGCP Protocol = "MGCP"
)

// familyInfo is what phoneflash knows of a family (FACTS.md §1.2): its models and the
// two-digit codes in its file names (jar41sip…, term61.default.loads). The first code is
// the one load names use (SCCP41…, SIP11…). A wrong fact here is a one-line fix.
type familyInfo struct {
	family Family
	models []string
	codes  []string // "" for 7940/7960, whose files are named P003…/P0S3…
}

var familyTable = []familyInfo{
	{Family7940, []string{"7940", "7960"}, nil},
	{Family7911, []string{"7906", "7911"}, []string{"11", "06"}},
	{Family7941, []string{"7941", "7961"}, []string{"41", "61"}},
	{Family7942, []string{"7942", "7962"}, []string{"42", "62"}},
	{Family7945, []string{"7945", "7965"}, []string{"45", "65"}},
	{Family7970, []string{"7970", "7971"}, []string{"70", "71"}},
	{Family7975, []string{"7975"}, []string{"75"}},
}

// Families lists the families phoneflash knows, oldest platform first.
func Families() []Family {
	out := make([]Family, len(familyTable))
	for i, fi := range familyTable {
		out[i] = fi.family
	}
	return out
}

// FamilyModels lists the models of a family ("7941", "7961"); nil for an unknown family.
func FamilyModels(f Family) []string {
	for _, fi := range familyTable {
		if fi.family == f {
			return append([]string(nil), fi.models...)
		}
	}
	return nil
}

// familyByCode finds the family of a two-digit file code ("61" -> 7941/7961).
func familyByCode(code string) (Family, bool) {
	for _, fi := range familyTable {
		for _, c := range fi.codes {
			if c == code {
				return fi.family, true
			}
		}
	}
	return "", false
}
