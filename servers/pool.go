package servers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// offerHold is how long an offered address stays reserved for a client that has not
// requested it yet.
const offerHold = time.Minute

// errExhausted: no free address in the pool.
var errExhausted = errors.New("address pool exhausted")

// binding ties a MAC to an address for the whole session: a phone reboots several
// times during an upgrade and must find itself at the same address.
type binding struct {
	MAC     string     `json:"mac"`
	IP      netip.Addr `json:"ip"`
	Expires time.Time  `json:"expires"`
	Acked   bool       `json:"acked"` // an ACK was sent; otherwise only offered
}

// pool hands out addresses start..start+size-1, except the server's own. A binding is
// only taken from its MAC when the pool is otherwise exhausted and the binding has
// expired. Not safe for concurrent use: the DHCP loop owns it.
type pool struct {
	start    netip.Addr
	size     int
	server   netip.Addr
	byMAC    map[string]*binding
	byIP     map[netip.Addr]*binding
	declined map[netip.Addr]time.Time // reported in use by someone else, until then
	file     string                   // --leases, "" = none
}

func newPool(start netip.Addr, size int, server netip.Addr, file string) (*pool, error) {
	p := &pool{start: start, size: size, server: server, file: file,
		byMAC: map[string]*binding{}, byIP: map[netip.Addr]*binding{}, declined: map[netip.Addr]time.Time{}}
	if file == "" {
		return p, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	var saved []binding
	if err := json.Unmarshal(b, &saved); err != nil {
		return nil, fmt.Errorf("read leases %s: %w (move the file away to start afresh)", file, err)
	}
	for _, l := range saved {
		if l.Acked && p.contains(l.IP) && p.byIP[l.IP] == nil && p.byMAC[l.MAC] == nil {
			l := l
			p.bind(&l)
		}
	}
	return p, nil
}

func (p *pool) contains(ip netip.Addr) bool {
	if !ip.Is4() || ip == p.server {
		return false
	}
	off := offsetOf(ip, p.start)
	return off >= 0 && off < p.size
}

func (p *pool) end() netip.Addr { return addOffset(p.start, p.size-1) }

func (p *pool) bind(b *binding) {
	p.byMAC[b.MAC] = b
	p.byIP[b.IP] = b
}

func (p *pool) unbind(b *binding) {
	delete(p.byMAC, b.MAC)
	delete(p.byIP, b.IP)
}

// usable reports whether ip may be given to mac now.
func (p *pool) usable(ip netip.Addr, mac string, now time.Time) bool {
	if !p.contains(ip) || now.Before(p.declined[ip]) {
		return false
	}
	b := p.byIP[ip]
	return b == nil || b.MAC == mac
}

// offer picks the address for mac: its binding, else the one it asks for if free, else
// the first free one, else the longest-expired binding of another client.
func (p *pool) offer(mac string, want netip.Addr, now time.Time) (netip.Addr, error) {
	if b := p.byMAC[mac]; b != nil {
		if now.Before(p.declined[b.IP]) {
			p.unbind(b)
		} else {
			if !b.Acked {
				b.Expires = now.Add(offerHold)
			}
			return b.IP, nil
		}
	}
	ip, ok := netip.Addr{}, false
	if want.IsValid() && p.usable(want, mac, now) {
		ip, ok = want, true
	}
	for i := 0; !ok && i < p.size; i++ {
		if c := addOffset(p.start, i); p.usable(c, mac, now) {
			ip, ok = c, true
		}
	}
	if !ok {
		var oldest *binding
		for _, b := range p.byIP {
			if b.Expires.Before(now) && (oldest == nil || b.Expires.Before(oldest.Expires)) {
				oldest = b
			}
		}
		if oldest == nil {
			return netip.Addr{}, errExhausted
		}
		p.unbind(oldest)
		ip = oldest.IP
	}
	p.bind(&binding{MAC: mac, IP: ip, Expires: now.Add(offerHold)})
	return ip, nil
}

// commit grants ip to mac for lease (a REQUEST). It fails when ip is not in the pool
// or belongs to another client; a client may move to any free address.
func (p *pool) commit(mac string, ip netip.Addr, lease time.Duration, now time.Time) bool {
	if !p.usable(ip, mac, now) {
		return false
	}
	if b := p.byMAC[mac]; b != nil && b.IP != ip {
		p.unbind(b)
	}
	b := p.byIP[ip]
	if b == nil {
		b = &binding{MAC: mac, IP: ip}
		p.bind(b)
	}
	b.Expires, b.Acked = now.Add(lease), true
	return true
}

// forget drops an offer mac did not take (it chose another server).
func (p *pool) forget(mac string) {
	if b := p.byMAC[mac]; b != nil && !b.Acked {
		p.unbind(b)
	}
}

// release ends mac's lease; the binding stays so the client gets the address again.
func (p *pool) release(mac string, now time.Time) bool {
	b := p.byMAC[mac]
	if b == nil {
		return false
	}
	b.Expires = now
	return true
}

// decline takes ip out of use for a lease time (someone else has it) and drops mac's
// binding to it. Only the client holding ip may decline it: anyone else could empty
// the pool that way.
func (p *pool) decline(mac string, ip netip.Addr, lease time.Duration, now time.Time) bool {
	b := p.byMAC[mac]
	if b == nil || b.IP != ip {
		return false
	}
	p.unbind(b)
	p.declined[ip] = now.Add(lease)
	return true
}

// save writes the acknowledged bindings to the leases file, atomically.
func (p *pool) save() error {
	if p.file == "" {
		return nil
	}
	list := make([]binding, 0, len(p.byMAC))
	for _, b := range p.byMAC {
		if b.Acked {
			list = append(list, *b)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].IP.Less(list[j].IP) })
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return fmt.Errorf("encode leases: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.file), ".leases-*")
	if err != nil {
		return fmt.Errorf("save leases: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save leases: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save leases: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save leases: %w", err)
	}
	return nil
}
