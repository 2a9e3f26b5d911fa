//go:build !windows

package servers

import "os"

// isAdmin: the process runs as root.
func isAdmin() bool { return os.Geteuid() == 0 }
