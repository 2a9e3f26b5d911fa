package servers

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Why a request was refused or a transfer ended: the first word of the Msg of a
// tftp.denied, tftp.missing or tftp.error event, followed by ": " and the text for a
// person. Reason returns it, so that nobody has to read the text.
const (
	DeniedWrite      = "write-request"      // a write request: this server only serves files
	DeniedControl    = "control-characters" // the name has control characters (terminal escapes ...)
	DeniedEmpty      = "empty-name"         // the name names no file
	DeniedTooLong    = "too-long"           // the request is over 512 bytes, or its name over 255
	DeniedMalformed  = "malformed"          // no transfer mode after the name
	DeniedOutside    = "outside-root"       // the Root refused the name without saying why: it leaves the root
	DeniedPermission = "permission"         // the operating system would not open the file
	DeniedHidden     = "hidden"             // a Root refused a hidden file (through Refusal)
	DeniedBusy       = "too-many-transfers" // the client, or the server, runs as many transfers as allowed
	DeniedRate       = "too-many-requests"  // the client asks faster than allowed
	MissingFile      = "not-found"          // tftp.missing: the Root has no such file
	Stopped          = "stopped"            // tftp.error: the servers stopped during the transfer
)

// Reason is the reason word that starts e's Msg, "" when it starts with none.
func Reason(e Event) string {
	word, _, ok := strings.Cut(e.Msg, ": ")
	if !ok || strings.ContainsAny(word, " \t") {
		return ""
	}
	return word
}

// Refusal is an error a Root may return to say why it refused a name: DeniedReason is
// one of the Denied* words. A refusal (fs.ErrPermission) that does not say is reported
// as DeniedOutside, or DeniedPermission when the operating system refused to open a file.
type Refusal interface {
	error
	DeniedReason() string
}

// denial is a request refused before any transfer starts, with the TFTP error code and
// text the client gets.
type denial struct {
	reason string
	code   uint16
	text   string
}

func deny(reason string, code uint16, format string, args ...any) *denial {
	return &denial{reason: reason, code: code, text: fmt.Sprintf(format, args...)}
}

// msg is the event's Msg: the reason word, then the text.
func (d *denial) msg() string { return d.reason + ": " + d.text }

// rootRefusal sorts an error of Root.Open: the event kind and its reason word.
func rootRefusal(err error) (Kind, string) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return TFTPMissing, MissingFile
	case !errors.Is(err, fs.ErrPermission):
		return TFTPError, ""
	}
	var r Refusal
	if errors.As(err, &r) {
		return TFTPDenied, r.DeniedReason()
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return TFTPDenied, DeniedPermission
	}
	return TFTPDenied, DeniedOutside
}
