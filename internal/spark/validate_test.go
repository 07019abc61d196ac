package spark

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestValidateRefusesWhatCanOnlyFailLater: each spec would give a driver whose executors, or whose Spark
// start-up, fail later; Build refuses it before anything exists, with the field and the user's value.
func TestValidateRefusesWhatCanOnlyFailLater(t *testing.T) {
	cases := []struct {
		name   string
		change func(*stokev1.SparkApplication)
		want   []string
	}{
		{"executor CPU limit below request", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Cores, a.Spec.Executor.CoreLimit = ptr(int32(2)), ptr("500m")
		}, []string{"spec.executor.coreLimit", `"500m"`, "below the CPU request 2 (spec.executor.cores)"}},
		{"limit below request, both from sparkConf", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.executor.request.cores": "2", "spark.kubernetes.executor.limit.cores": "1"}
		}, []string{"spec.sparkConf[spark.kubernetes.executor.limit.cores]", "spec.sparkConf[spark.kubernetes.executor.request.cores]"}},
		{"unparsable executor memory in sparkConf", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.executor.memory": "4 gigs"}
		}, []string{"spec.sparkConf[spark.executor.memory]", `"4 gigs"`}},
		{"unparsable executor core request", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.executor.request.cores": "lots"}
		}, []string{"spec.sparkConf[spark.kubernetes.executor.request.cores]", `"lots"`}},
		{"absurd core request", func(a *stokev1.SparkApplication) { a.Spec.Driver.CoreRequest = ptr("99999999999999999999") },
			[]string{"spec.driver.coreRequest", "65536 cores"}},
		{"heap of 95 EiB", func(a *stokev1.SparkApplication) { a.Spec.Driver.Memory = ptr("97280p") }, []string{"spec.driver.memory", `"97280p"`, "64 TiB"}},
		{"heap overflowing int64", func(a *stokev1.SparkApplication) { a.Spec.Executor.Memory = ptr("9999999999999999p") }, []string{"spec.executor.memory", "too large"}},
		{"overhead overflowing the sum", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Memory, a.Spec.Executor.MemoryOverhead = ptr("8000000p"), ptr("8000000p")
		}, []string{"spec.executor.memory", "more than"}},
		{"heap below 1m", func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{"spark.driver.memory": "1k"} }, []string{"spec.sparkConf[spark.driver.memory]", "at least 1m"}},
		{"reserved driver label in spec", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Labels = map[string]string{"spark-role": "x"}
		}, []string{"spec.driver.labels[spark-role]", "cannot be set"}},
		{"reserved driver label in sparkConf", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.label.spark-app-selector": "x"}
		}, []string{"spec.sparkConf[spark.kubernetes.driver.label.spark-app-selector]"}},
		{"reserved executor label in the template", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Template = &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"spark-exec-id": "7"}}}
		}, []string{"spec.executor.template.metadata.labels[spark-exec-id]"}},
		{"Stoke's managed-by label", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Labels = map[string]string{"app.kubernetes.io/managed-by": "me"}
		}, []string{"spec.executor.labels[app.kubernetes.io/managed-by]"}},
		{"invalid executor label value", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Labels = map[string]string{"team": "data science"}
		}, []string{"spec.executor.labels[team]", `"data science"`}},
		{"invalid executor label key", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Labels = map[string]string{"-bad": "x"}
		}, []string{"spec.executor.labels[-bad]"}},
		{"reserved annotation", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Annotations = map[string]string{"stoke.dev/application": "other"}
		}, []string{"spec.driver.annotations[stoke.dev/application]"}},
		{"invalid annotation key", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Annotations = map[string]string{"no spaces": "x"}
		}, []string{"spec.executor.annotations", "no spaces"}},
		{"driver port 0", func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{"spark.driver.port": "0"} }, []string{"spec.sparkConf[spark.driver.port]", `"0"`, "1 to 65535"}},
		{"UI port not a number", func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{"spark.ui.port": "http"} }, []string{"spec.sparkConf[spark.ui.port]"}},
		{"two driver ports alike", func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{"spark.ui.port": "7078"} }, []string{"spec.sparkConf[spark.ui.port]", "also the driver's spark.driver.port"}},
		{"sidecar on the UI port", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Sidecars = []corev1.Container{{Name: "proxy", Image: "envoy", Ports: []corev1.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 4040}}}}
		}, []string{"spec.driver.sidecars[0].ports[1].containerPort", "4040"}},
		{"sidecar on a moved driver port", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.driver.port": "9000"}
			a.Spec.Driver.Sidecars = []corev1.Container{{Name: "proxy", Image: "envoy", Ports: []corev1.ContainerPort{{ContainerPort: 9000}}}}
		}, []string{"spec.driver.sidecars[0].ports[0].containerPort"}},
		{"template container on the block manager port", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: DriverContainerName}, {Name: "agent", Image: "agent", Ports: []corev1.ContainerPort{{ContainerPort: 7079}}}}}}
		}, []string{"spec.driver.template.spec.containers[1].ports[0].containerPort"}},
		{"URI host with a bad character", func(a *stokev1.SparkApplication) {
			a.Spec.Deps.Jars = []string{"https://repo.example.com/a.jar", "https://exa^mple.com/b.jar"}
		}, []string{"spec.deps.jars[1]", "exa^mple.com"}},
		{"remote URI without host", func(a *stokev1.SparkApplication) { a.Spec.MainApplicationFile = ptr("https:///app.jar") }, []string{"spec.mainApplicationFile", "needs a host"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := scalaApp()
			tc.change(app)
			_, err := Build(app, 1)
			var invalid *InvalidSpecError
			if !errors.As(err, &invalid) {
				t.Fatalf("want an InvalidSpecError, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestUserDriverPortsAreHonoured: spark-submit takes the driver's ports from spark.driver.port,
// spark.driver.blockManager.port (the container also from spark.blockManager.port) and spark.ui.port, for
// the container, the Service and the properties the driver reads; Stoke does the same.
func TestUserDriverPortsAreHonoured(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkVersion = "4.3.0"
	app.Spec.SparkConf = map[string]string{"spark.driver.port": "7100", "spark.blockManager.port": "7300", "spark.ui.port": "4050",
		"spark.connect.grpc.binding.port": "15010"}
	objs := mustBuild(t, app)
	got := map[string]int32{}
	for _, p := range sparkContainer(t, objs.DriverPod, DriverContainerName).Ports {
		got["container/"+p.Name] = p.ContainerPort
	}
	for _, p := range objs.Service.Spec.Ports {
		got["service/"+p.Name] = p.Port
		if p.TargetPort.IntVal != p.Port {
			t.Errorf("service port %s targets %v", p.Name, p.TargetPort)
		}
	}
	want := map[string]int32{
		"container/driver-rpc-port": 7100, "container/blockmanager": 7300, "container/spark-ui": 4050, "container/spark-connect": 15010,
		"service/driver-rpc-port": 7100, "service/blockmanager": 7079, "service/spark-ui": 4050, "service/spark-connect": 15010,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	if objs.Properties["spark.driver.port"] != "7100" || objs.Properties["spark.driver.blockManager.port"] != "7079" {
		t.Errorf("properties: spark.driver.port=%s spark.driver.blockManager.port=%s", objs.Properties["spark.driver.port"], objs.Properties["spark.driver.blockManager.port"])
	}
	if UIPortOf(app.Spec.SparkConf) != 4050 {
		t.Errorf("UIPortOf = %d", UIPortOf(app.Spec.SparkConf))
	}
}
