// Package conditions writes status conditions, attempt messages and event messages that the API server
// always accepts: every message Stoke writes is cut, at a character boundary and with a visible marker, to
// a bounded length, and every reason is made a valid CamelCase reason. A message that does not fit must never
// turn into a status write the API server refuses (and a reconcile that retries it forever).
package conditions

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Message bounds, in bytes. The API server allows 32768 characters in a condition message and about 1 KiB in
// an Event; Stoke stays well inside them so that a status with every condition and ten past attempts stays
// small.
const (
	MaxConditionMessage = 8192
	MaxAttemptMessage   = 4096
	// MaxResult bounds a driver's result (its termination message) kept in status.
	MaxResult       = 1024
	MaxEventMessage = 1024
	// MaxReason is the API server's limit for a condition reason.
	MaxReason = 1024
)

// TruncationMarker ends a message that was cut.
const TruncationMarker = " …[truncated]"

// Bound returns s cut to at most limit bytes, ending with TruncationMarker when it was cut. It never splits a
// UTF-8 character, and replaces invalid UTF-8 so that the result is always valid text.
func Bound(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= limit {
		return s
	}
	cut := limit - len(TruncationMarker)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + TruncationMarker
}

// Reason turns any word into a valid condition reason (^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$, at most
// MaxReason characters): characters outside that set are dropped, a reason that does not start with a letter
// is prefixed, and an empty one becomes "Unknown".
func Reason(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == ',' || r == ':') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > MaxReason {
		out = out[:MaxReason]
	}
	out = strings.TrimRight(out, ",:")
	if out == "" {
		return "Unknown"
	}
	if c := out[0]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		out = "R" + out
		if len(out) > MaxReason {
			out = strings.TrimRight(out[:MaxReason], ",:")
		}
	}
	return out
}

// Set sets a condition on the list with a bounded message and a valid reason. The transition time moves
// only when the status changes (meta.SetStatusCondition).
func Set(list *[]metav1.Condition, generation int64, conditionType string, status bool, reason, message string) {
	s := metav1.ConditionFalse
	if status {
		s = metav1.ConditionTrue
	}
	meta.SetStatusCondition(list, metav1.Condition{
		Type:               conditionType,
		Status:             s,
		Reason:             Reason(reason),
		Message:            Bound(message, MaxConditionMessage),
		ObservedGeneration: generation,
	})
}

// Eventf formats an event message and bounds it.
func Eventf(format string, args ...any) string {
	return Bound(fmt.Sprintf(format, args...), MaxEventMessage)
}
