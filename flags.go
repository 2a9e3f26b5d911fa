package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
)

// serverOptions are the server flags shared by `serve` and the wizard (README "Command line").
// The settings of servers.Config are read back as typed (config): servers parses and
// checks them, for the wizard's form as for these flags.
type serverOptions struct {
	fs                       *flag.FlagSet
	noDHCP, anyClient, force bool
	log                      string
	firmware                 stringList
	phoneOptions
	lineOptions
}

// settingFlags are the command line's names for the servers' settings: it sets them,
// and a problem with one is told with its flag.
var settingFlags = map[servers.Field]string{
	servers.FieldIface: "iface", servers.FieldServerIP: "server-ip", servers.FieldPoolStart: "pool-start",
	servers.FieldPoolSize: "pool-size", servers.FieldMask: "mask", servers.FieldRouter: "router",
	servers.FieldLease: "lease", servers.FieldDHCPPort: "dhcp-port", servers.FieldTFTPPort: "tftp-port",
	servers.FieldNoDHCP: "no-dhcp", servers.FieldAnyClient: "any-client", servers.FieldForce: "force",
	servers.FieldProbeWindow: "probe-window", servers.FieldLeasesFile: "leases", servers.FieldBlockSize: "blksize",
}

// flagOf names setting f as the command line does: "--pool-start".
func flagOf(f servers.Field) string {
	if name, ok := settingFlags[f]; ok {
		return "--" + name
	}
	return ""
}

// phoneOptions are the flags that name the phone and its plan (the wizard, serve, plan).
type phoneOptions struct{ model, from, to, symptom string }

// phoneFlags defines --model, --from, --to and --symptom on fs.
func phoneFlags(fs *flag.FlagSet, o *phoneOptions) {
	fs.StringVar(&o.model, "model", "", "the phone model: "+strings.Join(upgrade.ModelNames(), ", ")+" (CP-7960G works too)")
	fs.StringVar(&o.from, "from", "", "the load the phone runs now (default unknown: a path safe from any start)")
	fs.StringVar(&o.to, "to", "", "the target load, e.g. P0S3-8-12-00 or SIP41.9-4-2SR3-1S")
	fs.StringVar(&o.symptom, "symptom", "", "what a phone in trouble shows: "+strings.Join(upgrade.SymptomNames()[1:], ", "))
}

// request is the plan request the flags make; an unknown --model or --symptom is an
// *upgrade.InputError, whatever else is given.
func (o *phoneOptions) request() (upgrade.PlanRequest, error) {
	if o.model != "" {
		if _, err := upgrade.FindModel(o.model); err != nil {
			return upgrade.PlanRequest{}, &upgrade.InputError{Msg: "--model: " + err.Error()}
		}
	}
	sy, err := upgrade.ParseSymptom(o.symptom)
	if err != nil {
		return upgrade.PlanRequest{}, &upgrade.InputError{Msg: "--symptom: " + err.Error()}
	}
	return upgrade.PlanRequest{Model: o.model, From: o.from, To: o.to, Symptom: sy}, nil
}

// serverFlags defines the server flags on fs.
func serverFlags(fs *flag.FlagSet) *serverOptions {
	o := &serverOptions{fs: fs}
	fs.String("iface", "", "the network interface the phone is cabled to")
	fs.String("server-ip", "", "our address on it (default: the interface's IPv4 address)")
	fs.String("pool-start", "", "first address handed out (default: the server address + 1)")
	fs.Int("pool-size", 0, "number of addresses handed out (default: up to .251 of the /24)")
	fs.String("mask", "", "subnet mask given to phones (default: the interface's)")
	fs.String("router", "", "default gateway given to phones (default: none)")
	fs.Duration("lease", servers.DefaultLease, "lease time")
	fs.Int("dhcp-port", servers.DHCPPort, "DHCP server port (tests: an unprivileged one)")
	fs.Int("tftp-port", servers.TFTPPort, "TFTP server port")
	fs.BoolVar(&o.noDHCP, "no-dhcp", false, "serve TFTP only (another DHCP server already points phones at us)")
	fs.BoolVar(&o.anyClient, "any-client", false, "answer every DHCP client, not only Cisco phones (option 60)")
	fs.BoolVar(&o.force, "force", false, "start although another DHCP server answers on the interface")
	fs.Duration("probe-window", servers.DefaultProbeWindow, "how long to listen for other DHCP servers before starting")
	fs.String("leases", "", "keep DHCP leases in FILE across restarts")
	fs.Int("blksize", 0, "cap the TFTP block size (513-65464) for clients that negotiate badly (default: the MTU)")
	fs.StringVar(&o.log, "log", "", "append every event to FILE as JSON lines")
	fs.Var(&o.firmware, "firmware", "firmware folder or archive (.zip, .cop, .tar, .tar.gz); repeatable")
	phoneFlags(fs, &o.phoneOptions)
	lineFlags(fs, &o.lineOptions)
	return o
}

// planFor makes the plan req asks for: nil without --model and --to. Bad input (a load
// of another family, a refused step) is an *upgrade.InputError.
func planFor(lib *firmware.Library, req upgrade.PlanRequest) (*upgrade.Plan, error) {
	if req.Model == "" && req.To == "" {
		return nil, nil
	}
	if req.Model == "" || req.To == "" {
		return nil, &upgrade.InputError{Msg: "give --model and --to together (and --from when you know what the phone runs)"}
	}
	return upgrade.MakePlan(lib, req)
}

// config turns the flags into a servers.Config: each setting given is parsed and
// checked by servers (Config.Set), the rules the wizard's form follows too. Errors
// are bad usage.
func (o *serverOptions) config() (servers.Config, error) {
	c := servers.Config{NoDHCP: o.noDHCP, ClassPrefix: upgrade.VendorClass, Force: o.force}
	if o.anyClient {
		c.ClassPrefix = ""
	}
	var err error
	o.fs.Visit(func(f *flag.Flag) { // the flags given, in lexical order: the others keep the servers' defaults
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool || err != nil {
			return
		}
		for field, name := range settingFlags {
			if name == f.Name {
				err = c.Set(field, f.Value.String())
			}
		}
	})
	return c, err
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// problemText is an error as the user reads it: for a servers.Problem, what is wrong
// and on its own line what to do, a setting named by its flag.
func problemText(err error) string {
	var p *servers.Problem
	if errors.As(err, &p) && p.Fix != "" {
		return p.Msg + "\n  to fix: " + p.FixNaming(flagOf)
	}
	return err.Error()
}

// settingProblem reports whether err is a setting that cannot work (bad usage), not
// the machine's state (an interface that is missing or down).
func settingProblem(err error) bool {
	var p *servers.Problem
	return errors.As(err, &p) && (p.Kind == servers.BadSetting || p.Kind == servers.BadAddress)
}

// openFirmware opens the firmware paths and says on stderr what could not be read (or
// deserves a note), source by source; the other sources are still used.
func openFirmware(cmd string, paths []string, stderr io.Writer) (*firmware.Library, error) {
	lib, err := firmware.Open(paths...)
	if err != nil {
		return nil, err
	}
	for _, p := range lib.Problems { // member names come from the archive
		fmt.Fprintf(servers.VisibleWriter(stderr), "phoneflash %s: firmware %s: %s\n", cmd, p.Source, p.Error)
	}
	return lib, nil
}

// loadlessFile is the first of paths that is a file (not a folder) from which no load
// was read: /etc/passwd by mistake, a zip of something else. A folder may hold loose
// phone files and no load; a file given on its own is meant to be firmware.
func loadlessFile(lib *firmware.Library, paths []string) string {
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue // unreadable paths are the library's problems, said already
		}
		found := false
		for _, sp := range lib.Problems {
			found = found || sp.Source == p && sp.Unread
		}
		for _, ld := range lib.Loads {
			// An archive is the source of its loads; a lone file's folder is its source.
			found = found || ld.Source == p || ld.Source == filepath.Dir(p)
		}
		if !found {
			return p
		}
	}
	return ""
}

// served opens what serve is to serve, and the plan to stage (nil without --model and
// --to), saying on stderr why not: then lib is nil and code the exit status.
func (o *serverOptions) served(req upgrade.PlanRequest, line *upgrade.LineSettings, stderr io.Writer) (lib *firmware.Library, plan *upgrade.Plan, code int) {
	lib, err := openFirmware("serve", o.firmware, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %v\n", err)
		return nil, nil, exitFailure
	}
	if len(lib.Loads) == 0 && lib.Err() != nil {
		fmt.Fprintln(stderr, "phoneflash serve: nothing to serve: no firmware could be read (each problem above says what to do)")
		return nil, nil, exitFailure
	}
	if p := loadlessFile(lib, o.firmware); p != "" {
		fmt.Fprintf(stderr, "phoneflash serve: --firmware %s: no firmware load in it: give a folder, or a .zip, .cop, .tar or .tar.gz as downloaded\n", p)
		return nil, nil, exitUsage
	}
	plan, err = planFor(lib, req)
	if err == nil {
		err = lineFor(plan, line)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %v\n", err)
		return nil, nil, exitUsage
	}
	if plan != nil && !plan.Complete() {
		fmt.Fprintf(stderr, "phoneflash serve: the plan to %s cannot be staged: %s\n  (phoneflash plan shows it step by step)\n",
			plan.To, strings.Join(plan.Missing, "; "))
		return nil, nil, exitFailure
	}
	return lib, plan, exitOK
}

// phone reads what the phone flags and the line flags ask for: the plan request and
// line 1 (nil: none), each checked.
func (o *serverOptions) phone() (upgrade.PlanRequest, *upgrade.LineSettings, error) {
	req, err := o.request()
	if err != nil {
		return req, nil, err
	}
	line, err := o.settings()
	return req, line, err
}
