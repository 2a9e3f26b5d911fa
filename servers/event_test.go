package servers

import (
	"encoding/json"
	"testing"
	"time"
)

// The JSON line is written field by field (so a layer above can place its fields
// among ours); for an Event alone it must be the very bytes encoding/json writes.
func FuzzEventJSONIsEncodingJSON(f *testing.F) {
	f.Add(int64(1764536400123456789), "tftp.done", "00:1e:4a:12:34:56", "P0S3-8-12-00.sb2", "\x1b]0;x\a <&> \xff", int64(4105), 2048.5, 3)
	f.Add(int64(0), "", "", "", "", int64(0), 0.0, 0)
	f.Fuzz(func(t *testing.T, ns int64, kind, mac, file, msg string, n int64, rate float64, k int) {
		e := Event{Time: time.Unix(0, ns).UTC(), Kind: Kind(kind), MAC: mac, IP: msg, File: file, Bytes: n, Size: -n,
			Msg: msg, Class: file, ClientID: mac, Hostname: msg, Server: kind, Asked: msg, Port: k, DurationMS: n,
			Rate: rate, Retransmits: -k, BlockSize: k}
		want, err := json.Marshal(e)
		if err != nil {
			t.Skip("not encodable:", err) // a NaN rate or a year past 9999: never from the servers
		}
		if got := e.JSON(); string(got) != string(want) {
			t.Fatalf("JSON line\n got %s\nwant %s", got, want)
		}
		spliced := e.JSONWith(func(after string) []Pair {
			if after == "ip" {
				return []Pair{{Key: "x", Value: k}, {Key: "nil", Value: nil}}
			}
			return nil
		})
		var back map[string]any
		if err := json.Unmarshal(spliced, &back); err != nil {
			t.Fatalf("spliced line %s does not parse: %v", spliced, err)
		}
		if _, ok := back["x"]; ok != (k != 0) {
			t.Fatalf("spliced line %s: x present %v for value %d (zero values are left out)", spliced, ok, k)
		}
	})
}
