package spark

import (
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
