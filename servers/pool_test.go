package servers

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPool(t *testing.T) {
	a := netip.MustParseAddr
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	newP := func(t *testing.T) *pool {
		// 192.0.2.1-4, the server being 192.0.2.2: three addresses to give.
		p, err := newPool(a("192.0.2.1"), 4, a("192.0.2.2"), "")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	offer := func(t *testing.T, p *pool, mac string, want netip.Addr, at time.Time) netip.Addr {
		t.Helper()
		ip, err := p.offer(mac, want, at)
		if err != nil {
			t.Fatalf("offer to %s: %v", mac, err)
		}
		return ip
	}
	t.Run("skips the server and honours a free wish", func(t *testing.T) {
		p := newP(t)
		if ip := offer(t, p, "m1", netip.Addr{}, now); ip != a("192.0.2.1") {
			t.Errorf("first offer %s", ip)
		}
		if ip := offer(t, p, "m2", netip.Addr{}, now); ip != a("192.0.2.3") {
			t.Errorf("second offer %s, want the server's address skipped", ip)
		}
		if ip := offer(t, p, "m3", a("192.0.2.1"), now); ip != a("192.0.2.4") {
			t.Errorf("wish for a taken address gave %s", ip)
		}
	})
	t.Run("exhausted, then an expired binding is reused", func(t *testing.T) {
		p := newP(t)
		for i, m := range []string{"m1", "m2", "m3"} {
			at := now.Add(time.Duration(i) * time.Minute) // m1 expires first
			ip := offer(t, p, m, netip.Addr{}, at)
			if !p.commit(m, ip, time.Hour, at) {
				t.Fatalf("commit %s %s", m, ip)
			}
		}
		if _, err := p.offer("m4", netip.Addr{}, now); err != errExhausted {
			t.Fatalf("fourth client: %v", err)
		}
		later := now.Add(2 * time.Hour)
		p.commit("m2", p.byMAC["m2"].IP, time.Hour, later) // m2 renews; m1 and m3 have expired
		if ip := offer(t, p, "m4", netip.Addr{}, later); ip != a("192.0.2.1") {
			t.Errorf("m4 got %s, want m1's expired address", ip)
		}
		if p.byMAC["m1"] != nil {
			t.Errorf("m1 still bound")
		}
	})
	t.Run("forget an offer not taken, keep an acked one", func(t *testing.T) {
		p := newP(t)
		offer(t, p, "m1", netip.Addr{}, now)
		p.forget("m1")
		if p.byMAC["m1"] != nil {
			t.Error("offer kept after the client chose another server")
		}
		ip := offer(t, p, "m2", netip.Addr{}, now)
		p.commit("m2", ip, time.Hour, now)
		p.forget("m2")
		if p.byMAC["m2"] == nil {
			t.Error("lease dropped by forget")
		}
	})
	t.Run("only the holder may decline", func(t *testing.T) {
		p := newP(t)
		ip := offer(t, p, "m1", netip.Addr{}, now)
		if p.decline("m2", ip, time.Hour, now) || p.decline("m2", a("192.0.2.4"), time.Hour, now) {
			t.Fatal("a client declined an address it does not hold")
		}
		if !p.decline("m1", ip, time.Hour, now) {
			t.Fatal("holder could not decline")
		}
		if again := offer(t, p, "m1", ip, now); again == ip {
			t.Errorf("declined %s offered again within the hour", ip)
		}
		if p.commit("m3", ip, time.Hour, now) {
			t.Errorf("declined %s committed", ip)
		}
	})
	t.Run("leases file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "leases.json")
		p, _ := newPool(a("192.0.2.1"), 4, a("192.0.2.2"), file)
		ip := offer(t, p, "m1", netip.Addr{}, now)
		p.commit("m1", ip, time.Hour, now)
		offer(t, p, "m2", netip.Addr{}, now) // offered only: not saved
		if err := p.save(); err != nil {
			t.Fatal(err)
		}
		q, err := newPool(a("192.0.2.1"), 4, a("192.0.2.2"), file)
		if err != nil {
			t.Fatal(err)
		}
		if b := q.byMAC["m1"]; b == nil || b.IP != ip || q.byMAC["m2"] != nil {
			t.Errorf("reloaded %v", q.byMAC)
		}
		// A smaller pool drops what no longer fits.
		r, _ := newPool(a("192.0.2.3"), 2, a("192.0.2.2"), file)
		if len(r.byMAC) != 0 {
			t.Errorf("binding outside the pool kept: %v", r.byMAC)
		}
		os.WriteFile(file, []byte("{not json"), 0o644)
		if _, err := newPool(a("192.0.2.1"), 4, a("192.0.2.2"), file); err == nil {
			t.Error("corrupt leases file accepted")
		}
	})
}
