//go:build !linux

package servers

import "errors"

type sockOpt func(fd int) error

// canBindDevice: only Linux ties a socket to one interface; elsewhere TFTP binds the
// interface's own address and DHCP (which must see broadcasts) is Linux-only.
const canBindDevice = false

// Binding to one interface is what keeps the DHCP server off every other network; only
// Linux is supported for that.
func bindToDevice(fd int, dev string) error {
	return errors.New("binding to an interface needs Linux")
}

func optPktInfo(fd int) error   { return nil } // pin enables its control messages itself
func optReuseAddr(fd int) error { return nil }
