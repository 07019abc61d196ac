package spark

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPropertiesRoundTrip (seeds in testdata/fuzz): any map of UTF-8 keys and values (what a Kubernetes object can hold) written by
// EncodeProperties, behind the comment line Build puts first, reads back as the same map, one entry per
// line. DecodeProperties is the decoder here; TestPropertiesAgainstJava checks the committed corpus with
// java.util.Properties.load itself.
func FuzzPropertiesRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		if !utf8.ValidString(k1) || !utf8.ValidString(v1) || !utf8.ValidString(k2) || !utf8.ValidString(v2) {
			t.Skip("Kubernetes strings are UTF-8")
		}
		props := map[string]string{k1: v1, k2: v2}
		text := EncodeProperties(props)
		if n := strings.Count(text, "\n"); n != len(props) || strings.ContainsRune(text, '\r') {
			t.Fatalf("EncodeProperties(%q) = %q: want %d lines and no carriage return", props, text, len(props))
		}
		got, err := DecodeProperties("#Java properties built from Kubernetes config map with name: x\n" + text)
		if err != nil {
			t.Fatalf("DecodeProperties(EncodeProperties(%q) = %q): %v", props, text, err)
		}
		if !maps.Equal(got, props) {
			t.Fatalf("round trip of %q through %q gave %q", props, text, got)
		}
	})
}
