package ui

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
)

// canAddAddress reports whether the wizard can offer to add an address itself: `ip
// addr add` on Linux, as root. Elsewhere the fix shows the command to run.
func canAddAddress() bool { return runtime.GOOS == "linux" && os.Geteuid() == 0 }

// suggestCIDR is the address offered for an interface without IPv4 (the bench cable is
// a network of its own).
const suggestCIDR = "192.168.1.1/24"

type benchFocus int

const (
	benchFocusList benchFocus = iota
	benchFocusForm
)

// benchState is the Bench screen: the interfaces, the checks of the chosen one, the
// server settings.
type benchState struct {
	ifs        []servers.Interface
	listErr    error
	list       picker
	focus      benchFocus
	want       string // the interface preselected by --iface, until the list came
	checkedFor string // the interface the checks are for; "" none yet
	checking   bool
	problems   []*servers.Problem
	offers     []servers.Offer
	probeErr   error
	addErr     error
	canAdd     bool // the wizard may offer to add an address (canAddAddress)
	// linkWatching: a look at the chosen interface's missing link is on its way (linkwatch.go)
	linkWatching bool
	form         settingsForm
}

func newBenchState(o Options) benchState {
	return benchState{want: o.Servers.Iface, form: newSettingsForm(o.Servers), canAdd: canAddAddress()}
}

type interfacesMsg struct {
	ifs []servers.Interface
	err error
}

type checkedMsg struct {
	iface    string
	problems []*servers.Problem
	offers   []servers.Offer
	probeErr error
}

type addedMsg struct {
	iface, cidr string
	err         error
}

func (m *Model) listInterfaces() tea.Cmd {
	b := m.b
	return tea.Batch(m.startBusy(), func() tea.Msg {
		ifs, err := b.Interfaces()
		return interfacesMsg{ifs, err}
	})
}

func (m *Model) gotInterfaces(msg interfacesMsg) tea.Cmd {
	s := &m.bench
	s.ifs, s.listErr = msg.ifs, msg.err
	// Loopback last: the phone is on a cable.
	var cs, lo []choice
	for _, i := range msg.ifs {
		c := choice{Value: i.Name, Label: ifaceRow(i)}
		if i.Loopback {
			lo = append(lo, c)
		} else {
			cs = append(cs, c)
		}
	}
	s.list.set(append(cs, lo...))
	if s.want == "" {
		return nil
	}
	want := s.want
	s.want = ""
	if !s.list.selectValue(want) {
		s.listErr = fmt.Errorf("there is no interface %q (given with --iface): choose one here", want)
		if m.screen == ScreenReady {
			m.screen = ScreenBench
		}
		return nil
	}
	return m.chooseInterface()
}

// ifaceRow is an interface as a row: name, MAC, link, IPv4.
func ifaceRow(i servers.Interface) string {
	mac := i.MAC.String()
	if mac == "" {
		mac = "-"
	}
	link := "no link"
	switch {
	case i.Loopback:
		link = "loopback"
	case !i.Up:
		link = "down"
	case i.Running:
		link = "up"
	}
	var addrs []string
	for _, a := range i.Addrs {
		addrs = append(addrs, a.String())
	}
	ip := strings.Join(addrs, " ")
	if ip == "" {
		ip = "no IPv4"
	}
	return fmt.Sprintf("%-12s %-17s %-8s %s", i.Name, mac, link, ip)
}

// selectedIface is the interface under the cursor.
func (m *Model) selectedIface() (servers.Interface, bool) {
	c, ok := m.bench.list.selected()
	if !ok {
		return servers.Interface{}, false
	}
	for _, i := range m.bench.ifs {
		if i.Name == c.Value {
			return i, true
		}
	}
	return servers.Interface{}, false
}

// chooseInterface takes the interface under the cursor and checks it with the settings.
func (m *Model) chooseInterface() tea.Cmd {
	i, ok := m.selectedIface()
	if !ok {
		return nil
	}
	if err := m.bench.form.valid(); err != nil {
		m.warn(err.Error())
		return nil
	}
	m.iface = i
	m.cfg.Iface = i.Name
	m.bench.form.apply(&m.cfg)
	s := &m.bench
	s.checkedFor, s.checking, s.problems, s.offers, s.probeErr, s.addErr = i.Name, true, nil, nil, nil, nil
	b, ctx, cfg := m.b, m.ctx, m.cfg
	return tea.Batch(m.startBusy(), func() tea.Msg {
		msg := checkedMsg{iface: i.Name, problems: b.Check(cfg)}
		// The probe broadcasts a DISCOVER: only where a DHCP server of ours would run,
		// and only with a link (nobody would hear it; the link watch checks again then).
		if !cfg.NoDHCP && !i.Loopback && !cfg.Loopback() && !blocking(msg.problems) && !hasKind(msg.problems, servers.NoCarrier) {
			msg.offers, msg.probeErr = b.Probe(ctx, i.Name)
		}
		return msg
	})
}

func blocking(ps []*servers.Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

func (m *Model) gotChecks(msg checkedMsg) tea.Cmd {
	s := &m.bench
	if msg.iface != s.checkedFor {
		return nil // an older check
	}
	s.checking, s.problems, s.offers, s.probeErr = false, msg.problems, msg.offers, msg.probeErr
	return m.watchLink()
}

// benchOK reports whether the chosen interface passed its checks.
func (m *Model) benchOK() bool {
	s := &m.bench
	c, ok := s.list.selected()
	return ok && s.checkedFor == c.Value && !s.checking && !blocking(s.problems) &&
		(len(s.offers) == 0 || m.cfg.Force) && s.probeErr == nil
}

// otherDHCPOnly reports whether another DHCP server is all that stops the bench:
// the technician may go on anyway (--force).
func (m *Model) otherDHCPOnly() bool {
	s := &m.bench
	return s.checkedFor != "" && !s.checking && !blocking(s.problems) && len(s.offers) > 0 && s.probeErr == nil && !m.cfg.Force
}

// noIPv4 is the interface's no-IPv4 problem, if that is what the checks found.
func (m *Model) noIPv4() bool { return m.hasProblem(servers.NoIPv4) }

// hasProblem reports whether the checks of the chosen interface found a problem of kind k.
func (m *Model) hasProblem(k servers.ProblemKind) bool { return hasKind(m.bench.problems, k) }

func hasKind(ps []*servers.Problem, k servers.ProblemKind) bool {
	for _, p := range ps {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// addCIDR is the address offered for an interface without one: the server address
// typed in the settings, else suggestCIDR.
func (m *Model) addCIDR() string {
	if a, err := netip.ParseAddr(strings.TrimSpace(m.bench.form.in[fieldServer].Value())); err == nil && a.Is4() {
		return a.String() + "/24"
	}
	return suggestCIDR
}

func (m *Model) addAddress() tea.Cmd {
	b, iface, cidr := m.b, m.bench.checkedFor, m.addCIDR()
	return tea.Batch(m.startBusy(), func() tea.Msg {
		return addedMsg{iface: iface, cidr: cidr, err: b.AddAddress(iface, cidr)}
	})
}

func (m *Model) gotAdded(msg addedMsg) tea.Cmd {
	if msg.err != nil {
		m.bench.addErr = msg.err
		return nil
	}
	m.note(fmt.Sprintf("Added %s to %s.", msg.cidr, msg.iface))
	return m.recheck(msg.iface)
}

// recheck lists the interfaces again, then checks iface: an address added since (by
// us or by hand) shows in its row and in the checks alike.
func (m *Model) recheck(iface string) tea.Cmd {
	m.bench.want = iface
	return m.listInterfaces()
}

func (m *Model) benchKey(k tea.KeyMsg) tea.Cmd {
	s := &m.bench
	keys := m.keys
	if s.focus == benchFocusForm {
		switch {
		case key.Matches(k, keys.Back), key.Matches(k, keys.Enter):
			s.focus = benchFocusList
			s.form.blur()
			if c, ok := s.list.selected(); ok && c.Value == s.checkedFor {
				return m.chooseInterface() // the settings changed: check again
			}
			return nil
		case k.String() == "up":
			s.form.focus(s.form.cur - 1)
		case k.String() == "down":
			s.form.focus(s.form.cur + 1)
		case key.Matches(k, keys.Tab):
			if s.form.cur == fieldCount-1 {
				s.focus = benchFocusList
				s.form.blur()
			} else {
				s.form.focus(s.form.cur + 1)
			}
		case key.Matches(k, keys.ShiftTab):
			if s.form.cur == 0 {
				s.focus = benchFocusList
				s.form.blur()
			} else {
				s.form.focus(s.form.cur - 1)
			}
		default:
			s.form.update(k)
		}
		return nil
	}
	switch {
	case key.Matches(k, keys.Up):
		s.list.move(-1)
	case key.Matches(k, keys.Down):
		s.list.move(1)
	case key.Matches(k, keys.Tab):
		s.focus = benchFocusForm
		s.form.focus(0)
	case key.Matches(k, keys.ShiftTab):
		s.focus = benchFocusForm
		s.form.focus(fieldCount - 1)
	case key.Matches(k, keys.Recheck):
		if c, ok := s.list.selected(); ok {
			return m.recheck(c.Value)
		}
	case key.Matches(k, keys.AddAddr) && m.noIPv4() && m.bench.canAdd:
		m.ask(fmt.Sprintf("Add %s to %s (%s)?", m.addCIDR(), s.checkedFor, addCommand(s.checkedFor, m.addCIDR())),
			"Nothing added.", m.addAddress)
	case key.Matches(k, keys.Force) && m.otherDHCPOnly():
		m.ask("Go on with another DHCP server on the link? The phone may take its answer instead of ours.",
			"Fix it first, then r checks again.", func() tea.Cmd {
				m.cfg.Force = true
				return m.goTo(ScreenFirmware)
			})
	case key.Matches(k, keys.Enter):
		if m.benchOK() {
			return m.goTo(ScreenFirmware)
		}
		if c, ok := s.list.selected(); ok && c.Value == s.checkedFor && !s.checking {
			m.warn("Fix what the checks found first (r checks again).")
			return nil
		}
		return m.chooseInterface()
	}
	return nil
}

func (m *Model) benchHelp() []key.Binding {
	k := m.keys
	if m.bench.focus == benchFocusForm {
		return []key.Binding{withHelp(k.Up, "field up"), withHelp(k.Down, "field down"),
			withHelp(k.Enter, "done, check"), withHelp(k.Tab, "next field")}
	}
	enter := "check it"
	if c, ok := m.bench.list.selected(); ok && c.Value == m.bench.checkedFor {
		enter = "next"
	}
	// What fixes the checks' findings first: the short help is cut at the right. Enter
	// is offered only where it does something: a checked interface that does not pass
	// (another DHCP server, a blocking problem) goes nowhere.
	var out []key.Binding
	if enter != "next" || m.benchOK() {
		out = append(out, withHelp(k.Enter, enter))
	}
	if m.noIPv4() && m.bench.canAdd {
		out = append(out, k.AddAddr)
	}
	if m.otherDHCPOnly() {
		out = append(out, withHelp(k.Force, "go on anyway"))
	}
	return append(out, k.Recheck, k.Move, withHelp(k.Tab, "server settings"))
}

func (m *Model) benchView(w, h int) string {
	s := &m.bench
	var out []string
	out = append(out, styleTitle.Render("The interface the phone is cabled to"))
	if s.listErr != nil {
		out = append(out, badLine(s.listErr.Error()))
	}
	out = append(out, styleDim.Render(fmt.Sprintf("  %-12s %-17s %-8s %s", "NAME", "MAC", "LINK", "IPv4")))
	listH := min(max(2, len(s.list.shown)), 6)
	if len(s.list.shown) == 0 && s.listErr == nil {
		out = append(out, "  "+m.spinnerView()+" listing interfaces"+ellipsis)
	} else {
		out = append(out, s.list.view(w, listH, s.focus == benchFocusList))
	}
	out = append(out, "")
	out = append(out, m.checksView(w)...)
	out = append(out, "")
	title := "Server settings"
	if s.focus != benchFocusForm {
		title += styleDim.Render("  (tab to edit)")
	}
	out = append(out, styleTitle.Render(title))
	var server netip.Addr
	if a, err := netip.ParseAddr(strings.TrimSpace(s.form.in[fieldServer].Value())); err == nil {
		server = a
	} else if i, ok := m.selectedIface(); ok {
		server = firstAddr(i)
	}
	out = append(out, s.form.view(s.focus == benchFocusForm, server)...)
	return strings.Join(out, "\n")
}

// checksView is what the checks found on the chosen interface, each problem with its fix.
func (m *Model) checksView(w int) []string {
	s := &m.bench
	c, ok := s.list.selected()
	if !ok {
		return nil
	}
	name := servers.Visible(c.Value) // an interface name may hold any byte but '/', ':' and space
	if s.checkedFor != c.Value {
		return []string{styleDim.Render(fmt.Sprintf("enter checks %s: IPv4 address, link, %s, other DHCP servers",
			name, m.portsText()))}
	}
	out := []string{styleTitle.Render("Checks on " + name)}
	if s.checking {
		return append(out, "  "+m.spinnerView()+" checking"+ellipsis)
	}
	fix := func(f string) {
		for _, l := range wrap("to fix: "+f, w-4, "  ") {
			out = append(out, "    "+styleDim.Render(l))
		}
	}
	for _, p := range s.problems {
		if p.Warning {
			out = append(out, wrapMarked(warnLine, p.Msg, w)...)
		} else {
			out = append(out, wrapMarked(badLine, p.Msg, w)...)
		}
		if p.Fix != "" {
			fix(fixText(p))
		}
		if p.Kind == servers.NoIPv4 && s.canAdd {
			out = append(out, "    "+styleKey.Render("a")+fmt.Sprintf(": add %s to %s now (asks first; needs root)", m.addCIDR(), name))
		}
	}
	if s.addErr != nil {
		out = append(out, wrapMarked(badLine, "adding the address failed: "+s.addErr.Error(), w)...)
	}
	for _, o := range s.offers {
		out = append(out, wrapMarked(badLine, fmt.Sprintf("another DHCP server answers on %s: %s", name, o), w)...)
		fix("switch it off or unplug it from this network: the phone would boot from it (f goes on anyway)")
	}
	if s.probeErr != nil {
		msg, f := s.probeErr.Error(), ""
		if p, ok := s.probeErr.(*servers.Problem); ok {
			msg, f = p.Msg, fixText(p)
		}
		out = append(out, wrapMarked(badLine, "the probe for other DHCP servers failed: "+msg, w)...)
		if f != "" {
			fix(f)
		}
	}
	if blocking(s.problems) || len(s.offers) > 0 && !m.cfg.Force || s.probeErr != nil {
		return out
	}
	i := m.iface
	var good []string
	if firstAddr(i).IsValid() {
		good = append(good, "IPv4 "+i.Addrs[0].String())
	}
	good = append(good, m.portsText()+" usable")
	switch {
	case m.cfg.NoDHCP:
		good = append(good, "DHCP off (--no-dhcp)")
	case i.Loopback:
		good = append(good, "loopback (no probe)")
	case m.hasProblem(servers.NoCarrier):
		good = append(good, "other DHCP servers looked for once the link is up")
	default:
		good = append(good, "no other DHCP server answered")
	}
	out = append(out, wrapMarked(okLine, strings.Join(good, ", "), w)...)
	if !i.Loopback {
		for _, l := range wrap("If the phone gets no address, a firewall may drop UDP "+m.portsText()+": sudo nft list ruleset", w-2, "") {
			out = append(out, "  "+styleDim.Render(l))
		}
	}
	return out
}

// portsText names the ports the servers use: "ports 67 and 69", "free ports".
func (m *Model) portsText() string {
	c := m.cfg
	switch {
	case c.NoDHCP:
		return "port " + portText(c.TFTPPort, servers.TFTPPort)
	case c.DHCPPort == servers.AnyPort && c.TFTPPort == servers.AnyPort:
		return "free ports"
	}
	return "ports " + portText(c.DHCPPort, servers.DHCPPort) + " and " + portText(c.TFTPPort, servers.TFTPPort)
}

// firstAddr is the interface's first IPv4 address: the server's default.
func firstAddr(i servers.Interface) netip.Addr {
	if len(i.Addrs) == 0 {
		return netip.Addr{}
	}
	return i.Addrs[0].Addr()
}

// addCommand is the system's own command the wizard runs to add cidr, as the question
// shows it.
func addCommand(iface, cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(servers.AddressCommandText(iface, p), "sudo ")
}
