package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"phoneflash/servers"
	"phoneflash/upgrade"
	"phoneflash/upgrade/demo"
)

// demoOptions are the options `phoneflash demo` runs the wizard with.
func demoOptions(t *testing.T, d *demo.Bench, from string) Options {
	logPath := filepath.Join(t.TempDir(), "events.jsonl")
	return Options{Servers: servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort},
		Firmware: []string{d.Name}, Model: "7960", From: from, To: "P0S3-8-12-00", Walk: true, Title: "phoneflash demo",
		OpenLog: func() (wc io.WriteCloser, path string, err error) {
			f, err := servers.OpenLog(logPath)
			return f, logPath, err
		}}
}

// The whole wizard against the demo backend: a virtual 7960 on loopback goes through the
// seed chain while the technician presses Enter on each screen.
func TestDemoFromFirstScreenToDone(t *testing.T) {
	for _, from := range []string{"P00303010102", "P00305000200"} {
		t.Run(from, func(t *testing.T) {
			fast := demo.PhoneTiming(mustModel(t, "7960"))
			fast.PowerOn, fast.Flash, fast.AfterLease = 50*time.Millisecond, 100*time.Millisecond, 10*time.Millisecond
			d := &demo.Bench{Name: "7940-7960", FS: os.DirFS(seedChain), ReportDir: t.TempDir(), BootAfter: 300 * time.Millisecond, Timing: &fast}
			m := New(d, demoOptions(t, d, from))
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
			t.Cleanup(func() { m.Finish(); d.Wait() })
			waitFor(t, tm, "[Bench]", "loopback (no probe)")
			press(tm, "enter")
			waitFor(t, tm, "[Firmware]", "5 loads in 1 family (5 complete) in 7940-7960")
			press(tm, "enter")
			waitFor(t, tm, "[Phone]", "Plan: ")
			press(tm, "enter")
			waitFor(t, tm, "[Ready]", "enter starts the servers")
			press(tm, "enter")
			waitFor(t, tm, "[Reset]", "123456789*0#")
			press(tm, "enter") // the reset is done: the demo's phone may power on (PhoneWaiter)
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte("[Done]")) && bytes.Contains(b, []byte("Session report (JSON"))
			}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
			fm := final(t, tm)
			res := fm.Finish()
			if len(res.Phones) != 1 || res.Phones[0].FinalLoad != "P0S3-8-12-00" || res.Err != nil {
				t.Fatalf("result %+v", res)
			}
			var rep upgrade.Report
			b, err := os.ReadFile(res.Report)
			if err == nil {
				err = json.Unmarshal(b, &rep)
			}
			if err != nil || len(rep.Phones) != 1 || !rep.Phones[0].Done || rep.Phones[0].After != "P0S3-8-12-00" {
				t.Fatalf("report %s: %v %+v", res.Report, err, rep)
			}
			if _, err := d.Wait(); err != nil {
				t.Fatalf("the virtual phone: %v", err)
			}
		})
	}
}

func mustModel(t *testing.T, name string) upgrade.Model {
	m, err := upgrade.FindModel(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
