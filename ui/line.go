package ui

import (
	"errors"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/upgrade"
)

// The line 1 settings the Phone screen takes for a SIP target (the --sip-* flags of
// serve): with a registrar and an extension, the staging writes what the phone needs to
// register (upgrade.LineSettings). All empty: no line.
const (
	lineRegistrar = iota
	lineUser
	lineAuthUser
	linePassword
	lineDisplay
	lineLabel
	lineCount
)

var (
	lineLabels = [lineCount]string{"Registrar", "Extension", "Auth user", "Password", "Display name", "Label"}
	// lineFields are the settings' names in upgrade.LineError, field by field.
	lineFields = [lineCount]string{upgrade.LineRegistrar, upgrade.LineUser, upgrade.LineAuthUser,
		upgrade.LinePassword, upgrade.LineDisplay, upgrade.LineLabel}
	linePlaceholders = [lineCount]string{"PBX address[:5060]", "e.g. 1001", "the extension", "", "", "no spaces"}
)

// lineForm holds line 1 as typed, checked by upgrade's one Validate.
type lineForm struct {
	in  [lineCount]textinput.Model
	cur int
	err error // Validate's answer for the whole line; nil: usable (or empty)
}

func newLineForm(l *upgrade.LineSettings) lineForm {
	var f lineForm
	var values [lineCount]string
	if l != nil {
		values = [lineCount]string{l.Registrar, l.User, l.AuthUser, l.Password, l.Display, l.Label}
	}
	for i := range f.in {
		f.in[i] = newInput(linePlaceholders[i], values[i], 64, 24)
	}
	f.in[linePassword].EchoMode = textinput.EchoPassword // never on the screen, nor in a golden
	f.in[linePassword].EchoCharacter = '•'
	f.validate()
	return f
}

// settings is the line as typed.
func (f *lineForm) settings() upgrade.LineSettings {
	v := func(i int) string { return f.in[i].Value() }
	return upgrade.LineSettings{Registrar: v(lineRegistrar), User: v(lineUser), AuthUser: v(lineAuthUser),
		Password: v(linePassword), Display: v(lineDisplay), Label: v(lineLabel)}
}

// line is the line to write, nil for none.
func (f *lineForm) line() *upgrade.LineSettings {
	l := f.settings()
	if l.Empty() {
		return nil
	}
	return &l
}

func (f *lineForm) validate() {
	f.err = nil
	if l := f.settings(); !l.Empty() {
		f.err = l.Validate()
	}
}

// fieldErr is Validate's complaint when it is about field i.
func (f *lineForm) fieldErr(i int) string {
	var le *upgrade.LineError
	if errors.As(f.err, &le) && le.Field == lineFields[i] {
		return le.Msg
	}
	return ""
}

func (f *lineForm) focus(i int) { f.cur = focusInput(f.in[:], i) }

func (f *lineForm) blur() { blurInputs(f.in[:]) }

// update types into the focused field and checks the line.
func (f *lineForm) update(msg tea.Msg) {
	f.in[f.cur], _ = f.in[f.cur].Update(msg)
	f.validate()
}

// view renders the form, a field a line, with Validate's word under the field it is about.
func (f *lineForm) view(focused bool, w int) []string {
	var out []string
	for i := range f.in {
		mark := "  "
		if focused && f.cur == i {
			mark = markFocus + " "
		}
		line := mark + pad(lineLabels[i], 13) + "[" + pad(f.in[i].View(), 25) + "]"
		if e := f.fieldErr(i); e != "" {
			line += "  " + styleBad.Render(markBad+" "+e)
		}
		out = append(out, cut(line, w))
	}
	return out
}
