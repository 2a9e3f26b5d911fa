package servertest

import (
	"fmt"
	"strings"
	"time"
)

// WaitUDP waits up to 5 s until something in the namespace listens on each UDP port:
// a peer started in the background (dnsmasq, in.tftpd) has bound before the test
// sends it anything, without guessing how long that takes.
func (n *NS) WaitUDP(ports ...int) {
	n.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out := n.Run("ss", "-Hnul")
		missing := 0
		for _, p := range ports {
			if !strings.Contains(out, fmt.Sprintf(":%d ", p)) {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("in %s nothing listens on UDP %v:\n%s", n.Name, ports, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
