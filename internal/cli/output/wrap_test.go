package output

import (
	"reflect"
	"strings"
	"testing"
)

func TestWrapText(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"the quick brown fox", 9, []string{"the quick", "brown fox"}},
		{"a  b\n c", 10, []string{"a b c"}},
		{"abcdefghijkl xy", 5, []string{"abcde", "fghij", "kl xy"}},
		{"spec.executor.coreLimit: Invalid value", 12, []string{"spec.executo", "r.coreLimit:", "Invalid", "value"}},
	}
	for _, tc := range cases {
		got := WrapText(tc.in, tc.width)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("WrapText(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		for _, l := range got {
			if len([]rune(l)) > tc.width {
				t.Errorf("line %q wider than %d", l, tc.width)
			}
		}
	}
}

// TestTableWrapsTheLastColumn: a wrapped column keeps every word of a long cell on continuation lines that
// start under the column, and no line is wider than the table.
func TestTableWrapsTheLastColumn(t *testing.T) {
	msg := "spec.executor.coreLimit: Invalid value: \"500m\": the CPU limit is below the CPU request 2 (spec.executor.cores)"
	col := 2
	tbl := &Table{Header: []string{"TYPE", "REASON", "MESSAGE"}, Rows: [][]string{{"Failed", "InvalidSpec", msg}},
		MaxWidth: 50, Shrink: []int{col}, Wrap: &col, Indent: "  "}
	var b strings.Builder
	if err := tbl.Write(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) < 4 {
		t.Fatalf("message not wrapped:\n%s", b.String())
	}
	start := strings.Index(lines[0], "MESSAGE")
	var words []string
	for i, l := range lines[1:] {
		if len([]rune(l)) > 50 {
			t.Errorf("line %q is wider than 50", l)
		}
		if i > 0 && strings.TrimLeft(l, " ") != l[start:] {
			t.Errorf("continuation %q does not start under MESSAGE (column %d)", l, start)
		}
		words = append(words, strings.Fields(l[start:])...)
	}
	if got := strings.Join(words, " "); got != msg {
		t.Errorf("wrapped text lost words:\n got %q\nwant %q", got, msg)
	}
}
