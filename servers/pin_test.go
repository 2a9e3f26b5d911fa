package servers_test

import (
	"os"
	"strings"
	"testing"
)

// servers/pin.go reaches inside pin/tftp v3.1.0 (an unexported method and field): a
// go.mod that moves to another version must come with a check of both. (A test binary
// carries no module versions, so go.mod is read.)
func TestPinIsTheVersionReachedInto(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for line := range strings.Lines(string(mod)) {
		if f := strings.Fields(line); len(f) >= 2 && strings.Contains(line, "github.com/pin/tftp/v3") {
			found = append(found, strings.Join(f, " "))
		}
	}
	if len(found) != 1 || found[0] != "github.com/pin/tftp/v3 v3.1.0" {
		t.Fatalf("go.mod has %q for pin/tftp: check Server.handlePacket's signature and sender.conn in its source against servers/pin.go, then update this test", found)
	}
}
