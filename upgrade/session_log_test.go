package upgrade

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"phoneflash/servers"
)

// fullDisk is a log file on a full disk: the first write goes through, then every one fails.
type fullDisk struct {
	mu     sync.Mutex
	writes int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.writes > 1 {
		return 0, errors.New("no space left on device")
	}
	return len(p), nil
}

// A failed --log write (issue 9 item 2) is said at once, as a log.error event, while the
// servers go on; the Session then reports it, and LogErr may be read while Stop runs on
// another goroutine (a signal) without a race.
func TestSessionLogWriteFailureIsSaidAtOnce(t *testing.T) {
	s := New(Options{Log: &fullDisk{}, Servers: servers.Config{Iface: "lo", ServerIP: netip.MustParseAddr("127.0.0.1"),
		DHCPPort: servers.AnyPort, TFTPPort: servers.AnyPort}})
	events := s.Subscribe(context.Background())
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.wire.Publish(servers.Event{Kind: servers.TFTPMissing, IP: "127.0.0.9", Port: 1, File: "a"})
	s.wire.Publish(servers.Event{Kind: servers.TFTPMissing, IP: "127.0.0.9", Port: 2, File: "b"})
	deadline := time.After(20 * time.Second)
	for said := false; !said; {
		select {
		case e := <-events:
			said = e.Kind == servers.LogError && strings.Contains(e.Msg, "no space left") && strings.Contains(e.Msg, "still serving")
		case <-deadline:
			t.Fatal("no log.error event after a failed write")
		}
	}
	select {
	case <-s.Done():
		t.Fatal("the servers stopped on a failed log write")
	default:
	}
	go s.Stop() // as the signal goroutine of serve does
	if err := s.LogErr(); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("LogErr = %v, want the write's error", err)
	}
	for range events { // drained and closed by Stop
	}
}
