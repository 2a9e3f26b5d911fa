package upgrade_test

// The bench-safety code (upgrade.Bench, servers.CheckInterface, servers.Probe, the
// firewall check, the DHCP socket held to one interface) run in-process inside network
// namespaces the tests create. Go cannot move a whole process into a namespace (a
// goroutine's thread can be moved, the runtime's other threads stay outside), so each
// parent test builds the namespaces and runs the test binary again inside one, under
// `ip netns exec`, with benchChildEnv naming the child test to run; the child makes the
// calls and fails on a wrong result, and the parent checks that it passed.

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
	"phoneflash/upgrade"
)

// benchChildEnv names the child test a re-executed test binary is to run; the
// others, and every child test in a normal run, skip.
const benchChildEnv = "PHONEFLASH_BENCH_CHILD"

// benchPhoneClass is what a 7960 sends as option 60.
const benchPhoneClass = "Cisco Systems, Inc. IP Phone CP-7960G"

// inNamespace runs the child test name inside ns with env (KEY=VALUE) and returns its
// output; the parent fails when the child failed, skipped or did not end.
func inNamespace(t *testing.T, ns *servertest.NS, name string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1", "-test.timeout=80s")
	cmd.Env = append(append(os.Environ(), benchChildEnv+"="+name), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s in namespace %s (%s): %v\n%s", name, ns.Name, strings.Join(env, " "), err, out)
	}
	return string(out)
}

// benchChild skips t unless this process is the child running it.
func benchChild(t *testing.T) {
	t.Helper()
	if os.Getenv(benchChildEnv) != t.Name() {
		t.Skip("runs inside a namespace, started by its parent test")
	}
}

// childEnv is the child's setting key, which its parent must give.
func childEnv(t *testing.T, key string) string {
	t.Helper()
	v, ok := os.LookupEnv("PF_" + key)
	if !ok {
		t.Fatalf("the parent gave no PF_%s", key)
	}
	return v
}

// macOf is the Ethernet address of iface in ns (its /sys, as `ip netns exec` mounts it).
func macOf(t *testing.T, ns *servertest.NS, iface string) string {
	t.Helper()
	return strings.TrimSpace(ns.Run("cat", "/sys/class/net/"+iface+"/address"))
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// (a) Interfaces lists the namespace's interfaces, and only them: the veth with its
// address, MAC and link, loopback; with the far end down the link is gone, and Check
// warns of it without blocking.
func TestBenchInterfacesInNamespace(t *testing.T) {
	servertest.Require(t)
	l := servertest.NewLink(t)
	l.Srv.WaitOperstate(l.SrvIf, "up")
	env := []string{"PF_IFACE=" + l.SrvIf, "PF_MAC=" + macOf(t, l.Srv, l.SrvIf), "PF_ADDR=" + l.ServerIP + l.Prefix}
	inNamespace(t, l.Srv, "TestBenchChildInterfaces", append(env, "PF_LINK=1")...)
	l.Phone.Run("ip", "link", "set", l.PhoneIf, "down")
	l.Srv.WaitOperstate(l.SrvIf, "down")
	inNamespace(t, l.Srv, "TestBenchChildInterfaces", append(env, "PF_LINK=0")...)
}

func TestBenchChildInterfaces(t *testing.T) {
	benchChild(t)
	name, mac, addr, link := childEnv(t, "IFACE"), childEnv(t, "MAC"), childEnv(t, "ADDR"), childEnv(t, "LINK") == "1"
	ifs, err := upgrade.Bench{}.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var veth, lo *servers.Interface
	for i := range ifs {
		names = append(names, ifs[i].Name)
		switch ifs[i].Name {
		case name:
			veth = &ifs[i]
		case "lo":
			lo = &ifs[i]
		}
	}
	if len(ifs) != 2 || veth == nil || lo == nil {
		t.Fatalf("interfaces %v, want lo and %s: the namespace's, not the host's", names, name)
	}
	if !lo.Loopback || !lo.Up {
		t.Errorf("lo: %+v", *lo)
	}
	want := []netip.Prefix{netip.MustParsePrefix(addr)}
	if veth.MAC.String() != mac || !veth.Up || veth.Running != link || veth.Loopback || veth.MTU != 1500 ||
		fmt.Sprint(veth.Addrs) != fmt.Sprint(want) {
		t.Errorf("%s: %+v, want MAC %s, up, running %v, MTU 1500, addresses %v", name, *veth, mac, link, want)
	}
	probs := upgrade.Bench{}.Check(servers.Config{Iface: name})
	switch {
	case link && len(probs) != 0:
		t.Errorf("Check on %s with its link up: %v", name, probs)
	case !link && (len(probs) != 1 || probs[0].Kind != servers.NoCarrier || !probs[0].Warning ||
		!strings.Contains(probs[0].Msg, name+" has no link")):
		t.Errorf("Check on %s without link: %v, want only the no-link warning", name, probs)
	}
}

// (b) Check on an interface without IPv4 says so and how to fix it; after
// Bench.AddAddress (the wizard's "a") the address is on the interface and Check
// passes; adding it again fails with the command and ip's reason.
func TestBenchCheckAndAddAddressInNamespace(t *testing.T) {
	servertest.Require(t)
	l := servertest.NewLink(t)
	const cidr = "192.0.2.2/24"
	l.Phone.WaitOperstate(l.PhoneIf, "up")
	inNamespace(t, l.Phone, "TestBenchChildAddAddress", "PF_IFACE="+l.PhoneIf, "PF_CIDR="+cidr)
	if out := l.Phone.Run("ip", "-4", "-o", "addr", "show", "dev", l.PhoneIf); !strings.Contains(out, "inet "+cidr) {
		t.Errorf("after AddAddress the namespace shows: %s", out)
	}
}

func TestBenchChildAddAddress(t *testing.T) {
	benchChild(t)
	name, cidr := childEnv(t, "IFACE"), childEnv(t, "CIDR")
	b := upgrade.Bench{}
	cfg := servers.Config{Iface: name}
	probs := b.Check(cfg)
	if len(probs) != 1 || probs[0].Kind != servers.NoIPv4 || probs[0].Warning ||
		!strings.Contains(probs[0].Msg, name+" has no IPv4 address") ||
		!regexp.MustCompile(`ip addr add \S+/\d+ dev `+regexp.QuoteMeta(name)+`$`).MatchString(probs[0].Fix) {
		t.Fatalf("Check on %s without IPv4: %v, want the no-IPv4 problem with the ip addr add to run", name, probs)
	}
	if err := b.AddAddress(name, cidr); err != nil {
		t.Fatalf("AddAddress: %v", err)
	}
	if probs := b.Check(cfg); len(probs) != 0 {
		t.Errorf("Check after AddAddress: %v", probs)
	}
	i, err := servers.InterfaceByName(name)
	if err != nil || fmt.Sprint(i.Addrs) != "["+cidr+"]" {
		t.Errorf("%s after AddAddress: %+v, %v", name, i, err)
	}
	err = b.AddAddress(name, cidr)
	if err == nil || !strings.Contains(err.Error(), "ip addr add "+cidr+" dev "+name+": exit status") {
		t.Errorf("adding %s a second time: %v, want the command and ip's reason", cidr, err)
	}
}

// (c) Probe finds nothing on a quiet link; with dnsmasq on the far end, answering only
// phones (option 60 "Cisco Systems"), it finds that one server and names its address,
// MAC and the address it offered: Bench.Probe asks as a phone. servers.Probe without a
// class does not see that server.
func TestBenchProbeInNamespace(t *testing.T) {
	servertest.Require(t, "dnsmasq")
	l := servertest.NewLink(t)
	const rogue = "192.0.2.2"
	l.AddPhoneIP(rogue)
	inNamespace(t, l.Srv, "TestBenchChildProbe", "PF_IFACE="+l.SrvIf, "PF_SERVER=")

	dir := t.TempDir()
	dnsmasq := l.Phone.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface="+l.PhoneIf,
		"--bind-interfaces", "--dhcp-vendorclass=set:phone,Cisco Systems", "--dhcp-range=tag:phone,192.0.2.100,192.0.2.150,255.255.255.0,1h",
		"--dhcp-leasefile="+dir+"/leases", "--pid-file="+dir+"/pid", "--no-ping", "--user=root", "--log-dhcp", "--log-facility=-")
	dnsmasq.WaitPrinted(t, "DHCP, IP range 192.0.2.100")
	inNamespace(t, l.Srv, "TestBenchChildProbe", "PF_IFACE="+l.SrvIf, "PF_SERVER="+rogue,
		"PF_MAC="+macOf(t, l.Phone, l.PhoneIf), "PF_POOL=192.0.2.100-192.0.2.150")
	// dnsmasq saw the probe as a phone, and offered.
	for _, want := range []string{"vendor class: Cisco Systems, Inc. IP Phone", "DHCPOFFER(" + l.PhoneIf + ")"} {
		if !strings.Contains(dnsmasq.Stderr(), want) {
			t.Errorf("dnsmasq's log has no %q:\n%s", want, dnsmasq.Stderr())
		}
	}
}

func TestBenchChildProbe(t *testing.T) {
	benchChild(t)
	name, server := childEnv(t, "IFACE"), childEnv(t, "SERVER")
	start := time.Now()
	offers, err := upgrade.Bench{}.Probe(t.Context(), name)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	t.Logf("Probe on %s: %v in %v", name, offers, took.Round(time.Millisecond))
	if took < servers.DefaultProbeWindow || took > servers.DefaultProbeWindow+2*time.Second {
		t.Errorf("Probe took %v, want its window of %v", took, servers.DefaultProbeWindow)
	}
	if server == "" {
		if len(offers) != 0 {
			t.Errorf("Probe on a quiet link found %v", offers)
		}
		return
	}
	mac, pool := childEnv(t, "MAC"), childEnv(t, "POOL")
	first, last, _ := strings.Cut(pool, "-")
	if len(offers) != 1 {
		t.Fatalf("Probe found %v, want the one server %s", offers, server)
	}
	o := offers[0]
	if o.Server.String() != server || o.MAC.String() != mac || o.Offered.Less(netip.MustParseAddr(first)) ||
		netip.MustParseAddr(last).Less(o.Offered) || !strings.Contains(o.String(), server) {
		t.Errorf("offer %+v (%q), want server %s (%s) offering from %s", o, o, server, mac, pool)
	}
	// Without option 60 the phone-only server stays silent: the class is what finds it.
	if offers, err := servers.Probe(t.Context(), name, 500*time.Millisecond, ""); err != nil || len(offers) != 0 {
		t.Errorf("Probe without a class: %v, %v; want nothing from a server that answers only phones", offers, err)
	}
}

// (d) The firewall check on a real nftables ruleset in the namespace: input dropped
// by default and nothing for UDP 67/69, Check warns with the rule to add, and the
// warning is true (a phone gets no address from servers started anyway); the rule it
// names, run as given, silences it and lets the phone in.
func TestBenchFirewallInNamespace(t *testing.T) {
	servertest.Require(t, "nft", "busybox")
	l := servertest.NewLink(t)
	l.Srv.Run("nft", "add", "table", "inet", "filter")
	l.Srv.Run("nft", "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }")
	l.Srv.Run("nft", "add", "rule", "inet", "filter", "input", "iifname", "lo", "accept")
	l.Srv.Run("nft", "add", "rule", "inet", "filter", "input", "tcp", "dport", "22", "accept")
	env := []string{"PF_IFACE=" + l.SrvIf, "PF_PHONE_NS=" + l.Phone.Name, "PF_PHONE_IF=" + l.PhoneIf}
	out := inNamespace(t, l.Srv, "TestBenchChildFirewall", append(env, "PF_OPEN=0")...)
	m := regexp.MustCompile(`(?m)^FIX=.*: sudo (nft insert rule [^(]*?accept)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no nft command in the fix:\n%s", out)
	}
	cmd := strings.Fields(m[1]) // as a shell splits it: the fix holds no quotes
	l.Srv.Run(cmd[0], cmd[1:]...)
	inNamespace(t, l.Srv, "TestBenchChildFirewall", append(env, "PF_OPEN=1")...)
}

func TestBenchChildFirewall(t *testing.T) {
	benchChild(t)
	name, open := childEnv(t, "IFACE"), childEnv(t, "OPEN") == "1"
	phone := servertest.Joined(t, childEnv(t, "PHONE_NS"))
	cfg := servers.Config{Iface: name, ClassPrefix: "Cisco Systems, Inc. IP Phone", ProbeWindow: 300 * time.Millisecond}
	probs := upgrade.Bench{}.Check(cfg)
	if open {
		if len(probs) != 0 {
			t.Errorf("Check with the fix's rule in place: %v", probs)
		}
	} else {
		if len(probs) != 1 || probs[0].Kind != servers.Firewall || !probs[0].Warning ||
			!strings.Contains(probs[0].Msg, "no rule lets in UDP 67 or 69") ||
			!strings.Contains(probs[0].Fix, "iifname "+name+" udp dport { 67, 69 } accept") {
			t.Fatalf("Check behind a drop policy: %v, want the firewall warning with the rule for 67 and 69 on %s", probs, name)
		}
		fmt.Printf("FIX=%s\n", probs[0].Fix)
	}

	// The verdict is true: servers started anyway answer the phone only with the rule.
	bus := servers.NewBus[servers.Event]()
	rec := servertest.Record(t, bus)
	root, err := servertest.NewDirRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	run, err := servers.Start(t.Context(), cfg, root, bus)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer run.Stop()
	tries := 1
	if open {
		tries = 3
	}
	lease, err := servertest.Udhcpc(t, phone, childEnv(t, "PHONE_IF"), servertest.UdhcpcOptions{Class: benchPhoneClass, Tries: tries})
	switch {
	case open && err != nil:
		t.Errorf("with the rule the phone got no address: %v", err)
	case open && lease["serverid"] != "192.0.2.1":
		t.Errorf("with the rule the phone's lease: %v", lease)
	case !open && err == nil:
		t.Errorf("behind the drop policy the phone got %s: the warning was wrong", lease["ip"])
	case !open && len(rec.Of(servers.DHCPDiscover)) != 0:
		t.Errorf("behind the drop policy the server saw %v", rec.Of(servers.DHCPDiscover))
	}
}

// (e) The DHCP server keeps to its interface: started on the veth to the phone, it
// answers the phone, while DISCOVERs arriving on a second interface of its namespace
// (with an address of its own) reach that interface and get no answer and no event.
// The kernel holds the socket to the device (ss shows 0.0.0.0%veth-s:67), not only the
// user-space filter.
func TestBenchDHCPAnswersOnlyItsInterfaceInNamespace(t *testing.T) {
	servertest.Require(t, "busybox", "ss")
	l := servertest.NewLink(t)
	other := servertest.NewNS(t, "other")
	mustRun(t, "ip", "link", "add", "veth-t", "netns", l.Srv.Name, "type", "veth", "peer", "name", "veth-q", "netns", other.Name)
	l.Srv.Run("ip", "addr", "add", "192.0.2.129/25", "dev", "veth-t")
	l.Srv.Run("ip", "link", "set", "veth-t", "up")
	other.Run("ip", "link", "set", "veth-q", "up")
	inNamespace(t, l.Srv, "TestBenchChildBindsToDevice", "PF_IFACE="+l.SrvIf, "PF_OTHER_IF=veth-t",
		"PF_PHONE_NS="+l.Phone.Name, "PF_PHONE_IF="+l.PhoneIf, "PF_PHONE_MAC="+macOf(t, l.Phone, l.PhoneIf),
		"PF_OTHER_NS="+other.Name, "PF_OTHER_PEER=veth-q")
}

// rxPackets is how many packets iface has received (this namespace's /sys).
func rxPackets(t *testing.T, iface string) int {
	t.Helper()
	b, err := os.ReadFile("/sys/class/net/" + iface + "/statistics/rx_packets")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBenchChildBindsToDevice(t *testing.T) {
	benchChild(t)
	name, otherIf := childEnv(t, "IFACE"), childEnv(t, "OTHER_IF")
	phone, other := servertest.Joined(t, childEnv(t, "PHONE_NS")), servertest.Joined(t, childEnv(t, "OTHER_NS"))
	bus := servers.NewBus[servers.Event]()
	rec := servertest.Record(t, bus)
	root, err := servertest.NewDirRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	run, err := servers.Start(t.Context(), servers.Config{Iface: name, ClassPrefix: "Cisco Systems, Inc. IP Phone",
		ProbeWindow: 300 * time.Millisecond}, root, bus)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer run.Stop()

	out, err := exec.Command("ss", "-Hulnp", "sport = :67").CombinedOutput()
	if err != nil {
		t.Fatalf("ss: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, line := range lines {
		if !strings.Contains(line, "0.0.0.0%"+name+":67") {
			t.Errorf("a socket on port 67 not held to %s by the kernel: %s", name, line)
		}
	}
	if len(lines) == 0 || lines[0] == "" {
		t.Errorf("ss shows no socket on port 67")
	}

	before := rxPackets(t, otherIf)
	if lease, err := servertest.Udhcpc(t, other, childEnv(t, "OTHER_PEER"), servertest.UdhcpcOptions{Class: benchPhoneClass, Tries: 2}); err == nil {
		t.Errorf("a phone on %s got %s from the server on %s", otherIf, lease["ip"], name)
	}
	if got := rxPackets(t, otherIf) - before; got < 2 {
		t.Fatalf("%s received %d packets while the other phone asked twice: the test proves nothing", otherIf, got)
	}
	// udhcpc waited two seconds for an answer: an event would be recorded by now.
	if es := rec.Events(); len(es) != 0 {
		t.Errorf("the server reported DISCOVERs from %s: %v", otherIf, es)
	}
	lease, err := servertest.Udhcpc(t, phone, childEnv(t, "PHONE_IF"), servertest.UdhcpcOptions{Class: benchPhoneClass})
	if err != nil || lease["serverid"] != "192.0.2.1" {
		t.Fatalf("the phone on %s: %v, %v", name, lease, err)
	}
	rec.Wait(t, servers.DHCPAck, nil, 5*time.Second)
	mac := childEnv(t, "PHONE_MAC")
	for _, k := range []servers.Kind{servers.DHCPDiscover, servers.DHCPOffer, servers.DHCPIgnored} {
		for _, e := range rec.Of(k) {
			if e.MAC != mac {
				t.Errorf("%s from %s, not the phone on %s (%s)", k, e.MAC, name, mac)
			}
		}
	}
	if len(rec.Of(servers.DHCPDiscover)) == 0 {
		t.Errorf("no dhcp.discover from the phone on %s", name)
	}
}
