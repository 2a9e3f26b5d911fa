package firmware

import (
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"testing"
)

// An owned file exists only for its owner's address: every other client, and every
// client before the owner has an address, gets what a name that was never set gets.
func TestRootOwnedFile(t *testing.T) {
	root := rootFixture(t, t.TempDir()).Root()
	phone, other := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.11")
	const name = "SIP001E4A123456.cnf"
	root.SetOwned(name, []byte("line1_password: \"s3cret\"\n"), "00:1e:4a:12:34:56")
	_, _, _, missing := root.Open("SIP001E4A000000.cnf", phone) // never set
	read := func(client netip.Addr) (string, error) {
		r, _, _, err := root.Open("/sip001e4a123456.CNF", client)
		if err != nil {
			return "", err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		return string(b), err
	}
	notThere := func(when string, client netip.Addr) {
		t.Helper()
		_, err := read(client)
		var re *RequestError
		if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &re) || re.Reason != missing.(*RequestError).Reason {
			t.Errorf("%s, %v: %v; want what a missing file gets: %v", when, client, err, missing)
		}
	}
	notThere("before the owner has an address", phone)
	root.Own("00:1e:4a:12:34:56", phone)
	if got, err := read(phone); err != nil || got != "line1_password: \"s3cret\"\n" {
		t.Errorf("the owner reads %q, %v", got, err)
	}
	if got, err := read(netip.AddrFrom16(phone.As16())); err != nil || got == "" {
		t.Errorf("the owner as an IPv4-mapped address: %q, %v", got, err)
	}
	notThere("another address", other)
	notThere("an unknown address", netip.Addr{})
	root.Own("00:1e:4a:12:34:56", other) // a new lease
	notThere("the old address", phone)
	root.Own("00:1e:4a:12:34:56", netip.Addr{})
	notThere("after the owner is untied", other)
	if g := root.Generated(); len(g) != 2 { // XMLDefault of the fixture and ours: it is listed to us
		t.Errorf("Generated: %q", g)
	}
	root.Remove(name)
	root.Own("00:1e:4a:12:34:56", phone)
	notThere("after Remove", phone)
}
