package main

import (
	"bytes"
	"strings"
	"testing"
)

// A line the phone's config cannot carry is bad usage, said with its flag, before any
// socket opens (the serve flags name ports nothing listens on: a start would fail
// otherwise); the password is never echoed.
func TestLineFlagsBadUsage(t *testing.T) {
	serve := []string{"serve", "--iface", "lo", "--server-ip", "127.0.0.1", "--dhcp-port", "1", "--tftp-port", "1",
		"--firmware", "testdata/firmware/7940-7960", "--model", "7960", "--to", "P0S3-8-12-00"}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--sip-registrar", "192.0.2", "--sip-user", "1001"}, "--sip-registrar: \"192.0.2\" is not an IPv4 address"},
		{[]string{"--sip-registrar", "2001:db8::1", "--sip-user", "1001"}, "--sip-registrar"},
		{[]string{"--sip-registrar", "192.0.2.50:99999", "--sip-user", "1001"}, "1 to 65535"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-password", "x;DoNotEcho"}, "--sip-password: has a ';'"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-password", "x\"DoNotEcho"}, "--sip-password: has a '\"'"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-password", "x#DoNotEcho"}, "--sip-password: has a '#'"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-password", "x\nDoNotEcho"}, "--sip-password: has a line break"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-password", strings.Repeat("DoNotEcho", 4)}, "at most 30"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-display", "Desk;1"}, "--sip-display"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-label", "Bench 1"}, "--sip-label: has a space"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "10 01"}, "--sip-user"},
		{[]string{"--sip-registrar", "192.0.2.50", "--sip-user", "1001", "--sip-auth-user", "a@b"}, "--sip-auth-user"},
		{[]string{"--sip-password", "DoNotEcho"}, "--sip-registrar: missing"},
		{[]string{"--sip-registrar", "192.0.2.50"}, "--sip-user: missing"},
	} {
		for _, cmd := range [][]string{serve, {}} { // serve, and the wizard
			args := append(append([]string(nil), cmd...), tc.args...)
			var out, errOut bytes.Buffer
			code := run(args, &out, &errOut)
			if code != exitUsage || !strings.Contains(errOut.String(), tc.says) || strings.Contains(errOut.String(), "DoNotEcho") {
				t.Errorf("%q: exit %d, want 2 saying %q, never the password\nstderr: %s", args, code, tc.says, errOut.String())
			}
		}
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"serve", "--iface", "lo", "--server-ip", "127.0.0.1", "--dhcp-port", "1", "--tftp-port", "1",
			"--firmware", "testdata/firmware/7940-7960", "--model", "7960", "--to", "P00308000900",
			"--sip-registrar", "192.0.2.50", "--sip-user", "1001"}, "P00308000900 is SCCP"},
		{[]string{"serve", "--iface", "lo", "--server-ip", "127.0.0.1", "--dhcp-port", "1", "--tftp-port", "1",
			"--firmware", "testdata/firmware/7940-7960", "--sip-registrar", "192.0.2.50", "--sip-user", "1001"}, "need a plan"},
		{[]string{"serve", "--iface", "lo", "--server-ip", "127.0.0.1", "--no-dhcp", "--tftp-port", "1", "--firmware", "testdata/firmware/7940-7960",
			"--model", "7960", "--to", "P0S3-8-12-00", "--sip-registrar", "192.0.2.50", "--sip-user", "1001"}, "drop --no-dhcp"},
	} {
		var out, errOut bytes.Buffer
		if code := run(tc.args, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), tc.says) {
			t.Errorf("%q: exit %d, want 2 saying %q\nstderr: %s", tc.args, code, tc.says, errOut.String())
		}
	}
}
