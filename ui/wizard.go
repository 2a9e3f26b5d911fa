// Package ui is the phoneflash wizard: a Bubble Tea program that walks a technician
// from the cable to a flashed phone, one screen per step (Bench, Firmware, Phone,
// Ready, Reset, Watch, Done). It renders an upgrade.Session and sends it the user's
// choices; everything outside the terminal goes through a Backend, so the wizard
// never opens a socket or a file itself.
package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"phoneflash/firmware"
	"phoneflash/servers"
	"phoneflash/upgrade"
)

// Options preselect what the command line gave. With Iface, Firmware, Model, From and
// To all set, the wizard opens at Ready (unless Walk).
type Options struct {
	Servers  servers.Config // the server flags; Servers.Iface preselects the interface
	Firmware []string       // firmware folders and archives
	Model    string         // "7960"
	From     string         // the load the phone runs now
	To       string         // the target load
	Symptom  upgrade.Symptom
	Line     *upgrade.LineSettings // line 1 for a SIP target (the --sip-* flags); nil: none typed yet

	// Walk starts at the first screen even with everything preselected, the cursors
	// on the preselected values (the demo walks every screen this way).
	Walk bool
	// Title names the program in the header ("phoneflash demo").
	Title string
	// OpenLog opens the event log when the servers start: what to write to, and where
	// it is for the Done screen. The wizard closes it after the servers stopped. nil: no
	// event log.
	OpenLog func() (io.WriteCloser, string, error)
	// Now is the clock (durations, ETA); nil is time.Now.
	Now func() time.Time
}

// complete reports whether the options preselect everything.
func (o Options) complete() bool {
	return o.Servers.Iface != "" && len(o.Firmware) > 0 && o.Model != "" && o.From != "" && o.To != ""
}

// Model is the wizard, a tea.Model. Make it with New; Run runs it on the terminal.
type Model struct {
	b      Backend
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	width, height int
	screen        Screen
	keys          keyMap
	help          help.Model
	spin          spinner.Model
	busy          int      // operations in flight that show the spinner
	spinning      bool     // a spinner tick is on its way
	status        string   // under the screen: what just went wrong, what a key did
	confirm       question // a yes/no question waiting for its answer; zero: none
	stopping      bool     // quitting: the servers are stopping
	body          bodyScroll

	// What the technician chose so far.
	iface servers.Interface
	cfg   servers.Config
	lib   *firmware.Library
	plan  *upgrade.Plan

	bench benchState
	fw    firmwareState
	phone phoneState
	ready readyState
	reset resetState
	watch watchState
	done  doneState

	run sessionState
}

// question is a yes/no question on the status line: y does yes, anything else says no.
type question struct {
	text string
	no   string         // said when the answer is no
	yes  func() tea.Cmd // what yes does
	quit bool           // yes quits: a second ctrl+c answers it too
}

// ask puts a question; y does yes, any other key cancels it with no.
func (m *Model) ask(text, no string, yes func() tea.Cmd) {
	m.confirm = question{text: servers.Visible(text) + " y/N", no: no, yes: yes}
}

// sessionState is the running Session and what the wizard keeps of it.
type sessionState struct {
	sess    *upgrade.Session
	events  <-chan upgrade.Event
	unsub   context.CancelFunc
	info    serverInfo
	log     io.WriteCloser
	logPath string
	phones  []upgrade.Phone
	ended   bool  // the servers stopped by themselves
	endErr  error // why
	sawDone bool  // an upgrade.done arrived: the Watch screen may move on
}

// serverInfo is what the Reset and Watch screens say about the running servers.
type serverInfo struct {
	Iface    string
	ServerIP string
	DHCP     string // "127.0.0.1:40001"; "" with --no-dhcp
	TFTP     string
	Warnings []string
}

// New makes the wizard over b with the command line's preselection.
func New(b Backend, o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{b: b, opts: o, ctx: ctx, cancel: cancel, keys: newKeyMap(), help: help.New(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), cfg: o.Servers, width: 80, height: 24}
	m.bench = newBenchState(o)
	m.fw = newFirmwareState(o)
	m.phone = newPhoneState(o)
	m.watch = newWatchState()
	if o.complete() && !o.Walk {
		m.screen = ScreenReady
	}
	return m
}

// Init lists the interfaces and opens preselected firmware.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.listInterfaces()}
	if len(m.opts.Firmware) > 0 {
		cmds = append(cmds, m.openFirmware(m.opts.Firmware))
	}
	return tea.Batch(cmds...)
}

// Screen is the screen shown.
func (m *Model) Screen() Screen { return m.screen }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	case spinner.TickMsg:
		if m.busy <= 0 {
			m.spinning = false
			return m, nil // let the spinner stop: nothing runs
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		if cmd == nil { // a tick the spinner refused (not its tag; none with one chain): keep it turning
			cmd = m.spin.Tick
		}
		return m, cmd
	case tickMsg:
		m.watch.ticking = false
		return m, m.watchTick()
	case interfacesMsg:
		m.endBusy()
		return m, m.gotInterfaces(msg)
	case checkedMsg:
		m.endBusy()
		return m, m.gotChecks(msg)
	case addedMsg:
		m.endBusy()
		return m, m.gotAdded(msg)
	case linkWatchMsg:
		return m, m.lookAtLink(msg)
	case linkStateMsg:
		return m, m.gotLinkState(msg)
	case completionsMsg:
		m.gotCompletions(msg)
		return m, nil
	case firmwareMsg:
		m.endBusy()
		return m, m.gotFirmware(msg)
	case startedMsg:
		m.endBusy()
		return m, m.gotStarted(msg)
	case stoppedMsg:
		m.endBusy()
		m.screen = ScreenReady
		return m, nil
	case eventsMsg:
		return m, m.gotEvents(msg)
	case sessionEndedMsg:
		return m, m.gotEnded(msg)
	case reportMsg:
		m.endBusy()
		m.gotReport(msg)
		return m, nil
	case quitStoppedMsg:
		return m, tea.Quit
	}
	return m, nil
}

// key routes a key: a pending question first, then the keys every screen shares,
// then the screen's own.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	if m.stopping { // quitting already: only a ctrl+c, not to wait
		if key.Matches(k, m.keys.ForceQuit) {
			return tea.Quit
		}
		return nil
	}
	if q := m.confirm; q.text != "" {
		m.confirm = question{}
		switch {
		case key.Matches(k, m.keys.Yes):
			return q.yes()
		case key.Matches(k, m.keys.ForceQuit) && q.quit: // a second ctrl+c means it
			return q.yes()
		case key.Matches(k, m.keys.ForceQuit):
			return m.quit()
		}
		m.note(q.no)
		return nil
	}
	m.status = ""
	if key.Matches(k, m.keys.ForceQuit) {
		return m.quit()
	}
	if !m.typing() {
		switch {
		case key.Matches(k, m.keys.Quit):
			return m.quit()
		case key.Matches(k, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			return nil
		}
	}
	if m.scrollBody(k) {
		return nil
	}
	return m.current().key(m, k)
}

// phoneName is how a phone is named on screen: its MAC, else its address.
func phoneName(p upgrade.Phone) string {
	switch {
	case p.MAC != "":
		return servers.Visible(p.MAC)
	case p.IP != "":
		return servers.Visible(p.IP)
	}
	return "unknown MAC"
}

// warn says on the status line why a key did nothing. The status line quotes names
// (interfaces, files, the log's error), so its text is made visible.
func (m *Model) warn(s string) { m.status = styleWarn.Render(markWarn) + " " + servers.Visible(s) }

// note says on the status line what a key did.
func (m *Model) note(s string) { m.status = servers.Visible(s) }

// startBusy shows the spinner while an operation runs.
// One tick chain at a time: when work starts again before the last chain's tick
// came back, that tick finds it and goes on. A second chain would be refused by the
// spinner (a stale tag), but its tick would still come, after the work ended, as a
// message that redraws nothing; with one chain the spinner's last tick is known.
func (m *Model) startBusy() tea.Cmd {
	m.busy++
	if m.busy == 1 && !m.spinning {
		m.spinning = true
		return m.spin.Tick
	}
	return nil
}

func (m *Model) endBusy() { m.busy = max(0, m.busy-1) }

// spinnerView is the spinner while something runs, else a blank of its width.
func (m *Model) spinnerView() string {
	if m.busy > 0 {
		return m.spin.View()
	}
	return " "
}

// goTo shows screen s.
func (m *Model) goTo(s Screen) tea.Cmd {
	m.screen = s
	m.help.ShowAll = false
	m.body.top = 0
	if shown := screens[s].shown; shown != nil {
		return shown(m)
	}
	return nil
}

// View renders the screen: a header, the body, a status line and the help line.
func (m *Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	footer := m.footer(w)
	bodyH := h - 2 - strings.Count(footer, "\n") - 1
	body := m.current().view(m, w, bodyH)
	arrows, _ := m.scrollKeys()
	body = m.body.window(body, w, bodyH, arrows)
	return m.header(w) + "\n" + rule("", w) + "\n" + fit(body, w, bodyH) + "\n" + footer
}

// scrollBody scrolls the body for k when it does not fit; it reports whether k did.
func (m *Model) scrollBody(k tea.KeyMsg) bool {
	arrows, pages := m.scrollKeys()
	if !m.body.overflows() {
		return false
	}
	switch {
	case arrows && key.Matches(k, m.keys.Up):
		m.body.by(-1)
	case arrows && key.Matches(k, m.keys.Down):
		m.body.by(1)
	case pages && key.Matches(k, m.keys.PageUp):
		m.body.by(-m.body.page())
	case pages && key.Matches(k, m.keys.PageDown):
		m.body.by(m.body.page())
	default:
		return false
	}
	return true
}

// header is the program's name and where the wizard is, the current screen marked.
func (m *Model) header(w int) string {
	title := m.opts.Title
	if title == "" {
		title = "phoneflash"
	}
	var b strings.Builder
	b.WriteString(styleTitle.Render(title))
	b.WriteString("  ")
	for i, s := range screens {
		if i > 0 {
			b.WriteString(styleDim.Render(" › "))
		}
		if Screen(i) == m.screen {
			b.WriteString(styleCurrent.Render("[" + s.name + "]"))
		} else {
			b.WriteString(styleDim.Render(s.name))
		}
	}
	line := b.String()
	if ansi.StringWidth(line) > w {
		line = styleTitle.Render(title) + fmt.Sprintf("  %d/%d ", int(m.screen)+1, len(screens)) +
			styleCurrent.Render("["+m.screen.String()+"]")
	}
	return cut(line, w)
}

// footer is the status (or the pending question) and the help for the screen's keys.
func (m *Model) footer(w int) string {
	var status string
	switch {
	case m.stopping:
		status = m.spinnerView() + " Stopping the servers" + ellipsis + styleDim.Render(" (a transfer in flight ends first)")
	case m.confirm.text != "":
		status = styleBad.Render(markWarn + " " + m.confirm.text)
	case m.status != "":
		status = m.status
	case m.busy > 0:
		status = m.spinnerView() + " " + styleDim.Render("working"+ellipsis)
	}
	// The status wraps: a question cut at its end would lose its "y/N".
	lines := strings.Split(ansi.Wrap(status, w, ""), "\n")
	for _, l := range strings.Split(m.help.View(m.screenKeys()), "\n") {
		lines = append(lines, cut(l, w))
	}
	return strings.Join(lines, "\n")
}

// screenKeys is the help for the keys that work on the current screen.
func (m *Model) screenKeys() helpKeys {
	k := m.keys
	common := []key.Binding{k.Help, k.Quit}
	if m.typing() {
		common = []key.Binding{k.ForceQuit}
	}
	return helpKeys{short: m.current().help(m), common: common}
}

// withHelp is b with another description.
func withHelp(b key.Binding, desc string) key.Binding {
	h := b.Help()
	b.SetHelp(h.Key, desc)
	return b
}
