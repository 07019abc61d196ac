package spark

import (
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// FuzzParseMiB (seeds in testdata/fuzz): ParseMiB never panics, agrees with sparkByteStringAsMb (a model of Spark's
// JavaUtils.byteStringAsMb written from its source, checked against Spark itself by
// TestParseMiBAgainstSpark), ignores case, and orders its units: for the same number, b <= k <= m <= g <= t
// <= p, each 1024 times the one before, and once a unit overflows every larger one does.
func FuzzParseMiB(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseMiB(s)
		want, ok := sparkByteStringAsMb(s)
		if (err == nil) != ok || (ok && got != want) {
			t.Fatalf("ParseMiB(%q) = %d, %v; Spark's parser gives %d, %v", s, got, err, want, ok)
		}
		if err == nil && got < 0 {
			t.Fatalf("ParseMiB(%q) = %d", s, got)
		}
		if upper, uerr := ParseMiB(strings.ToUpper(s)); isASCII(s) && (upper != got || (uerr == nil) != (err == nil)) {
			t.Fatalf("ParseMiB(%q) = %d, %v but ParseMiB(%q) = %d, %v", s, got, err, strings.ToUpper(s), upper, uerr)
		}
		trimmed := strings.TrimFunc(s, isJavaTrimmed)
		digits := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "0123456789"))]
		if digits == "" {
			return
		}
		prev, prevOK := int64(-1), true
		for _, unit := range []string{"b", "k", "m", "g", "t", "p"} {
			v, err := ParseMiB(digits + unit)
			switch {
			case err != nil && len(digits) <= 18 && (unit == "b" || unit == "k" || unit == "m" || !strings.Contains(err.Error(), "too large")):
				t.Fatalf("ParseMiB(%q): %v", digits+unit, err)
			case err == nil && !prevOK:
				t.Fatalf("ParseMiB(%q) = %d after a smaller unit overflowed", digits+unit, v)
			case err == nil && v < prev:
				t.Fatalf("ParseMiB(%q) = %d, less than the smaller unit's %d", digits+unit, v, prev)
			case err == nil && (unit == "g" || unit == "t" || unit == "p") && v != prev*1024:
				t.Fatalf("ParseMiB(%q) = %d, not 1024 × %d", digits+unit, v, prev)
			}
			prev, prevOK = v, err == nil
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var sparkByteString = regexp.MustCompile(`^([0-9]+)([a-z]+)?$`)

// sparkByteStringAsMb follows Spark's JavaUtils.byteStringAs(str, ByteUnit.MiB): lower-case, String.trim,
// match ([0-9]+)([a-z]+)?, Long.parseLong the number, look the suffix up, and convert with ByteUnit's
// overflow check (larger units) or integer division (smaller ones).
func sparkByteStringAsMb(s string) (int64, bool) {
	m := sparkByteString.FindStringSubmatch(strings.TrimFunc(strings.ToLower(s), func(r rune) bool { return r <= ' ' }))
	if m == nil {
		return 0, false
	}
	n, ok := new(big.Int).SetString(m[1], 10)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	unitBytes := map[string]int64{"": 1 << 20, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
		"g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}
	unit, known := unitBytes[m[2]]
	if !known {
		return 0, false
	}
	if unit > 1<<20 {
		ratio := unit >> 20
		if math.MaxInt64/ratio < n.Int64() {
			return 0, false
		}
		return n.Int64() * ratio, true
	}
	return n.Int64() / ((1 << 20) / unit), true
}

// FuzzPodMemoryMiB (seeds in testdata/fuzz): for any heap, overhead and factor, PodMemoryMiB gives an error or a size of at least the
// heap plus the overhead Spark would add: the explicit overhead, or max(factor × heap, the floor).
func FuzzPodMemoryMiB(f *testing.F) {
	f.Fuzz(func(t *testing.T, heap, overhead string, explicit bool, factor string, minOverhead int64) {
		var o *string
		if explicit {
			o = &overhead
		}
		got, err := PodMemoryMiB(heap, o, factor, minOverhead)
		if err != nil {
			return
		}
		heapMiB := int64(DefaultMemoryMiB)
		if heap != "" {
			if heapMiB, err = ParseMiB(heap); err != nil {
				t.Fatalf("PodMemoryMiB(%q, ...) = %d but ParseMiB(%q): %v", heap, got, heap, err)
			}
		}
		var want int64
		if explicit {
			o, err := ParseMiB(overhead)
			if err != nil {
				t.Fatalf("PodMemoryMiB accepted the overhead %q that ParseMiB refuses: %v", overhead, err)
			}
			want = heapMiB + o
		} else {
			want = heapMiB + max(minOverhead, 0)
		}
		if got < heapMiB || (got < want && (explicit || minOverhead > 0)) {
			t.Fatalf("PodMemoryMiB(%q, %v, %q, %d) = %d, want at least %d", heap, deref(o), factor, minOverhead, got, want)
		}
	})
}
