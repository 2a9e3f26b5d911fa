package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/upgrade"
)

// quitStoppedMsg says the servers stopped after the user quit: the program ends.
type quitStoppedMsg struct{}

// quit ends the program, asking first while a phone is in the middle of an upgrade.
func (m *Model) quit() tea.Cmd {
	if mac := m.flashing(); mac != "" {
		m.ask(fmt.Sprintf("A phone is flashing (%s). Stop the servers and quit?", mac), "Not quitting.", m.stopAndQuit)
		m.confirm.quit = true
		return nil
	}
	return m.stopAndQuit()
}

// stopAndQuit stops the servers with "Stopping the servers…" on screen and ends the
// program once they stopped. Stopping waits for the TFTP transfers in flight, and a
// phone that went silent mid-file holds one until it gives up (GiveUpAfter, about 8 s
// with the default timeout): stopped after the program ended, that was 8 s of a
// blank terminal. A ctrl+c meanwhile ends the program at once (Finish still waits).
func (m *Model) stopAndQuit() tea.Cmd {
	sess, unsub := m.run.sess, m.run.unsub
	if sess == nil {
		return tea.Quit
	}
	if m.stopping {
		return nil
	}
	m.stopping = true
	return tea.Batch(m.startBusy(), func() tea.Msg {
		if unsub != nil {
			unsub() // the wizard no longer reads the events: Stop must not wait for it
		}
		sess.Stop()
		return quitStoppedMsg{}
	})
}

// flashing names a phone between its first request and the end of its upgrade, while
// the servers run; "" when there is none.
func (m *Model) flashing() string {
	if m.run.sess == nil && m.run.phones == nil || m.run.ended {
		return ""
	}
	for _, p := range m.run.phones {
		switch p.Phase {
		case upgrade.PhaseAddress, upgrade.PhaseConfig, upgrade.PhaseLoading, upgrade.PhaseFlashing:
			return phoneName(p)
		}
	}
	return ""
}
