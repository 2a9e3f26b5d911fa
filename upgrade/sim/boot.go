package sim

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"phoneflash/firmware"
)

// bootRun is what one boot learns while it walks the request table.
type bootRun struct {
	p        *Phone
	tftp     *tftpClient
	tftpFrom string // which DHCP field named the TFTP server, for messages

	deviceMissing bool   // its own config (SEP<MAC>.cnf.xml) was not there
	deviceRead    bool   // … or it was, and it is the one that counts
	xmlLoad       string // loadInformation for this model, from the SEP file or XMLDefault
	xmlFrom       string
	sipDefault    string // image_version of SIPDefault.cnf
	sipDevice     string // image_version of SIP<MAC>.cnf (overrides)
	sipDeviceFrom string // its name
	selector      string // the image OS79XX.TXT names
	decided       bool
	named         string      // the load the configs name, once decided
	configs       lineConfigs // what line 1 is read from, for --register
}

// walk sends the family's boot requests (bootSequence) in order, skipping those whose
// circumstance does not hold, and installs what the configs name at the <LOAD>.loads row.
func (b *bootRun) walk(ctx context.Context) (bootEnd, error) {
	for _, r := range bootSequence(b.p.model.Family) {
		if r.ask == askFiles || !b.applies(r.when) {
			continue // the files come with their manifest
		}
		var end bootEnd
		var err error
		switch r.ask {
		case askDefaultLoads:
			end, err = b.defaultLoads(ctx)
		case askManifest:
			end, err = b.newLoad(ctx)
		case askCheckLoads:
			end, err = b.checkLoads(ctx)
		default:
			end, err = b.read(ctx, b.expand(r.name), r)
		}
		if err != nil || end != bootGoesOn {
			return end, err
		}
	}
	return b.end()
}

// expand fills the placeholders of a request name: <MAC>, <TERM>, <proto>.
func (b *bootRun) expand(name string) string {
	return strings.NewReplacer(
		"<MAC>", macDigits(b.p.mac),
		"<TERM>", b.p.model.Term,
		"<proto>", strings.ToLower(string(b.p.runningProtocol())),
	).Replace(name)
}

// applies says whether a request's circumstance holds in this boot.
func (b *bootRun) applies(w when) bool {
	legacy := !b.p.model.Java()
	switch w {
	case always, newLoad: // newLoad is decided at the manifest row
		return true
	case afterReset:
		return b.p.st.factoryReset
	case noDeviceConfig: // a SIP 7940/7960 reads SIPDefault.cnf instead
		return b.deviceMissing && (!legacy || b.p.runningProtocol() != firmware.SIP)
	case runningSIP:
		return legacy && b.p.runningProtocol() == firmware.SIP
	case runningSCCP:
		return legacy && b.p.runningProtocol() == firmware.SCCP
	case oldImage:
		return b.p.oldImage()
	}
	return false
}

// read fetches a file of the boot sequence and keeps what it says about the load.
func (b *bootRun) read(ctx context.Context, name string, r request) (bootEnd, error) {
	data, out, err := b.get(ctx, name, false, r.mayMiss)
	if err != nil || out == cut {
		return endOf(out), err
	}
	base := path.Base(strings.TrimLeft(name, "/"))
	switch r.ask {
	case askDeviceConfig:
		if out != got {
			if strings.HasSuffix(strings.ToLower(base), ".cnf.xml") {
				b.deviceMissing = true
			}
			return bootGoesOn, nil
		}
		if strings.HasSuffix(strings.ToLower(base), ".cnf.xml") {
			b.deviceRead = true
			b.xmlLoad = loadInformation(data, b.p.model)
			b.xmlFrom = base
			b.configs.sep, b.configs.sepName = data, base
		} else {
			b.configs.sipDevice, b.configs.sipDeviceName = data, base
			if v, ok := imageVersion(data); ok {
				b.sipDevice, b.sipDeviceFrom = v, base
			}
		}
	case askDefaultConfig:
		if out != got {
			return bootGoesOn, nil
		}
		switch {
		case strings.EqualFold(base, "XMLDefault.cnf.xml") && !b.deviceRead:
			b.xmlLoad = loadInformation(data, b.p.model)
			b.xmlFrom = base
		case strings.EqualFold(base, "SIPDefault.cnf"):
			b.sipDefault, _ = imageVersion(data)
			b.configs.sipDefault = data
		}
	case askSelector:
		if out == got {
			b.selector = selectorImage(data)
		}
	}
	return bootGoesOn, nil
}

// checkLoads is a SIP 7940/7960 reading the .loads of the load its SEP file names, its
// own included, and taking nothing more from it (FACTS.md §10 [V]): the upgrade itself
// follows image_version.
func (b *bootRun) checkLoads(ctx context.Context) (bootEnd, error) {
	if b.xmlLoad == "" {
		return bootGoesOn, nil
	}
	_, out, err := b.get(ctx, b.xmlLoad+".loads", false, false)
	return endOf(out), err
}

// decide works out which load the configs of this boot name, once, and says so.
func (b *bootRun) decide() string {
	if b.decided {
		return b.named
	}
	b.decided = true
	load, from := b.xmlLoad, b.xmlFrom
	if !b.p.model.Java() && b.p.runningProtocol() == firmware.SIP {
		load, from = b.sipDefault, "SIPDefault.cnf"
		if b.sipDevice != "" {
			load, from = b.sipDevice, b.sipDeviceFrom
		}
	}
	// OS79XX.TXT switches protocol: an image whose first four characters differ from the
	// running one's (P003 SCCP, P0S3 SIP, P0M3 MGCP) is loaded; a match leaves the choice
	// to the protocol's own config (FACTS.md §1.4 [V]). A loader name is not a load.
	if s := b.selector; s != "" {
		if f, proto, _, err := firmware.ParseID(s); err == nil && f == b.p.model.Family && proto != b.p.runningProtocol() {
			load, from = s, "OS79XX.TXT"
		}
	}
	b.named = load
	if load == "" {
		b.p.act(Action{Kind: Named, Msg: "no config names a load for a " + b.p.model.Name})
		return ""
	}
	b.p.st.lastNamed = load
	b.p.act(Action{Kind: Named, Load: load, File: from})
	return load
}

// end closes a boot in which nothing was installed: the phone runs the named load
// (done), or nothing names one.
func (b *bootRun) end() (bootEnd, error) {
	named := b.decide()
	st := &b.p.st
	switch {
	case st.running != "" && strings.EqualFold(named, st.running):
		b.p.act(Action{Kind: Running, Load: st.running, Msg: "runs the load the server names"})
		return bootDone, nil
	case named == "" && st.running != "" && strings.EqualFold(st.lastNamed, st.running):
		// A 7940/7960 that switched to SIP through XMLDefault reads only SIPDefault.cnf now.
		b.p.act(Action{Kind: Running, Load: st.running, Msg: "runs the load the server named; this image's config names none"})
		return bootDone, nil
	case named == "":
		return 0, b.p.giveUp(nil, "no config file the %s read names a load for it (%s): serve %s",
			b.p.model.Name, b.readHint(), b.configHint())
	}
	// newLoad ran and installed nothing: it already said why.
	return 0, b.p.giveUp(nil, "runs %s, not %s, and took no step towards it", orUnknown(st.running), named)
}

func (b *bootRun) readHint() string {
	if !b.p.model.Java() && b.p.runningProtocol() == firmware.SIP {
		return "it runs SIP and reads image_version from SIPDefault.cnf"
	}
	return "it reads loadInformation from SEP<MAC>.cnf.xml, or XMLDefault.cnf.xml when there is no SEP file"
}

func (b *bootRun) configHint() string {
	if !b.p.model.Java() && b.p.runningProtocol() == firmware.SIP {
		return `SIPDefault.cnf with image_version: "<load>"`
	}
	id := b.p.model.XMLIDs[0]
	return fmt.Sprintf(`XMLDefault.cnf.xml with <loadInformation%d model="%s">load</loadInformation%d>`, id.ID, id.Name, id.ID)
}

// outcome is how one request went.
type outcome int

const (
	got      outcome = iota
	notFound         // the server said so, or the Missing fault
	failed           // stalled, garbled, refused by the server for another reason
	cut              // the power-cut fault struck
)

func endOf(o outcome) bootEnd {
	if o == cut {
		return bootCut
	}
	return bootGoesOn
}

// get sends one read request and reports it. image marks a file of a load (where the
// power-cut fault "*" strikes); normalMiss marks requests whose absence is normal.
// The error is fatal only: no TFTP server at all, or ctx.
func (b *bootRun) get(ctx context.Context, name string, image, normalMiss bool) ([]byte, outcome, error) {
	p := b.p
	if f := p.cfg.Faults.Missing; f != "" && sameFile(f, name) {
		p.act(Action{Kind: Missing, File: name, Msg: "not asked: the --missing fault treats it as absent"})
		return nil, notFound, nil
	}
	f := fetch{name: name, extraNUL: p.oldImage() && strings.EqualFold(name, "OS79XX.TXT")}
	if pc := p.cfg.Faults.PowerCut; p.st.cutsLeft > 0 && (pc.File == "*" && image || sameFile(pc.File, name)) {
		f.cutAt = max(pc.After, 1)
	}
	p.res.Requests = append(p.res.Requests, name)
	p.act(Action{Kind: Get, File: name})
	res, err := b.tftp.get(ctx, f)
	var se *ServerError
	var na *NoAnswerError
	switch {
	case err == nil:
		p.act(Action{Kind: Got, File: name, Bytes: int64(len(res.data)), Msg: wireNote(res)})
		return res.data, got, nil
	case errors.Is(err, errPowerCut):
		p.st.cutsLeft--
		p.res.PowerCuts++
		p.act(Action{Kind: Cut, File: name, Bytes: int64(len(res.data)),
			Msg: fmt.Sprintf("power lost after %d bytes: silent, then a cold boot", len(res.data))})
		return nil, cut, sleep(ctx, p.timing.PowerOff)
	case ctx.Err() != nil:
		return nil, failed, ctx.Err()
	case errors.As(err, &se) && se.NotFound():
		msg := strings.TrimSpace(se.Msg)
		if normalMiss {
			msg += " (normal here)"
		}
		p.act(Action{Kind: Missing, File: name, Msg: msg})
		return nil, notFound, nil
	case errors.As(err, &na):
		p.act(Action{Kind: Failed, File: name, Msg: err.Error()})
		return nil, failed, p.giveUp(err, "no TFTP server answers at %s (named by %s): is it running, on port %d?",
			b.tftp.server.IP, b.tftpFrom, b.tftp.server.Port)
	default:
		p.act(Action{Kind: Failed, File: name, Msg: err.Error()})
		return nil, failed, nil
	}
}

// wireNote mentions retransmissions and drops, when there were any.
func wireNote(r fetched) string {
	if r.resent == 0 && r.dropped == 0 {
		return ""
	}
	return fmt.Sprintf("%d datagrams lost, %d requests/ACKs sent again", r.dropped, r.resent)
}
