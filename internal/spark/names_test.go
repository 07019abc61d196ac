package spark

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
)

var appIDPattern = regexp.MustCompile(`^spark-[0-9a-f]{32}$`)

// hashedPrefix matches a prefix that was sanitised and suffixed with 8 hex digits of the name's hash.
var hashedPrefix = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?-[0-9a-f]{8}-[0-9]+$`)

func TestNamesForShortValidName(t *testing.T) {
	tests := []struct {
		name    string
		attempt int32
		prefix  string
	}{
		{"spark-pi", 1, "spark-pi-1"},
		{"spark-pi", 12, "spark-pi-12"},
		{"a", 3, "a-3"},
		{"etl2", 1, "etl2-1"},
		// 45 + len("-1") = 47: still fits.
		{strings.Repeat("a", 45), 1, strings.Repeat("a", 45) + "-1"},
	}
	for _, tc := range tests {
		t.Run(tc.prefix, func(t *testing.T) {
			n := NamesFor(tc.name, "uid-1", tc.attempt)
			want := Names{
				Prefix:         tc.prefix,
				AppID:          AppID("uid-1", tc.attempt),
				DriverPod:      tc.prefix + "-driver",
				DriverService:  tc.prefix + "-driver-svc",
				ConfigMap:      tc.prefix + "-driver-conf-map",
				NetworkPolicy:  tc.prefix + "-policy",
				ExecutorPrefix: tc.prefix,
				UIService:      tc.prefix + "-ui-svc",
				UIIngress:      tc.prefix + "-ui-ingress",
			}
			if n != want {
				t.Errorf("NamesFor(%q, %d) =\n  %+v\nwant\n  %+v", tc.name, tc.attempt, n, want)
			}
		})
	}
}

func TestNamesForHashedNames(t *testing.T) {
	tests := []struct {
		desc, name string
		// start is what the sanitised part of the prefix must start with.
		start string
	}{
		{"dots", "my.app", "my-app-"},
		{"upper case", "MyApp", "myapp-"},
		{"leading digit", "42app", "x2app-"},
		{"underscores and spaces", "_42 Crazy..Name__-", "x2-crazy-name-"},
		{"trailing dash", "abc-", "abc-"},
		{"nothing usable", "___", "spark-"},
		{"200 characters", strings.Repeat("b", 200), strings.Repeat("b", 10)},
		{"46 valid characters with a one-digit attempt", strings.Repeat("c", 46), strings.Repeat("c", 10)},
		{"long with dashes at the cut", strings.Repeat("ab-", 60), "ab-ab-"},
		{"non-ASCII", "Größe-Job", "gr-e-job-"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			n := NamesFor(tc.name, "uid-1", 1)
			if len(n.Prefix) > MaxPrefixLength {
				t.Errorf("prefix %q has %d characters, more than %d", n.Prefix, len(n.Prefix), MaxPrefixLength)
			}
			if !hashedPrefix.MatchString(n.Prefix) {
				t.Errorf("prefix %q is not <sanitised>-<8 hex>-<attempt>", n.Prefix)
			}
			if !strings.HasPrefix(n.Prefix, tc.start) {
				t.Errorf("prefix %q does not start with %q", n.Prefix, tc.start)
			}
			if !strings.HasSuffix(n.Prefix, "-1") {
				t.Errorf("prefix %q does not end with the attempt", n.Prefix)
			}
			if strings.Contains(n.Prefix, "--") {
				t.Errorf("prefix %q has a double dash", n.Prefix)
			}
			for _, svc := range []string{n.DriverService, n.UIService} {
				if errs := validation.IsDNS1035Label(svc); len(errs) > 0 {
					t.Errorf("service name %q: %v", svc, errs)
				}
			}
			for _, obj := range []string{n.DriverPod, n.ConfigMap, n.UIIngress} {
				if errs := validation.IsDNS1123Subdomain(obj); len(errs) > 0 {
					t.Errorf("object name %q: %v", obj, errs)
				}
			}
			// Executor pods are <prefix>-exec-<id>; with a 10-digit id they must still be a host name.
			if errs := validation.IsDNS1123Label(n.ExecutorPrefix + "-exec-1234567890"); len(errs) > 0 {
				t.Errorf("executor pod name from %q: %v", n.ExecutorPrefix, errs)
			}
			if n.DriverPod != n.Prefix+"-driver" || n.DriverService != n.Prefix+"-driver-svc" ||
				n.ConfigMap != n.Prefix+"-driver-conf-map" || n.ExecutorPrefix != n.Prefix {
				t.Errorf("derived names do not follow the prefix: %+v", n)
			}
		})
	}
}

func TestNamesForLargeAttemptStaysShort(t *testing.T) {
	n := NamesFor(strings.Repeat("z", 100), "uid", 2147483647)
	if len(n.Prefix) > MaxPrefixLength {
		t.Fatalf("prefix %q has %d characters", n.Prefix, len(n.Prefix))
	}
	if !strings.HasSuffix(n.Prefix, "-2147483647") {
		t.Errorf("prefix %q does not end with the attempt", n.Prefix)
	}
	if errs := validation.IsDNS1035Label(n.DriverService); len(errs) > 0 {
		t.Errorf("service name %q: %v", n.DriverService, errs)
	}
}

func TestNamesForNamesThatSanitiseAlikeStayApart(t *testing.T) {
	pairs := [][2]string{
		{"my.app", "my_app"},
		{"My-App", "my-app"},
		{"MY-APP", "My-App"},
		{strings.Repeat("x", 100) + "1", strings.Repeat("x", 100) + "2"},
		{"a..b", "a--b"},
	}
	for _, p := range pairs {
		a, b := NamesFor(p[0], "uid", 1), NamesFor(p[1], "uid", 1)
		if a.Prefix == b.Prefix {
			t.Errorf("%q and %q both give prefix %q", p[0], p[1], a.Prefix)
		}
	}
}

func TestNamesForIsDeterministic(t *testing.T) {
	for _, name := range []string{"spark-pi", "My.Odd_Name", strings.Repeat("q", 200)} {
		a := NamesFor(name, "0b5a2c9e-1111-2222-3333-444455556666", 7)
		b := NamesFor(name, "0b5a2c9e-1111-2222-3333-444455556666", 7)
		if a != b {
			t.Errorf("NamesFor(%q) differs between calls: %+v vs %+v", name, a, b)
		}
	}
}

func TestNamesForAttemptsDiffer(t *testing.T) {
	a, b := NamesFor("spark-pi", "uid", 1), NamesFor("spark-pi", "uid", 2)
	if a.Prefix == b.Prefix || a.AppID == b.AppID || a.DriverPod == b.DriverPod {
		t.Errorf("attempts 1 and 2 share names: %+v / %+v", a, b)
	}
}

func TestAppID(t *testing.T) {
	uids := []types.UID{"", "uid-a", "uid-b", "0b5a2c9e-1111-2222-3333-444455556666"}
	seen := map[string]string{}
	for _, uid := range uids {
		for _, attempt := range []int32{0, 1, 2, 10} {
			id := AppID(uid, attempt)
			if !appIDPattern.MatchString(id) {
				t.Errorf("AppID(%q, %d) = %q, want spark-<32 lower-case hex>", uid, attempt, id)
			}
			key := fmt.Sprintf("%s/%d", uid, attempt)
			if prev, dup := seen[id]; dup {
				t.Errorf("AppID(%q, %d) = %q, same as for %s", uid, attempt, id, prev)
			}
			seen[id] = key
			if again := AppID(uid, attempt); again != id {
				t.Errorf("AppID(%q, %d) is not deterministic: %q then %q", uid, attempt, id, again)
			}
		}
	}
	// Same name, different UIDs (a re-created application): different app ids, same object names.
	a, b := NamesFor("spark-pi", "uid-a", 1), NamesFor("spark-pi", "uid-b", 1)
	if a.AppID == b.AppID {
		t.Errorf("different UIDs give the same app id %q", a.AppID)
	}
	if a.DriverPod != b.DriverPod {
		t.Errorf("object names depend on the UID: %q vs %q", a.DriverPod, b.DriverPod)
	}
	if a.AppID != AppID("uid-a", 1) {
		t.Errorf("NamesFor.AppID = %q, AppID() = %q", a.AppID, AppID("uid-a", 1))
	}
}

func TestAppNameLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		// Cases from docs/reference/spark-submit-output.md.
		{"spark-pi", "spark-pi"},
		{"pyspark-pi", "pyspark-pi"},
		{"rich-app", "rich-app"},
		{"_42 Crazy..Name__-", "42-crazy-name"},
		{"My_Very_Long_Spark_Application_Name_With_UPPER_Case_Letters_And_Underscores_That_Is_Longer_Than_Kubernetes_Allows_0123456789",
			"my-very-long-spark-application-name-with-upper-case-letters-and"},
		// No leading-digit rule, surrounding white space trimmed first.
		{"  9lives  ", "9lives"},
		{"a--b", "a-b"},
		{"A.B_C d", "a-b-c-d"},
		{"---", ""},
		// Cut to 63, then one trailing dash dropped.
		{strings.Repeat("a", 62) + "_bcd", strings.Repeat("a", 62)},
		{strings.Repeat("a", 63) + "bcd", strings.Repeat("a", 63)},
		// Only one leading dash can exist after collapsing.
		{"__x", "x"},
	}
	for _, tc := range tests {
		if got := AppNameLabel(tc.in); got != tc.want {
			t.Errorf("AppNameLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := AppNameLabel(tc.in); len(got) > 63 {
			t.Errorf("AppNameLabel(%q) has %d characters", tc.in, len(got))
		}
	}
}
