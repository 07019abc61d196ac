package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// Manifests lists the kubeflow SparkApplication manifests under testdata (every file but scheduled.yaml,
// which TestConvertScheduled covers).
func manifests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if filepath.Base(f) != "scheduled.yaml" {
			out = append(out, f)
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d kubeflow manifests in testdata", len(out))
	}
	return out
}

// TestConvertGolden converts every kubeflow manifest and compares the YAML (with its report comments) with
// testdata/golden; STOKE_UPDATE_GOLDEN=1 rewrites them. stderr carries one warning per dropped field.
func TestConvertGolden(t *testing.T) {
	for _, file := range manifests(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := (&Options{File: file}).Run(&out, &errOut); err != nil {
				t.Fatalf("convert: %v", err)
			}
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(filepath.Base(file), ".yaml")+".stoke.yaml")
			if os.Getenv("STOKE_UPDATE_GOLDEN") != "" {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("golden file (STOKE_UPDATE_GOLDEN=1 writes it): %v", err)
			}
			if string(want) != out.String() {
				t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", golden, want, out.String())
			}
			commented := strings.Count(out.String(), "\n#   ") - countNotes(out.String())
			warnings := strings.Count(errOut.String(), "warning: ")
			if commented != warnings {
				t.Errorf("%d dropped fields in comments but %d warnings on stderr:\n%s", commented, warnings, errOut.String())
			}
			// Every document decodes strictly into Stoke's type.
			for _, doc := range strings.Split(out.String(), "\n---\n") {
				app := &stokev1.SparkApplication{}
				if err := stokev1.UnmarshalStrict([]byte(doc), app); err != nil {
					t.Errorf("converted document does not decode strictly: %v", err)
				}
			}
		})
	}
}

func countNotes(s string) int {
	_, notes, ok := strings.Cut(s, "# Converted to another shape:\n")
	if !ok {
		return 0
	}
	n := 0
	for _, doc := range strings.Split(s, "# Converted to another shape:\n")[1:] {
		for _, line := range strings.Split(doc, "\n") {
			if !strings.HasPrefix(line, "#   ") {
				break
			}
			n++
		}
	}
	_ = notes
	return n
}

// TestConvertReportsEveryDroppedField checks specific translations and reports, so a golden update cannot
// silently lose them.
func TestConvertReportsEveryDroppedField(t *testing.T) {
	read := func(name string) []Document {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := ConvertAll(data, name)
		if err != nil {
			t.Fatal(err)
		}
		return docs
	}
	has := func(list []string, prefix string) bool {
		for _, s := range list {
			if strings.HasPrefix(s, prefix) {
				return true
			}
		}
		return false
	}
	mon := read("13-monitoring-ui.yaml")[0]
	for _, f := range []string{"spec.monitoring.prometheus", "spec.sparkUIOptions.servicePort", "spec.driverIngressOptions"} {
		if !has(mon.Report.Dropped, f+":") {
			t.Errorf("%s not reported as dropped: %v", f, mon.Report.Dropped)
		}
	}
	if ui := mon.App.Spec.UI; ui == nil || ui.Service.Type != "NodePort" || ui.Ingress == nil ||
		ui.Ingress.Annotations["kubernetes.io/ingress.class"] != "nginx" || !has(mon.Report.Notes, "spec.sparkUIOptions:") {
		t.Errorf("sparkUIOptions should map to spec.ui (a NodePort Service and an Ingress with the annotations) with a note: %+v, notes %v", ui, mon.Report.Notes)
	}
	if !has(mon.Report.Notes, "spec.monitoring:") || mon.App.Spec.Monitoring.Metrics != nil {
		t.Errorf("exposed kubeflow metrics should map to Stoke's default metrics with a note: metrics %v, notes %v", mon.App.Spec.Monitoring.Metrics, mon.Report.Notes)
	}
	multi := read("17-multi-document.yaml")
	if len(multi) != 2 {
		t.Fatalf("want 2 documents, got %d", len(multi))
	}
	first, second := multi[0], multi[1]
	for _, f := range []string{"metadata.finalizers", "spec.failureRetries", "spec.retryInterval"} {
		if !has(first.Report.Dropped, f+":") {
			t.Errorf("%s not reported: %v", f, first.Report.Dropped)
		}
	}
	if first.App.UID != "" || first.App.ResourceVersion != "" || first.App.Namespace != "jobs" {
		t.Errorf("server-set metadata kept or namespace lost: %+v", first.App.ObjectMeta)
	}
	for _, f := range []string{"spec.mode:", "spec.unknownField: not a kubeflow v1beta2 field"} {
		if !has(second.Report.Dropped, f) {
			t.Errorf("%s not reported: %v", f, second.Report.Dropped)
		}
	}
	if second.App.Spec.Image != "spark-py:3.5.7" || second.App.Spec.SparkConf != nil {
		t.Errorf("image from sparkConf: image %q, conf %v", second.App.Spec.Image, second.App.Spec.SparkConf)
	}
	conf := read("05-conf.yaml")[0]
	if _, ok := conf.App.Spec.SparkConf["spark.master"]; ok || !has(conf.Report.Dropped, "spec.sparkConf[spark.master]") {
		t.Errorf("owned key spark.master kept or not reported: %v", conf.Report.Dropped)
	}
	if conf.App.Spec.SparkConf["spark.kubernetes.hadoop.configMapName"] != "hadoop-conf" {
		t.Errorf("hadoopConfigMap not translated: %v", conf.App.Spec.SparkConf)
	}
	da := read("12-dynamic-allocation.yaml")[0].App.Spec.DynamicAllocation
	if da == nil || *da.ShuffleTrackingTimeoutSeconds != 61 || *da.MaxExecutors != 10 {
		t.Errorf("dynamic allocation: %+v", da)
	}
}

func TestConvertRefusals(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"only a stoke manifest", "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata:\n  name: a\n", "no kubeflow sparkoperator.k8s.io/v1beta2 manifest"},
		{"other kind", "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: Pod\n", `kind "Pod"`},
		{"only another API", "apiVersion: v1\nkind: ConfigMap\n", "no kubeflow"},
		{"invalid YAML", "apiVersion: [\n", "invalid YAML"},
		{"no image", "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata:\n  name: a\nspec:\n  type: Python\n  sparkVersion: 3.5.7\n  mainApplicationFile: local:///a.py\n", "no image"},
		{"empty", "# nothing\n", "no kubeflow"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.doc)
			_, err := ConvertAll(data, "in.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !cmderr.IsUsage(err) {
				t.Fatalf("want a usage error containing %q, got %v", tc.want, err)
			}
		})
	}
	var out, errOut bytes.Buffer
	err := (&Options{File: filepath.Join("testdata", "13-monitoring-ui.yaml"), Strict: true}).Run(&out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no Stoke equivalent") {
		t.Errorf("--strict with dropped fields: %v", err)
	}
}

func TestConvertScheduled(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "scheduled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ConvertAll(data, "scheduled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := docs[0].Schedule
	if s == nil || s.Kind != "ScheduledSparkApplication" || s.Name != "nightly" || s.Spec.Schedule != "@daily" ||
		s.Spec.ConcurrencyPolicy != "Forbid" {
		t.Fatalf("converted schedule: %+v", s)
	}
	app := s.Spec.Template.Application
	if app == nil || app.Type != "Scala" || app.MainClass == nil || *app.MainClass != "com.example.Nightly" || app.Image != "spark:3.5.7" {
		t.Errorf("template application: %+v", app)
	}
	if len(docs[0].Report.Dropped) != 0 {
		t.Errorf("dropped: %v", docs[0].Report.Dropped)
	}
	if !strings.Contains(string(docs[0].YAML), "kind: ScheduledSparkApplication\n") || !strings.Contains(string(docs[0].YAML), "  template:\n    application:\n") {
		t.Errorf("YAML:\n%s", docs[0].YAML)
	}

	extra := "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: ScheduledSparkApplication\nmetadata:\n  name: x\nspec:\n  schedule: \"@hourly\"\n  runHistoryLimit: 3\n  template:\n    type: Python\n    sparkVersion: 3.5.7\n    image: spark\n    mainApplicationFile: local:///a.py\n    bogus: 1\n"
	docs, err = ConvertAll([]byte(extra), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dropped := strings.Join(docs[0].Report.Dropped, "\n")
	if !strings.Contains(dropped, "spec.runHistoryLimit: ") || !strings.Contains(dropped, "spec.template.bogus: ") {
		t.Errorf("unknown fields not reported: %v", docs[0].Report.Dropped)
	}
	if _, err := ConvertAll([]byte("apiVersion: sparkoperator.k8s.io/v1beta2\nkind: ScheduledSparkApplication\nmetadata:\n  name: x\nspec: {}\n"), "x.yaml"); err == nil || !strings.Contains(err.Error(), "spec.schedule is missing") {
		t.Errorf("no schedule: %v", err)
	}
}

func TestConvertPassesOtherDocumentsThrough(t *testing.T) {
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n"
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: x\n"
	app := "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata:\n  name: pi\nspec:\n  type: Scala\n" +
		"  sparkVersion: 3.5.7\n  image: spark:3.5.7\n  mainClass: org.apache.spark.examples.SparkPi\n" +
		"  mainApplicationFile: local:///opt/spark/examples/jars/spark-examples.jar\n"
	var out, errOut bytes.Buffer
	in := "---\n" + configMap + "---\n" + app + "---\n" + secret
	if err := (&Options{File: "-", In: strings.NewReader(in)}).Run(&out, &errOut); err != nil {
		t.Fatalf("convert: %v (%s)", err, errOut.String())
	}
	docs := strings.Split(out.String(), "---\n")
	if len(docs) != 3 {
		t.Fatalf("want 3 documents, got %d:\n%s", len(docs), out.String())
	}
	if docs[0] != configMap || docs[2] != secret {
		t.Errorf("the other documents changed or moved:\n%s", out.String())
	}
	converted := &stokev1.SparkApplication{}
	if err := stokev1.UnmarshalStrict([]byte(docs[1]), converted); err != nil || converted.APIVersion != "stoke.dev/v1alpha1" || converted.Name != "pi" {
		t.Errorf("the application was not converted (%v):\n%s", err, docs[1])
	}
}
