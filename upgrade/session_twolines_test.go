//go:build linux

package upgrade

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

// Two phones on a bench with one line: the first to come gets the line, the second
// its load without it, a hint saying why, and the report says so; the line's file is
// never written for the second.
func TestSessionGivesTheLineToOnePhone(t *testing.T) {
	lib, plan := linePlan(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(Options{Library: lib, Plan: plan, Servers: servers.Config{Iface: "lo",
		ServerIP: netip.MustParseAddr("127.0.0.1"), DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}})
	rec := servertest.Record(t, s.out)
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	const first, second = "00:1e:4a:12:34:56", "00:1e:4a:65:43:21"
	for i, mac := range []string{first, second} {
		s.wire.Publish(servers.Event{Kind: servers.DHCPAck, MAC: mac, IP: fmt.Sprintf("127.0.0.%d", 100+i),
			Class: "Cisco Systems, Inc. IP Phone CP-7960G\x00"})
	}
	hint := rec.Wait(t, PhoneHint, func(e Event) bool { return strings.Contains(e.Msg, "gets no line") }, eventBound)
	if hint.MAC != second || !strings.Contains(hint.Msg, "line 1001 went to the phone "+first) {
		t.Fatalf("hint for %s: %s", hint.MAC, hint.Msg)
	}
	if plan.LineOwner() != first {
		t.Fatalf("the line went to %q", plan.LineOwner())
	}
	sip, _ := SIPName(second)
	if _, _, _, err := s.Root().Open(sip, netip.MustParseAddr("127.0.0.101")); err == nil {
		t.Fatalf("%s is served to the second phone", sip)
	}
	r := s.Report(s.opts.Now())
	said := map[string][2]string{}
	for _, p := range r.Phones {
		said[p.MAC] = [2]string{p.Line, p.NoLine}
	}
	if said[first] != [2]string{"line 1001 written", ""} || said[second] != [2]string{"", "line 1001 went to the phone " + first} {
		t.Fatalf("the report says %q", said)
	}
	n := 0
	for _, e := range rec.Of(PhoneHint) {
		if strings.Contains(e.Msg, "gets no line") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("said %d times that the phone gets no line, want once", n)
	}
	s.Stop() // the Done screen reads the report after the servers stopped
	for _, p := range s.Report(s.opts.Now()).Phones {
		if p.MAC == second && p.NoLine != "line 1001 went to the phone "+first {
			t.Errorf("after Stop the report says %q", p.NoLine)
		}
	}
}

// linePlan is a 7960 already on SIP 8.12 given the bench line: one step, the line's.
func linePlan(t *testing.T) (*firmware.Library, *Plan) {
	t.Helper()
	lib, err := firmware.Open("../testdata/firmware/7940-7960")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := MakePlan(lib, PlanRequest{Model: "7960", From: "P0S3-8-12-00", To: "P0S3-8-12-00"})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.SetLine(&benchLine); err != nil {
		t.Fatal(err)
	}
	return lib, plan
}
