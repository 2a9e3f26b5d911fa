package servers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ProblemKind classifies what stops (or may stop) the servers from working.
type ProblemKind string

// Problem kinds: each comes with the fix spelled out in Problem.Fix.
const (
	NoInterface   ProblemKind = "no-interface"   // the interface does not exist
	InterfaceDown ProblemKind = "interface-down" // administratively down
	NoCarrier     ProblemKind = "no-carrier"     // up but no link: a warning, the phone may be off
	NoIPv4        ProblemKind = "no-ipv4"        // nothing to serve from
	BadAddress    ProblemKind = "bad-address"    // --server-ip or the pool do not fit the interface
	NeedPrivilege ProblemKind = "privilege"      // ports 67/69 or binding to a device
	PortInUse     ProblemKind = "port-in-use"    // another program holds the port
	OtherDHCP     ProblemKind = "other-dhcp"     // the probe found another DHCP server
	SocketFailed  ProblemKind = "socket"         // anything else the OS refused
	Firewall      ProblemKind = "firewall"       // the host firewall likely drops the phones' requests: a warning
)

// Problem is a start-up problem: what is wrong and what to do about it. It is the
// error type Start returns for everything the user can fix.
type Problem struct {
	Kind    ProblemKind
	Msg     string  // what is wrong, one line
	Fix     string  // what to do, ready to copy where it is a command
	Warning bool    // starting is still possible
	Offers  []Offer // OtherDHCP: what the probe saw
	Err     error   // the underlying OS error, if any
}

func (p *Problem) Error() string {
	if p.Fix == "" {
		return p.Msg
	}
	return p.Msg + "; " + p.Fix
}

func (p *Problem) Unwrap() error { return p.Err }

// privilegeFix is the advice for a refused privileged port or device binding.
func privilegeFix() string {
	exe, err := os.Executable()
	if err != nil {
		exe = "phoneflash"
	}
	return fmt.Sprintf("run it as root (sudo %s ...), or allow it once: sudo setcap cap_net_bind_service,cap_net_raw=ep %s", exe, exe)
}

// bindProblem turns a failed bind of ap (on device dev, "" for none) into a Problem
// naming the fix, and for a port in use the program holding it when the OS says.
func bindProblem(what string, ap netip.AddrPort, dev string, err error) *Problem {
	addr, port := ap.String(), int(ap.Port())
	if dev != "" {
		addr += " (" + dev + ")"
	}
	switch {
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return &Problem{Kind: NeedPrivilege, Err: err,
			Msg: fmt.Sprintf("%s: no permission to listen on %s (UDP port %d is privileged)", what, addr, port),
			Fix: privilegeFix()}
	case errors.Is(err, syscall.EADDRINUSE):
		msg := fmt.Sprintf("%s: UDP port %d is already in use on %s", what, port, addr)
		if holder := udpPortHolders(ap); holder != "" {
			msg += " by " + holder
		}
		return &Problem{Kind: PortInUse, Err: err, Msg: msg,
			Fix: fmt.Sprintf("stop that program (see: sudo ss -ulpn 'sport = :%d'), or choose another port", port)}
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return &Problem{Kind: BadAddress, Err: err,
			Msg: fmt.Sprintf("%s: %s is not an address of this machine", what, addr),
			Fix: "use --server-ip with an address of the interface (ip -4 addr)"}
	}
	return &Problem{Kind: SocketFailed, Err: err, Msg: fmt.Sprintf("%s: listen on %s: %v", what, addr, err)}
}

// udpPortHolders names the processes whose UDP sockets in this network namespace
// clash with ap (same port, same or wildcard address), as far as /proc tells (other
// users' processes need root to be seen): "dnsmasq (pid 42)".
func udpPortHolders(ap netip.AddrPort) string {
	inodes := map[string]bool{}
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 10 || fields[9] == "0" {
			continue
		}
		hexIP, hexPort, ok := strings.Cut(fields[1], ":")
		ip, err1 := strconv.ParseUint(hexIP, 16, 32)
		port, err2 := strconv.ParseUint(hexPort, 16, 16)
		if !ok || err1 != nil || err2 != nil || int(port) != int(ap.Port()) {
			continue
		}
		var a [4]byte
		binary.NativeEndian.PutUint32(a[:], uint32(ip)) // the kernel prints the address as a host-order word
		local := netip.AddrFrom4(a)
		if local.IsUnspecified() || ap.Addr().IsUnspecified() || local == ap.Addr() {
			inodes["socket:["+fields[9]+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := os.ReadDir("/proc")
	var found []string
	for _, pd := range procs {
		pid := pd.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		fds, err := os.ReadDir("/proc/" + pid + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink("/proc/" + pid + "/fd/" + fd.Name()); err == nil && inodes[link] {
				comm, _ := os.ReadFile("/proc/" + pid + "/comm")
				found = append(found, fmt.Sprintf("%s (pid %s)", strings.TrimSpace(string(comm)), pid))
				break
			}
		}
	}
	return strings.Join(found, ", ")
}

// interfaceNames lists the interfaces for a "no such interface" message.
func interfaceNames() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(ifs))
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	return strings.Join(names, ", ")
}
