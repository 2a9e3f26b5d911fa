package main

// The real wizard's Bench screen on a real interface: the binary runs in a namespace of
// the test's own (under `ip netns exec`, inside a private tmux server), with the real
// upgrade.Bench behind the screen: its interface list, checks, probe and firewall check.

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"phoneflash/servers/servertest"
)

// From the Bench screen to the firmware: the veth is listed with its MAC, link and
// address; its checks pass; a DHCP server appearing on the link (dnsmasq at the phone's
// end) is named after r and keeps enter from going on; once it is gone, a firewall
// that drops input by default is a warning with its rule, enter goes on to the
// firmware; q ends the program (exit 0, nothing left in the namespace).
func TestWizardBenchScreenInNamespace(t *testing.T) {
	servertest.Require(t, "tmux", "dnsmasq", "nft")
	bin := phoneflashBin(t)
	fw := sampleFirmware(t)
	l := servertest.NewLink(t)
	const rogue = "192.0.2.2"
	l.AddPhoneIP(rogue)
	l.Srv.WaitOperstate(l.SrvIf, "up") // the list shows the link as the kernel has it then
	srvMAC := strings.TrimSpace(l.Srv.Run("cat", "/sys/class/net/"+l.SrvIf+"/address"))
	phoneMAC := strings.TrimSpace(l.Phone.Run("cat", "/sys/class/net/"+l.PhoneIf+"/address"))
	dir := t.TempDir()
	tt := newTerm(t, 100, 30, fmt.Sprintf("cd %s && ip netns exec %s %s --firmware %s; echo EXITED rc=$?; sleep 60",
		dir, l.Srv.Name, bin, fw))
	start := time.Now()

	screen := tt.wait(10*time.Second, "[Bench]", "enter checks "+l.SrvIf)
	row := regexp.MustCompile(`> ` + l.SrvIf + `\s+` + srvMAC + `\s+up\s+192\.0\.2\.1/24`)
	if !row.MatchString(screen) || !strings.Contains(screen, "lo ") {
		t.Fatalf("the Bench screen does not list %s (%s, up, 192.0.2.1/24) first and lo:\n%s", l.SrvIf, srvMAC, screen)
	}
	tt.key("Enter")
	tt.wait(15*time.Second, "Checks on "+l.SrvIf, "IPv4 192.0.2.1/24, ports 67 and 69 usable, no other DHCP server answered")

	// Another DHCP server on the link: r checks again and names it.
	leases := t.TempDir()
	dnsmasq := l.Phone.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface="+l.PhoneIf,
		"--bind-interfaces", "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h", "--dhcp-leasefile="+leases+"/leases",
		"--pid-file="+leases+"/pid", "--no-ping", "--user=root", "--log-facility=-")
	dnsmasq.WaitPrinted(t, "DHCP, IP range 192.0.2.100")
	tt.key("r")
	screen = tt.wait(15*time.Second, "another DHCP server answers on "+l.SrvIf, rogue+" ("+phoneMAC+") offered 192.0.2.1")
	if strings.Contains(screen, "no other DHCP server answered") {
		t.Fatalf("the checks pass beside dnsmasq:\n%s", screen)
	}
	tt.key("Enter")
	tt.wait(5*time.Second, "Fix what the checks found first", "[Bench]")

	// dnsmasq gone, a firewall that drops what is not allowed: a warning, not a stop.
	dnsmasq.Signal(syscall.SIGTERM)
	if _, ok := dnsmasq.Wait(10 * time.Second); !ok {
		t.Fatal("dnsmasq did not stop")
	}
	l.Srv.Run("nft", "add", "table", "inet", "filter")
	l.Srv.Run("nft", "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }")
	tt.key("r")
	screen = tt.wait(15*time.Second, "the host firewall drops incoming packets by default", "nft insert rule inet filter input",
		"no other DHCP server answered")
	if strings.Contains(screen, "another DHCP server answers") {
		t.Fatalf("dnsmasq is gone and still named:\n%s", screen)
	}
	tt.key("Enter")
	tt.wait(10*time.Second, "[Firmware]", "5 loads in 1 family (5 complete)")
	t.Logf("Bench screen to Firmware in %v", time.Since(start).Round(time.Millisecond))

	tt.key("q")
	tt.wait(10*time.Second, "EXITED rc=0")
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command("ip", "netns", "pids", l.Srv.Name).Output()
		if err != nil {
			t.Fatalf("ip netns pids: %v", err)
		}
		if strings.TrimSpace(string(out)) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left in %s after the wizard ended: %s", l.Srv.Name, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tt.tmux("kill-server")
	if out, err := exec.Command("tmux", "-L", tt.socket, "list-sessions").CombinedOutput(); err == nil {
		t.Fatalf("the tmux server is still there after kill-server: %s", out)
	}
}

// Plugging the phone in after choosing its interface: the real binary, on a veth whose
// far end is down (no carrier), says "no link"; once the far end comes up, the Bench
// screen checks again by itself, with no key pressed, and the row says up.
func TestWizardSeesTheLinkCome(t *testing.T) {
	servertest.Require(t, "tmux")
	bin := phoneflashBin(t)
	fw := sampleFirmware(t)
	l := servertest.NewLink(t)
	l.Phone.Run("ip", "link", "set", l.PhoneIf, "down") // the phone is not plugged in yet
	l.Srv.WaitOperstate(l.SrvIf, "down")                // a veth whose peer is down has no carrier
	tt := newTerm(t, 100, 30, fmt.Sprintf("cd %s && ip netns exec %s %s --firmware %s; echo EXITED rc=$?; sleep 60",
		t.TempDir(), l.Srv.Name, bin, fw))
	tt.wait(10*time.Second, "[Bench]", "enter checks "+l.SrvIf)
	tt.key("Enter")
	tt.wait(15*time.Second, "Checks on "+l.SrvIf, l.SrvIf+" has no link")

	l.Phone.Run("ip", "link", "set", l.PhoneIf, "up") // plugged in
	screen := tt.wait(15*time.Second, l.SrvIf+" has a link now: checked again.", "no other DHCP server answered")
	row := regexp.MustCompile(`> ` + l.SrvIf + `\s+\S+\s+up\s+192\.0\.2\.1/24`)
	if !row.MatchString(screen) || strings.Contains(screen, "has no link") {
		t.Fatalf("after the link came the screen still says otherwise:\n%s", screen)
	}
	tt.key("q")
	tt.wait(10*time.Second, "EXITED rc=0")
}

// sampleFirmware is the 7940/7960 sample firmware's absolute path: the wizard runs
// in a temporary folder of its own.
func sampleFirmware(t *testing.T) string {
	t.Helper()
	fw, err := filepath.Abs("testdata/firmware/7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	return fw
}
