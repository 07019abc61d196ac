package conditions

import (
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBound(t *testing.T) {
	cases := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 100, "short"},
		{strings.Repeat("a", 100), 100, strings.Repeat("a", 100)},
		{strings.Repeat("a", 101), 100, strings.Repeat("a", 100-len(TruncationMarker)) + TruncationMarker},
		// never a split character: "é" is two bytes
		{strings.Repeat("é", 60), 30, strings.Repeat("é", (30-len(TruncationMarker))/2) + TruncationMarker},
		{"bad \xff byte", 100, "bad \uFFFD byte"},
	}
	for _, tc := range cases {
		got := Bound(tc.in, tc.limit)
		if got != tc.want {
			t.Errorf("Bound(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
		if len(got) > tc.limit || !utf8.ValidString(got) {
			t.Errorf("Bound(%q, %d) = %q: %d bytes, valid %v", tc.in, tc.limit, got, len(got), utf8.ValidString(got))
		}
	}
}

func TestReason(t *testing.T) {
	cases := map[string]string{
		"OOMKilled":                          "OOMKilled",
		"Out Of Memory: killed (by the JVM)": "OutOfMemory:killedbytheJVM",
		"":                                   "Unknown",
		"  ":                                 "Unknown",
		"137":                                "R137",
		"Error,":                             "Error",
		"ÜberFehler":                         "berFehler",
		strings.Repeat("A", MaxReason+10):    strings.Repeat("A", MaxReason),
		"_leading":                           "R_leading",
	}
	for in, want := range cases {
		if got := Reason(in); got != want {
			t.Errorf("Reason(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetBoundsMessageAndReason(t *testing.T) {
	var list []metav1.Condition
	Set(&list, 3, "Failed", true, "bad reason!", strings.Repeat("x", 40000))
	c := list[0]
	if c.Reason != "badreason" || len(c.Message) != MaxConditionMessage || !strings.HasSuffix(c.Message, TruncationMarker) ||
		c.Status != metav1.ConditionTrue || c.ObservedGeneration != 3 {
		t.Errorf("condition = reason %q, %d bytes, status %s, generation %d", c.Reason, len(c.Message), c.Status, c.ObservedGeneration)
	}
}
