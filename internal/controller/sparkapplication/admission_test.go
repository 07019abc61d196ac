package sparkapplication_test

import (
	"context"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestBadSpecsRejectedAtAdmission is the SparkApplication part of the bad-input catalogue: the CRD schema and
// CEL rules refuse each impossible spec as Invalid with a cause for exactly the field and the key words of
// the problem.
func TestBadSpecsRejectedAtAdmission(t *testing.T) {
	ns := env.Namespace(t)
	cases := []struct {
		name   string
		change func(*stokev1.SparkApplicationSpec)
		field  string // the exact path of the cause; "spec" for a rule on the whole spec
		words  []string
	}{
		{"negative driver cores", func(s *stokev1.SparkApplicationSpec) { s.Driver.Cores = ptr(int32(-1)) }, "spec.driver.cores", []string{"greater than or equal to 1"}},
		{"malformed memory", func(s *stokev1.SparkApplicationSpec) { s.Executor.Memory = ptr("4 gigs") }, "spec.executor.memory", []string{"should match"}},
		{"kubernetes-style memory", func(s *stokev1.SparkApplicationSpec) { s.Driver.Memory = ptr("1Gi") }, "spec.driver.memory", []string{"should match"}},
		{"malformed core request", func(s *stokev1.SparkApplicationSpec) { s.Driver.CoreRequest = ptr("half") }, "spec.driver.coreRequest", []string{"should match"}},
		{"zero overhead factor", func(s *stokev1.SparkApplicationSpec) { s.Driver.MemoryOverheadFactor = ptr("0") }, "spec.driver.memoryOverheadFactor", []string{"greater than 0"}},
		{"negative instances", func(s *stokev1.SparkApplicationSpec) { s.Executor.Instances = ptr(int32(-2)) }, "spec.executor.instances", []string{"greater than or equal to 0"}},
		{"unknown type", func(s *stokev1.SparkApplicationSpec) { s.Type = "Go" }, "spec.type", []string{"Java"}},
		{"unknown restart policy", func(s *stokev1.SparkApplicationSpec) { s.RestartPolicy.Type = "Sometimes" }, "spec.restartPolicy.type", []string{"Unsupported value", "OnFailure"}},
		{"min above max executors", func(s *stokev1.SparkApplicationSpec) {
			s.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, MinExecutors: ptr(int32(5)), MaxExecutors: ptr(int32(2))}
		}, "spec.dynamicAllocation", []string{"minExecutors must not exceed maxExecutors"}},
		{"initial below min", func(s *stokev1.SparkApplicationSpec) {
			s.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, MinExecutors: ptr(int32(2)), InitialExecutors: ptr(int32(1))}
		}, "spec.dynamicAllocation", []string{"initialExecutors must not be below minExecutors"}},
		{"operator-owned conf", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.kubernetes.namespace": "other"}
		}, "spec.sparkConf", []string{"keys Stoke owns"}},
		{"master URL in conf", func(s *stokev1.SparkApplicationSpec) { s.SparkConf = map[string]string{"spark.master": "local[*]"} }, "spec.sparkConf", []string{"keys Stoke owns", "spark.master"}},
		{"scala without main class", func(s *stokev1.SparkApplicationSpec) { s.MainClass = nil }, "spec", []string{"mainClass is required"}},
		{"python without file", func(s *stokev1.SparkApplicationSpec) {
			s.Type, s.MainClass, s.MainApplicationFile = stokev1.ApplicationTypePython, nil, nil
		}, "spec", []string{"mainApplicationFile is required"}},
		{"bad spark version", func(s *stokev1.SparkApplicationSpec) { s.SparkVersion = "latest" }, "spec.sparkVersion", []string{"should match"}},
		{"negative TTL", func(s *stokev1.SparkApplicationSpec) { s.TimeToLiveSeconds = ptr(int64(-5)) }, "spec.timeToLiveSeconds", []string{"greater than or equal to 0"}},
		{"empty image", func(s *stokev1.SparkApplicationSpec) { s.Image = "" }, "spec.image", []string{"at least 1 chars long"}},
		{"image with a space", func(s *stokev1.SparkApplicationSpec) { s.Image = "spark:3.5 latest" }, "spec.image", []string{"should match"}},
		{"role image with a space", func(s *stokev1.SparkApplicationSpec) { s.Executor.Image = ptr("my image") }, "spec.executor.image", []string{"should match"}},
		{"zero memory", func(s *stokev1.SparkApplicationSpec) { s.Executor.Memory = ptr("0") }, "spec.executor.memory", []string{"should match"}},
		{"zero memory with unit", func(s *stokev1.SparkApplicationSpec) { s.Driver.Memory = ptr("000g") }, "spec.driver.memory", []string{"should match"}},
		{"NUL in main class", func(s *stokev1.SparkApplicationSpec) { s.MainClass = ptr("org.example.Main\x00") }, "spec.mainClass", []string{"should match"}},
		{"main class with a space", func(s *stokev1.SparkApplicationSpec) { s.MainClass = ptr("org.example Main") }, "spec.mainClass", []string{"should match"}},
		{"NUL in an argument", func(s *stokev1.SparkApplicationSpec) { s.Arguments = []string{"ok", "bad\x00arg"} }, "spec.arguments[1]", []string{"should match"}},
		{"space in a URI host", func(s *stokev1.SparkApplicationSpec) { s.MainApplicationFile = ptr("https://my host/app.jar") }, "spec.mainApplicationFile", []string{"should match"}},
		{"space in a dependency", func(s *stokev1.SparkApplicationSpec) { s.Deps.Files = []string{"s3a://bucket/a b.txt"} }, "spec.deps.files[0]", []string{"should match"}},
		{"empty env name", func(s *stokev1.SparkApplicationSpec) { s.Driver.Env = []corev1.EnvVar{{Name: "", Value: "x"}} }, "spec.driver.env", []string{"env names must not be empty"}},
		{"reserved driver label", func(s *stokev1.SparkApplicationSpec) { s.Driver.Labels = map[string]string{"spark-role": "boss"} }, "spec.driver.labels", []string{"spark-role"}},
		{"reserved executor label", func(s *stokev1.SparkApplicationSpec) {
			s.Executor.Labels = map[string]string{"app.kubernetes.io/managed-by": "me"}
		}, "spec.executor.labels", []string{"must not set the keys Spark and Stoke set", "app.kubernetes.io/managed-by"}},
		{"too many cores", func(s *stokev1.SparkApplicationSpec) { s.Executor.Cores = ptr(int32(5000)) }, "spec.executor.cores", []string{"less than or equal to 1024"}},
		{"driver start timeout beyond 30 days", func(s *stokev1.SparkApplicationSpec) { s.Timeouts.DriverStartSeconds = ptr(int32(2592001)) }, "spec.timeouts.driverStartSeconds", []string{"less than or equal to 2592000"}},
		{"TTL beyond ten years", func(s *stokev1.SparkApplicationSpec) { s.TimeToLiveSeconds = ptr(int64(315360001)) }, "spec.timeToLiveSeconds", []string{"less than or equal to 315360000"}},
		{"two batch schedulers", func(s *stokev1.SparkApplicationSpec) {
			s.BatchScheduler = &stokev1.BatchScheduler{Volcano: &stokev1.VolcanoScheduling{}, YuniKorn: &stokev1.YuniKornScheduling{}}
		}, "spec.batchScheduler", []string{"set exactly one of volcano and yunikorn"}},
		{"no batch scheduler named", func(s *stokev1.SparkApplicationSpec) { s.BatchScheduler = &stokev1.BatchScheduler{} },
			"spec.batchScheduler", []string{"set exactly one of volcano and yunikorn"}},
		{"an unknown YuniKorn gang style", func(s *stokev1.SparkApplicationSpec) {
			s.BatchScheduler = &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{GangSchedulingStyle: "Strict"}}
		}, "spec.batchScheduler.yunikorn.gangSchedulingStyle", []string{"Unsupported value", "Soft", "Hard"}},
		{"UI TLS without a host", func(s *stokev1.SparkApplicationSpec) {
			s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{TLSSecretName: "cert"}}
		}, "spec.ui.ingress", []string{"tlsSecretName needs ui.ingress.host"}},
		{"UI regular expression path without a proxy base", func(s *stokev1.SparkApplicationSpec) {
			s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Path: "/pi(/|$)(.*)", PathType: ptr(networkingv1.PathTypeImplementationSpecific)}}
		}, "spec.ui.ingress", []string{"needs ui.ingress.proxyBase"}},
		{"UI path not starting with a slash", func(s *stokev1.SparkApplicationSpec) {
			s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Path: "spark"}}
		}, "spec.ui.ingress.path", []string{"should match"}},
		{"UI host with a capital", func(s *stokev1.SparkApplicationSpec) {
			s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Host: "Spark.example.com"}}
		}, "spec.ui.ingress.host", []string{"should match"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(ns, "bad-"+strings.ToLower(strings.ReplaceAll(tc.name, " ", "-")))
			tc.change(&app.Spec)
			if err := testenv.CheckInvalid(env.Client.Create(context.Background(), app), tc.field, tc.words...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestUnknownFieldRejectedWithStrictValidation(t *testing.T) {
	ns := env.Namespace(t)
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(newApp(ns, "typo"))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: raw}
	u.SetAPIVersion(stokev1.GroupVersion.String())
	u.SetKind("SparkApplication")
	_ = unstructured.SetNestedField(u.Object, "4g", "spec", "driver", "memmory")
	err = env.Client.Create(context.Background(), u, client.FieldValidation("Strict"))
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.driver.memmory"`) {
		t.Fatalf("want an unknown-field error, got %v", err)
	}
}

func TestValidSpecAccepted(t *testing.T) {
	ns := env.Namespace(t)
	app := newApp(ns, "good")
	app.Spec.Driver.Memory, app.Spec.Driver.MemoryOverheadFactor = ptr("2g"), ptr("0.2")
	app.Spec.Driver.CoreRequest, app.Spec.Driver.CoreLimit = ptr("500m"), ptr("1.5")
	app.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, MinExecutors: ptr(int32(1)), InitialExecutors: ptr(int32(2)), MaxExecutors: ptr(int32(4))}
	create(t, app)
	got := getApp(t, ns, "good")
	if got.Spec.RestartPolicy.Type != stokev1.RestartNever || *got.Spec.RestartPolicy.OnFailureRetries != 3 {
		t.Errorf("defaults not applied: %+v", got.Spec.RestartPolicy)
	}
}

func TestSampleApplicationAccepted(t *testing.T) {
	ns := env.Namespace(t)
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "spark-pi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app := &stokev1.SparkApplication{}
	if err := stokev1.UnmarshalStrict(data, app); err != nil {
		t.Fatalf("sample does not decode strictly: %v", err)
	}
	app.Namespace = ns
	if err := env.Client.Create(context.Background(), app, client.DryRunAll, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("sample rejected: %v", err)
	}
}

// TestTemplateMetadataKept: labels and annotations in a role's pod template are part of the schema, so the
// API server neither prunes them (nothing a user submitted is lost) nor rejects them under strict validation.
func TestTemplateMetadataKept(t *testing.T) {
	ns := env.Namespace(t)
	app := newApp(ns, "tpl")
	app.Spec.Driver.Template = &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"team": "data"}, Annotations: map[string]string{"cost-center": "42"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "spark-kubernetes-driver"}}},
	}
	app.Spec.Executor.Template = &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"tier": "batch"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "spark-kubernetes-executor"}}},
	}
	if err := env.Client.Create(context.Background(), app, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("template metadata rejected: %v", err)
	}
	got := getApp(t, ns, "tpl")
	if got.Spec.Driver.Template.Labels["team"] != "data" || got.Spec.Driver.Template.Annotations["cost-center"] != "42" ||
		got.Spec.Executor.Template.Labels["tier"] != "batch" {
		t.Errorf("template metadata pruned: driver %+v, executor %+v", got.Spec.Driver.Template.ObjectMeta, got.Spec.Executor.Template.ObjectMeta)
	}
}

// createRaw creates a valid application whose spec the change edits as JSON, for values the Go types cannot
// hold.
func createRaw(ns, name string, change func(spec map[string]any)) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(newApp(ns, name))
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	u.SetAPIVersion(stokev1.GroupVersion.String())
	u.SetKind("SparkApplication")
	change(u.Object["spec"].(map[string]any))
	return env.Client.Create(context.Background(), u)
}
