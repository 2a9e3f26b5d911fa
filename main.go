// Command phoneflash flashes and rescues Cisco 79xx IP phones from one terminal:
// an embedded DHCP server (option 150 pointing at itself), a TFTP server over the
// firmware as downloaded, the factory-reset keys for the model, and a live view of
// every incremental load step.
//
// main.go holds the command line and wires the parts; nothing else.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/ui"
	"phoneflash/upgrade"
	"phoneflash/upgrade/sim"
)

// Exit codes are a contract (DESIGN.md): 0 done, 1 failure, 2 bad usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand of the command line.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"demo", "", "the wizard against a virtual phone on loopback, sample firmware", runDemo},
		{"serve", "[flags]", "headless: DHCP + TFTP + tracker; one event a line (--json: JSON lines)", runServe},
		{"firmware", "[--json] [--verbose] PATH...", "loads found, family, protocol, version, files, complete or what is missing", runFirmware},
		{"plan", "--model M --to LOAD [--from LOAD] --firmware PATH [--json]", "the upgrade steps", runPlan},
		{"models", "[--json]", "models, families, reset key sequences", runModels},
		{"simulate", "--model M [flags]", "a virtual phone that boots against any DHCP/TFTP server", runSimulate},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand; with no subcommand (or only flags) it starts the wizard.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return runWizard(args, stdout, stderr)
	}
	if isHelp(args[0]) || args[0] == "help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "phoneflash: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: phoneflash [command] [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  phoneflash                the wizard (choose interface, firmware, phone; then watch)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  phoneflash %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'phoneflash COMMAND --help' for the flags of a command.")
}

// newFlagSet makes a flag set that reports errors instead of exiting, with a usage
// line naming the command ("" for the wizard: plain phoneflash).
func newFlagSet(name, synopsis, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.TrimSpace("phoneflash "+name), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s %s\n\n%s\n\nFlags:\n", fs.Name(), synopsis, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; ok is false when the caller must return code (help: 0 with the
// usage on stdout, bad usage: 2 with the error and the usage on stderr).
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, ok bool) {
	stderr := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print usage on its own
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK, false
	default:
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err) // the name says "phoneflash" itself
		fs.Usage()
		return exitUsage, false
	}
}

func runWizard(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("", "[flags]", "The wizard: choose the interface, the firmware and the phone, start the servers,\n"+
		"reset the phone, watch every step. With --iface, --firmware, --model, --from and --to it opens at Ready.", stderr)
	so := serverFlags(fs)
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	cfg, err := so.config() // no --iface: the Bench screen asks
	var req upgrade.PlanRequest
	if err == nil {
		req, err = so.request()
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (firmware goes after --firmware)", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash: %s\n", problemText(err))
		return exitUsage
	}
	// Reports and the default event log go to the current folder, named in full on
	// the Done screen; the log is opened only when the servers start.
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash: %v\n", err)
		return exitFailure
	}
	logPath := so.log
	if logPath == "" {
		logPath = "phoneflash-" + time.Now().Format("20060102-150405") + ".jsonl"
	}
	if !filepath.IsAbs(logPath) {
		logPath = filepath.Join(wd, logPath)
	}
	res, err := ui.Run(upgrade.Bench{ReportDir: wd}, ui.Options{Servers: cfg, Firmware: so.firmware, Model: req.Model,
		From: req.From, To: req.To, Symptom: req.Symptom, OpenLog: logOpener(logPath)})
	return wizardEnded("phoneflash", res, err, nil, stdout, stderr)
}

// demoFirmware is the sample firmware of `phoneflash demo`: the 7940/7960 seed chain.
//
//go:embed testdata/firmware/7940-7960
var demoFirmware embed.FS

func runDemo(args []string, stdout, stderr io.Writer) int {
	flags := newFlagSet("demo", "", "The whole wizard with sample firmware built in and a virtual 7960 on loopback:\n"+
		"no root, no cable, no phone. Nothing is broadcast, no real interface is touched.", stderr)
	if code, ok := parse(flags, args, stdout); !ok {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "phoneflash demo: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	fw, err := fs.Sub(demoFirmware, "testdata/firmware/7940-7960")
	if err != nil { // cannot happen: the folder is embedded
		fmt.Fprintf(stderr, "phoneflash demo: %v\n", err)
		return exitFailure
	}
	dir, err := os.MkdirTemp("", "phoneflash-demo-") // the report and the event log
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash demo: %v\n", err)
		return exitFailure
	}
	d := &sim.Demo{Name: "7940-7960", FS: fw, ReportDir: dir}
	logPath := filepath.Join(dir, "events.jsonl")
	loopback := servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort} // what Demo.Start binds
	res, err := ui.Run(d, ui.Options{Servers: loopback, Firmware: []string{d.Name},
		Model: "7960", From: "P00303010102", To: "P0S3-8-12-00", Walk: true, Title: "phoneflash demo",
		OpenLog: logOpener(logPath)})
	_, phoneErr := d.Wait()
	return wizardEnded("phoneflash demo", res, err, phoneErr, stdout, stderr)
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

// logOpener opens the event log at path when the wizard starts the servers.
func logOpener(path string) func() (io.WriteCloser, string, error) {
	return func() (io.WriteCloser, string, error) {
		f, err := servers.OpenLog(path)
		return f, path, err
	}
}

// wizardEnded prints the wizard's summary and its errors; note (the demo phone's fate)
// is said but does not fail the run.
func wizardEnded(name string, res ui.Result, err, note error, stdout, stderr io.Writer) int {
	res.WriteSummary(stdout)
	for _, e := range []error{err, res.Err, note} {
		if e != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, e)
		}
	}
	if err != nil || res.Err != nil {
		return exitFailure
	}
	return exitOK
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "--iface IF --firmware PATH [flags]",
		"Serve DHCP (option 150 = us) and TFTP over the firmware on one interface, headless:\n"+
			"one line per event on stdout until SIGINT or SIGTERM.", stderr)
	so := serverFlags(fs)
	jsonOut := fs.Bool("json", false, "print one JSON object per event (fields as in the --log file)")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	cfg, err := so.config()
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (firmware goes after --firmware)", fs.Arg(0))
	}
	if err == nil && cfg.Iface == "" {
		err = errors.New("no interface: give --iface IF (see: ip -br link)")
	}
	if err == nil && len(so.firmware) == 0 {
		err = errors.New("no firmware: give --firmware PATH (a folder, .zip, .cop or .tar), repeatable")
	}
	var req upgrade.PlanRequest
	if err == nil {
		req, err = so.request()
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %s\n", problemText(err))
		return exitUsage
	}
	if err := cfg.Check(); err != nil { // before any socket: a setting that cannot work is bad usage
		fmt.Fprintf(stderr, "phoneflash serve: %s\n", problemText(err))
		if settingProblem(err) {
			return exitUsage
		}
		return exitFailure
	}
	lib, err := openFirmware("serve", so.firmware, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %v\n", err)
		return exitFailure
	}
	if len(lib.Loads) == 0 && lib.Err() != nil {
		fmt.Fprintln(stderr, "phoneflash serve: nothing to serve: no firmware could be read (each problem above says what to do)")
		return exitFailure
	}
	if p := loadlessFile(lib, so.firmware); p != "" {
		fmt.Fprintf(stderr, "phoneflash serve: --firmware %s: no firmware load in it: give a folder, or a .zip, .cop, .tar or .tar.gz as downloaded\n", p)
		return exitUsage
	}
	plan, err := planFor(lib, req)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %v\n", err)
		return exitUsage
	}
	if plan != nil && !plan.Complete() {
		fmt.Fprintf(stderr, "phoneflash serve: the plan to %s cannot be staged: %s\n  (phoneflash plan shows it step by step)\n",
			plan.To, strings.Join(plan.Missing, "; "))
		return exitFailure
	}
	opts := upgrade.Options{Servers: cfg, Library: lib, Plan: plan}
	if so.log != "" {
		f, err := servers.OpenLog(so.log)
		if err != nil {
			fmt.Fprintf(stderr, "phoneflash serve: %v\n", err)
			return exitFailure
		}
		defer f.Close()
		opts.Log, opts.LogPath = f, so.log
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sess := upgrade.New(opts)
	events := sess.Subscribe(context.Background()) // before Run: closed by sess.Stop after the last event
	if err := sess.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "phoneflash serve: %s\n", problemText(err))
		return exitFailure
	}
	// From here on nothing is written in place: a terminal or pipe that does not read
	// must hold up neither the servers nor the exit (lineQueue).
	out, notes := newEventLines(stdout, *jsonOut), newLineQueue(servers.VisibleWriter(stderr), outputQueue)
	stopping := make(chan struct{}) // closed before the Session stops: output then waits for nobody
	say := func(format string, a ...any) {
		notes.Put(fmt.Appendf(nil, "phoneflash serve: "+format+"\n", a...), stopping)
	}
	go func() {
		select { // a signal, or the servers failed by themselves
		case <-ctx.Done():
		case <-sess.Done():
		}
		close(stopping)
		sess.Stop()
	}()
	if plan != nil {
		say("staging %d step(s) for the %s: %s", len(plan.Steps), plan.Model.Name, stepIDs(plan))
	}
	rc := sess.Servers().Config()
	if rc.NoDHCP {
		say("TFTP on %s (no DHCP); %d loads; Ctrl-C stops", sess.Servers().TFTPAddr(), len(lib.Loads))
	} else {
		say("DHCP on %s port %d (pool %s + %d), TFTP on %s; %d loads; Ctrl-C stops",
			rc.Iface, sess.Servers().DHCPAddr().Port(), rc.PoolStart, rc.PoolSize, sess.Servers().TFTPAddr(), len(lib.Loads))
	}
	for _, w := range sess.Servers().Warnings() {
		say("warning: %s", w)
	}
	for e := range events {
		if e.Kind == servers.LogError { // at once, where a person looks, not only in the stream
			say("%s", e.Msg)
		}
		line := eventLine(e, *jsonOut)
		if e.Important() {
			out.Put(line, stopping)
		} else {
			out.Offer(line) // progress: the next one says more, and a lagging reader loses nothing
		}
	}
	code := exitOK
	if err := sess.Err(); err != nil {
		say("%v", err)
		code = exitFailure
	}
	if err := sess.LogErr(); err != nil {
		say("%v", err)
		code = exitFailure
	}
	end := time.Now().Add(outputGrace)
	out.Close(time.Until(end))
	notes.Close(time.Until(end))
	return code
}

// outputQueue is how many lines may wait for a slow reader of serve's output, and
// outputGrace how long they may still take once the servers have stopped.
const (
	outputQueue = 256
	outputGrace = 500 * time.Millisecond
)

func runFirmware(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("firmware", "[--json] [--verbose] PATH...",
		"Lists the firmware loads found in folders (searched recursively) and in archives as downloaded\n"+
			"(.zip, .cop, .tar, .tar.gz, .tgz): family, protocol, version, files present, and what is missing.\n"+
			"Exit status: 0 when every PATH could be read, 1 when one could not (the others are still listed).", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	verbose := fs.Bool("verbose", false, "also list each load's files and the files that belong to no load")
	// Flags may come before or after the paths; "--" ends the flags.
	var paths []string
	for rest := args; len(rest) > 0; {
		if code, ok := parse(fs, rest, stdout); !ok {
			return code
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			paths = append(paths, left...)
			break
		}
		paths, rest = append(paths, left[0]), left[1:]
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "phoneflash firmware: no PATH given: name a folder or a downloaded archive,\n"+
			"e.g. phoneflash firmware ~/Downloads/cmterm-7941_7961-sip.9-4-2SR3-1.zip")
		fs.Usage()
		return exitUsage
	}
	lib, err := firmware.Open(paths...)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash firmware: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		err = firmware.WriteReportJSON(stdout, lib)
	} else { // names and .loads lines come from files anyone may have made
		err = firmware.WriteReport(servers.VisibleWriter(stdout), lib, *verbose)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash firmware: %v\n", err)
		return exitFailure
	}
	if err := lib.Err(); err != nil {
		fmt.Fprintln(stderr, "phoneflash firmware: not every path could be read; each problem above says what to do")
		return exitFailure
	}
	return exitOK
}

func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plan", "--model M --to LOAD [--from LOAD] --firmware PATH [--json] [--symptom S]",
		"Plans the incremental steps that take a phone from its current load to the target, with the\n"+
			"loads found in the firmware given, and says what is missing. Exit status: 0 when every step's\n"+
			"load is at hand and complete, 1 when one is missing or incomplete, 2 on bad usage.", stderr)
	var po phoneOptions
	phoneFlags(fs, &po)
	var paths stringList
	fs.Var(&paths, "firmware", "a folder or a downloaded archive (.zip, .cop, .tar, .tar.gz); repeatable")
	asJSON := fs.Bool("json", false, "print the plan as one JSON object")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	paths = append(paths, fs.Args()...) // firmware may also follow the flags
	var missing []string
	for _, f := range []struct{ name, value string }{{"--model", po.model}, {"--to", po.to}} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(paths) == 0 {
		missing = append(missing, "--firmware")
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "phoneflash plan: %s missing: e.g. phoneflash plan --model 7960 --to P0S3-8-12-00 --firmware ~/Downloads/7960\n",
			strings.Join(missing, " and "))
		return exitUsage
	}
	req, err := po.request()
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash plan: %v\n", err)
		return exitUsage
	}
	lib, err := openFirmware("plan", paths, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash plan: %v\n", err)
		return exitUsage
	}
	p, err := upgrade.MakePlan(lib, req)
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash plan: %v\n", err)
		var bad *upgrade.InputError
		if errors.As(err, &bad) {
			return exitUsage
		}
		return exitFailure
	}
	if *asJSON {
		err = upgrade.WritePlanJSON(stdout, p)
	} else {
		err = upgrade.WritePlan(servers.VisibleWriter(stdout), p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash plan: %v\n", err)
		return exitFailure
	}
	if !p.Complete() {
		fmt.Fprintf(stderr, "phoneflash plan: %d step(s) cannot be served yet: get what the plan lists as missing, then plan again\n",
			len(p.Missing))
		return exitFailure
	}
	return exitOK
}

func runModels(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("models", "[--json]",
		"Lists the phone models phoneflash knows: family, default-loads file, protocols, XMLDefault IDs,\n"+
			"the DHCP vendor class each sends, and the factory-reset key sequences step by step.", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "phoneflash models: unexpected argument %q: the command takes only --json\n", fs.Arg(0))
		return exitUsage
	}
	var err error
	if *asJSON {
		err = upgrade.WriteModelsJSON(stdout)
	} else {
		err = upgrade.WriteModels(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash models: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", sim.CommandSynopsis, sim.CommandHelp, stderr)
	cmd := sim.NewCommand(fs)
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	var phone *sim.Phone
	err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
	if fs.NArg() == 0 {
		phone, err = cmd.Phone(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneflash simulate: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := phone.Run(ctx)
	code, msg := sim.Verdict(res, err, cmd.Expect)
	fmt.Fprintf(stderr, "phoneflash simulate: %s %s %s\n", res.Model, res.MAC, msg)
	return code
}

// serverOptions are the server flags shared by `serve` and the wizard (DESIGN.md).
// The settings of servers.Config are read back as typed (config): servers parses and
// checks them, for the wizard's form as for these flags.
type serverOptions struct {
	fs                       *flag.FlagSet
	noDHCP, anyClient, force bool
	log                      string
	firmware                 stringList
	phoneOptions
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
	c := servers.Config{NoDHCP: o.noDHCP, ClassPrefix: "Cisco", Force: o.force}
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

// stepIDs lists a plan's loads, "A -> B -> C".
func stepIDs(p *upgrade.Plan) string {
	ids := make([]string, len(p.Steps))
	for i, st := range p.Steps {
		ids[i] = st.ID
	}
	return strings.Join(ids, " -> ")
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
