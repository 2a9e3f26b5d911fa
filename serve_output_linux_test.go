package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// With stdout to a pipe nobody reads, serve goes on serving (every event still reaches
// the --log) and stops within a second of SIGINT (issue 9 item 8): its output never
// holds up the servers or the exit.
func TestServeStopsWithStdoutNobodyReads(t *testing.T) {
	bin := phoneflashBin(t)
	dir := t.TempDir()
	logFIFO := filepath.Join(dir, "events.jsonl")
	if err := unix.Mkfifo(logFIFO, 0o600); err != nil {
		t.Fatal(err)
	}
	stuck, stdout, err := os.Pipe() // nobody reads stuck
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if _, err := unix.FcntlInt(stdout.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
		t.Fatal(err)
	}
	tftpPort := freePort(t)
	cmd := exec.Command(bin, "serve", "--iface", "lo", "--firmware", "testdata/firmware/7940-7960",
		"--dhcp-port", strconv.Itoa(freePort(t)), "--tftp-port", strconv.Itoa(tftpPort), "--log", logFIFO)
	cmd.Stdout = stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdout.Close() // the child holds it now
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	ready := make(chan struct{})
	go func() { // stderr: say when it serves, then keep draining
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Ctrl-C stops") {
				close(ready)
			}
		}
	}()
	const requests, enough = 600, 400 // 256 queued lines and a 4 KiB pipe hold far fewer
	var n atomic.Int64                // TFTP events in the log so far
	go func() {                       // the log: count the TFTP events the servers report, and drain to the end
		f, err := os.Open(logFIFO)
		if err != nil {
			return
		}
		defer f.Close()
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var e struct{ Kind string }
			if json.Unmarshal(sc.Bytes(), &e) == nil && strings.HasPrefix(e.Kind, "tftp.") {
				n.Add(1)
			}
		}
	}()
	// waitLogged waits until the log holds want events, at most bound.
	waitLogged := func(want int64, bound time.Duration) bool {
		deadline := time.Now().Add(bound)
		for n.Load() < want {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
		return true
	}
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	// Read requests from many clients, one event (a line) each, in batches the server's
	// socket buffer holds: 600 datagrams at once would overflow it on a busy machine,
	// and a dropped datagram is the kernel's doing, not a server held up.
	const batch = 50
	for i := range requests {
		rrq := fmt.Appendf([]byte{0, 1}, "missing-%d.bin\x00octet\x00", i)
		c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 1, byte(1+i%200))},
			&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: tftpPort})
		if err != nil {
			t.Fatal(err)
		}
		c.Write(rrq)
		c.Close()
		if (i+1)%batch == 0 && !waitLogged(int64(i+1)*9/10, 10*time.Second) {
			t.Fatalf("%d of %d TFTP events logged after %d requests: the servers are held up", n.Load(), i+1, i+1)
		}
	}
	if !waitLogged(enough, 10*time.Second) {
		t.Fatalf("fewer than %d TFTP events logged: the servers are held up", enough)
	}
	cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	select {
	case err := <-exited:
		if took := time.Since(start); err != nil || took > time.Second {
			t.Fatalf("serve ended after %v with %v, want at once with 0", took.Round(time.Millisecond), err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not exit within 10s of SIGINT with stdout to a pipe nobody reads")
	}
}
