package upgrade

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"phoneflash/firmware"
	"phoneflash/servers"
)

const tmac = "00:1e:4a:12:34:56"

// script feeds hand-written event sequences to a Tracker on a fake clock.
type script struct {
	t      *testing.T
	tr     *Tracker
	now    time.Time
	staged []string // "load/mac" per Stager call
	out    []Event
}

func newScript(t *testing.T, plan *Plan) *script {
	s := &script{t: t, now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	s.tr = NewTracker(plan, nil, func(st Step, mac string) { s.staged = append(s.staged, fmt.Sprintf("%s/%s", st.ID, mac)) })
	return s
}

func (s *script) at(d time.Duration) *script { s.now = s.now.Add(d); return s }

func (s *script) feed(ev servers.Event) *script {
	s.t.Helper()
	if ev.Time.IsZero() {
		ev.Time = s.now
	}
	e := wireEvent(ev)
	s.out = append(s.out, s.tr.Observe(&e)...)
	return s
}

func (s *script) dhcp(class string) *script {
	s.feed(servers.Event{Kind: servers.DHCPDiscover, MAC: tmac, Class: class})
	return s.feed(servers.Event{Kind: servers.DHCPAck, MAC: tmac, IP: "192.0.2.10", Class: class})
}

// get is a complete transfer of name; miss a file-not-found.
func (s *script) get(names ...string) *script {
	for _, n := range names {
		s.feed(servers.Event{Kind: servers.TFTPRequest, IP: "192.0.2.10", Port: 50000, File: n, Size: 1000})
		s.feed(servers.Event{Kind: servers.TFTPDone, IP: "192.0.2.10", Port: 50000, File: n, Bytes: 1000, Size: 1000})
	}
	return s
}

func (s *script) miss(names ...string) *script {
	for _, n := range names {
		s.feed(servers.Event{Kind: servers.TFTPMissing, IP: "192.0.2.10", Port: 50001, File: n, Asked: n})
	}
	return s
}

func (s *script) tick(d time.Duration) *script {
	s.now = s.now.Add(d)
	s.out = append(s.out, s.tr.Tick(s.now)...)
	return s
}

// kinds lists the tracker events so far as "kind step" (step omitted when 0).
func (s *script) kinds() []string {
	var k []string
	for _, e := range s.out {
		k = append(k, fmt.Sprintf("%s %d", e.Kind, e.Step))
	}
	return k
}

func (s *script) hints() string {
	var b strings.Builder
	for _, e := range s.out {
		if e.Kind == PhoneHint || e.Kind == PhoneStall {
			fmt.Fprintf(&b, "%s [%s] %s\n", e.Kind, e.File, e.Msg)
		}
	}
	return b.String()
}

func (s *script) phone() Phone {
	s.t.Helper()
	ps := s.tr.Phones()
	if len(ps) != 1 {
		s.t.Fatalf("tracker knows %d phones, want 1", len(ps))
	}
	return ps[0]
}

func javaStep(id, v string, files ...string) Step {
	ver, _ := firmware.ParseVersion(v)
	return Step{ID: id, Family: firmware.Family7941, Protocol: firmware.SCCP, Version: ver, Files: append([]string{id + ".loads"}, files...)}
}

func plan7941(t *testing.T) *Plan {
	m, err := FindModel("7941")
	if err != nil {
		t.Fatal(err)
	}
	return &Plan{Model: m, Steps: []Step{
		javaStep("SCCP41.8-5-2S", "8.5(2)", "jar41sccp.8-5-2TH1-9.sbn", "cnu41.8-5-2TH1-9.sbn", "apps41.8-5-2TH1-9.sbn"),
		javaStep("SIP41.9-4-2SR3-1S", "9.4(2)SR3", "jar41sip.9-4-2ES26.sbn", "cnu41.9-4-2ES26.sbn", "apps41.9-4-2ES26.sbn"),
	}}
}

const class7941 = "Cisco Systems, Inc. IP Phone CP-7941G\x00"

func TestTrackerJavaTwoSteps(t *testing.T) {
	s := newScript(t, plan7941(t))
	s.dhcp(class7941).miss("CTLSEP001E4A123456.tlv", "ITLSEP001E4A123456.tlv", "ITLFile.tlv", "SEP001E4A123456.cnf.xml").
		get("XMLDefault.cnf.xml").
		get("SCCP41.8-5-2S.loads", "jar41sccp.8-5-2TH1-9.sbn", "cnu41.8-5-2TH1-9.sbn").at(time.Second)
	if p := s.phone(); p.Phase != PhaseLoading || p.FileIndex != 3 || p.FileCount != 4 || p.Model != "7941" {
		t.Fatalf("mid-step: phase %q file %d/%d model %q", p.Phase, p.FileIndex, p.FileCount, p.Model)
	}
	s.get("apps41.8-5-2TH1-9.sbn")
	if p := s.phone(); p.Phase != PhaseFlashing {
		t.Fatalf("after the last file: phase %q, want flashing", p.Phase)
	}
	// Step 1 staged for the MAC when the phone came; step 2 the moment it had step 1.
	if got := strings.Join(s.staged, " "); got != "SCCP41.8-5-2S/"+tmac+" SIP41.9-4-2SR3-1S/"+tmac {
		t.Fatalf("staged %q", got)
	}
	s.at(4*time.Minute).dhcp(class7941).miss("CTLSEP001E4A123456.tlv").get("XMLDefault.cnf.xml").
		get("SIP41.9-4-2SR3-1S.loads", "jar41sip.9-4-2ES26.sbn", "cnu41.9-4-2ES26.sbn", "apps41.9-4-2ES26.sbn").
		at(5 * time.Minute).dhcp(class7941)
	want := "step.start 1,step.done 1,step.start 2,step.done 2,upgrade.done 2"
	if got := strings.Join(s.kinds(), ","); got != want {
		t.Fatalf("events %s\nwant %s\nhints:\n%s", got, want, s.hints())
	}
	p := s.phone()
	if p.Phase != PhaseDone || p.FinalLoad != "SIP41.9-4-2SR3-1S" || p.Retries != 0 {
		t.Fatalf("end: %+v", p)
	}
	if d := p.Steps[0].Duration(s.now); d < 4*time.Minute {
		t.Fatalf("step 1 took %s, want the time until the phone came back", d)
	}
}

func TestTrackerLegacyTwoStageLoad(t *testing.T) {
	m, _ := FindModel("7960")
	v, _ := firmware.ParseVersion("8.12")
	plan := &Plan{Model: m, Steps: []Step{{ID: "P0S3-8-12-00", Family: firmware.Family7940, Protocol: firmware.SIP, Version: v,
		Files: []string{"P0S3-8-12-00.loads", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2"}}}}
	s := newScript(t, plan)
	cls := "Cisco Systems, Inc. IP Phone CP-7960G\x00"
	s.dhcp(cls).get("XMLDefault.cnf.xml", "P0S3-8-12-00.loads", "P003-8-12-00.sbn")
	if p := s.phone(); p.Phase == PhaseFlashing {
		t.Fatal("flashing after the loader alone: the application .sb2 is still to come")
	}
	// The new loader reboots and reads its config before fetching the application.
	s.dhcp(cls).get("SIPDefault.cnf", "P0S3-8-12-00.sb2").dhcp(cls)
	if got := strings.Join(s.kinds(), ","); got != "step.start 1,step.done 1,upgrade.done 1" {
		t.Fatalf("events %s\n%s", got, s.hints())
	}
}

func TestTrackerHints(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(s *script)
		want []string // substrings of the hints, in order; none when empty
	}{
		{"expected misses are quiet", func(s *script) {
			s.dhcp(class7941).miss("CTLSEP001E4A123456.tlv", "ITLSEP001E4A123456.tlv", "ITLFile.tlv",
				"SEP001E4A123456.cnf.xml", "/mk-sccp.jar", "dialplan.xml")
		}, nil},
		{"auth fail loop on the default loads", func(s *script) {
			s.dhcp(class7941).get("term41.default.loads", "term41.default.loads", "term41.default.loads", "term41.default.loads")
		}, []string{"[term41.default.loads] The phone keeps asking for term41.default.loads and takes no image", "AUTH FAIL", "SCCP41.8-5-2S"}},
		{"a component missing", func(s *script) {
			s.dhcp(class7941).get("SCCP41.8-5-2S.loads").miss("jar41sccp.8-5-2TH1-9.sbn")
		}, []string{"[jar41sccp.8-5-2TH1-9.sbn] jar41sccp.8-5-2TH1-9.sbn, a file of SCCP41.8-5-2S (step 1), is not in the firmware"}},
		{"a load outside the plan", func(s *script) {
			s.dhcp(class7941).get("SIP41.8-5-4S.loads")
		}, []string{"which is not in the plan"}},
		{"a transfer that stops", func(s *script) {
			s.dhcp(class7941).feed(servers.Event{Kind: servers.TFTPError, IP: "192.0.2.10", Port: 5, File: "cnu41.8-5-2TH1-9.sbn", Msg: "i/o timeout"})
		}, []string{"[cnu41.8-5-2TH1-9.sbn] The transfer of cnu41.8-5-2TH1-9.sbn stopped: i/o timeout"}},
		{"a transfer that stalls", func(s *script) {
			s.dhcp(class7941).feed(servers.Event{Kind: servers.TFTPRequest, IP: "192.0.2.10", Port: 7, File: "apps41.8-5-2TH1-9.sbn", Size: 1e6}).
				feed(servers.Event{Kind: servers.TFTPProgress, IP: "192.0.2.10", Port: 7, File: "apps41.8-5-2TH1-9.sbn", Bytes: 5e5, Size: 1e6}).
				tick(10 * time.Second).tick(10 * time.Second).tick(10 * time.Second)
		}, []string{"has made no progress for 20s"}},
		{"writing flash is normal, then a stall", func(s *script) {
			s.dhcp(class7941).get("SCCP41.8-5-2S.loads", "jar41sccp.8-5-2TH1-9.sbn", "cnu41.8-5-2TH1-9.sbn", "apps41.8-5-2TH1-9.sbn").
				tick(time.Minute).tick(2 * time.Minute).tick(time.Minute).tick(2 * time.Minute).tick(time.Minute)
		}, []string{"Still writing flash, this is normal for a 7941", "phone.stalled [] The 7941 has been silent for 6m0s"}},
		{"a refusal says its own reason with the name as asked", func(s *script) {
			s.dhcp(class7941).feed(servers.Event{Kind: servers.TFTPDenied, IP: "192.0.2.10", Port: 9, File: "apps41.8-5-2TH1-9.sbn",
				Asked: "apps41.8-5-2TH1-9.sbn", Msg: "permission: open apps41.8-5-2TH1-9.sbn: permission denied"}).
				feed(servers.Event{Kind: servers.TFTPDenied, IP: "192.0.2.10", Port: 10, Asked: "evil.bin", File: "evil.bin",
					Msg: "write-request: phoneflash only serves files"})
		}, []string{"[apps41.8-5-2TH1-9.sbn] phoneflash may not read \"apps41.8-5-2TH1-9.sbn\"", "permission denied",
			"[evil.bin] Something at 192.0.2.10 tried to write \"evil.bin\""}},
		{"garbage on port 69 and a stop are nobody's fault", func(s *script) {
			s.dhcp(class7941).feed(servers.Event{Kind: servers.TFTPError, Msg: "malformed: not a TFTP packet"}).
				feed(servers.Event{Kind: servers.TFTPError, IP: "192.0.2.10", Port: 11, File: "cnu41.8-5-2TH1-9.sbn", Msg: "stopped: the server is shutting down"})
		}, nil},
		{"already on the target", func(s *script) {
			p := plan7941(s.t)
			p.Steps = p.Steps[1:]
			s.tr = NewTracker(p, nil, nil)
			s.dhcp(class7941).get("XMLDefault.cnf.xml", "/mk-sip.jar")
		}, []string{"already runs SIP41.9-4-2SR3-1S, the target"}},
		{"a step already taken asks for a reboot", func(s *script) {
			s.dhcp(class7941).get("XMLDefault.cnf.xml", "dialplan.xml")
		}, []string{"already runs SCCP41.8-5-2S; step 2 (SIP41.9-4-2SR3-1S) is staged now. Unplug the phone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, plan7941(t))
			tc.run(s)
			h := s.hints()
			if len(tc.want) == 0 && h != "" {
				t.Fatalf("unexpected hints:\n%s", h)
			}
			rest := h
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("hints lack %q (in order):\n%s", w, h)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestTrackerOnePhoneOnLoopback(t *testing.T) {
	// The demo's virtual phone leases 192.0.2.x but sends TFTP from 127.0.0.1.
	s := newScript(t, plan7941(t))
	s.dhcp(class7941)
	s.feed(servers.Event{Kind: servers.TFTPRequest, IP: "127.0.0.1", Port: 1, File: "XMLDefault.cnf.xml"})
	if len(s.tr.Phones()) != 1 {
		t.Fatalf("%d phones, want the one", len(s.tr.Phones()))
	}
	if e := s.out; len(e) != 0 {
		t.Fatalf("unexpected events %v", s.kinds())
	}
}

func TestTrackerFillsMACAndModel(t *testing.T) {
	s := newScript(t, plan7941(t))
	s.dhcp(class7941)
	ev := wireEvent(servers.Event{Kind: servers.TFTPRequest, IP: "192.0.2.10", Port: 1, File: "XMLDefault.cnf.xml", Time: s.now})
	s.tr.Observe(&ev)
	if ev.MAC != tmac || ev.Model != "7941" {
		t.Fatalf("event not completed: mac %q model %q", ev.MAC, ev.Model)
	}
}

func TestTrackerTFTPOnlyPhoneKeepsItsAddress(t *testing.T) {
	s := newScript(t, plan7941(t))
	s.feed(servers.Event{Kind: servers.TFTPRequest, IP: "192.0.2.77", Port: 1, File: "XMLDefault.cnf.xml"})
	if p := s.phone(); p.IP != "192.0.2.77" || p.MAC != "" {
		t.Fatalf("phone met over TFTP: ip %q mac %q", p.IP, p.MAC)
	}
}

// The tracker keeps what the Watch screen and serve show of a transfer in flight: its
// share, rate and time left; nothing once it ends.
func TestTrackerTransferInFlight(t *testing.T) {
	s := newScript(t, plan7941(t))
	s.dhcp(class7941)
	s.feed(servers.Event{Kind: servers.TFTPRequest, IP: "192.0.2.10", Port: 7, File: "apps41.8-5-2TH1-9.sbn", Size: 4000})
	if _, _, _, ok := s.phone().InFlight(); !ok {
		t.Fatal("a transfer just asked for is in flight")
	}
	s.at(2 * time.Second).feed(servers.Event{Kind: servers.TFTPProgress, IP: "192.0.2.10", Port: 7, File: "apps41.8-5-2TH1-9.sbn", Bytes: 1000, Size: 4000})
	frac, rate, left, ok := s.phone().InFlight()
	if !ok || frac != 0.25 || rate != 500 || left != 6*time.Second {
		t.Fatalf("in flight: %v %v %v %v, want 25%%, 500 B/s, 6s left", frac, rate, left, ok)
	}
	s.feed(servers.Event{Kind: servers.TFTPDone, IP: "192.0.2.10", Port: 7, File: "apps41.8-5-2TH1-9.sbn", Bytes: 4000, Size: 4000, Rate: 2000})
	if _, _, _, ok := s.phone().InFlight(); ok {
		t.Fatal("a finished transfer is still in flight")
	}
}
