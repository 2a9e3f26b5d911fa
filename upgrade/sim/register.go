package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"phoneflash/firmware"
)

// registerTimeout bounds one REGISTER and its authenticated repeat: a registrar on a
// bench answers in milliseconds; silence means none listens there.
const registerTimeout = 10 * time.Second

// registerExpires is the registration time asked for: an hour, as the stock
// SIPDefault.cnf's timer_register_expires (FACTS.md §11.1).
const registerExpires = 3600

// RegisterError is the registrar's refusal (or silence), as the technician needs it:
// who answered what.
type RegisterError struct {
	Registrar string // host:port
	Status    int    // the final answer's code; 0: none came
	Reason    string // its reason phrase, or why none came
}

func (e *RegisterError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("no answer from the registrar %s: %s", e.Registrar, e.Reason)
	}
	return fmt.Sprintf("the registrar %s answered %d %s", e.Registrar, e.Status, e.Reason)
}

// register reads line 1 from the configs the last boot read, as the phone would, and
// REGISTERs it with digest authentication from the leased address (local). Only 200 OK
// registers; anything else is a give-up that names the registrar's answer.
func (p *Phone) register(ctx context.Context, local net.IP, c lineConfigs) error {
	read := legacyLine
	if p.model.Java() {
		read = javaLine
	}
	if !p.model.Java() && p.runningProtocol() != firmware.SIP {
		return p.giveUp(nil, "runs %s, not SIP: it has no SIP line to register", orUnknown(p.st.running))
	}
	l, err := read(c)
	if err != nil {
		return p.giveUp(err, "cannot register: %v", err)
	}
	p.act(Action{Kind: Register, File: l.from, Msg: "REGISTER " + l.target() + " as " + l.authUser})
	status, err := sendRegister(ctx, local, l, p.model.Name)
	var re *RegisterError
	switch {
	case errors.As(err, &re) && re.Status == 401 || errors.As(err, &re) && re.Status == 403:
		return p.giveUp(err, "line %s: %v: the registrar refused %s's credentials from %s (a wrong password or auth user?)",
			l.user, err, l.authUser, l.from)
	case err != nil:
		return p.giveUp(err, "line %s: %v", l.user, err)
	}
	p.res.Registered = fmt.Sprintf("line %s registered with %s:%d (%s)", l.user, l.registrar, l.port, status)
	p.act(Action{Kind: Registered, Msg: p.res.Registered})
	return nil
}

// sendRegister sends REGISTER for l from local (nil: any address) and answers a 401 or
// 407 challenge once; it returns the 200's status line, or a *RegisterError.
func sendRegister(ctx context.Context, local net.IP, l line, model string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	registrar := net.JoinHostPort(l.registrar, strconv.Itoa(l.port))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil)) // sipgo would log to the process's default logger
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("phoneflash-sim Cisco-CP"+model),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		return "", fmt.Errorf("SIP user agent: %w", err)
	}
	defer ua.Close()
	// The phone's SIP socket is on its leased address, and the Contact names it.
	laddr, err := net.ListenPacket("udp4", net.JoinHostPort(addrOrAny(local), "0"))
	if err != nil {
		return "", fmt.Errorf("SIP socket: %w", err)
	}
	contact := laddr.LocalAddr().(*net.UDPAddr)
	laddr.Close() // sipgo opens its own on the same address and port
	if local == nil {
		contact.IP = outbound(l.registrar, l.port)
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet),
		sipgo.WithClientConnectionAddr(net.JoinHostPort(addrOrAny(local), strconv.Itoa(contact.Port))))
	if err != nil {
		return "", fmt.Errorf("SIP client: %w", err)
	}
	defer client.Close()

	aor := sip.Uri{Scheme: "sip", User: l.user, Host: l.registrar}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: l.registrar, Port: l.port})
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()} // the extension, not sipgo's UA name
	from.Params.Add("tag", sip.GenerateTagN(16))
	expires := sip.ExpiresHeader(registerExpires)
	for _, h := range []sip.Header{from, &sip.ToHeader{Address: aor},
		&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: l.user, Host: contact.IP.String(), Port: contact.Port}},
		&expires} {
		req.AppendHeader(h)
	}
	req.SetTransport("UDP")
	res, err := client.Do(ctx, req, sipgo.ClientRequestRegisterBuild)
	if err == nil && (res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired) {
		res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: l.authUser, Password: l.password})
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return "", &RegisterError{Registrar: registrar, Reason: fmt.Sprintf("nothing within %v (is a registrar listening there, on UDP?)", registerTimeout)}
	case err != nil:
		return "", &RegisterError{Registrar: registrar, Reason: err.Error()}
	case res.StatusCode != sip.StatusOK:
		return "", &RegisterError{Registrar: registrar, Status: int(res.StatusCode), Reason: res.Reason}
	}
	return fmt.Sprintf("%d %s", res.StatusCode, res.Reason), nil
}

func addrOrAny(ip net.IP) string {
	if ip == nil {
		return "0.0.0.0"
	}
	return ip.String()
}

// outbound is the address the system sends from towards host:port (the Contact of a
// phone whose socket is not bound to its lease); 0.0.0.0 when there is no route.
func outbound(host string, port int) net.IP {
	c, err := net.Dial("udp4", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return net.IPv4zero
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP
}
