package servers

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Standard ports, and AnyPort: a port number asking the OS for a free one (tests).
const (
	DHCPPort = 67
	TFTPPort = 69
	AnyPort  = -1
)

// Defaults tuned for phones on a LAN (TESTBED.md §2): a lost packet costs one
// Timeout, and resends back off up to MaxBackoff so that a phone busy for a few
// seconds is still waited for (GiveUpAfter).
const (
	DefaultLease       = time.Hour
	DefaultTimeout     = 250 * time.Millisecond
	DefaultRetries     = 8
	MaxBackoff         = time.Second
	DefaultProbeWindow = 2 * time.Second
)

// Config is what Start needs. The zero value of a field means its default.
type Config struct {
	Iface     string     // interface the phones are cabled to; "lo" (or a 127.x ServerIP) = loopback mode
	ServerIP  netip.Addr // our address: option 54, siaddr, options 150/66, TFTP; default the interface's IPv4
	PoolStart netip.Addr // default ServerIP+1
	PoolSize  int        // default up to .251 of the /24 of PoolStart
	Mask      net.IPMask // default the interface's prefix
	Router    netip.Addr // option 3, left out when unset
	Lease     time.Duration

	DHCPPort int // 0 = 67, AnyPort = a free one
	TFTPPort int // 0 = 69, AnyPort = a free one
	NoDHCP   bool

	// ClassPrefix: answer only clients whose option 60 starts with it ("" = everyone).
	ClassPrefix string
	// Force: start although the probe found another DHCP server (it is reported as dhcp.rogue).
	Force       bool
	ProbeWindow time.Duration // how long the probe listens for other servers' OFFERs
	LeasesFile  string        // keep leases across restarts when set

	BlockSize int           // cap on the negotiated TFTP blksize (513..65464); 0 = the interface MTU
	Timeout   time.Duration // TFTP: wait for one ACK before sending again
	Retries   int           // TFTP: resends of one packet before giving up
}

// GiveUpAfter is how long a TFTP transfer waits for a silent client before it fails:
// every send waits Timeout, and resend n first waits backoff(n).
func (c Config) GiveUpAfter() time.Duration {
	timeout, retries := c.Timeout, c.Retries
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if retries <= 0 {
		retries = DefaultRetries
	}
	d := time.Duration(retries+1) * timeout
	for n := range retries {
		d += backoff(timeout, n)
	}
	return d
}

// backoff is the pause before resend n (0-based): none for the first, so one lost
// packet costs one timeout, then growing by a timeout each time up to MaxBackoff.
func backoff(timeout time.Duration, n int) time.Duration {
	return min(time.Duration(n)*timeout, MaxBackoff)
}

// resolved is a Config checked against the interface, with every default filled in.
type resolved struct {
	Config
	iface    Interface
	loopback bool
	subnet   netip.Prefix
}

// Loopback reports whether cfg runs in loopback mode: replies by unicast to the sender,
// never a broadcast, no probe (tests and the demo).
func (c Config) Loopback() bool {
	return c.Iface == "lo" || (c.Iface == "" && c.ServerIP.IsLoopback())
}

// resolve fills in the defaults and checks cfg against the interface. Errors are
// *Problem.
func (c Config) resolve() (*resolved, error) {
	if p := c.checkSettings(); p != nil {
		return nil, p
	}
	rc := &resolved{Config: c, loopback: c.Loopback()}
	if rc.Iface == "" {
		if !rc.loopback {
			return nil, (&Problem{Kind: NoInterface, Field: FieldIface, Msg: "no interface given"}).
				fixing("choose the interface the phone is cabled to (%s): one of "+interfaceNames(), FieldIface)
		}
		rc.Iface = "lo"
	}
	iface, err := InterfaceByName(rc.Iface)
	if err != nil {
		return nil, err
	}
	rc.iface = iface
	if !iface.Up {
		return nil, &Problem{Kind: InterfaceDown, Msg: fmt.Sprintf("interface %s is down", iface.Name),
			Fix: fmt.Sprintf("bring it up: sudo ip link set %s up", iface.Name)}
	}
	if err := rc.pickAddress(); err != nil {
		return nil, err
	}
	if err := rc.fillPool(); err != nil {
		return nil, err
	}
	if err := rc.checkRouter(); err != nil {
		return nil, err
	}
	if rc.Lease <= 0 {
		rc.Lease = DefaultLease
	}
	if rc.Timeout <= 0 {
		rc.Timeout = DefaultTimeout
	}
	if rc.Retries <= 0 {
		rc.Retries = DefaultRetries
	}
	if rc.ProbeWindow <= 0 {
		rc.ProbeWindow = DefaultProbeWindow
	}
	rc.DHCPPort = port(rc.DHCPPort, DHCPPort)
	rc.TFTPPort = port(rc.TFTPPort, TFTPPort)
	return rc, nil
}

func port(p, std int) int {
	switch p {
	case 0:
		return std
	case AnyPort:
		return 0
	}
	return p
}

// pickAddress chooses and checks the server address and the subnet it serves.
func (rc *resolved) pickAddress() error {
	name := rc.iface.Name
	if rc.loopback {
		if !rc.ServerIP.IsValid() {
			rc.ServerIP = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		if !rc.ServerIP.Is4() || !rc.ServerIP.IsLoopback() {
			return (&Problem{Kind: BadAddress, Field: FieldServerIP, Msg: fmt.Sprintf("%s is not a loopback address", rc.ServerIP)}).
				fixing("on loopback, serve from a 127.x.x.x address (%s)", FieldServerIP)
		}
		rc.subnet = netip.PrefixFrom(rc.ServerIP, 24).Masked()
		return rc.applyMask()
	}
	if len(rc.iface.Addrs) == 0 {
		return &Problem{Kind: NoIPv4, Msg: fmt.Sprintf("interface %s has no IPv4 address", name),
			Fix: "give it one, e.g.: " + AddressCommandText(name, netip.MustParsePrefix("192.168.1.1/24"))}
	}
	if !rc.ServerIP.IsValid() {
		rc.ServerIP = rc.iface.Addrs[0].Addr()
		rc.subnet = rc.iface.Addrs[0].Masked()
		return rc.applyMask()
	}
	for _, p := range rc.iface.Addrs {
		if p.Addr() == rc.ServerIP {
			rc.subnet = p.Masked()
			return rc.applyMask()
		}
	}
	return (&Problem{Kind: BadAddress, Field: FieldServerIP,
		Msg: fmt.Sprintf("%s is not an address of %s (it has %v)", rc.ServerIP, name, rc.iface.Addrs)}).
		fixing("serve from the interface's own address (no %s), or add this one: "+
			strings.ReplaceAll(AddressCommandText(name, netip.PrefixFrom(rc.ServerIP, 24)), "%", "%%"),
			FieldServerIP)
}

// applyMask makes Mask and subnet agree: an explicit Mask wins.
func (rc *resolved) applyMask() error {
	if rc.Mask == nil {
		rc.Mask = net.CIDRMask(rc.subnet.Bits(), 32)
		return nil
	}
	ones, _ := rc.Mask.Size() // usable: checkSettings said so
	rc.subnet = netip.PrefixFrom(rc.ServerIP, ones).Masked()
	return nil
}

// fillPool applies the pool defaults (ServerIP+1 up to .251 of its /24) and checks the
// pool lies inside the subnet.
func (rc *resolved) fillPool() error {
	if !rc.PoolStart.IsValid() {
		rc.PoolStart = rc.ServerIP.Next()
	}
	if rc.PoolSize <= 0 {
		// Up to .251 of the /24 as the technician's guide does, but never past the last
		// host of a smaller subnet.
		end := netip.AddrFrom4([4]byte{rc.PoolStart.As4()[0], rc.PoolStart.As4()[1], rc.PoolStart.As4()[2], 251})
		if host := lastAddr(rc.subnet).Prev(); host.Less(end) {
			end = host
		}
		if end.Less(rc.PoolStart) {
			return (&Problem{Kind: BadAddress, Field: FieldPoolStart, Msg: fmt.Sprintf("no room for a pool after %s in %s", rc.ServerIP, rc.subnet)}).
				fixing("choose a pool (%s, %s) inside "+rc.subnet.String(), FieldPoolStart, FieldPoolSize)
		}
		rc.PoolSize = offsetOf(end, rc.PoolStart) + 1
	}
	end := addOffset(rc.PoolStart, rc.PoolSize-1)
	bcast := lastAddr(rc.subnet)
	if !rc.PoolStart.Is4() || !rc.subnet.Contains(rc.PoolStart) || !rc.subnet.Contains(end) ||
		rc.PoolStart == rc.subnet.Addr() || end == bcast || end.Less(rc.PoolStart) {
		return (&Problem{Kind: BadAddress, Field: FieldPoolStart,
			Msg: fmt.Sprintf("pool %s-%s does not fit the subnet %s", rc.PoolStart, end, rc.subnet)}).
			fixing("choose a pool (%s, %s) inside "+rc.subnet.String(), FieldPoolStart, FieldPoolSize)
	}
	return nil
}

// checkRouter checks that the router given to phones is a host of their subnet: one
// outside it is unreachable for them, and the phone would not register beyond it.
func (rc *resolved) checkRouter() error {
	r := rc.Router
	if !r.IsValid() || rc.subnet.Contains(r) && r != rc.subnet.Addr() && r != lastAddr(rc.subnet) {
		return nil
	}
	return (&Problem{Kind: BadAddress, Field: FieldRouter,
		Msg: fmt.Sprintf("router %s is not a host of the subnet %s the phones get", r, rc.subnet)}).
		fixing("choose a router (%s) inside "+rc.subnet.String()+", or none", FieldRouter)
}

// addOffset returns a+n for IPv4 a (wrapping is the caller's concern).
func addOffset(a netip.Addr, n int) netip.Addr {
	b := a.As4()
	v := binary.BigEndian.Uint32(b[:]) + uint32(n)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// offsetOf returns a-b for IPv4 addresses.
func offsetOf(a, b netip.Addr) int {
	x, y := a.As4(), b.As4()
	return int(int64(binary.BigEndian.Uint32(x[:])) - int64(binary.BigEndian.Uint32(y[:])))
}

func lastAddr(p netip.Prefix) netip.Addr {
	return addOffset(p.Addr(), 1<<(32-p.Bits())-1)
}
