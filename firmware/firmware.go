// Package firmware reads what technicians download: folders of loose files and the
// archives exactly as downloaded (.zip, .cop = tar.gz, .tar.gz/.tgz, .tar). It finds
// the loads, says which are complete, and offers them as a read-only Root with an
// in-memory overlay for generated files. It imports nothing of phoneflash.
package firmware

// Family is a firmware line shared by a group of models: the loads of one family
// install on every model of it.
type Family string

// The families phoneflash knows (CISCO.md §1).
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
