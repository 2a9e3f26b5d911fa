package sim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/emiago/sipgo/sip"

	"phoneflash/upgrade"
)

// CommandSynopsis and CommandHelp head the usage of `phoneflash simulate`.
const (
	CommandSynopsis = "--model M [--from LOAD] [--mac MAC] [--iface IF] [--server IP] [--dhcp-port N] [--tftp-port N] [--expect LOAD] [--register] [--json] [--realtime] [faults]"
	CommandHelp     = "A virtual phone: it boots like the real one against any DHCP and TFTP server (ours, or\n" +
		"dnsmasq and tftpd-hpa), reads its config, takes the load it names, flashes and reboots\n" +
		"until it runs it. On loopback (the default) it unicasts DHCP to --server from a free port.\n" +
		"With --iface it does real, broadcast DHCP on that interface (root; use a network namespace):\n" +
		"the leased address is put on the interface only with --set-addr.\n" +
		"With --register it then registers line 1 of the SIP config it was served (digest auth, UDP).\n" +
		"Exit status: 0 when it runs the load the server's config names (and --expect, and with\n" +
		"--register the registrar answered 200 OK), 1 when it gives up (it says why), 2 on bad usage."
)

// Command is `phoneflash simulate`: its flags, beside the phone they make.
type Command struct {
	Expect string // --expect: the load it must end on

	cfg         Config
	mac, server string
	asJSON      bool
}

// NewCommand defines the flags of `phoneflash simulate` on fs.
func NewCommand(fs *flag.FlagSet) *Command {
	c := &Command{}
	cfg, faults := &c.cfg, &c.cfg.Faults
	fs.StringVar(&cfg.Model, "model", "", "the phone model: "+strings.Join(upgrade.ModelNames(), ", "))
	fs.StringVar(&cfg.From, "from", "", "the load it runs at power-on (default unknown: it takes what it is told)")
	fs.StringVar(&c.mac, "mac", "", "its MAC address (default: random, in a Cisco OUI)")
	fs.StringVar(&cfg.Iface, "iface", "", "boot on this interface with real DHCP (Linux, root) instead of loopback")
	fs.BoolVar(&cfg.SetAddr, "set-addr", false, "with --iface: put the leased address on the interface while it runs")
	fs.StringVar(&c.server, "server", "", "loopback: the DHCP server (default 127.0.0.1); --iface: unicast DHCP to it; --no-dhcp: the TFTP server")
	fs.BoolVar(&cfg.NoDHCP, "no-dhcp", false, "skip DHCP and read from --server straight away (checks a lone TFTP server)")
	fs.IntVar(&cfg.DHCPPort, "dhcp-port", 67, "the DHCP server's port")
	fs.IntVar(&cfg.TFTPPort, "tftp-port", 69, "the TFTP server's port")
	fs.StringVar(&c.Expect, "expect", "", "exit 1 unless it ends on this load")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object per action")
	fs.BoolVar(&cfg.Register, "register", false, "then register line 1 of the SIP config it was served with the registrar it names (exit 0 only on 200 OK)")
	fs.BoolVar(&cfg.Realtime, "realtime", false, "take a real phone's time (Java flash writes: minutes of silence)")
	fs.BoolVar(&cfg.FactoryReset, "factory-reset", false, "just factory reset: a Java phone asks termNN.default.loads first")
	fs.IntVar(&cfg.BlockSize, "blksize", 0, "ask for this TFTP block size (default none, as the phones do)")
	fs.IntVar(&cfg.MaxBoots, "max-boots", 0, "give up after this many boots (default 25)")
	fs.IntVar(&cfg.LoopTries, "loops", 0, "requests of a looping file before giving up (default 6)")
	fs.StringVar(&faults.Refuse, "refuse", "", "fault: refuse this load (\"*\": any) as if its signature failed: the AUTH FAIL loop")
	fs.BoolVar(&faults.Revert, "revert", false, "fault: after writing a load to flash, boot the old application again (once per load)")
	fs.StringVar(&faults.Missing, "missing", "", "fault: treat this file as absent, without asking for it: the phone loops on the manifest")
	fs.Float64Var(&faults.Loss, "loss", 0, "fault: drop this percentage of received DHCP and TFTP datagrams")
	fs.Uint64Var(&faults.Seed, "seed", 1, "seed of --loss")
	fs.StringVar(&faults.PowerCut.File, "power-cut", "", "fault: lose power while receiving this file (\"*\": the first file of a load), then boot again")
	fs.Int64Var(&faults.PowerCut.After, "power-cut-after", 0, "bytes received before the power goes (default: the first block)")
	fs.IntVar(&faults.PowerCut.Times, "power-cuts", 1, "how many times the power goes")
	return c
}

// Phone makes the phone the parsed flags describe, reporting its actions on stdout.
// Errors are bad usage.
func (c *Command) Phone(stdout io.Writer) (*Phone, error) {
	cfg := c.cfg
	cfg.Report = Printer(stdout, c.asJSON)
	if cfg.Register {
		// sipgo logs a few internal notes through its process-wide logger ("UDP ref went
		// negative" on close): noise on the command's stderr, which says what matters.
		sip.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	switch {
	case strings.TrimSpace(cfg.Model) == "":
		return nil, errors.New("--model missing: e.g. phoneflash simulate --model 7960 --dhcp-port 6767 --tftp-port 6969")
	case cfg.DHCPPort < 1 || cfg.DHCPPort > 65535 || cfg.TFTPPort < 1 || cfg.TFTPPort > 65535:
		return nil, errors.New("--dhcp-port and --tftp-port take 1 to 65535")
	}
	if c.mac != "" {
		mac, err := upgrade.NormalizeMAC(c.mac)
		if err == nil {
			cfg.MAC, err = net.ParseMAC(mac)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.server != "" {
		if cfg.Server = net.ParseIP(c.server).To4(); cfg.Server == nil {
			return nil, fmt.Errorf("--server %q: want an IPv4 address", c.server)
		}
	}
	return New(cfg)
}

// Printer reports actions on w, one line each (asJSON: one JSON object per line), for
// `phoneflash simulate`. Safe for concurrent use.
func Printer(w io.Writer, asJSON bool) func(Action) {
	var mu sync.Mutex
	return func(a Action) {
		mu.Lock()
		defer mu.Unlock()
		if asJSON {
			_, _ = w.Write(append(a.JSON(), '\n'))
			return
		}
		_, _ = fmt.Fprintln(w, a.String())
	}
}

// Verdict turns how Run ended into the command's exit status and a sentence: 0 when the
// phone runs the load the server's config names (and expect, when given), 1 otherwise.
func Verdict(res Result, err error, expect string) (int, string) {
	var gu *GiveUpError
	switch {
	case errors.As(err, &gu):
		return 1, "gave up: " + gu.Reason
	case errors.Is(err, context.Canceled):
		return 1, fmt.Sprintf("stopped after %d boots, running %s", res.Boots, orUnknown(res.Running))
	case err != nil:
		return 1, err.Error()
	case expect != "" && !res.Runs(expect):
		return 1, fmt.Sprintf("runs %s, the load the server names, not the expected %s: check what the server stages", res.Running, expect)
	}
	steps := "no step needed"
	if len(res.Steps) > 0 {
		steps = "steps " + strings.Join(res.Steps, " -> ")
	}
	if res.Registered != "" {
		steps += "; " + res.Registered
	}
	return 0, fmt.Sprintf("runs %s (%s; %d boots)", res.Running, steps, res.Boots)
}
