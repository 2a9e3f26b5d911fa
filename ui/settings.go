package ui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

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
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = placeholders[i]
		in.CharLimit = 15
		in.Width = 15
		in.Cursor.SetMode(cursor.CursorStatic) // a blinking cursor would redraw while idle
		in.SetValue(values[i])
		f.in[i] = in
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

// focus puts the cursor in field i.
func (f *settingsForm) focus(i int) {
	f.cur = (i + fieldCount) % fieldCount
	for k := range f.in {
		if k == f.cur {
			f.in[k].Focus()
		} else {
			f.in[k].Blur()
		}
	}
}

func (f *settingsForm) blur() {
	for k := range f.in {
		f.in[k].Blur()
	}
}

// update types into the focused field and checks it.
func (f *settingsForm) update(msg tea.Msg) {
	f.in[f.cur], _ = f.in[f.cur].Update(msg)
	f.validate()
}

// validate checks each field's syntax. Whether the addresses fit the interface is
// Backend.Check's to say (it knows the interface).
func (f *settingsForm) validate() {
	for i := range f.in {
		f.err[i] = ""
		v := strings.TrimSpace(f.in[i].Value())
		if v == "" {
			continue
		}
		switch i {
		case fieldServer, fieldPoolStart, fieldRouter:
			if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
				f.err[i] = "not an IPv4 address (like 192.168.1.1)"
			}
		case fieldPoolSize:
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 253 {
				f.err[i] = "a number from 1 to 253"
			}
		case fieldLease:
			if d, err := time.ParseDuration(v); err != nil || d < time.Minute {
				f.err[i] = "a duration of a minute or more (30m, 1h, 24h)"
			}
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

// apply writes the fields into c (empty fields: the defaults).
func (f *settingsForm) apply(c *servers.Config) {
	addr := func(i int) netip.Addr {
		a, _ := netip.ParseAddr(strings.TrimSpace(f.in[i].Value()))
		return a
	}
	c.ServerIP, c.PoolStart, c.Router = addr(fieldServer), addr(fieldPoolStart), addr(fieldRouter)
	c.PoolSize, _ = strconv.Atoi(strings.TrimSpace(f.in[fieldPoolSize].Value()))
	c.Lease, _ = time.ParseDuration(strings.TrimSpace(f.in[fieldLease].Value()))
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
			line += styleBad.Render(markBad + " " + f.err[i])
		case i == fieldServer && option150(server) != "":
			line += styleDim.Render("option 150 = ") + styleKey.Render(option150(server))
		}
		lines[i] = line
	}
	return lines
}
