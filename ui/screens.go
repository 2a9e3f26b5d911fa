package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Screen is one step of the wizard.
type Screen int

// The screens, in the order the wizard walks them. A new screen is a constant here, a
// row in screens and a file with its state and methods: the frame (header, scrolling
// body, status line, help line) and the key routing know no screen by name.
const (
	ScreenBench Screen = iota
	ScreenFirmware
	ScreenPhone
	ScreenReady
	ScreenReset
	ScreenWatch
	ScreenDone
	screenCount
)

// screen is the contract each screen keeps with the frame (soft-serve's and glow's
// pages are the model). Functions left nil have the zero behaviour.
type screen struct {
	name string
	// view renders the body in w columns; h is the room it has, a taller body scrolls.
	view func(m *Model, w, h int) string
	// key handles the keys the frame did not take (quit, help, scrolling); Enter, the
	// screen's step onwards, is among them and comes first in help.
	key func(m *Model, k tea.KeyMsg) tea.Cmd
	// help lists the keys that do something now, the screen's own, Enter first.
	help func(m *Model) []key.Binding
	// typing reports whether keys go into a text field, so q and ? are text. nil: never.
	typing func(m *Model) bool
	// scroll says which keys scroll a body taller than the terminal: the page keys
	// where the screen has no other use for them, the arrows too where they move
	// nothing else. nil: both.
	scroll func(m *Model) (arrows, pages bool)
	// shown runs as the wizard moves to the screen. nil: nothing.
	shown func(m *Model) tea.Cmd
}

// screens is every screen's contract, in walking order. init fills it: a screen's
// methods move on through goTo, which reads it (an initializer would be a cycle).
var screens [screenCount]screen

func init() {
	screens = [screenCount]screen{
		ScreenBench: {name: "Bench", view: (*Model).benchView, key: (*Model).benchKey, help: (*Model).benchHelp,
			typing: func(m *Model) bool { return m.bench.focus == benchFocusForm },
			scroll: pagesOnly, shown: (*Model).watchLink},
		ScreenFirmware: {name: "Firmware", view: (*Model).firmwareView, key: (*Model).firmwareKey, help: (*Model).firmwareHelp,
			typing: func(m *Model) bool { return m.fw.focus == fwFocusPath },
			scroll: func(m *Model) (bool, bool) { return m.fw.focus == fwFocusList, true }}, // the arrows pick completions
		ScreenPhone: {name: "Phone", view: (*Model).phoneView, key: (*Model).phoneKey, help: (*Model).phoneHelp,
			typing: func(m *Model) bool { return m.phone.filtering() || m.phone.onLine },
			scroll: pagesOnly, shown: func(m *Model) tea.Cmd { m.replan(); return nil }},
		ScreenReady: {name: "Ready", view: (*Model).readyView, key: (*Model).readyKey, help: (*Model).readyHelp},
		ScreenReset: {name: "Reset", view: (*Model).resetView, key: (*Model).resetKey, help: (*Model).resetHelp},
		ScreenWatch: {name: "Watch", view: (*Model).watchView, key: (*Model).watchKey, help: (*Model).watchHelp,
			typing: func(m *Model) bool { return m.watch.log.editing },
			scroll: func(*Model) (bool, bool) { return false, false }, // the log has them: the screen fits itself
			shown:  (*Model).watchTick},
		ScreenDone: {name: "Done", view: (*Model).doneView, key: (*Model).doneKey, help: (*Model).doneHelp,
			shown: (*Model).enterDone},
	}
}

// pagesOnly scrolls with the page keys: the arrows move the screen's cursor.
func pagesOnly(*Model) (arrows, pages bool) { return false, true }

func (s Screen) String() string {
	if s < 0 || int(s) >= len(screens) {
		return fmt.Sprintf("Screen(%d)", int(s))
	}
	return screens[s].name
}

// current is the contract of the screen shown.
func (m *Model) current() screen { return screens[m.screen] }

// typing reports whether keys go into a text field (q and ? are then text).
func (m *Model) typing() bool {
	s := m.current()
	return s.typing != nil && s.typing(m)
}

// scrollKeys says which keys scroll the current screen's body when it does not fit.
func (m *Model) scrollKeys() (arrows, pages bool) {
	if s := m.current(); s.scroll != nil {
		return s.scroll(m)
	}
	return true, true
}
