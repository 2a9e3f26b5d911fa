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
	BadSetting    ProblemKind = "bad-setting"    // a setting's value is wrong on its own (Problem.Want says what it takes)
	BadAddress    ProblemKind = "bad-address"    // the server address, mask, pool or router do not fit the interface
	NeedPrivilege ProblemKind = "privilege"      // ports 67/69 or binding to a device
	PortInUse     ProblemKind = "port-in-use"    // another program holds the port
	OtherDHCP     ProblemKind = "other-dhcp"     // the probe found another DHCP server
	SocketFailed  ProblemKind = "socket"         // anything else the OS refused
	Firewall      ProblemKind = "firewall"       // the host firewall likely drops the phones' requests: a warning
)

// Problem is a start-up problem: what is wrong and what to do about it. It is the
// error type Start returns for everything the user can fix.
//
// A problem with a setting names its Field, and its fix leaves the setting's name to
// the front end (FixNaming): the command line says "--pool-start", the wizard's form
// "Pool start". So no message here speaks the language of one front end.
type Problem struct {
	Kind    ProblemKind
	Field   Field   // the setting at fault, "" when the fix is not a setting
	Msg     string  // what is wrong, one line; a setting is named in plain words (its Field)
	Fix     string  // what to do, ready to copy where it is a command; settings in plain words
	Want    string  // BadSetting: what Field takes, "a number from 1 to 253"
	Warning bool    // starting is still possible
	Offers  []Offer // OtherDHCP: what the probe saw
	Err     error   // the underlying OS error, if any

	fixFormat string  // Fix with a %s where each of fixFields is named
	fixFields []Field // the settings the fix names, in order
}

func (p *Problem) Error() string {
	if p.Fix == "" {
		return p.Msg
	}
	return p.Msg + "; " + p.Fix
}

func (p *Problem) Unwrap() error { return p.Err }

// fixing sets p's fix: format has a %s for each setting in fields, named by the front
// end (FixNaming); Fix names them in plain words.
func (p *Problem) fixing(format string, fields ...Field) *Problem {
	p.fixFormat, p.fixFields = format, fields
	p.Fix = p.FixNaming(nil)
	return p
}

// orFix adds another way out to p's fix ("...; or " format), naming fields as fixing does.
func (p *Problem) orFix(format string, fields ...Field) *Problem {
	prev := p.fixFormat
	if prev == "" {
		prev = strings.ReplaceAll(p.Fix, "%", "%%")
	}
	if prev != "" {
		format = prev + "; or " + format
	}
	return p.fixing(format, append(p.fixFields, fields...)...)
}

// FixNaming is Fix with each setting it names worded by name: a flag on the command
// line, a form field in the wizard. A nil name, or "" from it, keeps the plain words.
func (p *Problem) FixNaming(name func(Field) string) string {
	if p.fixFormat == "" {
		return p.Fix
	}
	args := make([]any, len(p.fixFields))
	for i, f := range p.fixFields {
		args[i] = string(f)
		if name != nil && name(f) != "" {
			args[i] = name(f)
		}
	}
	return fmt.Sprintf(p.fixFormat, args...)
}

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
		return (&Problem{Kind: BadAddress, Field: FieldServerIP, Err: err,
			Msg: fmt.Sprintf("%s: %s is not an address of this machine", what, addr)}).
			fixing("serve from an address of the interface (%s; see ip -4 addr)", FieldServerIP)
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
