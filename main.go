// Command phoneflash flashes and rescues Cisco 79xx IP phones from one terminal:
// an embedded DHCP server (option 150 pointing at itself), a TFTP server over the
// firmware as downloaded, the factory-reset keys for the model, and a live view of
// every incremental load step.
//
// main.go is the table of commands; flags.go holds the flags they share, wizard.go the
// wizard and the demo. Nothing here but the command line and the wiring of the parts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
	"phoneflash/upgrade/sim"
)

// Exit codes are a contract (README "Command line"): 0 done, 1 failure, 2 bad usage.
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

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "--iface IF --firmware PATH [flags]",
		"Serve DHCP (option 150 = us) and TFTP over the firmware on one interface, headless:\n"+
			"one line per event on stdout until SIGINT or SIGTERM.", stderr)
	so := serverFlags(fs)
	jsonOut := fs.Bool("json", false, "print one JSON object per event (fields as in the --log file)")
	report := fs.String("report", "", "write the session report (JSON) to FILE when serve ends")
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
	var line *upgrade.LineSettings
	if err == nil {
		req, line, err = so.phone()
	}
	if err == nil && line != nil && cfg.NoDHCP {
		// The line's file goes only to the address our DHCP leased to the phone.
		err = errors.New("--sip-* with --no-dhcp: the line is served only to the address phoneflash's DHCP leased to the phone; drop --no-dhcp")
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
	lib, plan, code := so.served(req, line, stderr)
	if lib == nil {
		return code
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

	h := upgrade.Headless{Out: stdout, Notes: stderr, JSON: *jsonOut, Prefix: "phoneflash serve: ", Report: *report}
	started, err := h.Run(context.Background(), opts)
	switch {
	case !started:
		fmt.Fprintf(stderr, "phoneflash serve: %s\n", problemText(err))
		return exitFailure
	case err != nil: // said already
		return exitFailure
	}
	return exitOK
}

func runFirmware(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("firmware", "[--json] [--verbose] PATH...",
		"Lists the firmware loads found in folders (searched recursively) and in archives as downloaded\n"+
			"(.zip, .cop, .tar, .tar.gz, .tgz): family, protocol, version, files present, and what is missing.\n"+
			"Exit status: 0 when every PATH could be read, 1 when one could not (the others are still listed).", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	verbose := fs.Bool("verbose", false, "the verbose report: also each load's files and source, and the files that belong to no load")
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
