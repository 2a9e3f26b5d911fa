package ui

import (
	"context"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
)

// Backend is everything the wizard asks of the world outside the terminal. The wizard
// never opens a socket or a file itself: main wires upgrade.Bench (the real machine),
// the demo wires demo.Bench (loopback and a virtual phone), tests wire fakes.
type Backend interface {
	// Interfaces lists the network interfaces the phone may be cabled to.
	Interfaces() ([]servers.Interface, error)
	// Check lists what stands in the way of serving with cfg (no IPv4, link down,
	// ports not usable ...), each with its fix.
	Check(cfg servers.Config) []*servers.Problem
	// Probe looks for another DHCP server on the interface (a couple of seconds).
	Probe(ctx context.Context, iface string) ([]servers.Offer, error)
	// AddAddress puts an IPv4 address (CIDR) on the interface, after the user agreed.
	AddAddress(iface, cidr string) error
	// OpenFirmware scans folders and archives for loads.
	OpenFirmware(paths ...string) (*firmware.Library, error)
	// CompletePath lists the completions of a partly typed path.
	CompletePath(prefix string) []string
	// Start starts the servers, the staging and the tracker; events carries every
	// event from the very start (upgrade.StartWatched) until the Session stops or sub ends.
	Start(ctx, sub context.Context, o upgrade.Options) (s *upgrade.Session, events <-chan upgrade.Event, err error)
	// WriteReport writes the session report (JSON, for the work ticket) and returns
	// where it went.
	WriteReport(s *upgrade.Session) (string, error)
}

// PhoneWaiter is a Backend whose phone waits for the technician: it is told when the
// factory reset is done (Enter on the Reset screen). The demo powers its virtual phone
// on then, as a real phone boots after its keys, so a trainee can read them first. A
// real bench has nothing to do and does not implement it.
type PhoneWaiter interface {
	// PhoneReady says the reset is done: the phone may boot now. It must not block;
	// it may be called more than once (the servers restarted) or never (the
	// technician quit, or the phone asked before Enter).
	PhoneReady()
}
