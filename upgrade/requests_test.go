package upgrade

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		kind RequestKind
		miss bool
	}{
		{"CTLSEP0006537B84EF.tlv", ReqSecurity, true}, // T6
		{"ctlsep0006537b84ef.tlv", ReqSecurity, true},
		{"ITLSEP001646CB4791.tlv", ReqSecurity, true},
		{"ITLFile.tlv", ReqSecurity, true},
		{"/ITLFile.tlv\x00", ReqSecurity, true},
		{"SEP001646CB4791.cnf.xml", ReqDeviceConfig, true},
		{"sep001646cb4791.cnf.xml", ReqDeviceConfig, true},
		{"SIP001646CB4791.cnf", ReqDeviceConfig, true},
		{"./SIP001646CB4791.cnf", ReqDeviceConfig, true}, // a SIP 7960: tftp_cfg_dir "./"
		{"gk001646cb4791", ReqDeviceConfig, true},
		{"XMLDefault.cnf.xml", ReqDefaultConfig, false},
		{"xmldefault.CNF.xml", ReqDefaultConfig, false},
		{"SIPDefault.cnf", ReqDefaultConfig, false},
		{"SEPDefault.cnf", ReqDefaultConfig, true},
		{"SEPDefault.cnf.xml", ReqDefaultConfig, true},
		{"OS79XX.TXT", ReqSelector, false},
		{"os79xx.txt ", ReqSelector, false},
		{"term41.default.loads", ReqDefaultLoads, false},
		{"TERM70.default.loads", ReqDefaultLoads, false},
		{"TERM70.DEFAULT.LOADS", ReqDefaultLoads, false},
		{"SIP41.9-4-2SR3-1S.loads", ReqLoadManifest, false},
		{"P0S3-8-12-00.loads", ReqLoadManifest, false},
		{"jar41sip.9-4-2ES26.sbn", ReqLoadImage, false},
		{"P0S3-8-12-00.sb2", ReqLoadImage, false},
		{"P00303010102.bin", ReqLoadImage, false},
		{"/mk-sip.jar", ReqLocale, true}, // T1
		{"/sp-sip.jar", ReqLocale, true},
		{"/g3-tones.xml", ReqLocale, true},
		{"English_United_States/mk-sip.jar", ReqLocale, true},
		{"French_France/SCCP-dictionary.utf-8.xml", ReqLocale, true},
		{"United_States/7960-tones.xml", ReqLocale, true},
		{"dialplan.xml", ReqDialplan, true},
		{"RINGLIST.DAT", ReqRingList, true},
		{"DISTINCTIVERINGLIST.XML", ReqRingList, true},
		{"ringtones/Piano1.raw", ReqRingList, true},
		{"Desktops/320x196x4/List.xml", ReqDesktop, true},
		{"pxelinux.0", ReqOther, false},
		{"SEP0006537B84E.cnf.xml", ReqOther, false}, // 11 digits: not a phone's file
	}
	for _, tt := range tests {
		if got := Classify(tt.name); got != tt.kind {
			t.Errorf("Classify(%q) = %v, want %v", tt.name, got, tt.kind)
		}
		if got := ExpectedMiss(tt.name); got != tt.miss {
			t.Errorf("ExpectedMiss(%q) = %v, want %v", tt.name, got, tt.miss)
		}
	}
	if !IsConfig("XMLDefault.cnf.xml") || !IsConfig("SEP001646CB4791.cnf.xml") || !IsConfig("OS79XX.TXT") || IsConfig("term41.default.loads") {
		t.Error("IsConfig misclassifies")
	}
	if !IsLoadFile("term41.default.loads") || !IsLoadFile("cnu41.9-4-2ES9.sbn") || IsLoadFile("ITLFile.tlv") {
		t.Error("IsLoadFile misclassifies")
	}
	for k := ReqOther; k <= ReqDesktop; k++ {
		if strings.HasPrefix(k.String(), "RequestKind(") {
			t.Errorf("kind %d has no name", int(k))
		}
	}
}

func TestMACFromName(t *testing.T) {
	for name, want := range map[string]string{
		"SEP001646CB4791.cnf.xml":     "00:16:46:cb:47:91",
		"sep001646cb4791.cnf.xml":     "00:16:46:cb:47:91",
		"/SEP001646CB4791.cnf.xml":    "00:16:46:cb:47:91",
		"CTLSEP0006537B84EF.tlv":      "00:06:53:7b:84:ef",
		"ITLSEP12ABC345678D.tlv":      "12:ab:c3:45:67:8d",
		"SIP003094C25D2E.cnf":         "00:30:94:c2:5d:2e",
		"./SIP003094C25D2E.cnf":       "00:30:94:c2:5d:2e",
		"gk003094c25d2e":              "00:30:94:c2:5d:2e",
		"SEP2C73A02DF3E8.cnf.xml\x00": "2c:73:a0:2d:f3:e8",
	} {
		got, ok := MACFromName(name)
		if !ok || got != want {
			t.Errorf("MACFromName(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"XMLDefault.cnf.xml", "SEPDefault.cnf", "ITLFile.tlv", "SEP0016.cnf.xml", "SEP001646CB4791.cnf.xml.bak", "SIP41.9-4-2SR3-1S.loads", ""} {
		if got, ok := MACFromName(name); ok {
			t.Errorf("MACFromName(%q) = %q, want none", name, got)
		}
	}
}

func TestMACNames(t *testing.T) {
	for _, in := range []string{"00:1e:4a:12:34:56", "00-1E-4A-12-34-56", "001e.4a12.3456", "001E4A123456"} {
		n, err := NormalizeMAC(in)
		if err != nil || n != "00:1e:4a:12:34:56" {
			t.Errorf("NormalizeMAC(%q) = %q, %v", in, n, err)
		}
		sep, err := SEPName(in)
		if err != nil || sep != "SEP001E4A123456.cnf.xml" {
			t.Errorf("SEPName(%q) = %q, %v", in, sep, err)
		}
		sip, err := SIPName(in)
		if err != nil || sip != "SIP001E4A123456.cnf" {
			t.Errorf("SIPName(%q) = %q, %v", in, sip, err)
		}
	}
	for _, in := range []string{"", "00:1e:4a:12:34", "00:1e:4a:12:34:56:78", "zz:1e:4a:12:34:56", "00 1e 4a 12 34 56"} {
		if _, err := NormalizeMAC(in); err == nil {
			t.Errorf("NormalizeMAC(%q) accepted", in)
		}
		if _, err := SEPName(in); err == nil {
			t.Errorf("SEPName(%q) accepted", in)
		}
	}
}

func TestDefaultLoadsTerm(t *testing.T) {
	for in, want := range map[string]string{"term41.default.loads": "term41", "TERM70.default.loads": "term70", "/Term65.DEFAULT.loads": "term65"} {
		if got, ok := DefaultLoadsTerm(in); !ok || got != want {
			t.Errorf("DefaultLoadsTerm(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := DefaultLoadsTerm("SCCP41.8-5-2S.loads"); ok {
		t.Error("a load manifest is not a default-loads file")
	}
}
