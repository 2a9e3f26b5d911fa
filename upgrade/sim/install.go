package sim

import (
	"context"
	"fmt"
	"path"
	"strings"

	"phoneflash/firmware"
	"phoneflash/upgrade"
)

// newLoad is the <LOAD>.loads row: the configs have been read; if they name a load
// other than the one running, the phone fetches and installs it.
func (b *bootRun) newLoad(ctx context.Context) (bootEnd, error) {
	named := b.decide()
	st := &b.p.st
	if pl := st.pending; pl != nil {
		// The new loader goes on with the load it came for, unless told to take a third
		// one: the old image's config may still name the old load (or none).
		if named == "" || strings.EqualFold(named, st.running) || strings.EqualFold(named, pl.load) {
			st.lastNamed = pl.load
			return b.secondStage(ctx)
		}
		st.pending = nil
	}
	if named == "" || strings.EqualFold(named, st.running) {
		if named != "" && !b.p.model.Java() && b.p.runningProtocol() == firmware.SCCP && !b.p.oldImage() {
			// An SCCP 7940/7960 reads the .loads of the load it runs and takes nothing
			// more (a phone on 8.1(2)SR2 asking for P0030801SR02.loads, FACTS.md §2.3 [V]).
			_, out, err := b.get(ctx, named+".loads", false, false)
			return endOf(out), err
		}
		return bootGoesOn, nil
	}
	if b.p.oldImage() {
		return b.installImage(ctx, named)
	}
	return b.installManifest(ctx, named)
}

// defaultLoads is the first request of a Java phone after a factory reset: its
// termNN.default.loads, then every file it lists (FACTS.md §2.1).
func (b *bootRun) defaultLoads(ctx context.Context) (bootEnd, error) {
	name := b.p.model.DefaultLoads()
	var m *firmware.Manifest
	var id string
	for {
		var end bootEnd
		var err error
		m, end, err = b.manifest(ctx, name, "")
		if err != nil || end != bootGoesOn || m == nil {
			return end, err // absent: it keeps the load it has and boots on
		}
		id = defaultLoadsID(b.p.model, m.Files)
		end, err = b.refusal(ctx, name, id)
		if end == bootAgain && err == nil {
			continue // it asks for its default loads again, and reads them anew (FACTS.md §10)
		}
		if err != nil || end != bootGoesOn {
			return end, err
		}
		break
	}
	if end, err := b.fetchAll(ctx, name, m.Files); err != nil || end != bootGoesOn {
		return end, err
	}
	return b.flash(ctx, id, m.Files, fmt.Sprintf("the load of %s", name))
}

// installManifest takes a signed load: its .loads, then the files it lists. Java phones
// take every component, then write flash; a 7940/7960 flashes the loader (.sbn),
// reboots, and fetches the application (.sb2) in its next boot (FACTS.md §4.1).
func (b *bootRun) installManifest(ctx context.Context, load string) (bootEnd, error) {
	name := load + ".loads"
	m, end, err := b.manifest(ctx, name, load)
	if err != nil || end != bootGoesOn {
		return end, err
	}
	if m == nil {
		if why, refused := b.p.refuses(load); refused { // an unsigned load has no .loads: the refusal is the news
			b.p.act(Action{Kind: Refuse, File: name, Load: load, Msg: why})
			return 0, b.p.giveUp(nil, "the config names %s, which has no %s, and the phone would refuse it anyway (%s): stage a load it takes",
				load, name, why)
		}
		return 0, b.p.giveUp(nil, "the config names %s but the server has no %s: add the load's files to the TFTP folder", load, name)
	}
	if end, err := b.refusal(ctx, name, load); err != nil || end != bootGoesOn {
		return end, err
	}
	if b.p.model.Java() {
		if b.p.hasAll(m.Files) {
			// What termNN.default.loads installed gets its real name here.
			if n := len(b.p.res.Steps); n > 0 && b.p.res.Steps[n-1] == b.p.st.running {
				b.p.res.Steps[n-1] = load
			}
			b.p.st.running = load
			b.p.act(Action{Kind: Named, Load: load, Msg: "every file of it is on flash already: runs it"})
			return bootGoesOn, nil
		}
		if end, err := b.fetchAll(ctx, name, m.Files); err != nil || end != bootGoesOn {
			return end, err
		}
		return b.flash(ctx, load, m.Files, load)
	}
	loader, app := splitLoader(m.Files)
	if loader == "" || b.p.st.files[strings.ToLower(loader)] {
		if end, err := b.fetchAll(ctx, name, app); err != nil || end != bootGoesOn {
			return end, err
		}
		return b.flash(ctx, load, app, load)
	}
	if end, err := b.fetchAll(ctx, name, []string{loader}); err != nil || end != bootGoesOn {
		return end, err
	}
	return b.flashLoader(ctx, load, loader, app)
}

// secondStage is the boot after a 7940/7960 loader flash: the new loader fetches the
// application the manifest listed. Without it the phone shows "Protocol Application
// Invalid" (FACTS.md §4.1).
func (b *bootRun) secondStage(ctx context.Context) (bootEnd, error) {
	pl := b.p.st.pending
	for _, f := range pl.files {
		ok, end, err := b.insist(ctx, f, nil)
		if err != nil || end != bootGoesOn {
			return end, err
		}
		if !ok {
			return 0, b.p.giveUp(nil, "the new loader of %s cannot get %s (asked %d times): the phone shows "+
				"\"Protocol Application Invalid\"; put %s in the TFTP folder and make sure DHCP gives the TFTP server",
				pl.load, f, b.p.cfg.LoopTries, f)
		}
	}
	b.p.st.pending = nil
	return b.flash(ctx, pl.load, pl.files, pl.load+" (application)")
}

// installImage takes a load the way a 7940/7960 image from before 5.0 does: the
// unsigned .bin image alone (FACTS.md §2.2, §4.1 [V: Cisco doc 68244]).
func (b *bootRun) installImage(ctx context.Context, load string) (bootEnd, error) {
	name := load + ".bin"
	ok, end, err := b.insist(ctx, name, nil)
	if err != nil || end != bootGoesOn {
		return end, err
	}
	if !ok {
		return 0, b.p.giveUp(nil, "an image before 5.0 takes only unsigned .bin images, and the server has no %s (asked %d times): "+
			"go through a load that has one (the signed 5.x line ships P003…bin files)", name, b.p.cfg.LoopTries)
	}
	if end, err := b.refusal(ctx, name, load); err != nil || end != bootGoesOn {
		return end, err
	}
	return b.flash(ctx, load, []string{name}, load)
}

// insist asks for a file of the load being taken until it comes, LoopTries times in
// all, running again (when given) between tries. ok is false when it never came; a
// bootEnd other than bootGoesOn, or an error, ends the boot.
func (b *bootRun) insist(ctx context.Context, name string, again func() (bootEnd, error)) (ok bool, end bootEnd, err error) {
	for try := 1; ; try++ {
		_, out, err := b.get(ctx, name, true, false)
		switch {
		case err != nil || out == cut:
			return false, endOf(out), err
		case out == got:
			return true, bootGoesOn, nil
		case try >= b.p.cfg.LoopTries:
			return false, bootGoesOn, nil
		}
		if err := sleep(ctx, b.p.timing.Retry); err != nil {
			return false, 0, err
		}
		if again != nil {
			if end, err := again(); err != nil || end != bootGoesOn {
				return false, end, err
			}
		}
	}
}

// manifest fetches a .loads (or termNN.default.loads) and parses it. An absent
// termNN.default.loads is normal (nil manifest); an absent or unreadable load manifest
// is asked for again, LoopTries times, before the phone gives up.
func (b *bootRun) manifest(ctx context.Context, name, load string) (*firmware.Manifest, bootEnd, error) {
	for try := 1; ; try++ {
		data, out, err := b.get(ctx, name, false, load == "")
		if err != nil || out == cut {
			return nil, endOf(out), err
		}
		if out == notFound && load == "" {
			return nil, bootGoesOn, nil
		}
		if out == got {
			m, perr := firmware.ParseLoads(data)
			if perr == nil {
				return &m, bootGoesOn, nil
			}
			b.p.act(Action{Kind: Failed, File: name, Msg: "unreadable: " + perr.Error()})
			err = perr
		}
		if try >= b.p.cfg.LoopTries {
			if out == got {
				return nil, 0, b.p.giveUp(err, "%s is not a valid .loads file (%v): the firmware is damaged, download it again", name, err)
			}
			return nil, bootGoesOn, nil // the caller says what is missing
		}
		if err := sleep(ctx, b.p.timing.Retry); err != nil {
			return nil, 0, err
		}
	}
}

// fetchAll fetches a load's files in listed order, skipping those already on flash. A
// file that does not come sends the phone back to the manifest, which it asks for
// again before trying the file once more: the loop real phones show on a missing
// component (FACTS.md §4.2 [S]).
func (b *bootRun) fetchAll(ctx context.Context, manifest string, files []string) (bootEnd, error) {
	again := func() (bootEnd, error) {
		_, out, err := b.get(ctx, manifest, false, false)
		return endOf(out), err
	}
	for _, f := range files {
		if b.p.st.files[strings.ToLower(f)] {
			continue
		}
		ok, end, err := b.insist(ctx, f, again)
		if err != nil || end != bootGoesOn {
			return end, err
		}
		if !ok {
			return 0, b.p.giveUp(nil, "%s lists %s, which the phone cannot get (asked %d times, %s again each time): "+
				"put the file in the TFTP folder, with the same name", manifest, f, b.p.cfg.LoopTries, manifest)
		}
	}
	return bootGoesOn, nil
}

// refusal applies the phone's own judgement (accept.go). A phone that refuses a load
// shows it (a Java phone AUTH FAIL, a 7940/7960 "image authentication failed" and its
// old image) and starts over: it asks again, so a server that stages something else
// meanwhile is heard. After LoopTries refusals of one file it gives up, as a
// technician would (FACTS.md §4, §10).
func (b *bootRun) refusal(ctx context.Context, file, load string) (bootEnd, error) {
	why, refused := b.p.refuses(load)
	if !refused {
		return bootGoesOn, nil
	}
	what := "AUTH FAIL"
	if !b.p.model.Java() {
		what = "image authentication failed"
	}
	b.p.act(Action{Kind: Refuse, File: file, Load: load, Msg: what + ": " + why})
	st := &b.p.st
	if st.refused == nil {
		st.refused = map[string]int{}
	}
	key := strings.ToLower(file)
	st.refused[key]++
	if n := st.refused[key]; n >= b.p.cfg.LoopTries {
		return 0, b.p.giveUp(nil, "%s: the phone refuses %s (%s), asked for %s %d times; stage a load it takes first (phoneflash plan shows the steps)",
			what, orUnknownLoad(load, file), why, file, n)
	}
	if err := sleep(ctx, b.p.timing.Retry); err != nil {
		return 0, err
	}
	return bootAgain, nil
}

// refuses says whether the phone, on the load it runs, refuses load, and why: the
// phone's own table (accept.go), never the planner's. A phone whose load is unknown
// takes anything.
func (p *Phone) refuses(load string) (string, bool) {
	if f := p.cfg.Faults.Refuse; f == "*" || f != "" && strings.EqualFold(f, load) {
		return "refused on purpose (the refuse fault)", true
	}
	cur, ok := imageOf(p.st.running)
	if !ok || load == "" {
		return "", false
	}
	next, ok := imageOf(load)
	if !ok {
		return fmt.Sprintf("%s is not a load name it knows", load), true
	}
	if takes, why := takes(cur, next); !takes {
		return why, true
	}
	return "", false
}

// flash writes a load (or its application) to flash and reboots.
func (b *bootRun) flash(ctx context.Context, load string, files []string, what string) (bootEnd, error) {
	p := b.p
	p.act(Action{Kind: Flash, Load: load, Msg: fmt.Sprintf("writing %s to flash (%d files): %s of silence on a real %s",
		what, len(files), p.model.FlashQuiet*9/10, p.model.Name)})
	if err := sleep(ctx, p.timing.Flash); err != nil {
		return 0, err
	}
	if key := strings.ToLower(load); p.cfg.Faults.Revert && !p.st.reverted[key] {
		if p.st.reverted == nil {
			p.st.reverted = map[string]bool{}
		}
		p.st.reverted[key] = true
		p.act(Action{Kind: Reboot, Load: p.st.running, Msg: "booted its old application again, not " + load + " (the revert fault)"})
		return bootReboot, nil
	}
	if p.model.Java() {
		p.st.files = map[string]bool{} // a Java load replaces every component
	}
	for _, f := range files {
		p.st.files[strings.ToLower(f)] = true
	}
	p.st.running = load
	p.res.Steps = append(p.res.Steps, load)
	p.act(Action{Kind: Reboot, Load: load})
	return bootReboot, nil
}

// flashLoader is the first half of a two-stage 7940/7960 install.
func (b *bootRun) flashLoader(ctx context.Context, load, loader string, app []string) (bootEnd, error) {
	p := b.p
	p.act(Action{Kind: Flash, File: loader, Load: load, Msg: "writing the loader; the application follows after the reboot"})
	if err := sleep(ctx, p.timing.Flash/2); err != nil {
		return 0, err
	}
	p.st.files[strings.ToLower(loader)] = true
	p.st.pending = &pendingLoad{load: load, files: app}
	p.act(Action{Kind: Reboot, Load: p.st.running, Msg: "new loader for " + load})
	return bootReboot, nil
}

// hasAll reports whether every file is on flash already.
func (p *Phone) hasAll(files []string) bool {
	for _, f := range files {
		if !p.st.files[strings.ToLower(f)] {
			return false
		}
	}
	return len(files) > 0
}

// splitLoader separates the loader (.sbn) a 7940/7960 manifest lists from the rest.
func splitLoader(files []string) (loader string, rest []string) {
	for _, f := range files {
		if loader == "" && strings.EqualFold(path.Ext(f), ".sbn") {
			loader = f
			continue
		}
		rest = append(rest, f)
	}
	return loader, rest
}

// defaultLoadsID names the load a termNN.default.loads installs, which the file itself
// does not say: the protocol and family code of its jar/cvm component and the release in
// its name, in the form of a load ID ("SIP41.9-4-2ES26"), so that the gates can judge
// it. "" when the names do not tell, or name another family.
func defaultLoadsID(m upgrade.Model, files []string) string {
	for _, f := range files {
		stem, ext, ok := strings.Cut(strings.ToLower(f), ".")
		if !ok || len(stem) < 5 || (!strings.HasPrefix(stem, "jar") && !strings.HasPrefix(stem, "cvm")) {
			continue
		}
		code, proto := stem[3:5], strings.ToUpper(stem[5:]) // "jar41sip" -> "41", "SIP"
		if proto != "SIP" && proto != "SCCP" {
			continue
		}
		id := proto + code + "." + strings.ToUpper(strings.TrimSuffix(ext, path.Ext(ext)))
		if fam, _, _, err := firmware.ParseID(id); err == nil && fam == m.Family {
			return id
		}
	}
	return ""
}

func orUnknownLoad(load, file string) string {
	if load == "" {
		return "the load of " + file
	}
	return load
}
