package sim

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    packet
		wantErr string
	}{
		{"data", []byte{0, 3, 0, 7, 'a', 'b'}, packet{Op: opDATA, Block: 7, Data: []byte("ab")}, ""},
		{"empty data ends a file", []byte{0, 3, 1, 0}, packet{Op: opDATA, Block: 256, Data: []byte{}}, ""},
		{"error with NUL", append([]byte{0, 5, 0, 1}, "File not found\x00"...), packet{Op: opERROR, Code: 1, Msg: "File not found"}, ""},
		{"error without NUL", append([]byte{0, 5, 0, 2}, "no"...), packet{Op: opERROR, Code: 2, Msg: "no"}, ""},
		{"error with padding", append([]byte{0, 5, 0, 0}, "x\x00\x00\x00"...), packet{Op: opERROR, Code: 0, Msg: "x"}, ""},
		{"oack", append([]byte{0, 6}, "BLKSIZE\x001024\x00tsize\x00900\x00"...), packet{Op: opOACK, Opts: map[string]string{"blksize": "1024", "tsize": "900"}}, ""},
		{"oack padded", append([]byte{0, 6}, "blksize\x00512\x00\x00"...), packet{Op: opOACK, Opts: map[string]string{"blksize": "512"}}, ""},
		{"ack", []byte{0, 4, 0, 1}, packet{Op: opACK, Block: 1}, ""},
		{"short", []byte{0}, packet{}, "shorter"},
		{"short data", []byte{0, 3, 0}, packet{}, "shorter"},
		{"long ack", []byte{0, 4, 0, 1, 9}, packet{}, "ACK of 5 bytes"},
		{"oack without value", append([]byte{0, 6}, "blksize"...), packet{}, "has no value"},
		{"oack empty name", append([]byte{0, 6}, "\x00x\x00"...), packet{}, "empty option name"},
		{"request from a server", append([]byte{0, 1}, "a\x00octet\x00"...), packet{}, "sent a request"},
		{"unknown opcode", []byte{0, 9, 0, 0}, packet{}, "unknown opcode 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePacket(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error %q, got %v (%+v)", tt.wantErr, err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Op != tt.want.Op || got.Block != tt.want.Block || !bytes.Equal(got.Data, tt.want.Data) ||
				got.Code != tt.want.Code || got.Msg != tt.want.Msg || len(got.Opts) != len(tt.want.Opts) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.Opts {
				if got.Opts[k] != v {
					t.Errorf("option %s = %q, want %q", k, got.Opts[k], v)
				}
			}
		})
	}
}

func TestAppendRRQ(t *testing.T) {
	got := appendRRQ(nil, "OS79XX.TXT", true, nil)
	// The 2000-era 7960 request: 20 bytes of TFTP payload, 2+11+6+1 (FACTS.md §3).
	if want := "\x00\x01OS79XX.TXT\x00octet\x00\x00"; string(got) != want || len(got) != 20 {
		t.Errorf("got %q (%d bytes), want %q", got, len(got), want)
	}
	got = appendRRQ(nil, "/mk-sip.jar", false, [][2]string{{"blksize", "1024"}})
	if want := "\x00\x01/mk-sip.jar\x00octet\x00blksize\x001024\x00"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestBlockSizeOption(t *testing.T) {
	for in, want := range map[string]int{"": 512, "1024": 1024, "8": 8, "65464": 65464} {
		opts := map[string]string{}
		if in != "" {
			opts["blksize"] = in
		}
		if got, err := blockSizeOption(opts); err != nil || got != want {
			t.Errorf("blksize %q: got %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"7", "65465", "x", "-1", ""} {
		if _, err := blockSizeOption(map[string]string{"blksize": bad}); err == nil {
			t.Errorf("blksize %q accepted", bad)
		}
	}
}

// FuzzParsePacket: whatever a server sends, the phone's parser returns a packet or an
// error, never a panic, and what it returns is consistent with the bytes.
func FuzzParsePacket(f *testing.F) {
	f.Add([]byte{0, 3, 0, 1, 'x'})
	f.Add(append([]byte{0, 5, 0, 1}, "File not found\x00"...))
	f.Add(append([]byte{0, 6}, "blksize\x001024\x00tsize\x000\x00"...))
	f.Add([]byte{0, 4, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePacket(b)
		if err != nil {
			return
		}
		if len(b) < 2 || p.Op != binary.BigEndian.Uint16(b) {
			t.Fatalf("op %d from % x", p.Op, b)
		}
		switch p.Op {
		case opDATA:
			if !bytes.Equal(p.Data, b[4:]) || p.Block != binary.BigEndian.Uint16(b[2:]) {
				t.Fatalf("data/block mismatch for % x", b)
			}
		case opERROR:
			if strings.ContainsRune(p.Msg, 0) {
				t.Fatalf("NUL in error text %q", p.Msg)
			}
		case opOACK:
			for k := range p.Opts {
				if k == "" || k != strings.ToLower(k) {
					t.Fatalf("option name %q", k)
				}
			}
			if _, err := blockSizeOption(p.Opts); err != nil {
				if _, asked := p.Opts["blksize"]; !asked {
					t.Fatalf("blksize error without a blksize option: %v", err)
				}
			}
		case opACK:
		default:
			t.Fatalf("accepted opcode %d", p.Op)
		}
	})
}
