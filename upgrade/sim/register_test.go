package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"phoneflash/upgrade"
)

// testRegistrar is a registrar on loopback that checks digest credentials against
// one password, and records what it was sent.
type testRegistrar struct {
	addr     *net.UDPAddr
	password string

	mu       sync.Mutex
	from     []string // From user of each REGISTER
	contacts []string
	auth     []string // the user name of each Authorization
}

func startRegistrar(t *testing.T, password string) *testRegistrar {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &testRegistrar{addr: conn.LocalAddr().(*net.UDPAddr), password: password}
	chal := digest.Challenge{Realm: "bench", Nonce: fmt.Sprint(time.Now().UnixNano()), Algorithm: "MD5"}
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		r.mu.Lock()
		r.from = append(r.from, req.From().Address.User)
		if c := req.Contact(); c != nil {
			r.contacts = append(r.contacts, c.Address.String())
		}
		r.mu.Unlock()
		h := req.GetHeader("Authorization")
		if h == nil {
			res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
			res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
			tx.Respond(res)
			return
		}
		cred, err := digest.ParseCredentials(h.Value())
		if err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Authorization", nil))
			return
		}
		r.mu.Lock()
		r.auth = append(r.auth, cred.Username)
		r.mu.Unlock()
		want, _ := digest.Digest(&chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: cred.Username, Password: r.password})
		if want == nil || want.Response != cred.Response {
			tx.Respond(sip.NewResponseFromRequest(req, 401, "Unauthorized", nil))
			return
		}
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	go srv.ServeUDP(conn)
	t.Cleanup(func() { srv.Close(); ua.Close(); conn.Close() })
	return r
}

func (r *testRegistrar) seen() (from, contacts, auth []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.from...), append([]string(nil), r.contacts...), append([]string(nil), r.auth...)
}

// legacyFiles are a 7960's SIP configs on SIP 8.12, written by hand as a PBX guide
// would: the line in SIP<MAC>.cnf, registration switched on in SIPDefault.cnf.
func legacyFiles(reg *net.UDPAddr, password string) map[string][]byte {
	return map[string][]byte{
		"SIPDefault.cnf": []byte("image_version: \"P0S3-8-12-00\"\nproxy_register: 1\n"),
		"SIP001E4A123456.cnf": fmt.Appendf(nil, "proxy1_address: \"%s\" ; the PBX\nproxy1_port: %d\nline1_name: 1001\n"+
			"line1_authname: \"1001\"\nline1_password: \"%s\"\n", reg.IP, reg.Port, password),
	}
}

// javaFiles is a 7942's SEP file with the line on the call manager (USECALLMANAGER).
func javaFiles(reg *net.UDPAddr, password string) map[string][]byte {
	return map[string][]byte{sep: fmt.Appendf(nil, `<device><deviceProtocol>SIP</deviceProtocol>
<devicePool><callManagerGroup><members><member priority="0"><callManager><ports><ethernetPhonePort>2000</ethernetPhonePort>
<sipPort>%d</sipPort></ports><processNodeName>%s</processNodeName></callManager></member></members></callManagerGroup></devicePool>
<sipProfile><sipProxies><registerWithProxy>true</registerWithProxy></sipProxies><sipLines><line button="1"><featureID>9</featureID>
<proxy>USECALLMANAGER</proxy><port>5060</port><name>1001</name><authName>1001</authName><authPassword>%s</authPassword></line></sipLines></sipProfile>
<transportLayerProtocol>2</transportLayerProtocol><loadInformation>SIP42.9-4-2SR3-1S</loadInformation></device>`, reg.Port, reg.IP, password)}
}

func TestRegisterWithTheLineItWasServed(t *testing.T) {
	for _, tc := range []struct {
		model, from string
		files       func(*net.UDPAddr, string) map[string][]byte
	}{
		{"7960", "P0S3-8-12-00", legacyFiles},
		{"7942", "SIP42.9-4-2SR3-1S", javaFiles},
	} {
		t.Run(tc.model, func(t *testing.T) {
			reg := startRegistrar(t, "s3cret")
			b := newBench(t, newMemRoot(t, tc.files(reg.addr, "s3cret")))
			rec := &recorder{}
			res, err := b.run(t, Config{Model: tc.model, From: tc.from, Register: true}, rec)
			if err != nil {
				t.Fatalf("%v\n%+v", err, rec.actions)
			}
			if !strings.Contains(res.Registered, "line 1001 registered with 127.0.0.1") || !strings.Contains(res.Registered, "200 OK") {
				t.Fatalf("Registered = %q", res.Registered)
			}
			from, contacts, auth := reg.seen()
			if len(from) != 2 || from[0] != "1001" || auth[0] != "1001" || !strings.Contains(contacts[0], "1001@127.0.0.") {
				t.Fatalf("the registrar saw From %q, Contact %q, auth %q", from, contacts, auth)
			}
			code, msg := Verdict(res, err, "")
			if code != 0 || !strings.Contains(msg, "registered") {
				t.Fatalf("Verdict %d %q", code, msg)
			}
			for _, a := range rec.actions {
				if strings.Contains(a.String(), "s3cret") || strings.Contains(string(a.JSON()), "s3cret") {
					t.Fatalf("an action shows the password: %s", a)
				}
			}
		})
	}
}

func TestRegisterWrongPasswordFails(t *testing.T) {
	reg := startRegistrar(t, "another")
	b := newBench(t, newMemRoot(t, legacyFiles(reg.addr, "s3cret")))
	res, err := b.run(t, Config{Model: "7960", From: "P0S3-8-12-00", Register: true}, nil)
	var re *RegisterError
	if !errors.As(err, &re) || re.Status != 401 {
		t.Fatalf("err %v, want the registrar's 401", err)
	}
	code, msg := Verdict(res, err, "")
	if code != 1 || !strings.Contains(msg, "401") || strings.Contains(msg, "s3cret") {
		t.Fatalf("Verdict %d %q", code, msg)
	}
}

func TestRegisterNoRegistrar(t *testing.T) {
	silent, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}) // a port nobody answers on
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	b := newBench(t, newMemRoot(t, legacyFiles(silent.LocalAddr().(*net.UDPAddr), "s3cret")))
	start := time.Now()
	_, err = b.run(t, Config{Model: "7960", From: "P0S3-8-12-00", Register: true}, nil)
	var re *RegisterError
	if !errors.As(err, &re) || re.Status != 0 || time.Since(start) > registerTimeout+5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

// What upgrade stages for a line is what this phone reads and registers: the generator
// and this reader, written apart, agree.
func TestRegisterWithStagedLine(t *testing.T) {
	for _, tc := range []struct {
		model, load, fw string
	}{
		{"7960", "P0S3-8-12-00", "7940-7960"},
		{"7942", "SIP42.9-4-2SR3-1S", "cmterm-7942_7962-sip.9-4-2SR3-1.tgz"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			reg := startRegistrar(t, "s3cret")
			p := plan(t, lib(t, tc.fw), tc.model, tc.load, tc.load)
			if err := p.SetLine(&upgrade.LineSettings{Registrar: reg.addr.String(), User: "1001", Password: "s3cret", Label: "Bench"}); err != nil {
				t.Fatal(err)
			}
			staged, err := p.StageFiles(0, testMAC.String())
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, f := range staged {
				files[f.Name] = f.Data
			}
			b := newBench(t, newMemRoot(t, files))
			res, err := b.run(t, Config{Model: tc.model, From: tc.load, Register: true}, nil)
			if err != nil || !strings.Contains(res.Registered, "200 OK") {
				t.Fatalf("%v; Registered %q", err, res.Registered)
			}
		})
	}
}
