package main

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"phoneflash/servers"
	"phoneflash/ui"
	"phoneflash/upgrade"
	"phoneflash/upgrade/demo"
)

func runWizard(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("", "[flags]", "The wizard: choose the interface, the firmware and the phone, start the servers,\n"+
		"reset the phone, watch every step. With --iface, --firmware, --model, --from and --to it opens at Ready.", stderr)
	so := serverFlags(fs)
	if code, ok := parse(fs, args, stdout); !ok {
		return code
	}
	cfg, err := so.config() // no --iface: the Bench screen asks
	var req upgrade.PlanRequest
	var line *upgrade.LineSettings
	if err == nil {
		req, line, err = so.phone()
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
		From: req.From, To: req.To, Symptom: req.Symptom, Line: line, OpenLog: logOpener(logPath)})
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
	d := &demo.Bench{Name: "7940-7960", FS: fw, ReportDir: dir}
	logPath := filepath.Join(dir, "events.jsonl")
	loopback := servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort} // what Demo.Start binds
	res, err := ui.Run(d, ui.Options{Servers: loopback, Firmware: []string{d.Name},
		Model: "7960", From: "P00303010102", To: "P0S3-8-12-00", Walk: true, Title: "phoneflash demo",
		OpenLog: logOpener(logPath)})
	_, phoneErr := d.Wait()
	return wizardEnded("phoneflash demo", res, err, phoneErr, stdout, stderr)
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
