package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
	"phoneflash/upgrade"
)

// readyState is the Ready screen: starting the servers, and why that failed.
type readyState struct {
	starting bool
	err      error
}

type startedMsg struct {
	sess    *upgrade.Session
	events  <-chan upgrade.Event
	unsub   context.CancelFunc
	info    serverInfo
	log     io.WriteCloser // the event log (kept for the next try when Start failed)
	logPath string
	err     error
}

type stoppedMsg struct{}

// readyToStart says what is still missing before Enter can start, "" when nothing.
func (m *Model) readyToStart() string {
	switch {
	case m.bench.want != "" || len(m.bench.ifs) == 0 && m.bench.listErr == nil:
		return "Looking at the interfaces" + ellipsis
	case m.cfg.Iface == "":
		return "Choose the interface on the Bench screen."
	case m.fw.opening != "":
		return "Reading the firmware" + ellipsis
	case m.lib == nil || m.fw.err != nil:
		return "Choose the firmware on the Firmware screen."
	case !m.phoneOK():
		return m.planBlocker()
	}
	return ""
}

func (m *Model) readyKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Back):
		return m.goTo(ScreenPhone)
	case key.Matches(k, m.keys.Force) && isOtherDHCP(m.ready.err) && !m.ready.starting:
		m.cfg.Force = true
		return m.startServers()
	case key.Matches(k, m.keys.Enter):
		if m.ready.starting {
			return nil
		}
		if why := m.readyToStart(); why != "" {
			m.warn(why)
			return nil
		}
		return m.startServers()
	}
	return nil
}

// startServers opens the event log (once) and starts the Session.
func (m *Model) startServers() tea.Cmd {
	m.ready.starting, m.ready.err = true, nil
	b, ctx, open := m.b, m.ctx, m.opts.OpenLog
	logW, logPath := m.run.log, m.run.logPath
	o := upgrade.Options{Servers: m.cfg, Library: m.lib, Plan: m.plan}
	return tea.Batch(m.startBusy(), func() tea.Msg {
		msg := startedMsg{log: logW, logPath: logPath}
		if logW == nil && open != nil {
			w, path, err := open()
			if err != nil {
				msg.err = fmt.Errorf("open the event log: %w", err)
				return msg
			}
			msg.log, msg.logPath = w, path
		}
		if msg.log != nil {
			o.Log, o.LogPath = msg.log, msg.logPath
		}
		// Subscribed before the Session runs: the start-up probe's findings and a phone
		// that is already asking are on screen too.
		sub, unsub := context.WithCancel(ctx)
		sess, events, err := b.Start(ctx, sub, o)
		if err != nil {
			unsub()
			msg.err = err
			return msg
		}
		msg.sess, msg.events, msg.unsub = sess, events, unsub
		msg.info = infoOf(sess)
		return msg
	})
}

func infoOf(s *upgrade.Session) serverInfo {
	r := s.Servers()
	c := r.Config()
	info := serverInfo{Iface: c.Iface, ServerIP: c.ServerIP.String(), TFTP: r.TFTPAddr().String(), Warnings: r.Warnings()}
	if a := r.DHCPAddr(); a.IsValid() {
		info.DHCP = a.String()
	}
	return info
}

func (m *Model) gotStarted(msg startedMsg) tea.Cmd {
	m.ready.starting = false
	m.run.log, m.run.logPath = msg.log, msg.logPath
	if msg.err != nil {
		m.ready.err = msg.err
		m.screen = ScreenReady
		return nil
	}
	m.run = sessionState{sess: msg.sess, events: msg.events, unsub: msg.unsub, info: msg.info,
		log: m.run.log, logPath: m.run.logPath}
	m.reset = resetState{}
	m.watch = newWatchState()
	m.done = doneState{}
	return tea.Batch(m.goTo(ScreenReset), m.listen())
}

// stopServers stops the Session (it may wait for a transfer to time out) and goes back
// to Ready.
func (m *Model) stopServers() tea.Cmd {
	sess, unsub := m.run.sess, m.run.unsub
	m.run = sessionState{log: m.run.log, logPath: m.run.logPath}
	return tea.Batch(m.startBusy(), func() tea.Msg {
		if unsub != nil {
			unsub()
		}
		if sess != nil {
			sess.Stop()
		}
		return stoppedMsg{}
	})
}

func (m *Model) readyView(w, h int) string {
	var out []string
	row := func(label, text string) {
		lines := wrap(text, w-14, "")
		for i, l := range lines {
			if i == 0 {
				out = append(out, styleTitle.Render(pad(label, 12))+"  "+l)
			} else {
				out = append(out, strings.Repeat(" ", 14)+l)
			}
		}
	}
	out = append(out, styleTitle.Render("Ready: this is what will run"), "")
	c := m.cfg
	server := c.ServerIP
	if !server.IsValid() {
		server = firstAddr(m.iface)
	}
	iface := c.Iface
	if iface == "" {
		iface = "(not chosen)"
	}
	row("Interface", fmt.Sprintf("%s, server address %s, option 150 = %s", iface, orText(addrText(server), "(the interface's)"),
		orText(option150(server), "(its bytes)")))
	if c.NoDHCP {
		row("DHCP", "off (--no-dhcp): another DHCP server must point the phone at "+orText(addrText(server), "us"))
	} else {
		pool := "from the server address + 1"
		if c.PoolStart.IsValid() {
			pool = "from " + c.PoolStart.String()
		}
		if c.PoolSize > 0 {
			pool += fmt.Sprintf(", %d addresses", c.PoolSize)
		}
		router := "none"
		if c.Router.IsValid() {
			router = c.Router.String()
		}
		lease := c.Lease
		if lease <= 0 {
			lease = servers.DefaultLease
		}
		row("DHCP", fmt.Sprintf("port %s, pool %s, router %s, lease %s", portText(c.DHCPPort, servers.DHCPPort), pool, router, lease))
	}
	fw := m.fw.opened
	if m.lib != nil {
		fw += fmt.Sprintf(" (%s)", plural(len(m.lib.Loads), "load", "loads"))
	}
	row("TFTP", fmt.Sprintf("port %s, serving %s", portText(c.TFTPPort, servers.TFTPPort), orText(fw, "(no firmware chosen)")))
	if p := m.plan; p != nil && m.phoneOK() {
		from := p.From
		if p.FromUnknown {
			from = "an unknown load"
		}
		row("Phone", fmt.Sprintf("%s from %s to %s", p.Model.Name, from, p.To))
		row("Steps", p.Route("→"))
		if p.Line != nil {
			row("Line 1", servers.Visible(p.Line.String())+" (the password only to this phone)")
		}
	}
	switch {
	case m.run.logPath != "":
		row("Event log", m.run.logPath)
	case m.opts.OpenLog != nil:
		row("Event log", "opened when the servers start")
	default:
		row("Event log", "none (give --log FILE to keep one)")
	}
	out = append(out, "")
	switch {
	case m.ready.starting:
		out = append(out, m.spinnerView()+" starting the servers"+ellipsis)
	case m.ready.err != nil:
		out = append(out, problemLines(m.ready.err, w)...)
		if isOtherDHCP(m.ready.err) {
			out = append(out, "    "+styleKey.Render("f")+": start anyway (the phone may take the other server's answer)")
		}
	default:
		if why := m.readyToStart(); why != "" {
			out = append(out, warnLine(why))
		} else {
			out = append(out, styleKey.Render("enter")+" starts the servers; then do the factory reset the next screen shows.")
		}
	}
	return strings.Join(out, "\n")
}

// isOtherDHCP reports whether err is the start refused for another DHCP server.
func isOtherDHCP(err error) bool {
	var p *servers.Problem
	return errors.As(err, &p) && p.Kind == servers.OtherDHCP
}

// problemLines is an error as the technician reads it: what is wrong, and the fix.
func problemLines(err error, w int) []string {
	var p *servers.Problem
	if errors.As(err, &p) {
		out := wrapMarked(badLine, p.Msg, w)
		if p.Fix != "" {
			for _, l := range wrap("to fix: "+fixText(p), w-4, "  ") {
				out = append(out, "    "+styleDim.Render(l))
			}
		}
		return out
	}
	return wrapMarked(badLine, err.Error(), w)
}

func portText(p, std int) string {
	switch p {
	case 0:
		return fmt.Sprint(std)
	case servers.AnyPort:
		return "(any free)"
	}
	return fmt.Sprint(p)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (m *Model) readyHelp() []key.Binding {
	k := m.keys
	out := []key.Binding{withHelp(k.Enter, "start the servers"), k.Back}
	if isOtherDHCP(m.ready.err) {
		out = append(out, k.Force)
	}
	return out
}
