package spark

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestOverheadFactorSources: the driver's own factor sizes the driver pod, wherever it is set, while
// spark.kubernetes.memoryOverheadFactor keeps the language default that executors fall back to.
func TestOverheadFactorSources(t *testing.T) {
	cases := []struct {
		name        string
		app         func() *stokev1.SparkApplication
		wantMemory  string
		wantDefault string
	}{
		{"driver factor in sparkConf", func() *stokev1.SparkApplication {
			a := scalaApp()
			a.Spec.SparkConf = map[string]string{"spark.driver.memoryOverheadFactor": "0.5"}
			return a
		}, "1536Mi", "0.1"},
		{"driver factor field does not leak into the default", func() *stokev1.SparkApplication {
			a := pythonApp()
			a.Spec.Driver.MemoryOverheadFactor = ptr("0.2")
			return a
		}, "1408Mi", "0.4"},
		{"global factor in sparkConf", func() *stokev1.SparkApplication {
			a := pythonApp()
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.memoryOverheadFactor": "0.5"}
			return a
		}, "1536Mi", "0.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := mustBuild(t, tc.app())
			c := sparkContainer(t, objs.DriverPod, DriverContainerName)
			if got := c.Resources.Limits.Memory().String(); got != tc.wantMemory {
				t.Errorf("driver memory = %s, want %s", got, tc.wantMemory)
			}
			if got := objs.Properties["spark.kubernetes.memoryOverheadFactor"]; got != tc.wantDefault {
				t.Errorf("spark.kubernetes.memoryOverheadFactor = %s, want %s", got, tc.wantDefault)
			}
		})
	}
}

// TestDependencyListsFromSparkConf: without deps in the spec, the sparkConf lists stay (as spark-submit uses
// --conf when the flag is absent); the primary jar is appended to spark.jars.
func TestDependencyListsFromSparkConf(t *testing.T) {
	scala := scalaApp()
	scala.Spec.SparkConf = map[string]string{"spark.jars": "https://x/a.jar"}
	if got, want := mustBuild(t, scala).Properties["spark.jars"], "https://x/a.jar,"+*scala.Spec.MainApplicationFile; got != want {
		t.Errorf("spark.jars = %q, want %q", got, want)
	}
	scala.Spec.SparkConf = nil
	scala.Spec.Deps.Jars = []string{"https://y/b.jar"}
	if got, want := mustBuild(t, scala).Properties["spark.jars"], "https://y/b.jar,"+*scala.Spec.MainApplicationFile; got != want {
		t.Errorf("spark.jars = %q, want %q", got, want)
	}
	python := pythonApp()
	python.Spec.Deps.PyFiles = nil
	python.Spec.SparkConf = map[string]string{"spark.submit.pyFiles": "https://x/h.py"}
	if got := mustBuild(t, python).Properties["spark.submit.pyFiles"]; got != "https://x/h.py" {
		t.Errorf("spark.submit.pyFiles = %q", got)
	}
}

// TestSpark4SubstitutesAppIDInDriverLabels: Spark 4 replaces {{APP_ID}} in driver label values (and so in the
// Service selector); Spark 3 leaves them alone, which makes a label value the API server refuses, so Stoke
// refuses it before creating anything and names the field.
func TestSpark4SubstitutesAppIDInDriverLabels(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkVersion = "4.3.0"
	app.Spec.Driver.Labels = map[string]string{"trace": "run-{{APP_ID}}"}
	objs := mustBuild(t, app)
	want := "run-" + objs.Names.AppID
	if got := objs.DriverPod.Labels["trace"]; got != want {
		t.Errorf("label = %q, want %q", got, want)
	}
	if got := objs.Service.Spec.Selector["trace"]; got != want {
		t.Errorf("selector = %q, want %q", got, want)
	}
	app.Spec.SparkVersion = "3.5.9"
	_, err := Build(app, 1)
	var invalid *InvalidSpecError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "spec.driver.labels[trace]") {
		t.Errorf("Spark 3.5 with {{APP_ID}} in a label: want an InvalidSpecError naming spec.driver.labels[trace], got %v", err)
	}
}

// TestSpark4KeepsNoPrivilegeEscalationWithUserSecurityContext: a user security context without an opinion
// on privilege escalation keeps Spark 4's default.
func TestSpark4KeepsNoPrivilegeEscalationWithUserSecurityContext(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkVersion = "4.3.0"
	app.Spec.Driver.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr(true)}
	c := sparkContainer(t, mustBuild(t, app).DriverPod, DriverContainerName)
	if sc := c.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("securityContext = %+v", sc)
	}
}

func TestParseMiBByteSuffixes(t *testing.T) {
	for in, want := range map[string]int64{"1048576b": 1, "1b": 0, "2097152B": 2, "1kb": 0, "2048kb": 2} {
		if got, err := ParseMiB(in); err != nil || got != want {
			t.Errorf("ParseMiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"+1g", "1x", "1bk", "g"} {
		if _, err := ParseMiB(bad); err == nil {
			t.Errorf("ParseMiB(%q) accepted", bad)
		}
	}
}

func TestDecodePropertiesLoneHighSurrogate(t *testing.T) {
	got, err := DecodeProperties(`k=\uD83D\u0041`)
	if err != nil {
		t.Fatal(err)
	}
	if v := got["k"]; len(v) < 1 || v[len(v)-1] != 'A' {
		t.Errorf("the character after a lone surrogate was lost: %q", v)
	}
}
