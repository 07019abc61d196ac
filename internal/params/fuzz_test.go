package params

import (
	"strings"
	"testing"
)

// FuzzExpand checks that no template makes Expand panic or exceed its output bound, and that text
// without "{{" comes back unchanged.
func FuzzExpand(f *testing.F) {
	for _, seed := range []string{
		`--date={{ .ScheduledTime | date "2006-01-02" }}`,
		`{{ .Params.x | upper | lower }}{{APP_ID}}`,
		`{{ "}}" }}{{`,
		`{{ .ScheduledTime | addDays -1 | date "Mon Jan 2" }}`,
		"plain",
	} {
		f.Add(seed)
	}
	values := Values{ScheduledTime: "2026-01-02T03:04:05+01:00", Param("x"): "Value", Item: strings.Repeat("i", 1000)}
	f.Fuzz(func(t *testing.T, text string) {
		out, err := Expand(text, values)
		if err != nil {
			return
		}
		if len(out) > MaxExpandedLength {
			t.Fatalf("output of %d bytes", len(out))
		}
		if !strings.Contains(text, "{{") && out != text {
			t.Fatalf("text without references changed: %q -> %q", text, out)
		}
	})
}
