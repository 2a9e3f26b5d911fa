package firmware

import "errors"

// errNoFIFO is mkfifo's answer where the system has no named pipes (Windows): only
// there may the pipe test go without its pipe.
var errNoFIFO = errors.New("no named pipes here")
