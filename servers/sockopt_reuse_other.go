//go:build !linux && !darwin

package servers

// optReuseAddr: on Windows SO_REUSEADDR lets a socket take over a port another
// program holds, so it is never set there (Windows shares the client port by binding
// our own address instead: listeniface_windows.go).
func optReuseAddr(fd int) error { return nil }
