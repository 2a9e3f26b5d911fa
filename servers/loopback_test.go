package servers_test

// The loopback servers every test of the package starts: no privileges, any system.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"phoneflash/servers"
	"phoneflash/servers/servertest"
)

const phoneClass = "Cisco Systems, Inc. IP Phone CP-7960G"

// startLoopback starts both servers on loopback with free ports over files.
func startLoopback(t *testing.T, files map[string]string, mod func(*servers.Config)) (*servers.Running, *servertest.Recorder[servers.Event]) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := servertest.NewDirRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return startRoot(t, root, mod)
}

// startRoot starts both servers on loopback with free ports over root.
func startRoot(t *testing.T, root servers.Root, mod func(*servers.Config)) (*servers.Running, *servertest.Recorder[servers.Event]) {
	t.Helper()
	cfg := servers.Config{Iface: "lo", DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort,
		ClassPrefix: "Cisco", BlockSize: 1428, Timeout: 200 * time.Millisecond, Retries: 3}
	if mod != nil {
		mod(&cfg)
	}
	bus := servers.NewBus[servers.Event]()
	rec := servertest.Record(t, bus)
	r, err := servers.Start(context.Background(), cfg, root, bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(); bus.Close() })
	return r, rec
}
