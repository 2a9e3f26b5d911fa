package sim

import (
	"context"
	"time"

	"phoneflash/upgrade"
)

// Timing is how long the phone takes for what it does. Behaviour waits are real
// durations divided by scale unless the phone runs in real time; protocol timeouts are
// kept short enough for a LAN either way.
type Timing struct {
	PowerOn    time.Duration // power-on or reboot until the first DHCPDISCOVER
	AfterLease time.Duration // lease until the first TFTP request (address checks)
	Flash      time.Duration // writing a load to flash: the long silence
	Retry      time.Duration // between the requests of a loop (AUTH FAIL, missing file)
	PowerOff   time.Duration // dark time after a power cut
	Block      time.Duration // wait before acknowledging each data block: a slow link (the demo's moving progress bar)

	DHCPTimeout time.Duration // first DHCP wait, doubled per try
	DHCPTries   int
	TFTPTimeout time.Duration // per datagram
	TFTPRetries int
}

// scale divides real behaviour waits for the default mode: a Java flash write of
// 4.5 minutes becomes 135 ms, so a three-step upgrade takes seconds.
const scale = 2000

// DefaultTiming is the preset for a model: real durations with realtime, else scaled.
// Flash writes take nine tenths of the silence the tracker accepts as normal for the
// model (upgrade.Model.FlashQuiet: 4.5 of 5 minutes on Java phones), so a real-time
// phone never looks stalled. The other real figures are our inference [I]: Java
// bootloaders take "several minutes" before DHCP (FACTS.md §3 [S]), 7940/7960 boot in
// well under one.
func DefaultTiming(m upgrade.Model, realtime bool) Timing {
	real := Timing{
		PowerOn:    20 * time.Second,
		AfterLease: 2 * time.Second,
		Flash:      m.FlashQuiet * 9 / 10,
		Retry:      10 * time.Second,
		PowerOff:   10 * time.Second,
	}
	if m.Java() {
		real.PowerOn = 90 * time.Second
	}
	if realtime {
		real.DHCPTimeout, real.DHCPTries = 4*time.Second, 5 // RFC 2131 §4.1: 4 s, doubled
		real.TFTPTimeout, real.TFTPRetries = 4*time.Second, 5
		return real
	}
	return Timing{
		PowerOn:     real.PowerOn / scale,
		AfterLease:  real.AfterLease / scale,
		Flash:       real.Flash / scale,
		Retry:       real.Retry / scale,
		PowerOff:    real.PowerOff / scale,
		DHCPTimeout: 250 * time.Millisecond,
		DHCPTries:   4,
		TFTPTimeout: 500 * time.Millisecond,
		TFTPRetries: 6,
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
