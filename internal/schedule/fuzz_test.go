package schedule

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse (seeds in testdata/fuzz): Parse never panics; what it accepts has a first fire time, each fire time is after the time
// asked about, lies on a whole minute, is in the schedule's zone, and is matched again by Between;
// parsing the same expressions again gives the same times, and a blank around an expression changes nothing.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, e1, e2, zone string, unix int64) {
		expressions := []string{e1}
		if e2 != "" {
			expressions = append(expressions, e2)
		}
		s, err := Parse(expressions, zone)
		if err != nil {
			return
		}
		// Any time within two centuries of 1970.
		from := time.Unix(unix%(200*365*86400), 0).UTC()
		next := s.Next(from)
		if next.IsZero() {
			next = s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
			if next.IsZero() {
				t.Fatalf("Parse(%q, %q) accepted a schedule that never fires", expressions, zone)
			}
			return
		}
		if !next.After(from) || next.Second() != 0 || next.Nanosecond() != 0 || next.Location() != s.Location() {
			t.Fatalf("Parse(%q, %q).Next(%v) = %v", expressions, zone, from, next)
		}
		times, more := s.Between(from, next, 5)
		if len(times) != 1 || !times[0].Equal(next) || more {
			t.Fatalf("Between(%v, %v) = %v, %v; want just %v", from, next, times, more, next)
		}
		padded := make([]string, len(expressions))
		for i, e := range expressions {
			padded[i] = "  " + e + "\t"
		}
		again, err := Parse(padded, zone)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, Parse(%q) refused: %v", expressions, padded, err)
		}
		if n := again.Next(from); !n.Equal(next) {
			t.Fatalf("Parse(%q).Next = %v, Parse(%q).Next = %v", expressions, next, padded, n)
		}
		if second := s.Next(next); !second.IsZero() && !second.After(next) {
			t.Fatalf("Next(%v) = %v, not after", next, second)
		}
		if strings.TrimSpace(e1) == "" {
			t.Fatalf("Parse accepted the empty expression %q", e1)
		}
	})
}
