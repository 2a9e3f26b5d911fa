package ui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
)

// linkWatchEvery is how often the Bench screen looks again at a chosen interface
// that has no link: often enough that plugging the phone in shows at once, rarely
// enough to cost nothing (one interface listing, no probe).
const linkWatchEvery = time.Second

// linkWatchMsg: time to look at iface's link again.
type linkWatchMsg struct{ iface string }

// linkStateMsg: iface has a link now (or not).
type linkStateMsg struct {
	iface string
	up    bool
}

// watchLink starts looking at the chosen interface's link once a second while the
// Bench screen shows it without one. The technician plugs the phone (or its power
// injector) in after choosing the interface; the checks then run again by themselves
// instead of "no link" staying until r. One look at a time; none while checks run.
func (m *Model) watchLink() tea.Cmd {
	s := &m.bench
	if s.linkWatching || !m.linkMissing() {
		return nil
	}
	s.linkWatching = true
	iface := s.checkedFor
	return tea.Tick(linkWatchEvery, func(time.Time) tea.Msg { return linkWatchMsg{iface} })
}

// linkMissing reports whether the Bench screen shows its chosen interface, checked,
// with no link.
func (m *Model) linkMissing() bool {
	s := &m.bench
	return m.screen == ScreenBench && s.checkedFor != "" && !s.checking && m.hasProblem(servers.NoCarrier)
}

// lookAtLink reads the interfaces once, off the UI goroutine.
func (m *Model) lookAtLink(msg linkWatchMsg) tea.Cmd {
	if msg.iface != m.bench.checkedFor { // another interface was chosen while this look waited
		m.bench.linkWatching = false
		return m.watchLink() // its checks found the watch busy with this one
	}
	if !m.linkMissing() {
		m.bench.linkWatching = false // left the screen, or checks run: they start it again
		return nil
	}
	b := m.b
	return func() tea.Msg {
		ifs, err := b.Interfaces()
		up := false
		for _, i := range ifs {
			up = up || err == nil && i.Name == msg.iface && i.Up && i.Running
		}
		return linkStateMsg{iface: msg.iface, up: up}
	}
}

// gotLinkState checks the interface again once its link came, else looks again later.
func (m *Model) gotLinkState(msg linkStateMsg) tea.Cmd {
	m.bench.linkWatching = false
	if msg.iface != m.bench.checkedFor || !m.linkMissing() {
		return m.watchLink() // nil unless another interface, chosen meanwhile, has no link
	}
	if msg.up {
		m.note(fmt.Sprintf("%s has a link now: checked again.", msg.iface))
		return m.recheck(msg.iface)
	}
	return m.watchLink()
}
