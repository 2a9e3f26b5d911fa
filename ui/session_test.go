package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

func TestReadyOpensWhenEverythingIsGiven(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm := run(t, New(newFake(), preset()), sz)
			waitFor(t, tm, "[Ready]", "enter starts the servers")
			m := final(t, tm)
			golden(t, m)
		})
	}
}

func TestReadyStartFailureShowsTheFix(t *testing.T) {
	tm := run(t, New(newFake(), preset()), sizes[0])
	waitFor(t, tm, "enter starts the servers")
	press(tm, "enter")
	waitFor(t, tm, "to fix: run it as root")
	m := final(t, tm)
	if m.Screen() != ScreenReady || m.run.sess != nil {
		t.Fatalf("screen %v session %v", m.Screen(), m.run.sess)
	}
	golden(t, m)
}

func TestReadyStartsTheServersOnLoopback(t *testing.T) {
	f := newFake()
	f.start = loopbackStart
	dir := t.TempDir()
	logPath := filepath.Join(dir, "events.jsonl")
	o := preset()
	o.OpenLog = func() (wc io.WriteCloser, path string, err error) {
		fl, err := servers.OpenLog(logPath)
		return fl, logPath, err
	}
	m := New(f, o)
	tm := run(t, m, sizes[0])
	waitFor(t, tm, "enter starts the servers")
	press(tm, "enter")
	waitFor(t, tm, "[Reset]", "123456789*0#", "Waiting for the phone's DHCP DISCOVER")
	press(tm, "esc") // stop the servers, back to Ready
	waitFor(t, tm, "[Ready]", "Event log     /tmp/")
	press(tm, "enter") // and again: the same log goes on
	waitFor(t, tm, "[Reset]")
	fm := final(t, tm)
	golden(t, fm)
	res := fm.Finish()
	if res.Log != logPath || res.Report != "/tmp/report.json" || res.Err != nil {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(logPath); err != nil {
		t.Fatal(err)
	}
}

// toReset opens at Ready with the seed chain and hands the wizard started servers
// without starting any (the screens after Ready only read serverInfo and events).
func toReset(t *testing.T, o Options, sz size2, texts ...string) (*teatestModel, *fakeBackend) {
	t.Helper()
	f := newFake()
	tm := run(t, New(f, o), sz)
	waitFor(t, tm, "enter starts the servers")
	tm.Send(startedMsg{info: serverInfo{Iface: "eth0", ServerIP: "192.168.1.1", DHCP: "0.0.0.0:67", TFTP: "192.168.1.1:69"}})
	waitFor(t, tm, append(texts, "[Reset]")...)
	return tm, f
}

func TestResetShowsTheKeysAndMovesOnByItself(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm, _ := toReset(t, preset(), sz, "123456789*0#", "Conditions")
			m := final(t, tm)
			golden(t, m)
		})
	}
	t.Run("discover", func(t *testing.T) {
		tm, _ := toReset(t, preset(), sizes[0])
		plan, lib := seedPlan(t)
		k := newTracked(plan, lib)
		k.ev(time.Second, servers.Event{Kind: servers.DHCPDiscover, MAC: phoneMAC, Class: "Cisco Systems, Inc. IP Phone CP-7960G"})
		tm.Send(k.msg())
		waitFor(t, tm, "[Watch]", "dhcp.discover")
		if m := final(t, tm); m.Screen() != ScreenWatch {
			t.Fatalf("screen %v", m.Screen())
		}
	})
}

func TestResetJavaPhoneHasTwoResets(t *testing.T) {
	o := Options{Servers: servers.Config{Iface: "eth0"}, Now: fixedNow, Model: "7941", From: "SCCP41.8-5-2S", To: "SIP41.9-4-2SR3-1S",
		Firmware: []string{"../testdata/firmware/cmterm-7941_7961-sccp.8-5-2.tar", "../testdata/firmware/cmterm-7941_7961-sip.9-4-2SR3-1.cop"}}
	tm, _ := toReset(t, o, sizes[0], "factory reset of the 7941", "tab shows the other")
	press(tm, "tab")
	waitFor(t, tm, "flash format of the 7941", "3491672850*#")
	m := final(t, tm)
	golden(t, m)
}

// midFlash is a phone half way through the seed chain: step 1 done, the .sb2 of step 2
// 60 % through.
func midFlash(t testing.TB) *tracked {
	plan, lib := seedPlan(t)
	k := newTracked(plan, lib)
	k.boot()
	for i, f := range plan.Steps[0].Files {
		k.get(f, 600, i)
	}
	k.boot()
	st := plan.Steps[1]
	k.get(st.Files[0], 470, 10)
	k.get(st.Files[1], 640, 11)
	k.ev(100*time.Millisecond, servers.Event{Kind: servers.TFTPRequest, IP: "192.168.1.2", Port: 4012, File: st.Files[2], Size: 984})
	k.ev(time.Second, servers.Event{Kind: servers.TFTPProgress, IP: "192.168.1.2", Port: 4012, File: st.Files[2], Bytes: 590, Size: 984})
	return k
}

// atMidFlash is the Watch screen at 80x24 with the phone of midFlash.
func atMidFlash(t *testing.T) *teatestModel {
	t.Helper()
	tm, _ := toReset(t, preset(), sizes[0])
	tm.Send(midFlash(t).msg())
	waitFor(t, tm, "[Watch]", "60%")
	return tm
}

func TestWatchShowsThePhoneAtWork(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm, _ := toReset(t, preset(), sz)
			tm.Send(midFlash(t).msg())
			waitFor(t, tm, "[Watch]", "Step 2 of 3: P00308000900", "60%")
			m := final(t, tm)
			p := m.run.phones[0]
			if p.Step != 1 || p.Phase != upgrade.PhaseLoading {
				t.Fatalf("phone %+v", p)
			}
			golden(t, m)
		})
	}
}

func TestWatchFilterAndScroll(t *testing.T) {
	tm := atMidFlash(t)
	press(tm, "/")
	typeText(tm, "sb")
	press(tm, "enter")
	waitFor(t, tm, `match "sb"`)
	press(tm, "g") // top
	m := final(t, tm)
	if m.watch.log.following() || len(m.watch.log.match) == 0 {
		t.Fatalf("filter: %d matches, following %v", len(m.watch.log.match), m.watch.log.following())
	}
	for _, i := range m.watch.log.match {
		if !strings.Contains(m.watch.log.lines[i].lower, "sb") {
			t.Fatalf("line without sb kept: %q", m.watch.log.lines[i].text)
		}
	}
	golden(t, m)
}

func TestWatchSeveralPhones(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm, _ := toReset(t, preset(), sz)
			k := midFlash(t)
			cls := "Cisco Systems, Inc. IP Phone CP-7960G"
			k.ev(time.Second, servers.Event{Kind: servers.DHCPDiscover, MAC: "00:1e:4a:65:43:21", Class: cls})
			k.ev(0, servers.Event{Kind: servers.DHCPAck, MAC: "00:1e:4a:65:43:21", IP: "192.168.1.3", Class: cls})
			tm.Send(k.msg())
			waitFor(t, tm, "[Watch]", "00:1e:4a:65:43:21")
			press(tm, "tab")  // the phone list
			press(tm, "down") // the second phone's card
			waitFor(t, tm, "192.168.1.3")
			m := final(t, tm)
			if len(m.run.phones) != 2 || m.watch.sel != 1 {
				t.Fatalf("%d phones, selected %d", len(m.run.phones), m.watch.sel)
			}
			golden(t, m)
		})
	}
}

func TestQuitWhileFlashingAsksFirst(t *testing.T) {
	tm := atMidFlash(t)
	press(tm, "q")
	waitFor(t, tm, "A phone is flashing (00:1e:4a:12:34:56). Stop the servers and quit? y/N")
	press(tm, "n")
	waitFor(t, tm, "Not quitting.")
	press(tm, "ctrl+c")
	waitFor(t, tm, "A phone is flashing")
	press(tm, "y")
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if m.confirm.text != "" {
		t.Fatalf("still asking %q", m.confirm.text)
	}
}

func TestQuitWhenIdleDoesNotAsk(t *testing.T) {
	tm := run(t, New(newFake(), preset()), sizes[0])
	waitFor(t, tm, "enter starts the servers")
	press(tm, "q")
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestDoneAfterTheLastStep(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm, _ := toReset(t, preset(), sz)
			k := midFlash(t)
			plan, _ := seedPlan(t)
			k.ev(time.Second, servers.Event{Kind: servers.TFTPDone, IP: "192.168.1.2", Port: 4012, File: plan.Steps[1].Files[2], Bytes: 984, Size: 984})
			k.boot()
			for i, fl := range plan.Steps[2].Files {
				k.get(fl, 700, 20+i)
			}
			k.get(plan.Steps[2].Files[2], 700, 30) // asked again: a retry
			k.boot()
			tm.Send(k.msg())
			waitFor(t, tm, "[Done]", "Done: 1 phone upgraded")
			// The Done screen asks the backend for the report (a nil session here: the
			// fake declines), as Run would; hand it the path a real one returns.
			tm.Send(reportMsg{path: "/tmp/phoneflash-report-20260314-093000.json"})
			waitFor(t, tm, "Session report")
			m := final(t, tm)
			if !allDone(m.run.phones) || m.run.phones[0].FinalLoad != "P0S3-8-12-00" {
				t.Fatalf("phones %+v", m.run.phones)
			}
			golden(t, m)
		})
	}
}

func TestEnterOnWatchFinishesAfterAsking(t *testing.T) {
	tm := atMidFlash(t)
	press(tm, "enter")
	waitFor(t, tm, "still at work: finish anyway")
	press(tm, "ctrl+c") // not a yes to finishing: the quit question instead
	waitFor(t, tm, "A phone is flashing (00:1e:4a:12:34:56). Stop the servers and quit? y/N")
	press(tm, "n")
	waitFor(t, tm, "Not quitting.")
	press(tm, "enter")
	waitFor(t, tm, "still at work: finish anyway")
	press(tm, "y")
	waitFor(t, tm, "[Done]", "Not every phone finished")
	press(tm, "esc")
	waitFor(t, tm, "[Watch]")
	if m := final(t, tm); m.Screen() != ScreenWatch {
		t.Fatalf("screen %v", m.Screen())
	}
}

func TestWatchShowsTheTrackersHints(t *testing.T) {
	tm, _ := toReset(t, preset(), sizes[0])
	k := midFlash(t)
	// A file of step 3 while step 2 is staged: the tracker explains.
	k.ev(time.Second, servers.Event{Kind: servers.TFTPRequest, IP: "192.168.1.2", Port: 4040, File: "P0S3-8-12-00.loads", Size: 470})
	tm.Send(k.msg())
	waitFor(t, tm, "[Watch]", "a file of step 3")
	m := final(t, tm)
	if len(m.run.phones[0].Hints) != 1 {
		t.Fatalf("hints %+v", m.run.phones[0].Hints)
	}
	golden(t, m)
}

func TestWatchSaysWhenTheServersStopped(t *testing.T) {
	tm := atMidFlash(t)
	tm.Send(sessionEndedMsg{err: errors.New("DHCP: read udp 0.0.0.0:67: use of closed network connection")})
	waitFor(t, tm, "The servers stopped: DHCP: read udp")
	m := final(t, tm)
	if m.flashing() != "" {
		t.Fatal("a phone counts as flashing with the servers stopped")
	}
}

func TestPreselectedInterfaceMissing(t *testing.T) {
	o := preset()
	o.Servers.Iface = "eth9"
	tm := run(t, New(newFake(), o), sizes[0])
	waitFor(t, tm, "[Bench]", `there is no interface "eth9" (given with --iface)`)
	m := final(t, tm)
	if m.Screen() != ScreenBench {
		t.Fatalf("screen %v", m.Screen())
	}
}

func TestReadyStartAnywayWithAnotherDHCPServer(t *testing.T) {
	f := newFake()
	f.start = func(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error) {
		if !o.Servers.Force {
			return nil, nil, &servers.Problem{Kind: servers.OtherDHCP, Msg: "another DHCP server answers on eth0: 192.168.1.254",
				Fix: "switch it off or unplug it from this network (phones would boot from it); --force starts anyway"}
		}
		return loopbackStart(ctx, sub, o)
	}
	tm := run(t, New(f, preset()), sizes[0])
	waitFor(t, tm, "enter starts the servers")
	press(tm, "enter")
	waitFor(t, tm, "another DHCP server answers on eth0", "f: start anyway")
	press(tm, "f")
	waitFor(t, tm, "[Reset]")
	if m := final(t, tm); !m.cfg.Force || m.run.sess == nil {
		t.Fatalf("force %v session %v", m.cfg.Force, m.run.sess)
	}
}

// TERM=dumb gets no wizard full of escape codes but a message naming serve, and Run
// starts nothing.
func TestRunRefusesADumbTerminal(t *testing.T) {
	t.Setenv("TERM", "dumb")
	f := newFake()
	var out bytes.Buffer
	res, err := Run(f, preset(), tea.WithInput(nil), tea.WithOutput(&out))
	if !errors.Is(err, ErrDumbTerminal) || !strings.Contains(err.Error(), "phoneflash serve") {
		t.Fatalf("Run on TERM=dumb: %v", err)
	}
	if out.Len() != 0 || res.Report != "" || f.reports != 0 {
		t.Fatalf("the wizard ran: %q, %+v", out.String(), res)
	}
	if err := checkTerminal(func(string) string { return "xterm-256color" }); err != nil {
		t.Fatal(err)
	}
}

// Quitting while a phone holds a transfer shows that the servers are stopping, at once,
// and the program ends when they stopped (issue 9: the terminal was blank for ~8 s
// after "y", the stop running after the program had ended).
func TestQuitShowsTheServersStopping(t *testing.T) {
	f := newFake()
	tftpAddr := make(chan string, 1)
	f.start = func(ctx, sub context.Context, o upgrade.Options) (*upgrade.Session, <-chan upgrade.Event, error) {
		s, events, err := loopbackStart(ctx, sub, o)
		if err == nil {
			tftpAddr <- s.Servers().TFTPAddr().String()
		}
		return s, events, err
	}
	tm := run(t, New(f, preset()), sizes[0])
	waitFor(t, tm, "enter starts the servers")
	press(tm, "enter")
	// A phone asks for a file and then goes silent: its transfer waits for it.
	conn, err := net.Dial("udp", <-tftpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("\x00\x01P00305000200.loads\x00octet\x00")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tm, "tftp.request", "P00305000200.loads")
	press(tm, "q")
	waitFor(t, tm, "Stop the servers and quit? y/N")
	t0 := time.Now()
	press(tm, "y")
	waitFor(t, tm, "Stopping the servers")
	if d := time.Since(t0); d > time.Second {
		t.Errorf("%v before the screen said anything", d)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*Model)
	select {
	case <-fm.run.sess.Done():
	default:
		t.Fatal("the program ended before the servers stopped")
	}
}

// Once the events channel closed, the wizard stops listening: a listener on a closed
// channel would answer at once, for ever (the stop on quit closes it).
func TestClosedEventsEndTheListening(t *testing.T) {
	m := screensAt(t)[ScreenWatch]
	ch := make(chan upgrade.Event)
	close(ch)
	m.run.events = ch
	msg := m.listen()()
	if _, cmd := m.Update(msg); cmd != nil || m.run.events != nil || !m.run.ended {
		t.Fatalf("after %#v: listening on, events %v, ended %v", msg, m.run.events, m.run.ended)
	}
}

// waitingFake is the fake bench with a phone that waits to be told the reset is done,
// as the demo's virtual phone does.
type waitingFake struct {
	*fakeBackend
	ready chan struct{}
}

func (w waitingFake) PhoneReady() { w.ready <- struct{}{} }

// Enter on the Reset screen tells a backend whose phone waits that the reset is done,
// and not before (issue 12: the demo's phone booted while the keys were still read).
func TestResetEnterTellsTheWaitingPhone(t *testing.T) {
	f := waitingFake{newFake(), make(chan struct{}, 1)}
	tm := run(t, New(f, preset()), sizes[0])
	waitFor(t, tm, "enter starts the servers")
	tm.Send(startedMsg{info: serverInfo{Iface: "eth0", ServerIP: "192.168.1.1", DHCP: "0.0.0.0:67", TFTP: "192.168.1.1:69"}})
	waitFor(t, tm, "[Reset]", "123456789*0#")
	select {
	case <-f.ready:
		t.Fatal("told before Enter")
	default:
	}
	press(tm, "enter")
	waitFor(t, tm, "[Watch]")
	select {
	case <-f.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("Enter on the Reset screen did not tell the backend")
	}
	final(t, tm)
}
