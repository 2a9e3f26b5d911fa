package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the wizard knows. Each screen shows the ones that do something
// there (helpKeys); `?` shows them all with their help.
type keyMap struct {
	Up, Down, Move, PageUp, PageDown, Top key.Binding
	Bottom                                key.Binding
	Enter, Back, Tab, ShiftTab            key.Binding
	Filter, Help, Quit, ForceQuit         key.Binding
	Recheck, AddAddr, Force, Yes          key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:      key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑↓/jk", "move")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top")),
		Bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom (follow)")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Tab:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		ShiftTab:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Recheck:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "check again")),
		AddAddr:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add the address")),
		Force:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "start anyway")),
		Yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
	}
}

// helpKeys is a help.KeyMap: the keys every screen has (help, quit) first, so that a
// narrow terminal cuts the screen's own keys, never the way to see them all.
type helpKeys struct {
	short  []key.Binding
	common []key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding {
	return append(append([]key.Binding{}, h.common...), h.short...)
}

func (h helpKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{h.short, h.common}
}
