// Package sim is a virtual Cisco 79xx phone. It boots against any DHCP and TFTP server
// the way the real phone of its family does (FACTS.md §2; the request order is
// upgrade.BootRequests), reads what it gets (loadInformation, image_version, OS79XX.TXT,
// .loads bodies), "flashes", "reboots", and goes on until it runs the load the server's
// config names. It refuses what a real phone refuses (upgrade's gates and refusals) and
// can be told to misbehave: refuse a load, miss a component, lose packets, lose power
// in the middle of a transfer.
//
// A Phone is usable in-process (the demo and the tracker tests run one on loopback):
// no globals, Run is context-cancelable and leaves no goroutine behind.
package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"

	"phoneflash/firmware"
	"phoneflash/upgrade"
)

// Config is one virtual phone.
type Config struct {
	Model        string           // "7960", "CP-7941G" …
	From         string           // the load it runs at power-on; "" unknown: it takes what it is told
	FactoryReset bool             // just reset (123456789*0#): Java phones ask termNN.default.loads first, 7940/7960 read OS79XX.TXT
	MAC          net.HardwareAddr // nil: a random address in a Cisco OUI
	Iface        string           // "": loopback; else real DHCP on this interface (Linux, root, inside a namespace)
	SetAddr      bool             // with Iface: put the leased address on the interface (and remove it when Run ends)
	Server       net.IP           // loopback: the DHCP server (default 127.0.0.1); with NoDHCP: the TFTP server
	NoDHCP       bool             // skip DHCP: read files from Server straight away (checks a lone TFTP server)
	DHCPPort     int              // 0: 67
	TFTPPort     int              // 0: 69
	BlockSize    int              // 0: RFC 1350 512-byte blocks and no options, as a 7940 asks [V]
	Realtime     bool             // a real phone's minutes instead of the scaled waits
	Timing       *Timing          // overrides the preset chosen by Realtime
	MaxBoots     int              // gives up after this many boots; 0: 25
	LoopTries    int              // requests of a looping file (AUTH FAIL, missing component) before giving up; 0: 6
	// Register: once it runs the named load, line 1 of the SIP config it was served
	// REGISTERs with the registrar that config names; only a 200 OK ends the run well.
	Register bool
	Faults   Faults
	Report   func(Action) `json:"-"` // called for every action, from Run's goroutine; nil: silent
}

// Faults makes the phone misbehave on demand.
type Faults struct {
	Refuse   string   // a load the phone refuses as if its signature failed (AUTH FAIL loop); "*": any load it is told to take
	Missing  string   // a file the phone treats as absent without asking for it, as if the server lacked it: it loops on the manifest
	Loss     float64  // percent of received DHCP and TFTP datagrams dropped
	Seed     uint64   // seeds Loss (and nothing else)
	PowerCut PowerCut // lose power in the middle of a transfer
	// Revert: after writing a load to flash the phone boots its old application again,
	// once per load, and takes the load on its next try (reported on 7960s, FACTS.md §2.2).
	Revert bool
}

// PowerCut stops the phone dead during a transfer: no more ACKs, silence, then a
// reboot from scratch with the same MAC and the load it ran before.
type PowerCut struct {
	File  string // the file ("*": the first image file of the first load it installs); "": no cut
	After int64  // bytes received before the power goes; 0: after the first block
	Times int    // how many cuts; 0: one
}

// Result is how the phone ended.
type Result struct {
	Model      string
	MAC        string   // aa:bb:cc:dd:ee:ff
	Running    string   // the load it runs at the end ("" unknown)
	Named      string   // the load the server's config named last ("" never)
	Boots      int      // power-ons, the first included
	Reboots    int      // boots after the first: flashes and power cuts
	Steps      []string // loads it installed, in order; termNN.default.loads gives no name, so its load is named from its components ("SCCP70.8-5-2TH1-9") until a config names it
	Requests   []string // every file it asked for, in order, as sent
	PowerCuts  int
	Dropped    int    // datagrams the loss fault threw away
	Registered string // with Register: "line 1001 registered with 192.0.2.50:5060 (200 OK)"
}

// Runs reports whether the phone ended on load (case-insensitive; "" never matches).
func (r Result) Runs(load string) bool { return load != "" && strings.EqualFold(r.Running, load) }

// GiveUpError is why a phone stopped short of the named load: it is what a technician
// would see on the bench (a loop, a refusal, a silent server).
type GiveUpError struct {
	Reason string // one sentence: what happened and what to do
	Err    error  // the underlying error, if any
}

func (e *GiveUpError) Error() string { return e.Reason }
func (e *GiveUpError) Unwrap() error { return e.Err }

// Phone is one virtual phone. Run it once.
type Phone struct {
	cfg    Config
	model  upgrade.Model
	mac    net.HardwareAddr
	timing Timing
	loss   *loss

	report func(Action)
	ran    atomic.Bool
	res    Result
	st     flashState

	lastLease   net.IP      // the address of the last boot's lease (nil without DHCP)
	lastConfigs lineConfigs // the SIP configs the last boot read
}

// flashState is what survives a reboot: what is on flash and what the server said.
type flashState struct {
	running      string          // the load it runs; "" unknown
	files        map[string]bool // image files on flash, lower case
	pending      *pendingLoad    // 7940/7960: loader flashed, application still to fetch
	factoryReset bool
	lastNamed    string // the load a config named last, over all boots
	cutsLeft     int
	refused      map[string]int  // refusals per file (lower case), over all boots
	reverted     map[string]bool // loads the revert fault struck (lower case)
}

// pendingLoad is the second half of a two-stage 7940/7960 install (FACTS.md §4.1).
type pendingLoad struct {
	load  string
	files []string // what is still to fetch: the application .sb2
}

// ciscoOUIs are the prefixes seen on these phones (FACTS.md §6 [V]); a virtual phone
// draws its MAC from them so that it looks like one in every log.
var ciscoOUIs = [][3]byte{
	{0x00, 0x06, 0x53}, {0x00, 0x16, 0x46}, {0x00, 0x1f, 0x9e},
	{0x00, 0x27, 0x0d}, {0x00, 0x30, 0x94}, {0x2c, 0x73, 0xa0},
}

// RandomMAC draws a MAC in a Cisco OUI.
func RandomMAC() net.HardwareAddr {
	oui := ciscoOUIs[rand.IntN(len(ciscoOUIs))]
	return net.HardwareAddr{oui[0], oui[1], oui[2], byte(rand.IntN(256)), byte(rand.IntN(256)), byte(rand.IntN(256))}
}

// New checks the config and makes the phone. Errors are bad usage: an unknown model, a
// load of another family, a fault that cannot apply.
func New(cfg Config) (*Phone, error) {
	model, err := upgrade.FindModel(cfg.Model)
	if err != nil {
		return nil, err
	}
	p := &Phone{cfg: cfg, model: model, mac: cfg.MAC, report: cfg.Report}
	if p.cfg.From = strings.TrimSpace(cfg.From); p.cfg.From != "" {
		f, _, _, err := firmware.ParseID(p.cfg.From)
		if err != nil {
			return nil, fmt.Errorf("--from: %w", err)
		}
		if f != model.Family {
			return nil, fmt.Errorf("--from %s is a %s load; a %s runs %s loads", p.cfg.From, f, model.Name, model.Family)
		}
	}
	if p.mac == nil {
		p.mac = RandomMAC()
	}
	if len(p.mac) != 6 {
		return nil, fmt.Errorf("MAC %s: want 6 bytes, e.g. 00:1e:4a:12:34:56", p.mac)
	}
	if cfg.Faults.Loss < 0 || cfg.Faults.Loss >= 100 {
		return nil, fmt.Errorf("loss %.1f%%: want 0 to 99.9", cfg.Faults.Loss)
	}
	if cfg.Faults.PowerCut.After < 0 || cfg.Faults.PowerCut.Times < 0 {
		return nil, errors.New("power cut: bytes and times must not be negative")
	}
	if cfg.BlockSize != 0 && (cfg.BlockSize < 8 || cfg.BlockSize > 65464) {
		return nil, fmt.Errorf("block size %d: want 8 to 65464, or 0 for none", cfg.BlockSize)
	}
	if cfg.Iface == "" && !cfg.NoDHCP && cfg.Server != nil && !cfg.Server.IsLoopback() {
		return nil, fmt.Errorf("server %s is not on loopback: boot on a real interface with --iface, or check a lone TFTP server with --no-dhcp", cfg.Server)
	}
	if cfg.SetAddr && cfg.Iface == "" {
		return nil, errors.New("--set-addr needs --iface")
	}
	if cfg.NoDHCP && cfg.Server == nil {
		return nil, errors.New("--no-dhcp needs --server: the TFTP server to read from")
	}
	if p.cfg.DHCPPort == 0 {
		p.cfg.DHCPPort = 67
	}
	if p.cfg.TFTPPort == 0 {
		p.cfg.TFTPPort = 69
	}
	if p.cfg.MaxBoots == 0 {
		p.cfg.MaxBoots = 25
	}
	if p.cfg.LoopTries == 0 {
		p.cfg.LoopTries = 6
	}
	if p.cfg.Faults.PowerCut.Times == 0 {
		p.cfg.Faults.PowerCut.Times = 1
	}
	if cfg.Timing != nil {
		p.timing = *cfg.Timing
	} else {
		p.timing = DefaultTiming(model, cfg.Realtime)
	}
	if cfg.Faults.Loss > 0 {
		p.loss = newLoss(cfg.Faults.Loss, cfg.Faults.Seed)
	}
	p.st = flashState{running: p.cfg.From, files: map[string]bool{}, factoryReset: cfg.FactoryReset}
	if cfg.Faults.PowerCut.File != "" {
		p.st.cutsLeft = p.cfg.Faults.PowerCut.Times
	}
	p.res = Result{Model: model.Name, MAC: p.mac.String()}
	return p, nil
}

// MAC is the phone's hardware address.
func (p *Phone) MAC() net.HardwareAddr { return append(net.HardwareAddr(nil), p.mac...) }

// Model is the catalog entry of the phone.
func (p *Phone) Model() upgrade.Model { return p.model }
