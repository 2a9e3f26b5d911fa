//go:build !linux && !darwin && !windows

package servers

import (
	"fmt"
	"net"
)

// openProbe: no way to probe here; say so rather than report a check not made.
func openProbe(ifi *net.Interface) (probeSocket, error) {
	return nil, (&Problem{Kind: SocketFailed, Field: FieldForce,
		Msg: fmt.Sprintf("cannot look for other DHCP servers on %s: the probe needs Linux, macOS or Windows", ifi.Name)}).
		fixing("make sure by hand that nothing else hands out addresses on this cable, then start anyway (%s)", FieldForce)
}
