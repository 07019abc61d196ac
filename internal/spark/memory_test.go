package spark

import (
	"math"
	"strings"
	"testing"
)

func TestParseMiB(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"512m", 512},
		{"512M", 512},
		{"512mb", 512},
		{"512MB", 512},
		{"1g", 1024},
		{"1G", 1024},
		{"1gb", 1024},
		{"4g", 4096},
		{"1t", 1024 * 1024},
		{"1tb", 1024 * 1024},
		{"1p", 1024 * 1024 * 1024},
		{"1024k", 1},
		{"1024kb", 1},
		{"1536k", 1}, // fractions of a MiB are dropped
		{"1023k", 0},
		{"2048", 2048}, // a bare number is MiB
		{"0", 0},
		{"  2g  ", 2048},
	}
	for _, tc := range tests {
		got, err := ParseMiB(tc.in)
		if err != nil {
			t.Errorf("ParseMiB(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseMiB(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseMiBRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", "b", "m", "g", "1.5g", "0.5", "-1g", "-512", "abc", "1x", "1gg", "1gbb", "1 g", "g1",
		"99999999999999999999", // does not fit int64
		"9223372036854775807p", // overflows when scaled
		"9007199254740992t",    // 2^53 TiB = 2^73 MiB
	} {
		if got, err := ParseMiB(in); err == nil {
			t.Errorf("ParseMiB(%q) = %d, want an error", in, got)
		}
	}
}

func TestPodMemoryMiB(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		desc        string
		heap        string
		overhead    *string
		factor      string
		minOverhead int64
		want        int64
	}{
		// The reference captures: a, b and c.
		{"JVM 1g, factor 0.1: floor 384 wins", "1g", nil, "0.1", 384, 1408},
		{"Python 1g, factor 0.4: int(409.6) = 409", "1g", nil, "0.4", 384, 1433},
		{"explicit overhead 512m", "2g", s("512m"), "0.1", 384, 2560},
		{"explicit overhead ignores factor and floor", "1g", s("100m"), "0.4", 384, 1124},
		{"explicit overhead in g", "4g", s("1g"), "0.1", 384, 5120},
		{"default heap 1g", "", nil, "0.1", 384, 1408},
		{"default heap with Python factor", "", nil, "0.4", 384, 1433},
		{"factor beats the floor", "8g", nil, "0.1", 384, 8192 + 819},
		{"factor exactly at the floor", "3840m", nil, "0.1", 384, 3840 + 384},
		{"custom min overhead (Spark 4)", "1g", nil, "0.1", 512, 1536},
		{"custom min overhead below the factor", "8g", nil, "0.1", 100, 8192 + 819},
		{"zero min overhead", "1g", nil, "0.1", 0, 1024 + 102},
		{"factor truncates", "1000m", nil, "0.45", 0, 1000 + 450},
		{"factor 0.333 truncates down", "1000m", nil, "0.333", 0, 1000 + 333},
		{"factor with leading dot", "1g", nil, ".5", 384, 1536},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := PodMemoryMiB(tc.heap, tc.overhead, tc.factor, tc.minOverhead)
			if err != nil {
				t.Fatalf("PodMemoryMiB: %v", err)
			}
			if got != tc.want {
				t.Errorf("PodMemoryMiB(%q, %v, %q, %d) = %d, want %d", tc.heap, deref(tc.overhead), tc.factor, tc.minOverhead, got, tc.want)
			}
		})
	}
}

func TestPodMemoryMiBErrors(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		desc     string
		heap     string
		overhead *string
		factor   string
	}{
		{"bad heap", "lots", nil, "0.1"},
		{"fractional heap", "1.5g", nil, "0.1"},
		{"bad overhead", "1g", s("1.5g"), "0.1"},
		{"empty overhead", "1g", s(""), "0.1"},
		{"bad factor", "1g", nil, "ten"},
		{"zero factor", "1g", nil, "0"},
		{"negative factor", "1g", nil, "-0.1"},
		{"empty factor", "1g", nil, ""},
	}
	for _, tc := range tests {
		if got, err := PodMemoryMiB(tc.heap, tc.overhead, tc.factor, 384); err == nil {
			t.Errorf("%s: PodMemoryMiB = %d, want an error", tc.desc, got)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// Found by FuzzPodMemoryMiB: a minimum overhead near MaxInt64 (Spark 4's spark.driver.minMemoryOverhead,
// read by ParseMiB) overflowed heap + overhead into a negative pod memory that passed the 64 TiB bound.
func TestPodMemoryMiBFloorOverflow(t *testing.T) {
	if got, err := PodMemoryMiB("1g", nil, "0x1p-3", math.MaxInt64); err == nil {
		t.Errorf("PodMemoryMiB with a floor of MaxInt64 MiB = %d, want an error", got)
	}
	app := scalaApp()
	app.Spec.SparkVersion = "4.3.0"
	for _, role := range []string{"driver", "executor"} {
		app.Spec.SparkConf = map[string]string{"spark." + role + ".minMemoryOverhead": "9223372036854775807m"}
		if _, err := Build(app, 1); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("%s: Build with minMemoryOverhead MaxInt64 MiB: %v, want a too-large error", role, err)
		}
	}
}

// Found against Spark (TestParseMiBAgainstSpark): Java's String.trim removes control characters around a
// size and keeps Unicode spaces, so Spark reads "\x002g" and refuses "2g\u00a0"; strings.TrimSpace did the
// opposite.
func TestParseMiBTrimsAsJava(t *testing.T) {
	for in, want := range map[string]int64{"\x002g\x00": 2048, "\x0b1g\x1f": 1024, "\t2g\n": 2048} {
		if got, err := ParseMiB(in); err != nil || got != want {
			t.Errorf("ParseMiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1g\u00a0", "\u00851g", "1g\u2003", "\u30001g", "\ufeff1g"} {
		if got, err := ParseMiB(in); err == nil {
			t.Errorf("ParseMiB(%q) = %d, want an error as Spark gives", in, got)
		}
	}
}
