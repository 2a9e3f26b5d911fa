package upgrade

import (
	"encoding/json"
	"testing"
	"time"

	"phoneflash/servers"
)

// The JSON line and the text line of an event are a contract (README "JSON outputs"):
// moving the tracker's fields out of servers.Event kept them byte for byte. The
// wanted lines are what the single event type wrote before the move.
func TestEventFormsKeptTheirBytes(t *testing.T) {
	at := time.Date(2026, 11, 30, 21, 0, 0, 123456789, time.UTC)
	all := Event{Event: servers.Event{Time: at, Kind: StepDone, MAC: "00:11:22:33:44:55", IP: "192.0.2.10",
		File: "P0030801SR02.loads", Bytes: 100, Size: 200, Msg: "done <&> \x1b ok", Class: "Cisco Systems, Inc. IP Phone CP-7960",
		ClientID: "01ab", Hostname: "SEP", Server: "192.0.2.9", Asked: "./x", Port: 1234, DurationMS: 1500, Rate: 2048.5,
		Retransmits: 3, BlockSize: 1468}, Model: "7960", Load: "P0S3-08-12-00", Step: 2, Steps: 3}
	for _, c := range []struct {
		e          Event
		json, text string
	}{
		{all,
			`{"time":"2026-11-30T21:00:00.123456789Z","kind":"step.done","mac":"00:11:22:33:44:55","ip":"192.0.2.10","model":"7960","file":"P0030801SR02.loads","bytes":100,"size":200,"load":"P0S3-08-12-00","step":2,"steps":3,"msg":"done \u003c\u0026\u003e \u001b ok","class":"Cisco Systems, Inc. IP Phone CP-7960","client_id":"01ab","hostname":"SEP","server":"192.0.2.9","asked":"./x","port":1234,"duration_ms":1500,"rate":2048.5,"retransmits":3,"blksize":1468}`,
			"21:00:00.123 step.done      mac=00:11:22:33:44:55 ip=192.0.2.10 model=7960 file=P0030801SR02.loads asked=\"./x\" bytes=100/200 step=2/3 load=P0S3-08-12-00 class=\"Cisco Systems, Inc. IP Phone CP-7960\" server=192.0.2.9 took=1.5s rate=2.0KiB/s retransmits=3 — done <&> \x1b ok"},
		{Event{Event: servers.Event{Time: at, Kind: servers.DHCPDiscover}},
			`{"time":"2026-11-30T21:00:00.123456789Z","kind":"dhcp.discover"}`,
			"21:00:00.123 dhcp.discover "},
		{Event{Event: servers.Event{Time: at, Kind: StepStart, MAC: "00:11:22:33:44:55"}, Step: 1, Steps: 2, Load: "L"},
			`{"time":"2026-11-30T21:00:00.123456789Z","kind":"step.start","mac":"00:11:22:33:44:55","load":"L","step":1,"steps":2}`,
			"21:00:00.123 step.start     mac=00:11:22:33:44:55 step=1/2 load=L"},
		{Event{Event: servers.Event{Time: at, Kind: PhoneHint, MAC: "00:11:22:33:44:55"}, Load: "L"}, // a load without a step
			`{"time":"2026-11-30T21:00:00.123456789Z","kind":"phone.hint","mac":"00:11:22:33:44:55","load":"L"}`,
			"21:00:00.123 phone.hint     mac=00:11:22:33:44:55 load=L"},
	} {
		if got := string(c.e.JSON()); got != c.json {
			t.Errorf("JSON\n got %s\nwant %s", got, c.json)
		}
		if got, err := json.Marshal(c.e); err != nil || string(got) != c.json {
			t.Errorf("json.Marshal gives %s (%v), want the JSON line", got, err)
		}
		if got := c.e.String(); got != c.text {
			t.Errorf("text\n got %q\nwant %q", got, c.text)
		}
		var back Event
		if err := json.Unmarshal([]byte(c.json), &back); err != nil || !back.Time.Equal(c.e.Time) {
			t.Fatalf("read back: %v", err)
		}
		back.Time = c.e.Time
		if back != c.e {
			t.Errorf("read back %+v, want %+v", back, c.e)
		}
	}
}
