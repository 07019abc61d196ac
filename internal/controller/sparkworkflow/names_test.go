package sparkworkflow

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestChildName(t *testing.T) {
	long := strings.Repeat("w", 63)
	step40 := "s" + strings.Repeat("x", 39)
	tests := []struct {
		workflow, step, want string
	}{
		{"nightly", "extract", "nightly-extract"},
		{"nightly", "load-12", "nightly-load-12"},
		{strings.Repeat("a", 55), "extract", strings.Repeat("a", 55) + "-extract"},
		{strings.Repeat("a", 56), "extract", strings.Repeat("a", 46) + "-238882a3-extract"},
		{long, step40 + "-999", ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		got := ChildName(tt.workflow, tt.step)
		if tt.want != "" && got != tt.want {
			t.Errorf("ChildName(%q, %q) = %q, want %q", tt.workflow, tt.step, got, tt.want)
		}
		if len(got) > 63 || len(validation.IsDNS1123Subdomain(got)) > 0 {
			t.Errorf("ChildName(%q, %q) = %q: not a valid name of at most 63 characters", tt.workflow, tt.step, got)
		}
		if !strings.HasSuffix(got, "-"+tt.step) {
			t.Errorf("ChildName(%q, %q) = %q does not end with the step", tt.workflow, tt.step, got)
		}
		if seen[got] {
			t.Errorf("ChildName(%q, %q) = %q repeats an earlier name", tt.workflow, tt.step, got)
		}
		seen[got] = true
		if again := ChildName(tt.workflow, tt.step); again != got {
			t.Errorf("ChildName is not deterministic: %q then %q", got, again)
		}
	}
	if ChildName(long+"x", "a") == ChildName(long+"y", "a") {
		t.Error("two long workflow names that differ only at the end give the same child name")
	}
}
