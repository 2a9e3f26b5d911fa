// Command phoneflash flashes and rescues Cisco 79xx IP phones from one terminal:
// an embedded DHCP server (option 150 pointing at itself), a TFTP server over the
// firmware as downloaded, the factory-reset keys for the model, and a live view of
// every incremental load step.
//
// main.go holds the command line and wires the parts; nothing else.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
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
// line naming the command.
func newFlagSet(name, synopsis, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: phoneflash %s %s\n\n%s\n\nFlags:\n", name, synopsis, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; ok is false when the caller must return code (help: 0, bad usage: 2).
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return exitOK, false
	default:
		return exitUsage, false
	}
}

func notYet(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "phoneflash %s: not available in this build yet\n", name)
	return exitFailure
}

func runWizard(args []string, stdout, stderr io.Writer) int { return notYet("wizard", stderr) }
func runDemo(args []string, stdout, stderr io.Writer) int   { return notYet("demo", stderr) }
func runServe(args []string, stdout, stderr io.Writer) int  { return notYet("serve", stderr) }
func runFirmware(args []string, stdout, stderr io.Writer) int {
	return notYet("firmware", stderr)
}
func runPlan(args []string, stdout, stderr io.Writer) int     { return notYet("plan", stderr) }
func runModels(args []string, stdout, stderr io.Writer) int   { return notYet("models", stderr) }
func runSimulate(args []string, stdout, stderr io.Writer) int { return notYet("simulate", stderr) }
