//go:build !unix

package firmware

import "errors"

func mkfifo(string) error { return errors.New("no named pipes here") }
