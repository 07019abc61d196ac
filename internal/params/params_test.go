package params

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/stokehq/stoke/api/v1alpha1"
)

func TestExpand(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	values := Values{
		ScheduledTime:                       Time(time.Date(2026, 3, 29, 0, 30, 0, 0, berlin)),
		Param("table"):                      "orders",
		Param("region"):                     "eu-West",
		StepOutput("load-orders", "Result"): "1234",
		Item:                                "2026-03",
		Param("empty"):                      "",
		Param("braces"):                     "{{ .Item }}",
	}
	tests := []struct {
		name, text, want string
	}{
		{"no references", "plain --flag=1", "plain --flag=1"},
		{"empty", "", ""},
		{"one value", "{{.Params.table}}", "orders"},
		{"spaces inside", "--t={{   .Params.table   }}!", "--t=orders!"},
		{"several", "s3a://lake/{{ .Params.table }}/{{ .Item }}/part", "s3a://lake/orders/2026-03/part"},
		{"dash in a step name", "{{ .Steps.load-orders.Result }}", "1234"},
		{"empty value is a value", "[{{ .Params.empty }}]", "[]"},
		{"date in the given zone", `{{ .ScheduledTime | date "2006-01-02" }}`, "2026-03-29"},
		{"date with hours", `{{ .ScheduledTime | date "2006/01/02/15" }}`, "2026/03/29/00"},
		{"raw time", `{{ .ScheduledTime }}`, "2026-03-29T00:30:00+01:00"},
		{"yesterday", `{{ .ScheduledTime | addDays -1 | date "2006-01-02" }}`, "2026-03-28"},
		{"next day across DST keeps the offset given", `{{ .ScheduledTime | addDays 1 }}`, "2026-03-30T00:30:00+01:00"},
		{"upper", "{{ .Params.region | upper }}", "EU-WEST"},
		{"lower", "{{ .Params.region | lower }}", "eu-west"},
		{"literal braces", `{{ "{{" }}x{{ "}}" }}`, "{{x}}"},
		{"literal with a closing brace pair inside", `{{ "a}}b" | upper }}`, "A}}B"},
		{"escaped quote in a literal", `{{ "say \"hi\"" }}`, `say "hi"`},
		{"spark placeholders pass through", "-Dapp={{APP_ID}} -Dexec={{EXECUTOR_ID}}", "-Dapp={{APP_ID}} -Dexec={{EXECUTOR_ID}}"},
		{"stray closing braces are text", "a }} b", "a }} b"},
		{"values are not expanded again", "{{ .Params.braces }}", "{{ .Item }}"},
		{"single braces are text", "${x} {y}", "${x} {y}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.text, values)
			if err != nil {
				t.Fatalf("Expand(%q): %v", tt.text, err)
			}
			if got != tt.want {
				t.Errorf("Expand(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	values := Values{ScheduledTime: "2026-01-02T03:04:05Z", Param("table"): "orders", Param("big"): strings.Repeat("x", 40<<10)}
	tests := []struct {
		name, text, want string
		unknown          bool
	}{
		{"unknown parameter", "--t={{ .Params.tabel }}", "{{ .Params.tabel }}: unknown parameter .Params.tabel", true},
		{"case matters", "{{ .scheduledTime }}", "{{ .scheduledTime }}: unknown parameter .scheduledTime", true},
		{"missing dot", "{{ Params.table }}", "{{ Params.table }}: Params.table: a reference starts with a dot, as in .Params.table", false},
		{"bare word", "{{ table }}", "{{ table }}: table: a reference starts with a dot, as in .table", false},
		{"empty action", "{{ }}", "{{ }}: is empty: write a reference such as {{ .Params.date }}", false},
		{"unclosed", "--t={{ .Params.table", `"{{ .Params.table" has no closing }}`, false},
		{"unclosed string", `{{ "abc }}`, `string "abc }} is not closed`, false},
		{"bad name", "{{ .Params..x }}", "{{ .Params..x }}: .Params..x is not a valid name: each part starts with a letter, as in .Params.date", false},
		{"name part starting with a digit", "{{ .Params.1x }}", "{{ .Params.1x }}: .Params.1x is not a valid name: each part starts with a letter, as in .Params.date", false},
		{"unknown function", "{{ .Params.table | printf }}", `{{ .Params.table | printf }}: unknown function "printf" (the functions are date, addDays, upper, lower)`, false},
		{"go template range", "{{ range .Params }}", "{{ range .Params }}: range: a reference starts with a dot, as in .range", false},
		{"pipe without function", "{{ .Params.table | }}", "{{ .Params.table | }}: | must be followed by a function (date, addDays, upper, lower)", false},
		{"two values", "{{ .Params.table .Item }}", "{{ .Params.table .Item }}: unexpected .Item after the value: functions are applied with |", false},
		{"missing argument", "{{ .ScheduledTime | date }}", "{{ .ScheduledTime | date }}: function date takes 1 argument(s), got 0", false},
		{"extra argument", `{{ .Params.table | upper "x" }}`, `{{ .Params.table | upper "x" }}: function upper takes 0 argument(s), got 1`, false},
		{"date of a non-time", `{{ .Params.table | date "2006" }}`, `{{ .Params.table | date "2006" }}: date: "orders" is not a time (RFC 3339, like 2026-01-02T03:04:05Z)`, false},
		{"addDays not a number", `{{ .ScheduledTime | addDays "x" }}`, `{{ .ScheduledTime | addDays "x" }}: addDays: needs a whole number of days between -1000000 and 1000000, not x`, false},
		{"addDays too far", `{{ .ScheduledTime | addDays 99999999 }}`, `{{ .ScheduledTime | addDays 99999999 }}: addDays: needs a whole number of days between -1000000 and 1000000, not 99999999`, false},
		{"output bound", "{{ .Params.big }}{{ .Params.big }}", "result is longer than 65536 bytes", false},
		{"trim markers are not supported", "{{- .Params.table }}", "{{- .Params.table }}: -: a reference starts with a name such as .Params.date", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.text, values)
			if err == nil {
				t.Fatalf("Expand(%q) = %q, want an error", tt.text, got)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if errors.Is(err, ErrUnknownParameter) != tt.unknown {
				t.Errorf("errors.Is(ErrUnknownParameter) = %v, want %v", !tt.unknown, tt.unknown)
			}
		})
	}
}

func TestNames(t *testing.T) {
	names, err := Names(`{{ .ScheduledTime | date "2006" }}/{{ .Params.a }}{{APP_ID}}{{ "lit" }}/{{ .Params.a }}`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ScheduledTime", "Params.a", "Params.a"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if _, err := Names("{{ .x | nope }}"); err == nil {
		t.Error("Names accepted an unknown function")
	}
}

func templateSpec() *v1alpha1.SparkApplicationSpec {
	return &v1alpha1.SparkApplicationSpec{
		Type:                v1alpha1.ApplicationType("Scala"),
		SparkVersion:        "3.5.7",
		Image:               "registry.example/spark:{{ .Params.tag }}",
		MainApplicationFile: ptr.To("local:///opt/jobs/etl.jar"),
		MainClass:           ptr.To("com.example.Etl"),
		Arguments:           []string{`--date={{ .ScheduledTime | date "2006-01-02" }}`, "--table", "{{ .Params.table }}"},
		SparkConf: map[string]string{
			"spark.sql.shuffle.partitions":    "200",
			"spark.executor.extraJavaOptions": "-Dapp={{APP_ID}} -Drun={{ .Params.table }}",
		},
		Driver: v1alpha1.DriverSpec{SparkPodSpec: v1alpha1.SparkPodSpec{
			Cores:  ptr.To(int32(1)),
			Memory: ptr.To("1g"),
			Env:    []corev1.EnvVar{{Name: "RUN_DATE", Value: `{{ .ScheduledTime | date "20060102" }}`}},
		}},
		Executor: v1alpha1.ExecutorSpec{
			SparkPodSpec: v1alpha1.SparkPodSpec{
				Labels: map[string]string{"table": "{{ .Params.table }}"},
				Template: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:      "spark-kubernetes-executor",
					Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}},
				}}}},
			},
			Instances: ptr.To(int32(3)),
		},
		TimeToLiveSeconds: ptr.To(int64(1) << 40),
	}
}

func TestSubstitute(t *testing.T) {
	spec := templateSpec()
	original := spec.DeepCopy()
	values := Values{ScheduledTime: "2026-10-25T02:30:00+01:00", Param("table"): "orders", Param("tag"): "3.5.7-v2"}

	got, err := Substitute(spec, values)
	if err != nil {
		t.Fatalf("Substitute: %v", err)
	}
	want := original.DeepCopy()
	want.Image = "registry.example/spark:3.5.7-v2"
	want.Arguments = []string{"--date=2026-10-25", "--table", "orders"}
	want.SparkConf["spark.executor.extraJavaOptions"] = "-Dapp={{APP_ID}} -Drun=orders"
	want.Driver.Env[0].Value = "20261025"
	want.Executor.Labels["table"] = "orders"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("substituted spec (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(original, spec); diff != "" {
		t.Errorf("Substitute changed its input (-before +after):\n%s", diff)
	}
}

func TestSubstituteWithoutReferencesIsIdentity(t *testing.T) {
	spec := templateSpec()
	spec.Image = "spark:3.5.7"
	spec.Arguments = []string{"a", "{{APP_ID}}"}
	spec.SparkConf = map[string]string{"k": "v"}
	spec.Driver.Env = nil
	spec.Executor.Labels = nil
	got, err := Substitute(spec, nil)
	if err != nil {
		t.Fatalf("Substitute: %v", err)
	}
	if diff := cmp.Diff(spec, got); diff != "" {
		t.Errorf("round trip changed the spec (-want +got):\n%s", diff)
	}
}

func TestSubstituteErrorsNameTheField(t *testing.T) {
	values := Values{ScheduledTime: "2026-10-25T02:30:00+01:00", Param("table"): "orders", Param("tag"): "v2"}
	tests := []struct {
		name   string
		mutate func(*v1alpha1.SparkApplicationSpec)
		want   string
	}{
		{"argument", func(s *v1alpha1.SparkApplicationSpec) { s.Arguments[2] = "{{ .Params.tabel }}" },
			"spec.arguments[2]: {{ .Params.tabel }}: unknown parameter .Params.tabel"},
		{"sparkConf value", func(s *v1alpha1.SparkApplicationSpec) {
			s.SparkConf["spark.sql.shuffle.partitions"] = "{{ .Params.parts }}"
		},
			`spec.sparkConf["spark.sql.shuffle.partitions"]: {{ .Params.parts }}: unknown parameter .Params.parts`},
		{"env value", func(s *v1alpha1.SparkApplicationSpec) { s.Driver.Env[0].Value = "{{ .Params.x | nope }}" },
			`spec.driver.env[0].value: {{ .Params.x | nope }}: unknown function "nope" (the functions are date, addDays, upper, lower)`},
		{"label value", func(s *v1alpha1.SparkApplicationSpec) { s.Executor.Labels["table"] = "{{ .Item }}" },
			"spec.executor.labels.table: {{ .Item }}: unknown parameter .Item"},
		{"first error in a stable order", func(s *v1alpha1.SparkApplicationSpec) {
			s.Arguments[0] = "{{ .Params.b }}"
			s.Image = "{{ .Params.a }}"
		}, "spec.arguments[0]: {{ .Params.b }}: unknown parameter .Params.b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := templateSpec()
			tt.mutate(spec)
			got, err := Substitute(spec, values)
			if err == nil {
				t.Fatalf("Substitute accepted it: %+v", got)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	refs, err := References(templateSpec())
	if err != nil {
		t.Fatal(err)
	}
	want := []Reference{
		{Path: "spec.arguments[0]", Name: "ScheduledTime"},
		{Path: "spec.arguments[2]", Name: "Params.table"},
		{Path: "spec.driver.env[0].value", Name: "ScheduledTime"},
		{Path: "spec.executor.labels.table", Name: "Params.table"},
		{Path: "spec.image", Name: "Params.tag"},
		{Path: `spec.sparkConf["spark.executor.extraJavaOptions"]`, Name: "Params.table"},
	}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	bad := templateSpec()
	bad.Arguments = []string{"{{ .Params.x"}
	if _, err := References(bad); err == nil || err.Error() != `spec.arguments[0]: "{{ .Params.x" has no closing }}` {
		t.Errorf("References error = %v", err)
	}
}
