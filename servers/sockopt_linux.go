package servers

import "syscall"

type sockOpt func(fd int) error

// canBindDevice: Linux can tie a socket to one interface (SO_BINDTODEVICE).
const canBindDevice = true

func bindToDevice(fd int, dev string) error {
	return syscall.SetsockoptString(fd, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, dev)
}

func optPktInfo(fd int) error {
	return syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)
}

func optReuseAddr(fd int) error {
	return syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
}
