package output

import (
	"bytes"
	"strings"
	"testing"
)

func TestTableFitsWidth(t *testing.T) {
	tab := &Table{Header: []string{"NAME", "PHASE", "MESSAGE"}, MaxWidth: 40, Shrink: []int{2, 0},
		Rows: [][]string{{"a-rather-long-application-name", "Running", "a message that is much too long to fit"}}}
	var b bytes.Buffer
	if err := tab.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := len([]rune(line)); n > 40 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if !strings.Contains(b.String(), "…") {
		t.Errorf("no cut marked:\n%s", b.String())
	}
	tab.MaxWidth = 0
	b.Reset()
	_ = tab.Write(&b)
	if !strings.Contains(b.String(), "a message that is much too long to fit") {
		t.Errorf("unlimited width cut a cell:\n%s", b.String())
	}
}

func TestColourOnlyWhenOn(t *testing.T) {
	if got := NewPalette(false).Phase("Failed"); got != "Failed" {
		t.Errorf("colour without a terminal: %q", got)
	}
	if got := NewPalette(true).Phase("Failed"); got != "\x1b[31mFailed\x1b[0m" {
		t.Errorf("no colour on a terminal: %q", got)
	}
	tab := &Table{Header: []string{"A", "B"}, Rows: [][]string{{"x", "Failed"}}, Colour: func(col int, s string) string {
		if col == 1 {
			return NewPalette(true).Phase(s)
		}
		return s
	}}
	var b bytes.Buffer
	_ = tab.Write(&b)
	if b.String() != "A   B\nx   \x1b[31mFailed\x1b[0m\n" {
		t.Errorf("colour changed the layout: %q", b.String())
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := Parse("", FormatJSON); err != nil || f != FormatTable {
		t.Errorf("default: %v %v", f, err)
	}
	if _, err := Parse("wide", FormatJSON); err == nil || !strings.Contains(err.Error(), "table, json") {
		t.Errorf("unsupported format: %v", err)
	}
}
