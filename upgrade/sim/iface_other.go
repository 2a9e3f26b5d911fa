//go:build !linux

package sim

import (
	"errors"
	"net"
)

var errIfaceLinux = errors.New("booting on a real interface (--iface) works on Linux only; use a loopback server (--server 127.0.0.1)")

func openIfaceDHCP(string) (net.PacketConn, error)       { return nil, errIfaceLinux }
func listenOnIface(string, net.IP) (*net.UDPConn, error) { return nil, errIfaceLinux }
func setIfaceAddr(string, net.IP, net.IPMask) error      { return errIfaceLinux }
func delIfaceAddr(string, net.IP, net.IPMask) error      { return errIfaceLinux }
