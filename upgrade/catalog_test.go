package upgrade

import (
	"slices"
	"strings"
	"testing"

	"phoneflash/firmware"
)

func TestCatalogHasEveryModelOfTheIssue(t *testing.T) {
	want := []string{"7940", "7960", "7906", "7911", "7941", "7961", "7942", "7962", "7945", "7965", "7970", "7971", "7975"}
	if got := ModelNames(); !slices.Equal(got, want) {
		t.Fatalf("ModelNames() = %v, want %v", got, want)
	}
}

func TestCatalogAgreesWithFirmware(t *testing.T) {
	seenIDs := map[int]string{}
	for _, m := range Models() {
		if !slices.Contains(firmware.FamilyModels(m.Family), m.Name) {
			t.Errorf("%s: firmware.FamilyModels(%s) = %v does not list it", m.Name, m.Family, firmware.FamilyModels(m.Family))
		}
		if len(m.XMLIDs) == 0 || len(m.Classes) == 0 || len(m.Protocols) == 0 || m.FlashQuiet <= 0 {
			t.Errorf("%s: incomplete entry %+v", m.Name, m)
		}
		for _, x := range m.XMLIDs {
			if other, dup := seenIDs[x.ID]; dup {
				t.Errorf("XML ID %d used by %s and %s", x.ID, other, m.Name)
			}
			seenIDs[x.ID] = m.Name
			if !strings.Contains(x.Name, m.Name) {
				t.Errorf("%s: XML model name %q does not name it", m.Name, x.Name)
			}
		}
		if !m.Java() {
			if m.Term != "" || m.Prefix != "" || m.DefaultLoads() != "" {
				t.Errorf("%s: 7940/7960 have no term files, got %q/%q", m.Name, m.Term, m.Prefix)
			}
			continue
		}
		// The prefix names the family's loads: firmware must read SCCPNN.… as this family.
		fam, proto, _, err := firmware.ParseID("SCCP" + m.Prefix + ".8-5-2S")
		if err != nil || fam != m.Family || proto != firmware.SCCP {
			t.Errorf("%s: ParseID(SCCP%s.8-5-2S) = %s %s %v, want family %s", m.Name, m.Prefix, fam, proto, err, m.Family)
		}
		if want := "term" + m.Name[2:] + ".default.loads"; m.DefaultLoads() != want {
			t.Errorf("%s: DefaultLoads() = %q, want %q", m.Name, m.DefaultLoads(), want)
		}
		if m.FormatQuiet <= m.FlashQuiet {
			t.Errorf("%s: FormatQuiet %v must exceed FlashQuiet %v", m.Name, m.FormatQuiet, m.FlashQuiet)
		}
	}
}

func TestFindModel(t *testing.T) {
	for in, want := range map[string]string{
		"7960": "7960", "7960G": "7960", "CP-7960G": "7960", "cp-7960g": "7960", " 7965 ": "7965",
		"CP-7941G-GE": "7941", "7961G-GE": "7961", "Cisco 7975": "7975", "IP Phone 7940": "7940",
		"7940/7960": "7940", "7941/7961": "7941",
	} {
		m, err := FindModel(in)
		if err != nil || m.Name != want {
			t.Errorf("FindModel(%q) = %q, %v; want %q", in, m.Name, err, want)
		}
	}
	for _, in := range []string{"", "7912", "7999", "CP-7960X", "79600", "cisco"} {
		_, err := FindModel(in)
		if err == nil {
			t.Errorf("FindModel(%q) succeeded, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), "7940, 7960, 7906") {
			t.Errorf("FindModel(%q) error %q does not list the known models", in, err)
		}
	}
}

func TestModelFromClass(t *testing.T) {
	tests := []struct {
		class string
		want  string
		ok    bool
	}{
		{"Cisco Systems, Inc. IP Phone CP-7940G\x00", "7940", true}, // [V] 7940 8.1.2
		{"Cisco Systems, Inc. IP Phone CP-7941G\x00", "7941", true}, // [V] 7941 9.0.3
		{"Cisco Systems, Inc. IP Phone CP-7960G\x00", "7960", true},
		{"Cisco Systems, Inc. IP Phone CP-7960G", "7960", true},
		{"Cisco Systems, Inc. IP Phone CP-7911G", "7911", true},     // [S] ktt-ol
		{"Cisco Systems, Inc. IP Phone CP-7945", "7945", true},      // CP-NNNN form
		{"Cisco Systems, Inc. IP Phone 7975\x00\x00", "7975", true}, // bare-number form
		{"Cisco Systems, Inc. IP Phone\x00", "7940/7960", true},     // old 7940/7960 SCCP
		{"Cisco Systems, Inc. IP Phone", "7940/7960", true},
		{"Cisco Systems, Inc. IP Phone 7912", "", false}, // not a model we flash
		{"Cisco Systems, Inc.", "", false},               // 6901
		{"Cisco Systems Inc. Wireless Phone 7921", "", false},
		{"MSFT 5.0", "", false},
		{"udhcp 1.36.1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ModelFromClass(tt.class)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ModelFromClass(%q) = %q, %v; want %q, %v", tt.class, got, ok, tt.want, tt.ok)
		}
	}
	for _, m := range Models() {
		for _, c := range m.Classes {
			got, ok := ModelFromClass(c)
			if !ok {
				t.Errorf("%s: its own class %q is not recognised", m.Name, c)
				continue
			}
			if f, err := FindModel(got); err != nil || f.Family != m.Family {
				t.Errorf("%s: class %q gives %q (%v), another family", m.Name, c, got, err)
			}
		}
		if got, _ := ModelFromClass(m.Classes[0]); got != m.Name {
			t.Errorf("%s: its first class %q gives %q", m.Name, m.Classes[0], got)
		}
	}
}

func TestResets(t *testing.T) {
	for _, m := range Models() {
		if len(m.Resets) == 0 || m.Resets[0].Name != FactoryReset || m.Resets[0].Keys != "123456789*0#" {
			t.Fatalf("%s: first reset is not the factory reset 123456789*0#: %+v", m.Name, m.Resets)
		}
		for _, r := range m.Resets {
			if len(r.Steps) < 3 || r.Note == "" {
				t.Errorf("%s %s: too thin: %+v", m.Name, r.Name, r)
			}
			all := strings.Join(r.Conditions, "\n")
			if !strings.Contains(all, "erases a manually set TFTP server, so DHCP must give it") {
				t.Errorf("%s %s: misses the TFTP-server condition", m.Name, r.Name)
			}
			if brick := strings.Contains(all, "power brick, not PoE"); brick != (m.Family == firmware.Family7970) {
				t.Errorf("%s %s: power-brick condition present=%v", m.Name, r.Name, brick)
			}
			for i, s := range r.Steps {
				if s.Do == "" || s.Shows == "" {
					t.Errorf("%s %s step %d empty: %+v", m.Name, r.Name, i+1, s)
				}
			}
		}
		if m.Java() {
			if len(m.Resets) != 2 || m.Resets[1].Name != FlashFormat || m.Resets[1].Keys != "3491672850*#" {
				t.Errorf("%s: want the flash format 3491672850*# second, got %+v", m.Name, m.Resets)
			}
			if !strings.Contains(m.Resets[0].Note, m.DefaultLoads()) {
				t.Errorf("%s: factory reset note does not name %s", m.Name, m.DefaultLoads())
			}
			continue
		}
		if len(m.Resets) != 1 {
			t.Errorf("%s: 7940/7960 have no flash format, got %d resets", m.Name, len(m.Resets))
		}
		var prompt, answer bool
		for _, s := range m.Resets[0].Steps {
			prompt = prompt || strings.Contains(s.Shows, "Keep network cfg? 1 = yes 2 = no")
			answer = answer || strings.HasPrefix(s.Do, "Press 2")
		}
		if !prompt || !answer {
			t.Errorf("%s: the Keep network cfg? prompt and the answer 2 must be steps", m.Name)
		}
	}
}
