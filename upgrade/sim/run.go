package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"phoneflash/firmware"
)

// bootEnd is how one boot ended.
type bootEnd int

const (
	bootGoesOn bootEnd = iota // nothing ended the boot: go on with the next request
	bootDone                  // it runs the named load
	bootReboot                // it flashed something and restarts
	bootCut                   // the power went
	bootAgain                 // it refused what it was told to take and starts over, flash untouched
)

// Run boots the phone until it runs the load the server's config names (nil error),
// gives up (*GiveUpError, saying why), or ctx ends. Run once per Phone.
func (p *Phone) Run(ctx context.Context) (Result, error) {
	if p.ran.Swap(true) {
		return p.res, errors.New("a virtual phone runs once: make a new one with New")
	}
	tr, err := p.transport()
	if err != nil {
		return p.res, err
	}
	defer func() {
		if cerr := tr.cleanup(); cerr != nil {
			p.act(Action{Kind: Failed, Msg: "undo the interface address: " + cerr.Error()})
		}
	}()
	for boot := 1; ; boot++ {
		if boot > p.cfg.MaxBoots {
			return p.finish(p.giveUp(nil, "still not on the load the server names (%s) after %d boots: its config keeps changing, or the phone keeps failing",
				p.st.lastNamed, p.cfg.MaxBoots))
		}
		p.res.Boots = boot
		end, err := p.boot(ctx, tr, boot)
		if err != nil {
			return p.finish(err)
		}
		switch end {
		case bootDone:
			if p.cfg.Register {
				return p.finish(p.register(ctx, p.lastLease, p.lastConfigs))
			}
			return p.finish(nil)
		case bootReboot, bootCut:
			p.res.Reboots++
		}
	}
}

// finish completes the result; a give-up is reported as an action too.
func (p *Phone) finish(err error) (Result, error) {
	p.res.Running = p.st.running
	p.res.Named = p.st.lastNamed
	if p.loss != nil {
		p.res.Dropped = p.loss.count()
	}
	var gu *GiveUpError
	if errors.As(err, &gu) {
		p.act(Action{Kind: GiveUp, Load: p.st.running, Msg: gu.Reason})
	}
	return p.res, err
}

func (p *Phone) giveUp(cause error, format string, a ...any) error {
	return &GiveUpError{Reason: fmt.Sprintf(format, a...), Err: cause}
}

// drop is the loss fault's filter for received datagrams; nil without loss.
func (p *Phone) drop() func() bool {
	if p.loss == nil {
		return nil
	}
	return p.loss.drop
}

// act stamps and reports an action.
func (p *Phone) act(a Action) {
	if p.report == nil {
		return
	}
	a.Time = time.Now()
	a.Boot = p.res.Boots
	a.MAC = p.res.MAC
	p.report(a)
}

// transport is how the phone reaches the network.
type transport struct {
	dhcp     *dhcpClient                              // nil with NoDHCP
	listen   func(local net.IP) (*net.UDPConn, error) // the phone's TFTP socket
	loopback bool                                     // the phone lives on loopback: it reaches nothing else
	setAddr  func(lease) error                        // after a lease (--set-addr); nil: nothing to do
	cleanup  func() error                             // undoes setAddr
}

func (p *Phone) transport() (*transport, error) {
	t := &transport{cleanup: func() error { return nil }}
	dhcpPort := p.cfg.DHCPPort
	if p.cfg.Iface == "" {
		t.loopback = true
		// Bound to its leased 127.x address when it can, so a server on loopback sees
		// the phone's TFTP coming from the address it leased (macOS has only 127.0.0.1).
		t.listen = func(local net.IP) (*net.UDPConn, error) {
			if local != nil && local.IsLoopback() {
				if c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: local}); err == nil {
					return c, nil
				}
			}
			return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		}
		if !p.cfg.NoDHCP {
			server := p.cfg.Server
			if server == nil {
				server = net.IPv4(127, 0, 0, 1)
			}
			t.dhcp = &dhcpClient{
				open: func() (net.PacketConn, error) {
					return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				},
				server: &net.UDPAddr{IP: server, Port: dhcpPort},
			}
		}
	} else {
		ifi, err := net.InterfaceByName(p.cfg.Iface)
		if err != nil {
			return nil, fmt.Errorf("interface %s: %w", p.cfg.Iface, err)
		}
		iface := p.cfg.Iface
		t.listen = func(local net.IP) (*net.UDPConn, error) {
			if !p.cfg.SetAddr {
				local = net.IPv4zero // the address the interface already has
			}
			return listenOnIface(iface, local)
		}
		if !p.cfg.NoDHCP {
			dst := net.IPv4bcast
			if p.cfg.Server != nil {
				dst = p.cfg.Server
			}
			// A chaddr that is not the interface's own would miss unicast replies:
			// ask for broadcast ones then.
			t.dhcp = &dhcpClient{
				open:      func() (net.PacketConn, error) { return openIfaceDHCP(iface) },
				server:    &net.UDPAddr{IP: dst, Port: dhcpPort},
				broadcast: !bytes.Equal(ifi.HardwareAddr, p.mac),
			}
		}
		if p.cfg.SetAddr {
			var set *lease
			t.setAddr = func(l lease) error {
				if set != nil && set.IP.Equal(l.IP) {
					return nil
				}
				if set != nil {
					if err := delIfaceAddr(iface, set.IP, set.Mask); err != nil {
						return err
					}
					set = nil
				}
				if err := setIfaceAddr(iface, l.IP, l.Mask); err != nil {
					return err
				}
				set = &l
				return nil
			}
			t.cleanup = func() error {
				if set == nil {
					return nil
				}
				return delIfaceAddr(iface, set.IP, set.Mask)
			}
		}
	}
	if t.dhcp != nil {
		t.dhcp.timeout, t.dhcp.tries, t.dhcp.drop = p.timing.DHCPTimeout, p.timing.DHCPTries, p.drop()
	}
	return t, nil
}

// boot is one power-on: DHCP, then the requests of upgrade.BootRequests in order.
func (p *Phone) boot(ctx context.Context, tr *transport, n int) (bootEnd, error) {
	switch {
	case n == 1 && p.st.factoryReset:
		p.act(Action{Kind: PowerOn, Load: p.st.running, Msg: "powered on after a factory reset"})
	case n == 1:
		p.act(Action{Kind: PowerOn, Load: p.st.running, Msg: "powered on"})
	default:
		p.act(Action{Kind: PowerOn, Load: p.st.running, Msg: "booting again"})
	}
	if err := sleep(ctx, p.timing.PowerOn); err != nil {
		return 0, err
	}
	l := lease{TFTP: p.cfg.Server, TFTPFrom: "--server"}
	if tr.dhcp != nil {
		var err error
		if l, err = p.lease(ctx, tr); err != nil {
			return 0, err
		}
	}
	if err := sleep(ctx, p.timing.AfterLease); err != nil {
		return 0, err
	}
	b := &bootRun{p: p, tftp: &tftpClient{
		server:  &net.UDPAddr{IP: l.TFTP, Port: p.cfg.TFTPPort},
		listen:  func() (*net.UDPConn, error) { return tr.listen(l.IP) },
		timeout: p.timing.TFTPTimeout,
		retries: p.timing.TFTPRetries,
		blksize: p.cfg.BlockSize,
		drop:    p.drop(),
		pace:    p.timing.Block,
	}, tftpFrom: l.TFTPFrom}
	end, err := b.walk(ctx)
	p.lastLease, p.lastConfigs = l.IP, b.configs
	if p.st.factoryReset && end != bootCut {
		p.st.factoryReset = false // the reset's first boot is over
	}
	return end, err
}

// lease runs DHCP and checks the phone can reach the TFTP server it names.
func (p *Phone) lease(ctx context.Context, tr *transport) (lease, error) {
	req := dhcpRequest{MAC: p.mac, Class: p.class(), Hostname: "SEP" + macDigits(p.mac)}
	p.act(Action{Kind: Discover, Msg: fmt.Sprintf("option 60 %q, to %s", req.Class, tr.dhcp.server)})
	l, err := tr.dhcp.exchange(ctx, req, func(o *dhcpv4.DHCPv4) {
		p.act(Action{Kind: Offer, IP: o.YourIPAddr.String(), Msg: "from " + o.ServerIdentifier().String()})
	})
	var nd *NoDHCPError
	switch {
	case errors.As(err, &nd):
		return l, p.giveUp(err, "%v: is the DHCP server running, on port %d, and does it answer Cisco phones (option 60 %q)?",
			err, p.cfg.DHCPPort, strings.TrimRight(req.Class, "\x00"))
	case err != nil && ctx.Err() != nil:
		return l, ctx.Err()
	case err != nil:
		return l, p.giveUp(err, "DHCP: %v", err)
	}
	p.act(Action{Kind: Lease, IP: l.IP.String(), Msg: fmt.Sprintf("TFTP server %s (%s)", l.TFTP, l.TFTPFrom)})
	if tr.loopback && !l.TFTP.IsLoopback() {
		return l, p.giveUp(nil, "the DHCP server names TFTP server %s (%s), which a phone on loopback cannot reach: "+
			"give the server's loopback address in option 150", l.TFTP, l.TFTPFrom)
	}
	if tr.setAddr != nil {
		if err := tr.setAddr(l); err != nil {
			return l, p.giveUp(err, "put the leased address on %s: %v", p.cfg.Iface, err)
		}
	}
	return l, nil
}

// class is the option 60 the phone sends: a 7940/7960 on an image from before the
// universal loader names no model (FACTS.md §6 [S]); every other sends the catalog's
// first form.
func (p *Phone) class() string {
	if p.oldImage() {
		for _, c := range p.model.Classes {
			if !strings.Contains(c, p.model.Name) { // "Cisco Systems, Inc. IP Phone": no model in it
				return c
			}
		}
	}
	return p.model.Classes[0]
}

// runningProtocol is the protocol of the load the phone runs; an unknown load is taken
// for SCCP, what these phones ship with.
func (p *Phone) runningProtocol() firmware.Protocol {
	if _, proto, _, err := firmware.ParseID(p.st.running); err == nil {
		return proto
	}
	return firmware.SCCP
}

// oldImage reports whether a 7940/7960 runs an image from before the universal loader.
func (p *Phone) oldImage() bool {
	i, ok := imageOf(p.st.running)
	return ok && i.unsigned()
}

// orUnknown names a running load for messages.
func orUnknown(load string) string {
	if load == "" {
		return "an unknown load"
	}
	return load
}
