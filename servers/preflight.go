package servers

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"syscall"
)

// The same failed bind means different things, and has a different fix, on each
// system. The wording is chosen by GOOS and errno number so that the Linux tests can
// check the Windows and macOS texts too.

// Errno numbers of the systems we explain. Windows: winerror.h / winsock2.h
// (golang.org/x/sys/windows zerrors_windows.go). macOS: xnu bsd/sys/errno.h.
const (
	wsaEACCES        = 10013
	wsaEADDRINUSE    = 10048
	wsaEADDRNOTAVAIL = 10049

	darwinEPERM         = 1
	darwinEACCES        = 13
	darwinEADDRINUSE    = 48
	darwinEADDRNOTAVAIL = 49
	darwinENETUNREACH   = 51
	darwinEHOSTUNREACH  = 65
)

// socketProblem turns a failed bind of ap (dev: the interface, for the message) into
// a Problem with the fix for the system we run on. Linux keeps bindProblem's wording.
func socketProblem(what string, ap netip.AddrPort, dev string, err error) *Problem {
	return socketProblemOn(runtime.GOOS, what, ap, dev, err, executable())
}

func socketProblemOn(goos, what string, ap netip.AddrPort, dev string, err error, exe string) *Problem {
	if p := (*Problem)(nil); errors.As(err, &p) {
		return p
	}
	if a := opAddr(err); a.IsValid() {
		ap = a // the socket that failed: on Windows the second bind is our own address
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return bindProblem(what, ap, dev, err)
	}
	switch goos {
	case "windows":
		if p := windowsBindProblem(what, ap, dev, uintptr(errno), err); p != nil {
			return p
		}
	case "darwin":
		if p := darwinBindProblem(what, ap, dev, uintptr(errno), err, exe); p != nil {
			return p
		}
	}
	return bindProblem(what, ap, dev, err)
}

// opAddr is the local address a *net.OpError names.
func opAddr(err error) netip.AddrPort {
	var oe *net.OpError
	if errors.As(err, &oe) {
		if ua, ok := oe.Addr.(*net.UDPAddr); ok {
			ap := ua.AddrPort()
			return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	return netip.AddrPort{}
}

// holderHint names the programs that usually hold a DHCP or TFTP port on a
// technician's machine, by port.
func holderHint(goos string, port uint16) string {
	switch {
	case goos == "windows" && port == DHCPPort:
		return "another DHCP server runs on this PC: tftpd64/tftpd32 with its DHCP server on, Internet Connection Sharing, or the DHCP Server role"
	case goos == "windows" && port == TFTPPort:
		return "another TFTP server runs on this PC: tftpd64/tftpd32, or another TFTP service"
	case goos == "darwin" && port == DHCPPort:
		return "Internet Sharing is on (its bootpd holds port 67), or another DHCP server runs on this Mac"
	case goos == "darwin" && port == TFTPPort:
		return "macOS's own TFTP server is on (com.apple.tftpd), or another TFTP server runs on this Mac"
	}
	return "another program holds it"
}

func windowsBindProblem(what string, ap netip.AddrPort, dev string, errno uintptr, err error) *Problem {
	port := ap.Port()
	switch errno {
	case wsaEADDRINUSE:
		return &Problem{Kind: PortInUse, Err: err,
			Msg: fmt.Sprintf("%s: UDP port %d is already in use on %s: %s", what, port, ap, holderHint("windows", port)),
			Fix: fmt.Sprintf("close that program (in tftpd64: Settings, untick the server), or turn off Internet Connection Sharing; "+
				"in a terminal opened with Run as administrator, netstat -abno -p UDP names the program on :%d", port)}
	case wsaEACCES:
		return (&Problem{Kind: PortInUse, Err: err, Field: portField(port),
			Msg: fmt.Sprintf("%s: Windows refused UDP port %d on %s: another program holds it exclusively, or Windows reserves it (Hyper-V and WSL reserve port ranges)", what, port, ap),
		}).fixing("see the reserved ranges with: netsh interface ipv4 show excludedportrange protocol=udp; "+
			"and who holds the port with: netstat -abno -p UDP (Run as administrator); or choose another %s", portField(port))
	case wsaEADDRNOTAVAIL:
		return &Problem{Kind: NoCarrier, Err: err,
			Msg: fmt.Sprintf("%s: cannot listen on %s: Windows takes the address off an interface whose cable is unplugged%s", what, ap, onDev(dev)),
			Fix: "plug the phone's cable in (and power the phone or its switch), then start again; if it is plugged in, check the address with: ipconfig"}
	}
	return nil
}

func darwinBindProblem(what string, ap netip.AddrPort, dev string, errno uintptr, err error, exe string) *Problem {
	port := ap.Port()
	switch errno {
	case darwinEADDRINUSE:
		fix := fmt.Sprintf("see who holds it: sudo lsof -nP -iUDP:%d", port)
		switch port {
		case DHCPPort:
			fix = "turn Internet Sharing off (System Settings > General > Sharing), or stop the other DHCP server; " + fix
		case TFTPPort:
			fix = "stop macOS's TFTP server (sudo launchctl unload -w /System/Library/LaunchDaemons/tftp.plist) or the other one; " + fix
		}
		return &Problem{Kind: PortInUse, Err: err,
			Msg: fmt.Sprintf("%s: UDP port %d is already in use on %s: %s", what, port, ap, holderHint("darwin", port)), Fix: fix}
	case darwinEACCES, darwinEPERM:
		return &Problem{Kind: NeedPrivilege, Err: err,
			Msg: fmt.Sprintf("%s: no permission to listen on %s: macOS lets only root bind a port below 1024 to an address", what, ap),
			Fix: fmt.Sprintf("run it with sudo: sudo %s ...", exe)}
	case darwinEADDRNOTAVAIL:
		return &Problem{Kind: BadAddress, Err: err,
			Msg: fmt.Sprintf("%s: cannot listen on %s: %s is not an address of this Mac%s", what, ap, ap.Addr(), onDev(dev)),
			Fix: "plug the phone's cable in, and serve from an address of the interface (see: ifconfig " + dev + ")"}
	}
	return nil
}

// explainSend names the fix for a reply that could not be sent. On macOS a
// broadcast out of IP_BOUND_IF needs the scoped 255.255.255.255 route configd
// installs for an address set in System Settings; an address set with plain ifconfig
// may lack it, and the send fails with EHOSTUNREACH. Do not paper over it with
// MSG_DONTROUTE: say what to run.
func explainSend(goos, dev string, local netip.Prefix, err error) error {
	var errno syscall.Errno
	if goos != "darwin" || !errors.As(err, &errno) || (errno != darwinEHOSTUNREACH && errno != darwinENETUNREACH) {
		return err
	}
	mask := net.IP(net.CIDRMask(local.Bits(), 32)).String()
	return fmt.Errorf("%w: macOS has no broadcast route on %s; configure the address in System Settings (Network > %s > Details > TCP/IP, Manually), "+
		"or run: sudo ipconfig set %s MANUAL %s %s", err, dev, dev, dev, local.Addr(), mask)
}

// portField is the setting that moves a server off the well-known port.
func portField(port uint16) Field {
	if port == TFTPPort {
		return FieldTFTPPort
	}
	return FieldDHCPPort
}

func onDev(dev string) string {
	if dev == "" {
		return ""
	}
	return " (" + dev + ")"
}

// executable is our own path, for commands the user copies.
func executable() string {
	exe, err := os.Executable()
	if err != nil {
		return "phoneflash"
	}
	return exe
}
