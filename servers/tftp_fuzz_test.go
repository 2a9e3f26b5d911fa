package servers_test

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

// FuzzTFTPName sends read requests with random names to a real server over a Root
// that has a secret beside it and a symlink pointing out: a name may fetch a file of
// the root or be refused, never anything else, every request is answered, and the
// server keeps serving.
func FuzzTFTPName(f *testing.F) {
	for _, s := range []string{"a.bin", "/A.BIN", `\a.bin`, "a.bin\x00\x00", "a.bin  ", "../secret", `..\secret`,
		"link", "sub/../a.bin", "sub/../../secret", "/../secret", ".", "", "\x00", "a.bin/", "SUB/B.BIN"} {
		f.Add(s)
	}
	dir := f.TempDir()
	rootDir := filepath.Join(dir, "root")
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(rootDir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "secret"), []byte("SECRET"), 0o644))
	must(os.WriteFile(filepath.Join(rootDir, "a.bin"), []byte("file a"), 0o644))
	must(os.WriteFile(filepath.Join(rootDir, "sub", "b.bin"), []byte("file b"), 0o644))
	must(os.Symlink(filepath.Join(dir, "secret"), filepath.Join(rootDir, "link")))
	allowed := map[string]bool{"file a": true, "file b": true}

	var once sync.Once
	var srv *net.UDPAddr
	f.Fuzz(func(t *testing.T, name string) {
		once.Do(func() { // one server for every input: fuzz workers run many inputs each
			root, err := servertest.NewDirRoot(rootDir)
			must(err)
			bus := servers.NewBus[servers.Event]()
			r, err := servers.Start(context.Background(), servers.Config{Iface: "lo", NoDHCP: true, TFTPPort: servers.AnyPort,
				Timeout: 100 * time.Millisecond, Retries: 1}, root, bus)
			must(err)
			_ = r // stops with the process
			// One client asking faster than any phone: lift the per-client limits.
			servers.SetTFTPLimits(r, 1<<20, 1<<20, time.Nanosecond, 1<<20)
			srv = net.UDPAddrFromAddrPort(r.TFTPAddr())
		})
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDP(rawRRQ(name), srv); err != nil {
			t.Fatal(err)
		}
		pkt, from := readPacket(t, c, 2*time.Second)
		if len(pkt) < 4 { // every request is answered: too long, a NUL inside or none at all
			t.Fatalf("no answer to %.80q", name)
		}
		switch binary.BigEndian.Uint16(pkt) {
		case 5: // ERROR
		case 3: // DATA
			if !allowed[string(pkt[4:])] {
				t.Fatalf("%.80q served %.80q", name, pkt[4:])
			}
			c.WriteToUDP(ack(1), from)
		default:
			t.Fatalf("%.80q answered with %.80x", name, pkt)
		}
	})
}
