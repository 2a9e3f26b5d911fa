package upgrade

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
)

// Bench is the wizard's window on the real machine: its interfaces, its files, and
// Sessions on real ports. (The demo has its own, on loopback with a virtual phone.)
type Bench struct {
	ReportDir string // where session reports go; "" = the current directory
}

// Interfaces lists this machine's network interfaces.
func (Bench) Interfaces() ([]servers.Interface, error) { return servers.Interfaces() }

// Check lists what stands in the way of serving with cfg.
func (Bench) Check(cfg servers.Config) []*servers.Problem { return servers.CheckInterface(cfg) }

// Probe looks for other DHCP servers on iface, asking as a Cisco phone would (a server
// that answers only phones is found too).
func (Bench) Probe(ctx context.Context, iface string) ([]servers.Offer, error) {
	return servers.Probe(ctx, iface, servers.DefaultProbeWindow, VendorClass)
}

// AddAddress runs the system's own command that adds CIDR to the interface
// (servers.AddressCommand: ip, ipconfig or netsh; root / Administrator): the wizard
// offers it, after asking, when the interface has no IPv4 address.
func (Bench) AddAddress(iface, cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("add address %q: %w", cidr, err)
	}
	args := servers.AddressCommand(runtime.GOOS, iface, p)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// OpenFirmware scans folders and archives for loads.
func (Bench) OpenFirmware(paths ...string) (*firmware.Library, error) { return firmware.Open(paths...) }

// CompletePath lists the entries that start with prefix (folders end in a separator),
// for the firmware path field.
func (Bench) CompletePath(prefix string) []string {
	if strings.HasPrefix(prefix, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			prefix = home + prefix[1:]
		}
	}
	matches, err := filepath.Glob(globEscape(prefix) + "*")
	if err != nil {
		return nil
	}
	for i, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.IsDir() {
			matches[i] = m + string(filepath.Separator)
		}
	}
	return matches
}

// globEscape keeps a typed path's own *, ? and [ from acting as patterns.
func globEscape(s string) string {
	if runtime.GOOS == "windows" { // '\\' is the separator there, not an escape
		return s
	}
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// Start starts a Session, subscribed before it runs (see StartWatched).
func (Bench) Start(ctx, sub context.Context, o Options) (*Session, <-chan Event, error) {
	return StartWatched(ctx, sub, o)
}

// WriteReport writes the session report as phoneflash-report-<time>.json in ReportDir.
func (b Bench) WriteReport(s *Session) (string, error) {
	now := time.Now()
	path := filepath.Join(b.ReportDir, "phoneflash-report-"+now.Format("20060102-150405")+".json")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("write the session report: %w", err)
	}
	if err := s.Report(now).WriteJSON(f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write the session report %s: %w", path, err)
	}
	return path, nil
}
