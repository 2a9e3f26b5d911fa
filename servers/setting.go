package servers

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Field is a setting of Config, in plain words. A Problem about a setting carries its
// Field so that each front end can name it its own way: the command line by its flag,
// the wizard by its form field.
type Field string

// The settings of Config.
const (
	FieldIface       Field = "interface"
	FieldServerIP    Field = "server address"
	FieldPoolStart   Field = "pool start"
	FieldPoolSize    Field = "pool size"
	FieldMask        Field = "subnet mask"
	FieldRouter      Field = "router"
	FieldLease       Field = "lease time"
	FieldDHCPPort    Field = "DHCP port"
	FieldTFTPPort    Field = "TFTP port"
	FieldNoDHCP      Field = "no DHCP"
	FieldAnyClient   Field = "any client"
	FieldForce       Field = "force"
	FieldProbeWindow Field = "probe window"
	FieldLeasesFile  Field = "leases file"
	FieldBlockSize   Field = "TFTP block size"
)

// What each setting takes, as a person is told: one rule per setting for the wizard's
// form, the command line (both through Set) and a Config built in code (Check).
const (
	MaxPoolSize = 253 // a /24 without its network, broadcast and server addresses

	wantIPv4        = "an IPv4 address (like 192.168.1.1)"
	wantMask        = "a subnet mask like 255.255.255.0 (/1 to /30)"
	wantPoolSize    = "a number from 1 to 253"
	wantLease       = "a duration of a minute or more (30m, 1h, 24h)"
	wantPort        = "a port number from 1 to 65535"
	wantBlockSize   = "a number from 513 to 65464 (clients that cannot negotiate use 512 anyway)"
	wantProbeWindow = "a duration above zero, up to a minute (500ms, 2s)"
	wantLeasesFile  = "a file in a folder that exists and that you may write"
)

// badSetting is the Problem of a value setting f cannot take; want says what it takes.
func badSetting(f Field, value string, want string) *Problem {
	p := &Problem{Kind: BadSetting, Field: f, Want: want, Msg: fmt.Sprintf("%s %s is not %s", f, value, want)}
	return p.fixing("set %s to "+strings.ReplaceAll(want, "%", "%%"), f)
}

// Set parses text typed for setting f (a flag's value, a form field) into c and checks
// it on its own (whether it fits the interface is Check's to say). Empty text means the
// default; a typed zero is not a way to ask for it. The error is a *Problem about f.
func (c *Config) Set(f Field, text string) error {
	text = strings.TrimSpace(text)
	bad := func(want string) error { return badSetting(f, strconv.Quote(text), want) }
	switch f {
	case FieldIface:
		c.Iface = text
	case FieldServerIP, FieldPoolStart, FieldRouter:
		var a netip.Addr
		if text != "" {
			var err error
			if a, err = netip.ParseAddr(text); err != nil || !a.Is4() {
				return bad(wantIPv4)
			}
		}
		*map[Field]*netip.Addr{FieldServerIP: &c.ServerIP, FieldPoolStart: &c.PoolStart, FieldRouter: &c.Router}[f] = a
	case FieldMask:
		c.Mask = nil
		if text != "" {
			a, err := netip.ParseAddr(text)
			if err != nil || !a.Is4() {
				return bad(wantMask)
			}
			c.Mask = net.IPMask(a.AsSlice())
		}
	case FieldPoolSize, FieldDHCPPort, FieldTFTPPort, FieldBlockSize:
		n := 0
		if text != "" {
			var err error
			if n, err = strconv.Atoi(text); err != nil || n <= 0 { // AnyPort is for code, not people
				return bad(settingWant[f])
			}
		}
		*map[Field]*int{FieldPoolSize: &c.PoolSize, FieldDHCPPort: &c.DHCPPort, FieldTFTPPort: &c.TFTPPort, FieldBlockSize: &c.BlockSize}[f] = n
	case FieldLease, FieldProbeWindow:
		var d time.Duration
		if text != "" {
			var err error
			if d, err = time.ParseDuration(text); err != nil || d <= 0 {
				return bad(settingWant[f])
			}
		}
		*map[Field]*time.Duration{FieldLease: &c.Lease, FieldProbeWindow: &c.ProbeWindow}[f] = d
	case FieldLeasesFile:
		c.LeasesFile = text
	default:
		return fmt.Errorf("servers: %s is not a setting given as text", f)
	}
	if p := c.checkSetting(f); p != nil {
		return p
	}
	return nil
}

// settingWant is what the numeric settings take.
var settingWant = map[Field]string{FieldPoolSize: wantPoolSize, FieldDHCPPort: wantPort, FieldTFTPPort: wantPort,
	FieldBlockSize: wantBlockSize, FieldLease: wantLease, FieldProbeWindow: wantProbeWindow}

// checkedSettings are the settings checkSetting knows a rule for, in the order Check
// reports them.
var checkedSettings = []Field{FieldMask, FieldPoolSize, FieldLease, FieldDHCPPort, FieldTFTPPort,
	FieldBlockSize, FieldProbeWindow, FieldLeasesFile}

// checkSetting checks setting f of c on its own; a zero value is the default and
// always right.
func (c Config) checkSetting(f Field) *Problem {
	port := func(p int) bool { return p == 0 || p == AnyPort || p >= 1 && p <= 65535 }
	switch f {
	case FieldMask:
		if c.Mask != nil && !usableMask(c.Mask) {
			return badSetting(f, net.IP(c.Mask).String(), wantMask)
		}
	case FieldPoolSize:
		if c.PoolSize < 0 || c.PoolSize > MaxPoolSize {
			return badSetting(f, strconv.Itoa(c.PoolSize), wantPoolSize)
		}
	case FieldLease:
		if c.Lease != 0 && c.Lease < time.Minute {
			return badSetting(f, c.Lease.String(), wantLease)
		}
	case FieldDHCPPort:
		if !port(c.DHCPPort) {
			return badSetting(f, strconv.Itoa(c.DHCPPort), wantPort)
		}
	case FieldTFTPPort:
		if !port(c.TFTPPort) {
			return badSetting(f, strconv.Itoa(c.TFTPPort), wantPort)
		}
	case FieldBlockSize:
		if c.BlockSize != 0 && (c.BlockSize <= 512 || c.BlockSize > 65464) {
			return badSetting(f, strconv.Itoa(c.BlockSize), wantBlockSize)
		}
	case FieldProbeWindow:
		if c.ProbeWindow < 0 || c.ProbeWindow > time.Minute {
			return badSetting(f, c.ProbeWindow.String(), wantProbeWindow)
		}
	case FieldLeasesFile:
		if c.LeasesFile != "" && !writableFile(c.LeasesFile) {
			return badSetting(f, strconv.Quote(c.LeasesFile), wantLeasesFile)
		}
	}
	return nil
}

// checkSettings checks every setting of c on its own.
func (c Config) checkSettings() *Problem {
	for _, f := range checkedSettings {
		if p := c.checkSetting(f); p != nil {
			return p
		}
	}
	return nil
}

// usableMask reports a contiguous IPv4 mask from /1 to /30: a /31 or /32 leaves no
// address to hand out.
func usableMask(m net.IPMask) bool {
	ones, bits := m.Size()
	return bits == 32 && ones > 0 && ones <= 30
}

// writableFile reports whether the leases file can be kept at path: the pool saves it
// by renaming a new file in its folder over it, so the folder must take new files, and
// an existing path must be a plain file. Found now, not at the first ACK.
func writableFile(path string) bool {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return false
	}
	probe, err := os.CreateTemp(filepath.Dir(path), ".leases-check-*")
	if err != nil {
		return false
	}
	probe.Close()
	os.Remove(probe.Name())
	return true
}

// Check reports the first setting of c that cannot work, as a *Problem about its
// Field, without opening a socket: each value on its own (the rules of Set), then, when
// c names an interface or is loopback, whether the addresses fit the interface. Start
// checks the same first.
func (c Config) Check() error {
	if p := c.checkSettings(); p != nil {
		return p
	}
	if c.Iface == "" && !c.Loopback() {
		return nil
	}
	_, err := c.resolve()
	return err
}
