//go:build !unix

package firmware

func mkfifo(string) error { return errNoFIFO }
