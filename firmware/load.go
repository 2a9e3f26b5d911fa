package firmware

// Load is one firmware release as a phone sees it: the manifest it is named after
// (the .loads file, or for pre-5.0 7940/7960 loads the lone unsigned .bin) and the
// files the phone will request for it.
type Load struct {
	ID       string            // the .loads name without extension: "SIP41.9-4-2SR3-1S", "P00308000900", "P0S3-8-12-00"
	Family   Family            // "7941/7961"
	Models   []string          // models of the family: "7941", "7961"
	Protocol Protocol          // SCCP, SIP or MGCP
	Version  Version           // orders correctly within a family
	Signed   bool              // false only for pre-5.0 7940/7960 loads (.bin only)
	Files    []File            // every file the phone will request for this load, in request order
	Meta     map[string]string // KEY=VALUE lines of the .loads body (LA_VERSION), nil if none
	Defaults []string          // termNN.default.loads files whose body matches this load
	Source   string            // the folder or archive it came from, as given by the user
	Problems []string          // missing, empty or case-different files; unreadable manifest
}

// File is one file a load needs, as the phone names it, and what is on disk for it.
type File struct {
	Name    string // as the phone asks for it (from the .loads body)
	Size    int64  // bytes on disk; 0 when missing
	Present bool   // found and non-empty
	Found   string // the name on disk when it differs from Name (case), else ""
}

// Complete reports whether every file the phone will request exists and is non-empty.
func (l *Load) Complete() bool {
	for _, f := range l.Files {
		if !f.Present {
			return false
		}
	}
	return len(l.Files) > 0
}
