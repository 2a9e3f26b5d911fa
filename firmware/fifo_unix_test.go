//go:build unix

package firmware

import "syscall"

// mkfifo makes a named pipe: a scan that opened it would hang.
func mkfifo(name string) error { return syscall.Mkfifo(name, 0o644) }
