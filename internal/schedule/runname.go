package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// MaxRunNameLength keeps run names valid as DNS-1123 labels, so they fit wherever Kubernetes wants a
// label-safe name.
const MaxRunNameLength = 63

// RunName is the name of the run a schedule starts for a scheduled time: "<schedule>-<unix minute>", as
// Kubernetes names a CronJob's Jobs. The same inputs always give the same name, so an operator that
// restarts between a fire time and creating its run finds the run it already created instead of
// starting a second one. The result is always a DNS-1123 label of at most 63 characters: a schedule
// name that is too long or not label-safe (dots, upper case) is shortened and sanitised, and then carries
// 8 hex digits of its hash so that two schedules whose names sanitise alike still get distinct runs.
func RunName(scheduleName string, scheduled time.Time) string {
	suffix := "-" + strconv.FormatInt(scheduled.Unix()/60, 10)
	clean := sanitise(scheduleName)
	if clean == scheduleName && len(clean)+len(suffix) <= MaxRunNameLength {
		return clean + suffix
	}
	sum := sha256.Sum256([]byte(scheduleName))
	hash := "-" + hex.EncodeToString(sum[:4])
	room := MaxRunNameLength - len(hash) - len(suffix)
	if len(clean) > room {
		clean = strings.TrimRight(clean[:room], "-")
	}
	if clean == "" {
		clean = "run"
	}
	return clean + hash + suffix
}

// sanitise lowers the name and turns every character a DNS-1123 label cannot hold into '-', trimming
// dashes at both ends.
func sanitise(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// TriggeredRunName is the name of the run an HTTP trigger starts for a delivery with the given idempotency
// key: "<schedule>-<10 hex digits>", the digits hashing the schedule, the trigger and the key. A delivery
// sent again with the same key gets the same name, so the API server refuses to create a second run. The
// result is a DNS-1123 label of at most 63 characters.
func TriggeredRunName(scheduleName, trigger, key string) string {
	sum := sha256.Sum256([]byte(scheduleName + "\x00" + trigger + "\x00" + key))
	suffix := "-" + hex.EncodeToString(sum[:5])
	clean := sanitise(scheduleName)
	if room := MaxRunNameLength - len(suffix); len(clean) > room {
		clean = strings.TrimRight(clean[:room], "-")
	}
	if clean == "" {
		clean = "run"
	}
	return clean + suffix
}
