package sim

import (
	"strings"
	"testing"

	"phoneflash/firmware"
	"phoneflash/upgrade"
)

// The phone reads what the server wrote: an XML config names its load by the model's
// own number, a model attribute or a plain element; a SIP .cnf by image_version.
func TestConfigReaders(t *testing.T) {
	m7960 := mustModel(t, "7960")
	for _, tc := range []struct{ xml, want string }{
		{`<Default><loadInformation7 model="IP Phone 7960">P0S3-8-12-00</loadInformation7></Default>`, "P0S3-8-12-00"},
		{`<Default><loadInformation8 model="IP Phone 7940">P00308000900</loadInformation8></Default>`, ""}, // a 7940's
		{`<device><loadInformation>P00308000900</loadInformation></device>`, "P00308000900"},
		{`<x><loadInformation model="Cisco 7960"> P0S3-8-12-00 </loadInformation></x>`, "P0S3-8-12-00"},
		{`<x><loadInformation`, ""},
	} {
		if got := loadInformation([]byte(tc.xml), m7960); got != tc.want {
			t.Errorf("loadInformation(%s) = %q, want %q", tc.xml, got, tc.want)
		}
	}
	// What upgrade writes, the phone reads: the two are written apart.
	if got := loadInformation(upgrade.XMLDefault(upgrade.FamilyModels(firmware.Family7940), "P0S3-8-12-00", ""), m7960); got != "P0S3-8-12-00" {
		t.Errorf("XMLDefault read back as %q", got)
	}
	if got, ok := imageVersion(upgrade.SIPDefault("P0S3-8-12-00")); !ok || got != "P0S3-8-12-00" {
		t.Errorf("SIPDefault read back as %q %v", got, ok)
	}
	if got, ok := imageVersion([]byte("image_version: \"P0S3-08-11-00\" ; old\nimage_version: P0S3-8-12-00\n")); !ok || got != "P0S3-8-12-00" {
		t.Errorf("the last image_version wins: %q %v", got, ok)
	}
	if got := selectorImage([]byte("P003-8-12-00 \r\n")); got != "P003-8-12-00" {
		t.Errorf("OS79XX.TXT names %q", got)
	}
}

// FuzzConfigReaders: whatever a server sends, the phone's readers do not panic and name
// no load with a line break in it.
func FuzzConfigReaders(f *testing.F) {
	f.Add([]byte(`<Default><loadInformation7 model="IP Phone 7960">P0S3-8-12-00</loadInformation7></Default>`))
	f.Add([]byte("image_version: \"P0S3-8-12-00\" ; x\n"))
	f.Add([]byte("P003-8-12-00 \r\n"))
	m := upgrade.Model{Name: "7960", XMLIDs: []upgrade.XMLModel{{ID: 7, Name: "IP Phone 7960"}}}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, got := range []string{loadInformation(b, m), selectorImage(b)} {
			if strings.ContainsAny(got, "\r\n") {
				t.Fatalf("a load name with a line break: %q", got)
			}
		}
		if v, ok := imageVersion(b); ok && strings.ContainsAny(v, "\r\n") {
			t.Fatalf("image_version with a line break: %q", v)
		}
	})
}
