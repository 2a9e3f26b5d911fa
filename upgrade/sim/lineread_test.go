package sim

import (
	"strings"
	"testing"

	"phoneflash/upgrade"
)

// checkLine holds a line read to the one wanted, or its error to the words wanted.
func checkLine(t *testing.T, name string, got line, err error, want line, wantErr string) {
	t.Helper()
	got.from = ""
	switch {
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Errorf("%s: %v, want %q", name, err, wantErr)
	case wantErr == "" && err != nil:
		t.Errorf("%s: %v", name, err)
	case wantErr == "" && got != want:
		t.Errorf("%s: %+v, want %+v", name, got, want)
	}
}

func TestLegacyLine(t *testing.T) {
	def := []byte("image_version: \"P0S3-8-12-00\"\nproxy_register: 1\nproxy1_address: \"192.0.2.9\"\nline1_name: 9999\n")
	for _, tc := range []struct {
		name        string
		def, device string
		want        line
		err         string
	}{
		{"the device file wins", string(def), "proxy1_address: \"192.0.2.50\" ; pbx\nproxy1_port: \"5160\"\nline1_name: \"1001\"\n# line1_password: \"old\"\nline1_password: \"s3cret\"\nline1_authname: bench\n",
			line{registrar: "192.0.2.50", port: 5160, user: "1001", authUser: "bench", password: "s3cret"}, ""},
		{"the default file alone", string(def), "",
			line{registrar: "192.0.2.9", port: 5060, user: "9999", authUser: unprovisioned}, ""},
		{"registration off", "proxy_register: 0\n", "proxy1_address: 192.0.2.50\nline1_name: 1001\n", line{}, "proxy_register is not 1"},
		{"registration off in the device file", string(def), "proxy_register: \"0\"\n", line{}, "proxy_register is not 1"},
		{"no registrar", "proxy_register: 1\nline1_name: 1001\n", "", line{}, "no proxy1_address"},
		{"no line", "proxy_register: 1\nproxy1_address: 192.0.2.50\n", "", line{}, "UNPROVISIONED"},
		{"a bad port", string(def), "proxy1_port: 99999\n", line{}, "not a port"},
	} {
		c := lineConfigs{sipDefault: []byte(tc.def), sipDeviceName: "SIP001E4A123456.cnf"}
		if tc.device != "" {
			c.sipDevice = []byte(tc.device)
		}
		got, err := legacyLine(c)
		checkLine(t, tc.name, got, err, tc.want, tc.err)
	}
	if _, err := legacyLine(lineConfigs{}); err == nil {
		t.Error("no config read, yet a line")
	}
}

func TestJavaLine(t *testing.T) {
	doc := func(proto, member, transport, lines string) []byte {
		return []byte(`<?xml version="1.0"?><device><deviceProtocol>` + proto + `</deviceProtocol><devicePool><callManagerGroup><members>` +
			member + `</members></callManagerGroup></devicePool><sipProfile><sipProxies><registerWithProxy>true</registerWithProxy></sipProxies>` +
			`<sipLines>` + lines + `</sipLines></sipProfile>` + transport + `<loadInformation>SIP42.9-4-2SR3-1S</loadInformation></device>`)
	}
	member := `<member priority="0"><callManager><ports><ethernetPhonePort>2000</ethernetPhonePort><sipPort>5160</sipPort></ports><processNodeName>pbx.example.net</processNodeName></callManager></member>`
	line1 := `<line button="1"><featureID>9</featureID><proxy>USECALLMANAGER</proxy><port>5060</port><name>1001</name><authName>a1001</authName><authPassword>s&amp;cret</authPassword></line>`
	udp := "<transportLayerProtocol>2</transportLayerProtocol>"
	for _, tc := range []struct {
		name string
		sep  []byte
		want line
		err  string
	}{
		{"on the call manager", doc("SIP", member, udp, line1), line{registrar: "pbx.example.net", port: 5160, user: "1001", authUser: "a1001", password: "s&cret"}, ""},
		{"a proxy of its own", doc("SIP", member, "", `<line button="2"><featureID>21</featureID></line><line button="1"><featureID>9</featureID><proxy>192.0.2.50</proxy><name>1001</name></line>`),
			line{registrar: "192.0.2.50", port: 5060, user: "1001", authUser: "1001"}, ""},
		{"SCCP", doc("SCCP", member, udp, line1), line{}, "not SIP"},
		{"no line 1", doc("SIP", member, udp, `<line button="2"><featureID>9</featureID></line>`), line{}, "Line 1 not configured"},
		{"a speed dial on button 1", doc("SIP", member, udp, `<line button="1"><featureID>21</featureID></line>`), line{}, "Line 1 not configured"},
		{"TCP", doc("SIP", member, "<transportLayerProtocol>1</transportLayerProtocol>", line1), line{}, "UDP"},
		{"no member for USECALLMANAGER", doc("SIP", "", udp, line1), line{}, "names no proxy"},
		{"no name", doc("SIP", member, udp, `<line button="1"><featureID>9</featureID><proxy>x</proxy></line>`), line{}, "no name"},
		{"not XML", []byte("line1_name: 1001"), line{}, "deviceProtocol"},
		{"no registration", []byte(strings.Replace(string(doc("SIP", member, udp, line1)), ">true<", ">false<", 1)), line{}, "registerWithProxy"},
	} {
		got, err := javaLine(lineConfigs{sep: tc.sep, sepName: "SEP001E4A123456.cnf.xml"})
		checkLine(t, tc.name, got, err, tc.want, tc.err)
	}
	if _, err := javaLine(lineConfigs{}); err == nil || !strings.Contains(err.Error(), "Line 1 not configured") {
		t.Errorf("no SEP file: %v", err)
	}
}

// FuzzLineConfigs: no config a server sends makes the readers panic, and a line read
// has what REGISTER needs.
func FuzzLineConfigs(f *testing.F) {
	f.Add([]byte("proxy_register: 1\n"), []byte("proxy1_address: \"192.0.2.50\"\nline1_name: 1001\nline1_password: \"x\"\n"))
	f.Add([]byte{}, []byte(`<device><deviceProtocol>SIP</deviceProtocol><sipProfile><sipProxies><registerWithProxy>true</registerWithProxy></sipProxies><sipLines><line button="1"><featureID>9</featureID><proxy>h</proxy><name>1</name></line></sipLines></sipProfile></device>`))
	f.Add([]byte("proxy1_port: 0x\x00\r\n\"\";#"), []byte("<device><devicePool><callManagerGroup><members><member priority=\"0\"><callManager><ports><sipPort>-1</sipPort>"))
	f.Fuzz(func(t *testing.T, cnf, data []byte) {
		for _, c := range []lineConfigs{{sipDefault: cnf, sipDevice: data}, {sipDefault: data}} {
			if l, err := legacyLine(c); err == nil && (l.registrar == "" || l.user == "" || l.port < 1 || l.port > 65535) {
				t.Fatalf("legacy line %+v from %q %q", l, cnf, data)
			}
		}
		if l, err := javaLine(lineConfigs{sep: data}); err == nil && (l.registrar == "" || l.user == "" || l.authUser == "" || l.port < 1 || l.port > 65535) {
			t.Fatalf("java line %+v from %q", l, data)
		}
	})
}

// FuzzGeneratedLineReadsBack: whatever line Validate lets through, the phone reads back
// from the files upgrade generates exactly as given (escaping, quoting, defaults).
func FuzzGeneratedLineReadsBack(f *testing.F) {
	f.Add("192.0.2.50", "1001", "", "s3cret", "Front desk", "Desk-1001")
	f.Add("pbx.example.net:5160", "bench_1", "a.b-c", "<&>'x y", "R&D", "")
	f.Fuzz(func(t *testing.T, registrar, user, auth, password, display, label string) {
		l := upgrade.LineSettings{Registrar: registrar, User: user, AuthUser: auth, Password: password, Display: display, Label: label}
		if l.Empty() || l.Validate() != nil {
			return
		}
		host, port, err := l.Proxy()
		if err != nil {
			t.Fatalf("valid %+v, yet %v", l, err)
		}
		want := line{registrar: host, port: port, user: user, authUser: l.Auth(), password: password}
		legacy, err := legacyLine(lineConfigs{sipDefault: upgrade.SIPDefaultRegistering("P0S3-8-12-00"), sipDevice: upgrade.SIPLineConfig(l)})
		java, jerr := javaLine(lineConfigs{sep: upgrade.SIPDeviceConfig("SIP42.9-4-2SR3-1S", l)})
		for _, got := range []struct {
			l   line
			err error
		}{{legacy, err}, {java, jerr}} {
			got.l.from = ""
			if got.err != nil || got.l != want {
				t.Fatalf("%+v reads back as %+v, %v; want %+v", l, got.l, got.err, want)
			}
		}
	})
}
