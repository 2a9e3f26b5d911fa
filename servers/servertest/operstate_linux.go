package servertest

import (
	"strings"
	"time"
)

// WaitOperstate waits up to 5 s for iface in the namespace to reach operstate want
// ("up", "down"). The kernel sets it, and IFF_RUNNING (servers.Interface.Running), in
// its link-watch work a moment after the carrier changes: a test that reads the link
// right after NewLink or a `link set down` may otherwise see the old state.
func (n *NS) WaitOperstate(iface, want string) {
	n.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := strings.TrimSpace(n.Run("cat", "/sys/class/net/"+iface+"/operstate"))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s in %s stays %s, not %s", iface, n.Name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
