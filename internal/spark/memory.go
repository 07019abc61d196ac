package spark

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

const (
	// MinMemoryOverheadMiB is Spark's floor for the memory overhead (ResourceProfile.MEMORY_OVERHEAD_MIN_MIB).
	MinMemoryOverheadMiB = 384
	// DefaultMemoryMiB is Spark's default spark.driver.memory and spark.executor.memory (1g).
	DefaultMemoryMiB = 1024
	// JVMOverheadFactor is Spark's default overhead factor for JVM applications.
	JVMOverheadFactor = "0.1"
	// NonJVMOverheadFactor is Spark's default overhead factor for Python and R applications.
	NonJVMOverheadFactor = "0.4"
)

// ParseMiB reads a size in Spark's JVM memory format ("512m", "4g", "1024k", "1048576b", "2048") as MiB, the
// way Spark's JavaUtils.byteStringAsMb does: a bare number is already MiB, fractions of a MiB are dropped,
// and, as Java's String.trim, only control characters and spaces around the size are ignored.
func ParseMiB(s string) (int64, error) {
	v := strings.TrimFunc(strings.ToLower(s), isJavaTrimmed)
	shift := map[string]int{"b": -20, "k": -10, "kb": -10, "m": 0, "mb": 0, "g": 10, "gb": 10, "t": 20, "tb": 20, "p": 30, "pb": 30}
	digits := strings.TrimRight(v, "kmgtpb")
	exp, hasUnit := shift[v[len(digits):]]
	if v[len(digits):] != "" && !hasUnit {
		return 0, fmt.Errorf("memory size %q has an unknown unit", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 || !isDigits(digits) {
		return 0, fmt.Errorf("memory size %q is not a whole number with an optional k, m, g, t or p suffix", s)
	}
	if exp < 0 {
		return n >> uint(-exp), nil
	}
	if n > math.MaxInt64>>uint(exp) {
		return 0, fmt.Errorf("memory size %q is too large", s)
	}
	return n << uint(exp), nil
}

// isJavaTrimmed reports whether Java's String.trim removes r from the ends of a string: U+0000 to U+0020,
// not the Unicode spaces (U+0085, U+00A0, U+2003, ...) strings.TrimSpace also removes.
func isJavaTrimmed(r rune) bool { return r <= ' ' }

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// PodMemoryMiB is the pod memory request and limit for a Spark container: heap plus overhead, where the
// overhead is the explicit value or max(factor × heap, minOverheadMiB), truncated to whole MiB as Spark does.
func PodMemoryMiB(heap string, overhead *string, factor string, minOverheadMiB int64) (int64, error) {
	heapMiB := int64(DefaultMemoryMiB)
	if heap != "" {
		var err error
		if heapMiB, err = ParseMiB(heap); err != nil {
			return 0, err
		}
	}
	if overhead != nil {
		o, err := ParseMiB(*overhead)
		if err != nil {
			return 0, err
		}
		if o > math.MaxInt64-heapMiB {
			return 0, fmt.Errorf("memory %q plus overhead %q is too large", heap, *overhead)
		}
		return heapMiB + o, nil
	}
	f, err := strconv.ParseFloat(factor, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("memory overhead factor %q is not a positive decimal", factor)
	}
	o := (f + overheadFactorSkew) * float64(heapMiB)
	if o >= float64(math.MaxInt64-heapMiB) || minOverheadMiB > math.MaxInt64-heapMiB {
		return 0, fmt.Errorf("memory %q with overhead factor %s and minimum overhead %d MiB is too large", heap, factor, minOverheadMiB)
	}
	return heapMiB + max(int64(o), minOverheadMiB), nil
}
