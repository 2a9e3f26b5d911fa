package upgrade

import (
	"bytes"
	"strings"
	"testing"

	"phoneflash/firmware"
)

func mustModel(t testing.TB, name string) Model {
	t.Helper()
	m, err := FindModel(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConfigGolden(t *testing.T) {
	golden(t, "XMLDefault-7940-7960.cnf.xml", XMLDefault(FamilyModels(firmware.Family7940), "P0S3-8-12-00", "192.0.2.1"))
	golden(t, "XMLDefault-7941-7961.cnf.xml", XMLDefault(FamilyModels(firmware.Family7941), "SCCP41.8-5-2S", ""))
	golden(t, "SEP-7960.cnf.xml", DeviceConfig(mustModel(t, "7960"), "P00308000900", firmware.SCCP, "192.0.2.1"))
	golden(t, "SEP-7941.cnf.xml", DeviceConfig(mustModel(t, "7941"), "SIP41.9-4-2SR3-1S", firmware.SIP, "192.0.2.1"))
	golden(t, "OS79XX.TXT", OS79XXText("P003-8-12-00"))
	golden(t, "SIPDefault.cnf", SIPDefault("P0S3-8-12-00"))
}

func TestOS79XXTextHasNoTrailingSpace(t *testing.T) {
	got := OS79XXText("P003-8-12-00")
	if bytes.Contains(got, []byte(" ")) || !bytes.HasPrefix(got, []byte("P003-8-12-00")) {
		t.Errorf("OS79XX.TXT = %q: want the name with no space (CSCdv19260)", got)
	}
}

// Every model reads back the load from the files we generate for its family.
func TestConfigRoundTrip(t *testing.T) {
	for _, m := range Models() {
		load := "LOAD-" + m.Name
		xd := XMLDefault(FamilyModels(m.Family), load, "")
		if got, ok := LoadFromXML(xd, m); !ok || got != load {
			t.Errorf("%s: LoadFromXML(XMLDefault) = %q, %v; want %q", m.Name, got, ok, load)
		}
		for _, p := range m.Protocols {
			sep := DeviceConfig(m, load, p, "192.0.2.1")
			if got, ok := LoadFromXML(sep, m); !ok || got != load {
				t.Errorf("%s %s: LoadFromXML(SEP) = %q, %v; want %q", m.Name, p, got, ok, load)
			}
		}
		// Another family's XMLDefault does not speak to this model.
		for _, o := range Models() {
			if o.Family == m.Family {
				continue
			}
			if got, ok := LoadFromXML(XMLDefault(FamilyModels(o.Family), "OTHER", ""), m); ok {
				t.Errorf("%s took %q from a %s XMLDefault", m.Name, got, o.Family)
			}
		}
	}
	for _, v := range []string{"P0S3-8-12-00", "P00308000900", "P0030801SR02"} {
		if got, ok := ImageVersion(SIPDefault(v)); !ok || got != v {
			t.Errorf("ImageVersion(SIPDefault(%q)) = %q, %v", v, got, ok)
		}
		if got := OS79XX(OS79XXText(v)); got != v {
			t.Errorf("OS79XX(OS79XXText(%q)) = %q", v, got)
		}
	}
}

// Forms seen in the wild (FACTS.md §7): numbered with a model name, un-numbered with a
// model name, the SEP form, wrong numbers with right names, sloppy XML.
func TestLoadFromXMLForms(t *testing.T) {
	const wild = `<?xml version="1.0"?>
<Default>
  <callManagerGroup><members><member priority="0"><callManager>
    <ports><ethernetPhonePort>2000</ethernetPhonePort></ports>
    <processNodeName>10.0.0.1</processNodeName></callManager></member></members></callManagerGroup>
  <loadInformation307    model="SCCP: Cisco IP Phone 7911">SCCP11.9-4-2-1S</loadInformation307>
  <loadInformation115    model="SCCP: Cisco 7941">SCCP41.9-4-2SR1-1S</loadInformation115>
  <loadInformation30018  model="CP-7961">SIP41.8-5-4S</loadInformation30018>
  <loadInformation434    model="SCCP: Cisco 7942">  SCCP42.9-4-2SR1-1S  </loadInformation434>
  <loadInformation8      model="IP Phone 7940">P0030801SR02</loadInformation8>
  <loadInformation7 model="IP Phone 7960">P0S3-8-12-00</loadInformation7>
  <loadInformation906 model="IP Phone 7906">SIP11.8-5-3S</loadInformation906>
  <loadInformation model="Cisco 7962">SCCP42.8-5-2S</loadInformation>
  <loadInformation436 model="Cisco 7945">CONFLICT</loadInformation436>
</Default>
`
	tests := []struct {
		doc, model, want string
		ok               bool
	}{
		{wild, "7911", "SCCP11.9-4-2-1S", true},
		{wild, "7941", "SCCP41.9-4-2SR1-1S", true},
		{wild, "7961", "SIP41.8-5-4S", true},
		{wild, "7942", "SCCP42.9-4-2SR1-1S", true},
		{wild, "7940", "P0030801SR02", true},
		{wild, "7960", "P0S3-8-12-00", true},
		{wild, "7906", "SIP11.8-5-3S", true},  // wrong number, right name
		{wild, "7962", "SCCP42.8-5-2S", true}, // un-numbered with a name
		{wild, "7965", "CONFLICT", true},      // 436 is the 7965's ID: the number wins
		{wild, "7945", "", false},             // the name alone loses to nothing: no entry of its own
		{wild, "7970", "", false},
		{`<device><loadInformation>SIP42.9-4-2SR3-1S</loadInformation></device>`, "7962", "SIP42.9-4-2SR3-1S", true},
		{`<device><loadInformation></loadInformation></device>`, "7962", "", false},
		{`<device><loadInformation model="Cisco 7962">A</loadInformation><loadInformation>B</loadInformation></device>`, "7962", "A", true},
		{`<device><loadInformation>B</loadInformation><loadInformation404 model="x">C</loadInformation404></device>`, "7962", "C", true},
		{`<Default><LOADINFORMATION7 model="IP Phone 7960">P00308000900</LOADINFORMATION7>`, "7960", "P00308000900", true}, // no end tag, odd case
		{`<Default><loadInformation8 model="IP Phone 7940">A & B</loadInformation8></Default>`, "7940", "A & B", true},     // unescaped &
		{`<device><loadInformation>X<!-- c --></loadInformation>`, "7941", "X", true},
		{``, "7941", "", false},
		{`not xml at all`, "7941", "", false},
	}
	for i, tt := range tests {
		got, ok := LoadFromXML([]byte(tt.doc), mustModel(t, tt.model))
		if got != tt.want || ok != tt.ok {
			t.Errorf("case %d (%s): LoadFromXML = %q, %v; want %q, %v", i, tt.model, got, ok, tt.want, tt.ok)
		}
	}
}

func TestImageVersion(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`image_version: "P0S3-8-12-00"` + "\n", "P0S3-8-12-00", true},
		{"image_version: P0S3-8-12-00 ; comment\r\n", "P0S3-8-12-00", true},
		{"IMAGE_VERSION:\"P00308010200\"", "P00308010200", true},
		{"# image_version: \"OLD\"\nproxy1_address: 10.0.0.1\n", "", false},
		{"image_version: \"A\"\nimage_version: \"B\"\n", "B", true},
		{"image_version: \"unterminated\n", "unterminated", true},
		{"image_version:\n", "", false},
		{"line1_name: 100\n", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ImageVersion([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ImageVersion(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestOS79XX(t *testing.T) {
	for in, want := range map[string]string{
		"P003-8-12-00 \r\n":          "P003-8-12-00", // the official zip's bytes
		"P00308000900":               "P00308000900",
		"\xef\xbb\xbfP00308000900\n": "P00308000900",
		"\n\n  P00305000200\x00\n":   "P00305000200",
		"":                           "",
		" \r\n":                      "",
	} {
		if got := OS79XX([]byte(in)); got != want {
			t.Errorf("OS79XX(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLoadFromXML(f *testing.F) {
	f.Add(XMLDefault(FamilyModels(firmware.Family7941), "SCCP41.8-5-2S", ""), "7961")
	f.Add([]byte(`<device><loadInformation>X</loadInformation></device>`), "7960")
	f.Add([]byte(`<a><loadInformation115 model="7941"><b>x</b>y</loadInformation115>`), "7941")
	f.Fuzz(func(t *testing.T, data []byte, model string) {
		m, err := FindModel(model)
		if err != nil {
			m = Models()[0]
		}
		got, ok := LoadFromXML(data, m)
		if ok != (got != "") || strings.TrimSpace(got) != got {
			t.Fatalf("LoadFromXML = %q, %v", got, ok)
		}
		ImageVersion(data)
		OS79XX(data)
	})
}
