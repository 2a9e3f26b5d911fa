package demo

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

func newDemo(t *testing.T) *Bench {
	m, err := upgrade.FindModel("7960")
	if err != nil {
		t.Fatal(err)
	}
	fast := PhoneTiming(m)
	fast.PowerOn, fast.Flash, fast.AfterLease = 20*time.Millisecond, 50*time.Millisecond, 0
	return &Bench{Name: "7940-7960", FS: os.DirFS("../../testdata/firmware/7940-7960"), ReportDir: t.TempDir(),
		BootAfter: 50 * time.Millisecond, Timing: &fast}
}

func TestDemoTouchesNothingOfTheMachine(t *testing.T) {
	d := newDemo(t)
	ifs, err := d.Interfaces()
	if err != nil || len(ifs) != 1 || ifs[0].Name != "lo" || !ifs[0].Loopback {
		t.Fatalf("interfaces %+v %v", ifs, err)
	}
	if ps := d.Check(servers.Config{Iface: "eth0"}); ps != nil {
		t.Fatalf("check %v", ps)
	}
	if offers, err := d.Probe(context.Background(), "eth0"); offers != nil || err != nil {
		t.Fatalf("probe %v %v", offers, err)
	}
	if err := d.AddAddress("eth0", "192.168.1.1/24"); err == nil {
		t.Fatal("added an address")
	}
	if _, err := d.OpenFirmware("/etc"); err == nil {
		t.Fatal("opened a folder of the machine")
	}
	lib, err := d.OpenFirmware("7940-7960/")
	if err != nil || len(lib.Loads) != 5 {
		t.Fatalf("sample firmware: %v, %v", lib, err)
	}
	if got := d.CompletePath("79"); len(got) != 1 || got[0] != "7940-7960" {
		t.Fatalf("completions %q", got)
	}
	if got := d.CompletePath("/"); got != nil {
		t.Fatalf("completions of / %q", got)
	}
}

// Start runs on loopback whatever the servers config says, boots the phone, and the
// phone stops with the session.
func TestDemoStartsOnLoopbackAndStopsWithTheSession(t *testing.T) {
	d := newDemo(t)
	lib, err := d.OpenFirmware("7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := upgrade.MakePlan(lib, upgrade.PlanRequest{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"})
	if err != nil {
		t.Fatal(err)
	}
	asked := servers.Config{Iface: "eth0", ServerIP: netip.MustParseAddr("192.168.1.1"), DHCPPort: 67, TFTPPort: 69}
	s, events, err := d.Start(context.Background(), context.Background(), upgrade.Options{Servers: asked, Library: lib, Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	kinds := make(chan []servers.Kind, 1)
	go func() { // every event from the start: the first is the phone's DISCOVER
		var ks []servers.Kind
		for e := range events {
			ks = append(ks, e.Kind)
		}
		kinds <- ks
	}()
	rc := s.Servers().Config()
	if rc.Iface != "lo" || !s.Servers().DHCPAddr().Addr().IsLoopback() || s.Servers().DHCPAddr().Port() == 67 ||
		s.Servers().TFTPAddr().Port() == 69 {
		t.Fatalf("not on loopback with free ports: %+v dhcp %v tftp %v", rc.Iface, s.Servers().DHCPAddr(), s.Servers().TFTPAddr())
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ps := s.Phones()
		if len(ps) == 1 && ps[0].Phase == upgrade.PhaseDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone did not finish: %+v", ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	if ks := <-kinds; len(ks) == 0 || ks[0] != servers.DHCPDiscover {
		t.Fatalf("events from the start: %v", ks)
	}
	res, err := d.Wait()
	if err != nil || len(res) != 1 || !res[0].Runs("P0S3-8-12-00") {
		t.Fatalf("phone %+v %v", res, err)
	}
	path, err := d.WriteReport(s)
	if err != nil || len(path) == 0 {
		t.Fatalf("report %q %v", path, err)
	}
}

func TestDemoPhoneStopsWhenTheSessionStopsEarly(t *testing.T) {
	d := newDemo(t)
	d.BootAfter = time.Hour // the Session stops before the phone powers on
	lib, _ := d.OpenFirmware("7940-7960")
	s, _, err := d.Start(context.Background(), context.Background(), upgrade.Options{Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()
	done := make(chan struct{})
	go func() { d.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the phone outlived its session")
	}
}
