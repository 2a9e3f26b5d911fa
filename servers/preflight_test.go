package servers

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
)

// bindErr is a failed bind as Go's net package returns it, with the errno number of
// the system named (syscall.Errno is a plain number everywhere).
func bindErr(ap string, errno uintptr) error {
	return &net.OpError{Op: "listen", Net: "udp4", Addr: net.UDPAddrFromAddrPort(netip.MustParseAddrPort(ap)),
		Err: os.NewSyscallError("bind", syscall.Errno(errno))}
}

func TestSocketProblemWording(t *testing.T) {
	const exe = `C:\Tools\phoneflash.exe`
	for _, c := range []struct {
		name, goos, what, ap string
		errno                uintptr
		kind                 ProblemKind
		msg, fix             []string
	}{
		{"Windows: another DHCP server", "windows", "DHCP", "0.0.0.0:67", wsaEADDRINUSE, PortInUse,
			[]string{"port 67 is already in use", "tftpd64", "Internet Connection Sharing"}, []string{"netstat -abno -p UDP", "Run as administrator"}},
		{"Windows: tftpd32 holds TFTP", "windows", "TFTP", "192.0.2.1:69", wsaEADDRINUSE, PortInUse,
			[]string{"port 69", "tftpd64/tftpd32"}, []string{"netstat"}},
		{"Windows: cable unplugged", "windows", "TFTP", "192.0.2.1:69", wsaEADDRNOTAVAIL, NoCarrier,
			[]string{"cable is unplugged"}, []string{"plug the phone's cable in", "ipconfig"}},
		{"Windows: reserved or exclusive port", "windows", "DHCP", "0.0.0.0:67", wsaEACCES, PortInUse,
			[]string{"reserves it"}, []string{"netsh interface ipv4 show excludedportrange protocol=udp", "another DHCP port"}},
		{"macOS: Internet Sharing", "darwin", "DHCP", "0.0.0.0:67", darwinEADDRINUSE, PortInUse,
			[]string{"Internet Sharing is on"}, []string{"System Settings > General > Sharing", "sudo lsof -nP -iUDP:67"}},
		{"macOS: its own tftpd", "darwin", "TFTP", "192.0.2.1:69", darwinEADDRINUSE, PortInUse,
			[]string{"com.apple.tftpd"}, []string{"launchctl unload -w /System/Library/LaunchDaemons/tftp.plist"}},
		{"macOS: not root", "darwin", "TFTP", "192.0.2.1:69", darwinEACCES, NeedPrivilege,
			[]string{"only root"}, []string{"sudo " + exe}},
		{"macOS: no such address", "darwin", "TFTP", "192.0.2.1:69", darwinEADDRNOTAVAIL, BadAddress,
			[]string{"not an address of this Mac"}, []string{"ifconfig en5"}},
		{"Linux keeps its wording", "linux", "DHCP", "0.0.0.0:67", uintptr(syscall.EACCES), NeedPrivilege,
			[]string{"no permission"}, []string{"setcap"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := bindErr(c.ap, c.errno)
			p := socketProblemOn(c.goos, c.what, netip.MustParseAddrPort("0.0.0.0:1"), "en5", err, exe)
			if p.Kind != c.kind {
				t.Errorf("kind %s, want %s (%s)", p.Kind, c.kind, p)
			}
			if !strings.Contains(p.Msg, c.ap) && c.goos != "linux" {
				t.Errorf("message does not name the failed socket %s: %s", c.ap, p.Msg)
			}
			for _, m := range c.msg {
				if !strings.Contains(p.Msg, m) {
					t.Errorf("message lacks %q: %s", m, p.Msg)
				}
			}
			for _, f := range c.fix {
				if !strings.Contains(p.Fix, f) {
					t.Errorf("fix lacks %q: %s", f, p.Fix)
				}
			}
			if !errors.Is(p, syscall.Errno(c.errno)) {
				t.Errorf("the OS error is lost")
			}
			if p.Field != "" { // a fix that names a setting leaves its wording to the front end
				named := p.FixNaming(func(f Field) string { return "<" + string(f) + ">" })
				if !strings.Contains(named, "<"+string(p.Field)+">") {
					t.Errorf("the fix does not name %s through FixNaming: %s", p.Field, named)
				}
			}
		})
	}
}

func TestWindowsFirewallVerdict(t *testing.T) {
	const exe = `C:\Users\tech\phoneflash.exe`
	if p := windowsFirewallVerdict(true, false, exe, []int{67, 69}); p != nil {
		t.Fatalf("rule present, still warned: %v", p)
	}
	p := windowsFirewallVerdict(false, false, exe, []int{67, 69})
	if p == nil || p.Kind != Firewall || !p.Warning {
		t.Fatalf("no rule: got %+v, want a firewall warning", p)
	}
	want := `netsh advfirewall firewall add rule name=phoneflash dir=in action=allow program="C:\Users\tech\phoneflash.exe" protocol=UDP localport=67,69 profile=any`
	if !strings.HasSuffix(p.Fix, want) {
		t.Errorf("fix does not end in the rule to copy:\n%s\nwant suffix:\n%s", p.Fix, want)
	}
	for _, s := range []string{"Public", "Unidentified", "UDP 67 and 69"} {
		if !strings.Contains(p.Msg, s) {
			t.Errorf("message lacks %q: %s", s, p.Msg)
		}
	}
	if !strings.Contains(p.Fix, "Run as administrator") {
		t.Errorf("not elevated, but the fix does not say to elevate: %s", p.Fix)
	}
	if q := windowsFirewallVerdict(false, true, exe, []int{69}); strings.Contains(q.Fix, "Run as administrator") ||
		!strings.Contains(q.Fix, "localport=69 ") {
		t.Errorf("elevated, TFTP only: %s", q.Fix)
	}
}

func TestExplainSendNamesTheBroadcastRoute(t *testing.T) {
	local := netip.MustParsePrefix("192.168.1.1/24")
	err := &net.OpError{Op: "write", Err: os.NewSyscallError("sendto", syscall.Errno(darwinEHOSTUNREACH))}
	got := explainSend("darwin", "en5", local, err)
	if !strings.Contains(got.Error(), "sudo ipconfig set en5 MANUAL 192.168.1.1 255.255.255.0") ||
		!strings.Contains(got.Error(), "System Settings") {
		t.Errorf("macOS: %v", got)
	}
	if !errors.Is(got, syscall.Errno(darwinEHOSTUNREACH)) {
		t.Error("the OS error is lost")
	}
	if got := explainSend("linux", "eth1", local, err); got != error(err) {
		t.Errorf("Linux rewrote %v", got)
	}
}
