package spark

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// MaxPrefixLength bounds the resource name prefix. Spark limits spark.kubernetes.executor.podNamePrefix to 47
// characters so that executor pod names stay valid host names, and the driver Service name
// (<prefix>-driver-svc) must be a DNS-1035 label of at most 63 characters.
const MaxPrefixLength = 47

// Names are the deterministic names of one attempt's objects. The same application and attempt always give
// the same names, so a repeated reconcile finds the objects it created before instead of creating twice.
type Names struct {
	// Prefix is <application name>-<attempt>, sanitised and shortened with a hash where needed.
	Prefix string
	// AppID is spark.app.id and the spark-app-selector label: spark-<32 hex digits>.
	AppID string
	// DriverPod is <prefix>-driver.
	DriverPod string
	// DriverService is the headless Service <prefix>-driver-svc.
	DriverService string
	// ConfigMap holds spark.properties and the executor pod template: <prefix>-driver-conf-map.
	ConfigMap string
	// NetworkPolicy is the Spark 4.2+ driver NetworkPolicy <prefix>-policy.
	NetworkPolicy string
	// ExecutorPrefix is spark.kubernetes.executor.podNamePrefix; executors are <prefix>-exec-<id>.
	ExecutorPrefix string
	// UIService and UIIngress expose the live Spark UI when spec.ui asks for them.
	UIService, UIIngress string
}

// NamesFor returns the names of the given attempt of the application with this name and UID.
func NamesFor(appName string, appUID types.UID, attempt int32) Names {
	prefix := resourcePrefix(appName, attempt)
	return Names{
		Prefix:         prefix,
		AppID:          AppID(appUID, attempt),
		DriverPod:      prefix + "-driver",
		DriverService:  prefix + "-driver-svc",
		ConfigMap:      prefix + "-driver-conf-map",
		NetworkPolicy:  prefix + "-policy",
		ExecutorPrefix: prefix,
		UIService:      prefix + "-ui-svc",
		UIIngress:      prefix + "-ui-ingress",
	}
}

// AppID is the Spark application id of an attempt: like Spark's own "spark-" + 32 hex digits, but derived
// from the application's UID and the attempt number instead of a random UUID, so that it is stable across
// reconciles and unique across applications that reuse a name.
func AppID(appUID types.UID, attempt int32) string {
	sum := sha256.Sum256([]byte(string(appUID) + "/" + strconv.Itoa(int(attempt))))
	return "spark-" + hex.EncodeToString(sum[:16])
}

// resourcePrefix is <name>-<attempt> when the name is already a short DNS-1035 label. Otherwise the name is
// sanitised as Spark does (lower case, runs of other characters become one dash, leading digit replaced),
// shortened, and suffixed with 8 hex digits of its hash so that two names that sanitise alike stay apart.
func resourcePrefix(appName string, attempt int32) string {
	suffix := "-" + strconv.Itoa(int(attempt))
	clean := sanitize(appName)
	if clean == appName && len(clean)+len(suffix) <= MaxPrefixLength {
		return clean + suffix
	}
	sum := sha256.Sum256([]byte(appName))
	hash := "-" + hex.EncodeToString(sum[:4])
	room := MaxPrefixLength - len(hash) - len(suffix)
	if len(clean) > room {
		clean = strings.TrimRight(clean[:room], "-")
	}
	return clean + hash + suffix
}

// sanitize turns a name into the start of a DNS-1035 label: lower-case letters, digits and single dashes,
// starting with a letter.
func sanitize(name string) string {
	var b strings.Builder
	lastDash := true // drops leading dashes
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastDash = false
		case !lastDash:
			b.WriteByte('-')
			lastDash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "spark"
	}
	if out[0] >= '0' && out[0] <= '9' {
		out = "x" + out[1:]
	}
	return out
}

// AppNameLabel is the spark-app-name label value Spark derives from an application name: lower case, every
// character outside [a-z0-9-] a dash, runs of dashes collapsed, cut to 63 characters, and one dash trimmed
// from either end.
func AppNameLabel(appName string) string {
	var b strings.Builder
	lastDash := false
	for _, r := range strings.ToLower(strings.TrimSpace(appName)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			lastDash = false
			continue
		}
		if !lastDash {
			b.WriteByte('-')
			lastDash = true
		}
	}
	out := b.String()
	if len(out) > 63 {
		out = out[:63]
	}
	out = strings.TrimPrefix(out, "-")
	return strings.TrimSuffix(out, "-")
}
