//go:build !linux

package servers

import "errors"

type sockOpt func(fd int) error

// canBindDevice: only Linux ties a socket to one interface (SO_BINDTODEVICE). TFTP
// binds the interface's own address instead; DHCP, which must see broadcasts, reads
// the wildcard address through ifaceConn's interface filter (listeniface_*.go).
const canBindDevice = false

func bindToDevice(fd int, dev string) error {
	return errors.New("binding a socket to an interface needs Linux")
}

func optPktInfo(fd int) error { return nil } // pin enables its control messages itself
