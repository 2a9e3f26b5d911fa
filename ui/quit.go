package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/upgrade"
)

// quit ends the program, asking first while a phone is in the middle of an upgrade.
func (m *Model) quit() tea.Cmd {
	if mac := m.flashing(); mac != "" {
		m.ask(fmt.Sprintf("A phone is flashing (%s). Stop the servers and quit?", mac), "Not quitting.",
			func() tea.Cmd { return tea.Quit })
		m.confirm.quit = true
		return nil
	}
	return tea.Quit
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
