package scheduledsparkapplication

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestBuildRunGivesParameters(t *testing.T) {
	at := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	declared := []stokev1.ScheduleParameter{{Name: "table", Value: "all"}, {Name: "day", Value: "today"}}
	app := &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ingest", UID: "u"},
		Spec: stokev1.ScheduledSparkApplicationSpec{Parameters: declared, Template: stokev1.ScheduleTemplate{
			Application: &stokev1.SparkApplicationSpec{Arguments: []string{"--table={{ .Params.table }}", "--day={{ .Params.day }}", `--at={{ .ScheduledTime | date "15:04" }}`}},
		}},
	}
	obj, err := BuildRun(app, time.UTC, at, stokev1.RunTriggerHTTP, "ingest-1", RunValues(app, map[string]string{"table": "orders"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(obj.(*stokev1.SparkApplication).Spec.Arguments, " "); got != "--table=orders --day=today --at=16:00" {
		t.Errorf("application run arguments: %s", got)
	}
	if _, err := BuildRun(app, time.UTC, at, stokev1.RunTriggerHTTP, "ingest-2", RunValues(app, map[string]string{"tabel": "x"})); err != nil {
		t.Errorf("an unused value is harmless for an application: %v", err)
	}

	wf := &stokev1.ScheduledSparkApplication{
		ObjectMeta: app.ObjectMeta,
		Spec: stokev1.ScheduledSparkApplicationSpec{Parameters: declared, Template: stokev1.ScheduleTemplate{
			Workflow: &stokev1.SparkWorkflowSpec{Parameters: []stokev1.WorkflowParameter{{Name: "table"}, {Name: "day"}, {Name: "other"}}},
		}},
	}
	obj, err = BuildRun(wf, time.UTC, at, stokev1.RunTriggerHTTP, "ingest-3", RunValues(wf, map[string]string{"table": "orders"}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range obj.(*stokev1.SparkWorkflow).Spec.Parameters {
		if p.Value != nil {
			got[p.Name] = *p.Value
		}
	}
	if len(got) != 2 || got["table"] != "orders" || got["day"] != "today" {
		t.Errorf("workflow run parameters: %v (the template's own undeclared one stays unset)", got)
	}
	if wf.Spec.Template.Workflow.Parameters[0].Value != nil {
		t.Error("building a run changed the schedule's template")
	}
	_, err = BuildRun(wf, time.UTC, at, stokev1.RunTriggerHTTP, "ingest-4", RunValues(wf, map[string]string{"undeclared": "x"}))
	if err == nil || !strings.Contains(err.Error(), `schedule parameter "undeclared" is not one of the workflow's parameters`) {
		t.Errorf("a value the workflow does not declare: %v", err)
	}
}
