// Package output prints what Stoke's commands show: tables that fit an 80-column terminal, colour only on a
// terminal, and stable JSON, YAML and name output for scripts.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// Format is the value of -o.
type Format string

const (
	FormatTable Format = ""
	FormatWide  Format = "wide"
	FormatJSON  Format = "json"
	FormatYAML  Format = "yaml"
	FormatName  Format = "name"
)

// AddFlag registers -o/--output with the formats a command supports (the table is always allowed).
func AddFlag(cmd *cobra.Command, into *string, formats ...Format) {
	names := []string{"table"}
	for _, f := range formats {
		names = append(names, string(f))
	}
	cmd.Flags().StringVarP(into, "output", "o", "", "output format: "+strings.Join(names, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// Parse checks a -o value against the formats a command supports.
func Parse(value string, formats ...Format) (Format, error) {
	if value == "" || value == "table" {
		return FormatTable, nil
	}
	if slices.Contains(formats, Format(value)) {
		return Format(value), nil
	}
	names := []string{"table"}
	for _, f := range formats {
		names = append(names, string(f))
	}
	return "", cmderr.Usagef("unknown output format %q: use one of %s", value, strings.Join(names, ", "))
}

// Object writes v as indented JSON or as YAML. JSON output is stable: fields in the API's order, map keys
// sorted, two-space indent, a final newline.
func Object(w io.Writer, format Format, v any) error {
	switch format {
	case FormatJSON:
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case FormatYAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	return fmt.Errorf("output format %q is not an object format", format)
}

// Age is how long ago t was, as kubectl shows it ("5m", "3h2m"); "<unknown>" for a zero time.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// Duration shows a span the way Age does.
func Duration(d time.Duration) string { return duration.HumanDuration(d) }

// Colours are ANSI styles; a Palette without colour leaves text unchanged.
type Palette struct{ on bool }

// NewPalette colours only when on is true (the writer is a terminal).
func NewPalette(on bool) Palette { return Palette{on: on} }

func (p Palette) style(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p Palette) Green(s string) string  { return p.style("32", s) }
func (p Palette) Red(s string) string    { return p.style("31", s) }
func (p Palette) Yellow(s string) string { return p.style("33", s) }
func (p Palette) Blue(s string) string   { return p.style("34", s) }
func (p Palette) Faint(s string) string  { return p.style("2", s) }
func (p Palette) Bold(s string) string   { return p.style("1", s) }

// Phase colours an application phase or outcome word by what it means.
func (p Palette) Phase(s string) string {
	switch s {
	case "Succeeded", "True":
		return p.Green(s)
	case "Failed", "ApplicationFailure", "InfrastructureFailure", "Warning":
		return p.Red(s)
	case "Running":
		return p.Blue(s)
	case "Pending", "Submitted", "Retrying":
		return p.Yellow(s)
	case "Suspended", "Superseded", "Preempted":
		return p.Faint(s)
	}
	return s
}

// TableWidth is the width tables are fitted to unless wide output is asked for.
const TableWidth = 80

// NewListTable is a table of `stoke get`: header, plus wideHeader with -o wide; without -o wide it is fitted
// to TableWidth by cutting the shrink columns (in that order); withNamespace puts a NAMESPACE column first
// (cut last). AddListRow fills it.
func NewListTable(header, wideHeader []string, shrink []int, withNamespace, wide bool) *Table {
	t := &Table{Header: header}
	if wide {
		t.Header = append(t.Header, wideHeader...)
	} else {
		t.MaxWidth, t.Shrink = TableWidth, shrink
	}
	if withNamespace {
		t.Header = append([]string{"NAMESPACE"}, t.Header...)
		if !wide {
			t.Shrink = make([]int, 0, len(shrink)+1)
			for _, col := range shrink {
				t.Shrink = append(t.Shrink, col+1)
			}
			t.Shrink = append(t.Shrink, 0)
		}
	}
	return t
}

// AddListRow appends a row of a NewListTable: the namespace goes first when the table has that column.
func (t *Table) AddListRow(namespace string, cells []string) {
	if len(t.Header) > 0 && t.Header[0] == "NAMESPACE" {
		cells = append([]string{namespace}, cells...)
	}
	t.Rows = append(t.Rows, cells)
}

// Table is rows of plain text with a header. Colour, when set, styles a cell after the layout is computed
// from its plain text.
type Table struct {
	Header []string
	Rows   [][]string
	// Shrink lists the columns that may be cut (with "…") to fit MaxWidth, in the order they are cut.
	Shrink []int
	// MaxWidth is the widest a line may be; zero means no limit.
	MaxWidth int
	// Colour styles cell (row, column) given its padded-free text; nil means none.
	Colour func(col int, text string) string
	// Indent is put before every line.
	Indent string
	// Wrap, when set, is the index of the last column: its cells are wrapped onto continuation lines at its
	// width instead of being cut, so that a long message stays readable in full (as kubectl describe does).
	Wrap *int
}

// Gap is the space between two columns.
const Gap = 3

// columnWidths is how wide each column's widest cell is.
func (t *Table) columnWidths() []int {
	widths := make([]int, len(t.Header))
	measure := func(row []string) {
		for i, cell := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
	}
	measure(t.Header)
	for _, r := range t.Rows {
		measure(r)
	}
	return widths
}

// Width is how wide the table's lines are with no cell cut, the cells of the skipped column left out (-1
// skips none).
func (t *Table) Width(skip int) int {
	widths := t.columnWidths()
	total := len(t.Indent)
	for i, w := range widths {
		if i != skip {
			total += w + Gap
		}
	}
	return total - Gap
}

// Write renders the table.
func (t *Table) Write(w io.Writer) error {
	widths := t.columnWidths()
	if t.MaxWidth > 0 {
		total := t.Width(-1)
		for _, col := range t.Shrink {
			if total <= t.MaxWidth {
				break
			}
			floor := max(utf8.RuneCountInString(t.Header[col]), 8)
			cut := min(total-t.MaxWidth, widths[col]-floor)
			if cut > 0 {
				widths[col] -= cut
				total -= cut
			}
		}
	}
	var b strings.Builder
	line := func(row []string, header bool) {
		b.WriteString(t.Indent)
		var rest []string
		// Padding is written only before a cell with text, so that no line ends in spaces.
		pending := 0
		for i := range widths {
			cell := ""
			if i < len(row) {
				cell = Fit(row[i], widths[i])
				if t.Wrap != nil && *t.Wrap == i && i == len(widths)-1 && !header {
					lines := WrapText(row[i], widths[i])
					cell, rest = lines[0], lines[1:]
				}
			}
			pad := widths[i] - utf8.RuneCountInString(cell)
			if cell != "" {
				if !header && t.Colour != nil {
					cell = t.Colour(i, cell)
				}
				b.WriteString(strings.Repeat(" ", pending))
				b.WriteString(cell)
				pending = 0
			}
			pending += pad + Gap
		}
		b.WriteByte('\n')
		if len(rest) > 0 {
			lead := len(t.Indent) + Gap*(len(widths)-1)
			for _, w := range widths[:len(widths)-1] {
				lead += w
			}
			for _, l := range rest {
				b.WriteString(strings.Repeat(" ", lead) + l + "\n")
			}
		}
	}
	line(t.Header, true)
	for _, r := range t.Rows {
		line(r, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Fit cuts s to width runes, marking the cut with "…".
func Fit(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width <= 1 {
		return "…"
	}
	return string([]rune(s)[:width-1]) + "…"
}

// WrapText breaks s into lines of at most width runes, at spaces where it can; a word longer than a line
// is split. It always returns at least one line.
func WrapText(s string, width int) []string {
	width = max(width, 1)
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		w := []rune(word)
		for len(w) > 0 {
			room := width - len(cur)
			if len(cur) > 0 {
				room-- // the space before the word
			}
			switch {
			case len(w) <= room:
				if len(cur) > 0 {
					cur = append(cur, ' ')
				}
				cur, w = append(cur, w...), nil
			case len(cur) > 0:
				lines, cur = append(lines, string(cur)), nil
			default: // a word longer than a line
				lines, w = append(lines, string(w[:width])), w[width:]
			}
		}
	}
	return append(lines, string(cur))
}

// OneLine flattens a message to one line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Manifest is v as a manifest a person would write: no status, no server-set creationTimestamp, and no
// nulls or empty objects left by Go's zero values.
func Manifest(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if meta, ok := m["metadata"].(map[string]any); ok && meta["creationTimestamp"] == nil {
		delete(meta, "creationTimestamp")
	}
	prune(m)
	return m, nil
}

func prune(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(t)
			if len(t) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		}
	}
}
