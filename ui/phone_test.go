package ui

import (
	"strings"
	"testing"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// toPhone walks to the Phone screen with the seed chain open.
func toPhone(t *testing.T, o Options, sz size2, texts ...string) *teatestModel {
	t.Helper()
	o.Servers = servers.Config{Iface: "eth0"}
	o.Firmware = []string{seedChain}
	o.Walk = true
	o.Now = fixedNow
	tm := run(t, New(newFake(), o), sz)
	waitFor(t, tm, "no other DHCP server answered")
	press(tm, "enter")
	waitFor(t, tm, "[Firmware]", "5 loads in 1 family")
	press(tm, "enter")
	waitFor(t, tm, append(texts, "[Phone]")...)
	return tm
}

func typeText(tm *teatestModel, s string) {
	for _, r := range s {
		press(tm, string(r))
	}
}

func TestPhoneChoicesMakeThePlan(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm := toPhone(t, Options{}, sz)
			press(tm, "/") // search the models
			typeText(tm, "7960")
			press(tm, "enter") // choose it: next field, what it runs
			press(tm, "down")  // unknown -> the oldest load at hand
			press(tm, "enter")
			press(tm, "enter") // shows: nothing wrong
			waitFor(t, tm, "Plan: 3 steps for the 7960, from P00303010102 to P0S3-8-12-00")
			m := final(t, tm)
			if m.plan == nil || len(m.plan.Steps) != 3 || !m.phoneOK() {
				t.Fatalf("plan %+v", m.plan)
			}
			golden(t, m)
		})
	}
}

func TestPhoneTypedLoadAndSymptom(t *testing.T) {
	tm := toPhone(t, Options{Model: "7960"}, sizes[1])
	// The current load is typed: it is not in the firmware.
	press(tm, "/")
	typeText(tm, "P00305000600")
	press(tm, "enter") // choose the typed load: next field
	press(tm, "down")  // Protocol Application Invalid
	press(tm, "enter")
	waitFor(t, tm, "Plan: 1 step for the 7960, from P00305000600")
	m := final(t, tm)
	if m.plan.From != "P00305000600" || m.plan.Symptom != upgrade.ProtocolApplicationInvalid {
		t.Fatalf("plan from %q symptom %v", m.plan.From, m.plan.Symptom)
	}
	golden(t, m)
}

func TestPhoneMissingLoadsBlockReady(t *testing.T) {
	tm := toPhone(t, Options{Model: "7941", To: "SIP41.9-4-2SR3-1S"}, sizes[0])
	press(tm, "enter") // runs now: unknown
	press(tm, "enter") // shows
	press(tm, "enter") // target: missing, so no Ready
	waitFor(t, tm, "Loads are missing")
	m := final(t, tm)
	if m.Screen() != ScreenPhone || m.phoneOK() {
		t.Fatalf("screen %v ok %v", m.Screen(), m.phoneOK())
	}
	golden(t, m)
}

func TestPhoneRefusedPlanSaysWhy(t *testing.T) {
	// A 7960 on SIP 8.12 cannot go back to an unsigned 3.x image.
	tm := toPhone(t, Options{Model: "7960", From: "P0S3-8-12-00", To: "P00303010102"}, sizes[0], "cannot plan")
	m := final(t, tm)
	if m.phoneOK() {
		t.Fatal("a refused plan is ok")
	}
	golden(t, m)
}

func TestPhoneEnterOnTargetGoesToReady(t *testing.T) {
	tm := toPhone(t, Options{Model: "7960", From: "P00303010102", To: "P0S3-8-12-00"}, sizes[0], "Plan: 3 steps")
	press(tm, "enter") // focus starts on the target: everything was given
	waitFor(t, tm, "[Ready]", "enter starts the servers")
	press(tm, "esc")
	waitFor(t, tm, "[Phone]")
	m := final(t, tm)
	if m.Screen() != ScreenPhone {
		t.Fatalf("screen %v", m.Screen())
	}
}

// Issue 8: with the load unknown the plan serves the target and learns from the phone;
// the screen says so, and names the bridges an older phone would get.
func TestPhoneUnknownLearnsFromThePhone(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm := toPhone(t, Options{Model: "7960", To: "P0S3-8-12-00"}, sz)
			press(tm, "enter") // runs now: unknown
			press(tm, "enter") // shows: nothing wrong
			waitFor(t, tm, "› Target")
			m := final(t, tm)
			if m.plan == nil || len(m.plan.Steps) != 1 || len(m.plan.Bridges) != 2 || !m.phoneOK() {
				t.Fatalf("plan %+v", m.plan)
			}
			golden(t, m)
		})
	}
}

// Issue 11: a SIP target takes line 1 on the Phone screen; the password never shows,
// and a line the phone cannot carry keeps the plan from Ready.
func TestPhoneLineForASIPTarget(t *testing.T) {
	tm := toPhone(t, Options{Model: "7960", From: "P00308000900", To: "P0S3-8-12-00"}, sizes[1])
	press(tm, "tab") // the focus starts on the target (all else given): into line 1
	typeText(tm, "192.0.2.50")
	press(tm, "tab")
	typeText(tm, "1001")
	press(tm, "tab") // auth user: the extension
	press(tm, "tab")
	typeText(tm, "s3cret")
	waitFor(t, tm, "Line 1: 1001 at 192.0.2.50:5060")
	m := final(t, tm)
	if m.plan == nil || m.plan.Line == nil || m.plan.Line.Password != "s3cret" || !m.phoneOK() {
		t.Fatalf("plan line %#v ok %v", m.plan.Line, m.phoneOK())
	}
	if v := m.View(); strings.Contains(v, "s3cret") || !strings.Contains(v, "••••••") {
		t.Fatalf("the password shows, or nothing stands for it:\n%s", v)
	}
	golden(t, m)
}

func TestPhoneLineThatCannotBeWrittenBlocksReady(t *testing.T) {
	tm := toPhone(t, Options{Model: "7960", From: "P00308000900", To: "P0S3-8-12-00",
		Line: &upgrade.LineSettings{Registrar: "192.0.2.50", User: "1001", Label: "Front desk"}}, sizes[1])
	press(tm, "enter") // target: Ready? not with a label a 7960 cannot show
	waitFor(t, tm, "Line 1: label")
	m := final(t, tm)
	if m.Screen() != ScreenPhone || m.phoneOK() {
		t.Fatalf("screen %v ok %v", m.Screen(), m.phoneOK())
	}
}
