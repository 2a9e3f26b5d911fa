package ui

import (
	"strings"
	"testing"

	"phoneflash/firmware"

	"phoneflash/servers"
)

// toFirmware walks from Bench (eth0 preselected and checked) to the Firmware screen
// and waits for it to show texts.
func toFirmware(t *testing.T, o Options, sz size2, texts ...string) *teatestModel {
	t.Helper()
	o.Servers = servers.Config{Iface: "eth0"}
	o.Walk = true
	tm := run(t, New(newFake(), o), sz)
	waitFor(t, tm, "no other DHCP server answered")
	press(tm, "enter")
	waitFor(t, tm, append(texts, "[Firmware]")...)
	return tm
}

func TestFirmwareTypedWithCompletion(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name(), func(t *testing.T) {
			tm := toFirmware(t, Options{Now: fixedNow}, sz)
			for _, r := range "../testdata/firmware/" {
				press(tm, string(r))
			}
			press(tm, "tab") // three completions: listed, nothing chosen yet
			waitFor(t, tm, "cmterm-7941_7961-sccp.8-5-2.tar")
			press(tm, "down") // into the completions
			press(tm, "enter")
			waitFor(t, tm, "5 loads in 1 family (5 complete) in ../testdata/firmware/7940-7960/")
			m := final(t, tm)
			if m.lib == nil || len(m.lib.Loads) != 5 || !m.firmwareOK() {
				t.Fatalf("library %v ok %v", m.lib, m.firmwareOK())
			}
			golden(t, m)
		})
	}
}

func TestFirmwareProblemsPerLoad(t *testing.T) {
	tm := toFirmware(t, Options{Now: fixedNow}, sizes[1])
	for _, r := range "../testdata/firmware/broken" {
		press(tm, string(r))
	}
	press(tm, "enter")
	waitFor(t, tm, "incomplete")
	m := final(t, tm)
	golden(t, m)
}

func TestFirmwareEnterGoesOnOnceOpened(t *testing.T) {
	tm := toFirmware(t, Options{Now: fixedNow, Firmware: []string{seedChain}}, sizes[0], "5 loads in 1 family")
	press(tm, "enter")
	waitFor(t, tm, "[Phone]")
	press(tm, "esc") // back
	waitFor(t, tm, "[Firmware]")
	m := final(t, tm)
	if m.Screen() != ScreenFirmware {
		t.Fatalf("screen %v", m.Screen())
	}
}

func TestFirmwareNotFound(t *testing.T) {
	tm := toFirmware(t, Options{Now: fixedNow}, sizes[0])
	for _, r := range "/nonexistent/fw" {
		press(tm, string(r))
	}
	press(tm, "enter")
	waitFor(t, tm, "no such file")
	m := final(t, tm)
	if m.Screen() != ScreenFirmware || m.firmwareOK() {
		t.Fatalf("moved on without firmware: %v", m.Screen())
	}
	golden(t, m)
}

// A home or system folder is said first, before the loads, so nobody serves ~/.ssh to
// the bench network without having read it (issue 9 item 3).
func TestFirmwareWarnsOfAHomeFolderFirst(t *testing.T) {
	lines := loadLines(&firmware.Library{Warnings: []string{"/root is a home folder: phoneflash serves \x1b[2J every file"}})
	if len(lines) == 0 || !strings.Contains(lines[0], "/root is a home folder") || strings.Contains(lines[0], "\x1b[2J") {
		t.Fatalf("lines %q", lines)
	}
}
