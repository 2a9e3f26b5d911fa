package sim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// How the phone finds line 1 in the SIP config it was served (FACTS.md §11), written
// from the phone's side and apart from upgrade's generator: a config the generator gets
// wrong leaves this phone unregistered, as it would the real one.

// defaultSIPPort is proxy1_port and sipPort when a config gives none (FACTS.md §11.1).
const defaultSIPPort = 5060

// unprovisioned is the auth name a 7940/7960 uses when line1_authname is not set,
// the word a fresh SIP 7960 shows (FACTS.md §11.1 [V]).
const unprovisioned = "UNPROVISIONED"

// lineConfigs are the files of one boot that line 1 is read from.
type lineConfigs struct {
	sipDefault    []byte // SIPDefault.cnf (7940/7960)
	sipDevice     []byte // SIP<MAC>.cnf (7940/7960): overrides SIPDefault.cnf
	sipDeviceName string
	sep           []byte // SEP<MAC>.cnf.xml (Java phones)
	sepName       string
}

// line is line 1 as the phone would register it. Its password is never printed.
type line struct {
	registrar string // host or address
	port      int
	user      string // the extension: the user part of From, To and Contact
	authUser  string // answers the challenge
	password  string
	from      string // the file it came from, for messages
}

// target is "1001 at 192.0.2.50:5060".
func (l line) target() string { return fmt.Sprintf("%s at %s:%d", l.user, l.registrar, l.port) }

// legacyLine reads line 1 of a SIP 7940/7960: each key from SIP<MAC>.cnf when it has
// it, else from SIPDefault.cnf (FACTS.md §11.1). The phone registers only with
// proxy_register 1, a proxy1_address and a line1_name.
func legacyLine(c lineConfigs) (line, error) {
	from := orName(c.sipDeviceName, "SIP<MAC>.cnf") + " over SIPDefault.cnf"
	value := func(key string) string {
		if v, ok := cnfValue(c.sipDevice, key); ok {
			return v
		}
		v, _ := cnfValue(c.sipDefault, key)
		return v
	}
	l := line{registrar: value("proxy1_address"), user: value("line1_name"), authUser: value("line1_authname"),
		password: value("line1_password"), from: from}
	switch {
	case c.sipDevice == nil && c.sipDefault == nil:
		return l, errors.New("it read neither SIPDefault.cnf nor SIP<MAC>.cnf: it has no line")
	case value("proxy_register") != "1":
		return l, fmt.Errorf("%s: proxy_register is not 1, so the phone registers no line", from)
	case l.registrar == "":
		return l, fmt.Errorf("%s: no proxy1_address: the phone has no registrar", from)
	case l.user == "":
		return l, fmt.Errorf("%s: no line1_name: the phone shows %s", from, unprovisioned)
	}
	if l.authUser == "" {
		l.authUser = unprovisioned
	}
	var err error
	l.port, err = sipPort(value("proxy1_port"), from+": proxy1_port")
	return l, err
}

// sepDevice is the part of a SEP<MAC>.cnf.xml a Java phone's SIP line comes from
// (FACTS.md §11.2).
type sepDevice struct {
	Protocol string `xml:"deviceProtocol"`
	Members  []struct {
		Priority string `xml:"priority,attr"`
		SIPPort  string `xml:"callManager>ports>sipPort"`
		Node     string `xml:"callManager>processNodeName"`
	} `xml:"devicePool>callManagerGroup>members>member"`
	Register  string    `xml:"sipProfile>sipProxies>registerWithProxy"`
	Lines     []sepLine `xml:"sipProfile>sipLines>line"`
	Transport string    `xml:"transportLayerProtocol"`
}

type sepLine struct {
	Button    string `xml:"button,attr"`
	FeatureID string `xml:"featureID"`
	Proxy     string `xml:"proxy"`
	Port      string `xml:"port"`
	Name      string `xml:"name"`
	AuthName  string `xml:"authName"`
	Password  string `xml:"authPassword"`
}

// useCallManager as a line's proxy sends its registration to the callManager member
// (FACTS.md §11.2 [S]).
const useCallManager = "USECALLMANAGER"

// javaLine reads line 1 of a Java phone on SIP from its SEP<MAC>.cnf.xml. Without a
// usable line button 1 the real phone logs "Line 1 not configured" (FACTS.md §11.2 [V]).
func javaLine(c lineConfigs) (line, error) {
	from := orName(c.sepName, "SEP<MAC>.cnf.xml")
	if c.sep == nil {
		return line{from: from}, fmt.Errorf("it read no %s: Line 1 not configured", from)
	}
	var d sepDevice
	dec := xml.NewDecoder(bytes.NewReader(c.sep))
	dec.Strict = false // as forgiving as the loadInformation reader
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&d); err != nil && !errors.Is(err, io.EOF) {
		return line{from: from}, fmt.Errorf("%s does not read as XML (%v): Line 1 not configured", from, err)
	}
	var ln *sepLine
	for i := range d.Lines {
		if strings.TrimSpace(d.Lines[i].Button) == "1" {
			ln = &d.Lines[i]
			break
		}
	}
	tr := strings.TrimSpace(d.Transport)
	switch {
	case !strings.EqualFold(strings.TrimSpace(d.Protocol), "SIP"):
		return line{from: from}, fmt.Errorf("%s: deviceProtocol is %q, not SIP", from, d.Protocol)
	case ln == nil || strings.TrimSpace(ln.FeatureID) != "9":
		return line{from: from}, fmt.Errorf("%s: no sipLines line button 1 with featureID 9: Line 1 not configured", from)
	case !strings.EqualFold(strings.TrimSpace(d.Register), "true"):
		return line{from: from}, fmt.Errorf("%s: registerWithProxy is not true, so the phone registers no line", from)
	case tr != "" && tr != "2":
		return line{from: from}, fmt.Errorf("%s: transportLayerProtocol %s: this virtual phone speaks UDP (2) only", from, tr)
	}
	l := line{registrar: strings.TrimSpace(ln.Proxy), user: strings.TrimSpace(ln.Name),
		authUser: strings.TrimSpace(ln.AuthName), password: ln.Password, from: from}
	port := ln.Port
	if strings.EqualFold(l.registrar, useCallManager) {
		l.registrar, port = "", ""
		for _, m := range d.Members {
			if strings.TrimSpace(m.Priority) == "0" {
				l.registrar, port = strings.TrimSpace(m.Node), m.SIPPort
			}
		}
	}
	switch {
	case l.registrar == "":
		return l, fmt.Errorf("%s: line 1 names no proxy (and no callManager member of priority 0 for %s)", from, useCallManager)
	case l.user == "":
		return l, fmt.Errorf("%s: line 1 has no name: Line 1 not configured", from)
	}
	if l.authUser == "" {
		l.authUser = l.user
	}
	var err error
	l.port, err = sipPort(port, from+": the line's SIP port")
	return l, err
}

// sipPort reads a port, defaultSIPPort when empty.
func sipPort(s, what string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return defaultSIPPort, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s %q is not a port", what, s)
	}
	return n, nil
}

func orName(name, or string) string {
	if name == "" {
		return or
	}
	return name
}
