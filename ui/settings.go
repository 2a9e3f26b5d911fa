package ui

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"phoneflash/servers"
)

// The server settings the Bench screen edits.
const (
	fieldServer = iota
	fieldPoolStart
	fieldPoolSize
	fieldRouter
	fieldLease
	fieldCount
)

// settingsForm holds the editable server settings, each checked as it is typed.
type settingsForm struct {
	in  [fieldCount]textinput.Model
	err [fieldCount]string
	cur int
}

var fieldLabels = [fieldCount]string{"Server address", "Pool start", "Pool size", "Router", "Lease"}

// fieldSettings are the servers' settings the form's fields set: servers parses and
// checks what is typed (Config.Set), by the rules the command line follows too.
var fieldSettings = [fieldCount]servers.Field{servers.FieldServerIP, servers.FieldPoolStart, servers.FieldPoolSize,
	servers.FieldRouter, servers.FieldLease}

// formField names setting f as the wizard shows it: its form field's label, or "" for
// a setting the form does not hold (the plain words then stay).
func formField(f servers.Field) string {
	for i, s := range fieldSettings {
		if s == f {
			return fieldLabels[i]
		}
	}
	return ""
}

// fixText is p's fix in the wizard's words: a setting is named by its form field.
func fixText(p *servers.Problem) string { return p.FixNaming(formField) }

func newSettingsForm(c servers.Config) settingsForm {
	var f settingsForm
	placeholders := [fieldCount]string{"the interface's", "server + 1", "up to .251", "none", servers.DefaultLease.String()}
	values := [fieldCount]string{addrText(c.ServerIP), addrText(c.PoolStart), "", addrText(c.Router), ""}
	if c.PoolSize > 0 {
		values[fieldPoolSize] = strconv.Itoa(c.PoolSize)
	}
	if c.Lease > 0 && c.Lease != servers.DefaultLease {
		values[fieldLease] = c.Lease.String()
	}
	for i := range f.in {
		f.in[i] = newInput(placeholders[i], values[i], 15, 15)
	}
	f.validate()
	return f
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// newInput is one field of a form: no prompt, a cursor that does not blink (a blinking
// one would redraw while idle), limit characters shown in width columns.
func newInput(placeholder, value string, limit, width int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = limit
	in.Width = width
	in.Cursor.SetMode(cursor.CursorStatic)
	in.SetValue(value)
	return in
}

// focus puts the cursor in field i.
func (f *settingsForm) focus(i int) { f.cur = focusInput(f.in[:], i) }

func (f *settingsForm) blur() { blurInputs(f.in[:]) }

// focusInput puts the cursor in field i of a form, wrapping around at either end, and
// returns the field that has it.
func focusInput(in []textinput.Model, i int) int {
	i = ((i % len(in)) + len(in)) % len(in)
	for k := range in {
		if k == i {
			in[k].Focus()
		} else {
			in[k].Blur()
		}
	}
	return i
}

// blurInputs takes the cursor out of a form.
func blurInputs(in []textinput.Model) {
	for k := range in {
		in[k].Blur()
	}
}

// update types into the focused field and checks it.
func (f *settingsForm) update(msg tea.Msg) {
	f.in[f.cur], _ = f.in[f.cur].Update(msg)
	f.validate()
}

// validate checks each field on its own as servers does. Whether the addresses fit
// the interface is Backend.Check's to say (it knows the interface).
func (f *settingsForm) validate() {
	var c servers.Config
	for i := range f.in {
		f.err[i] = ""
		var p *servers.Problem
		if err := c.Set(fieldSettings[i], f.in[i].Value()); errors.As(err, &p) {
			f.err[i] = p.Want
		}
	}
}

// valid reports whether every field is usable; the first error otherwise.
func (f *settingsForm) valid() error {
	for i, e := range f.err {
		if e != "" {
			return fmt.Errorf("%s: %s", fieldLabels[i], e)
		}
	}
	return nil
}

// apply writes the fields into c (empty fields: the defaults); call it when valid.
func (f *settingsForm) apply(c *servers.Config) {
	for i := range f.in {
		_ = c.Set(fieldSettings[i], f.in[i].Value()) // checked by validate
	}
}

// option150 is what option 150 carries for the server address, as bytes on the wire
// ("C0 A8 01 01"): the bytes people enter by hand in other DHCP servers.
func option150(a netip.Addr) string {
	if !a.Is4() {
		return ""
	}
	b := a.As4()
	return fmt.Sprintf("%02X %02X %02X %02X", b[0], b[1], b[2], b[3])
}

// view renders the form, a field a line: label, value, and the field's error, or for
// the server address the option 150 bytes.
func (f *settingsForm) view(focused bool, server netip.Addr) []string {
	lines := make([]string, fieldCount)
	for i := range f.in {
		mark := "  "
		if focused && f.cur == i {
			mark = markFocus + " "
		}
		line := mark + pad(fieldLabels[i], 15) + "[" + pad(f.in[i].View(), 16) + "]  " // 15 characters and the cursor
		switch {
		case f.err[i] != "":
			line += styleBad.Render(markBad + " not " + f.err[i])
		case i == fieldServer && option150(server) != "":
			line += styleDim.Render("option 150 = ") + styleKey.Render(option150(server))
		}
		lines[i] = line
	}
	return lines
}
