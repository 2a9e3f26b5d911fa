package main

// The wizard in a network namespace (servertest's namespaces are Linux-only).

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"phoneflash/servers/servertest"
)

// The wizard on a real interface, in a namespace: every flag given, so it opens at
// Ready; the servers start on ports 67 and 69 of the veth, and a virtual 7960 in the
// phone's namespace does broadcast DHCP and the whole seed chain over the link.
func TestWizardInNamespaceUpgradesAPhone(t *testing.T) {
	servertest.Require(t, "tmux")
	bin := phoneflashBin(t)
	fw := sampleFirmware(t)
	l := servertest.NewLink(t)
	dir := t.TempDir()
	tt := newTerm(t, 100, 30, fmt.Sprintf("cd %s && ip netns exec %s %s --iface %s --firmware %s --model 7960 --from P00303010102 "+
		"--to P0S3-8-12-00 --log events.jsonl; echo EXITED rc=$?; sleep 60", dir, l.Srv.Name, bin, l.SrvIf, fw))
	tt.wait(10*time.Second, "[Ready]", "Interface     "+l.SrvIf+", server address 192.0.2.1, option 150 = C0 00 02 01",
		"enter starts the servers")
	tt.key("Enter")
	tt.wait(10*time.Second, "[Reset]", "123456789*0#", "DHCP 0.0.0.0:67, TFTP 192.0.2.1:69")
	phone := l.Phone.Start(bin, "simulate", "--model", "7960", "--from", "P00303010102", "--factory-reset",
		"--iface", l.PhoneIf, "--set-addr", "--expect", "P0S3-8-12-00")
	if err, ok := phone.Wait(60 * time.Second); !ok || err != nil {
		t.Fatalf("the phone: %v (done %v)\n%s\n%s", err, ok, phone.Stdout(), phone.Stderr())
	}
	tt.wait(10*time.Second, "[Done]", "Done: 1 phone upgraded", "P00303010102 → P0S3-8-12-00", "Session report")
	tt.key("q")
	out := tt.wait(15*time.Second, "EXITED rc=0", "done, runs P0S3-8-12-00", "event log: "+filepath.Join(dir, "events.jsonl"))
	m := reportLine.FindStringSubmatch(out)
	if m == nil || filepath.Dir(m[1]) != dir {
		t.Fatalf("report not in the current folder %s:\n%s", dir, out)
	}
	for _, f := range []string{m[1], filepath.Join(dir, "events.jsonl")} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", f, err)
		}
	}
}
