package servers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phoneflash/servers"
)

func TestBusSlowConsumerNeverStallsPublisher(t *testing.T) {
	bus := servers.NewBus[servers.Event]()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := bus.Subscribe(ctx) // not read until everything is published
	fast := bus.Subscribe(ctx)

	fastGot := make(chan int)
	go func() {
		n := 0
		for e := range fast {
			if e.Important() {
				n++
			}
		}
		fastGot <- n
	}()

	start := time.Now()
	const important = 500
	for i := 0; i < important; i++ {
		for j := 0; j < 100; j++ {
			bus.Publish(servers.Event{Kind: servers.TFTPProgress, IP: "192.0.2.10", Port: 1000 + j%3, File: "f", Bytes: int64(i*100 + j)})
		}
		bus.Publish(servers.Event{Kind: servers.TFTPRequest, File: "f", Size: int64(i)})
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("publishing with a stalled consumer took %v", took)
	}

	var got []servers.Event
	done := make(chan struct{})
	go func() {
		for e := range slow {
			got = append(got, e)
		}
		close(done)
	}()
	bus.Close()
	<-done
	if n := <-fastGot; n != important {
		t.Errorf("fast consumer got %d important events, want %d", n, important)
	}
	var size int64
	progress := 0
	last := map[int]int64{}
	for _, e := range got {
		switch e.Kind {
		case servers.TFTPRequest:
			if e.Size != size {
				t.Fatalf("important event %d out of order or lost (got size %d)", size, e.Size)
			}
			size++
		case servers.TFTPProgress:
			progress++
			if e.Bytes < last[e.Port] {
				t.Fatalf("progress of port %d went back: %d after %d", e.Port, e.Bytes, last[e.Port])
			}
			last[e.Port] = e.Bytes
		}
	}
	if size != important {
		t.Fatalf("slow consumer got %d of %d important events", size, important)
	}
	if progress >= important*100 || progress == 0 {
		t.Errorf("slow consumer got %d progress events: want some, coalesced", progress)
	}
}

func TestBusSubscriberGoneWithItsContext(t *testing.T) {
	bus := servers.NewBus[servers.Event]()
	ctx, cancel := context.WithCancel(context.Background())
	ch := bus.Subscribe(ctx)
	bus.Publish(servers.Event{Kind: servers.DHCPAck})
	cancel()
	deadline := time.After(time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				bus.Publish(servers.Event{Kind: servers.DHCPAck}) // must not block or panic
				bus.Close()
				return
			}
		case <-deadline:
			t.Fatal("channel not closed after its context ended")
		}
	}
}

func TestBusClosedBeforeSubscribe(t *testing.T) {
	bus := servers.NewBus[servers.Event]()
	bus.Close()
	if _, ok := <-bus.Subscribe(context.Background()); ok {
		t.Fatal("subscription to a closed bus delivered an event")
	}
}

func TestWriteLogAppendsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.log")
	if err := os.WriteFile(path, []byte(`{"kind":"earlier"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := servers.OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bus := servers.NewBus[servers.Event]()
	wait := servers.WriteLog(context.Background(), bus, f, nil)
	bus.Publish(servers.Event{Kind: servers.DHCPAck, MAC: "00:11:22:33:44:55", IP: "192.0.2.2", Class: phoneClass})
	bus.Publish(servers.Event{Kind: servers.TFTPDone, File: "a b.bin", Bytes: 10, Size: 10})

	// Flushed per event: the line is in the file before the bus closes.
	deadline := time.Now().Add(time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, []byte("\n")) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log not flushed per event: %q", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	bus.Close()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != `{"kind":"earlier"}` {
		t.Fatalf("earlier content lost: %q", lines[0])
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil {
		t.Fatal(err)
	}
	if e["kind"] != "dhcp.ack" || e["mac"] != "00:11:22:33:44:55" || e["time"] == nil || e["file"] != nil {
		t.Errorf("line %s", lines[1])
	}
}
