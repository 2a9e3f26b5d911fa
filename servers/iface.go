package servers

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Interface is a network interface as the wizard lists it.
type Interface struct {
	Name     string
	MAC      net.HardwareAddr
	Up       bool // administratively up
	Running  bool // up with a link (carrier)
	Loopback bool
	MTU      int
	Addrs    []netip.Prefix // IPv4 addresses with their prefix length
}

// Interfaces lists the machine's network interfaces (of this network namespace).
func Interfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	out := make([]Interface, 0, len(ifs))
	for _, ni := range ifs {
		i, err := describe(ni)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}

// InterfaceByName describes one interface; the error is a *Problem (NoInterface)
// when there is none of that name.
func InterfaceByName(name string) (Interface, error) {
	ni, err := netInterface(name)
	if err != nil {
		return Interface{}, err
	}
	return describe(*ni)
}

// netInterface is net.InterfaceByName with the NoInterface problem a user can act on.
func netInterface(name string) (*net.Interface, error) {
	ni, err := net.InterfaceByName(name)
	if err != nil {
		return nil, &Problem{Kind: NoInterface, Err: err, Msg: fmt.Sprintf("there is no network interface %q", name),
			Fix: "choose one of: " + interfaceNames()}
	}
	return ni, nil
}

func describe(ni net.Interface) (Interface, error) {
	i := Interface{
		Name:     ni.Name,
		MAC:      ni.HardwareAddr,
		Up:       ni.Flags&net.FlagUp != 0,
		Running:  ni.Flags&net.FlagRunning != 0,
		Loopback: ni.Flags&net.FlagLoopback != 0,
		MTU:      ni.MTU,
	}
	addrs, err := ni.Addrs()
	if err != nil {
		return Interface{}, fmt.Errorf("addresses of %s: %w", ni.Name, err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil {
			continue
		}
		ip, _ := netip.AddrFromSlice(ipn.IP.To4())
		ones, _ := ipn.Mask.Size()
		i.Addrs = append(i.Addrs, netip.PrefixFrom(ip, ones))
	}
	return i, nil
}

// CheckInterface reports everything that would stop Start with cfg, each problem with
// its fix: a missing or down interface, no link (a warning), no IPv4 address, a server
// address or pool that does not fit, ports that need privileges or are in use. It binds
// the ports for a moment to find out; it does not probe for other DHCP servers (Probe).
func CheckInterface(cfg Config) []*Problem {
	var probs []*Problem
	if !cfg.Loopback() && cfg.Iface != "" {
		if i, err := InterfaceByName(cfg.Iface); err == nil && i.Up && !i.Running {
			probs = append(probs, noCarrier(i.Name))
		}
	}
	rc, err := cfg.resolve()
	if err != nil {
		return append(probs, asProblem(err))
	}
	socks, err := rc.listen()
	if err != nil {
		return append(probs, asProblem(err))
	}
	socks.close()
	if !rc.loopback {
		if p := firewallProblem(rc.Iface, rc.DHCPPort, rc.TFTPPort, rc.NoDHCP); p != nil {
			probs = append(probs, p)
		}
	}
	return probs
}

func noCarrier(name string) *Problem {
	return &Problem{Kind: NoCarrier, Warning: true,
		Msg: fmt.Sprintf("%s has no link", name),
		Fix: "check the cable and that the phone (or its power injector/switch) is powered"}
}

// asProblem wraps err in a Problem when it is not one.
func asProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return &Problem{Kind: SocketFailed, Msg: err.Error(), Err: err}
}
