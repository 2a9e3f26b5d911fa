package servers

import "golang.org/x/sys/windows"

// isAdmin: the process runs elevated (UAC), as the firewall fix needs.
func isAdmin() bool { return windows.GetCurrentProcessToken().IsElevated() }
