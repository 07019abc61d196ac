package submit

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestParseJobs(t *testing.T) {
	// The shape of Spark's /api/v1/applications/<id>/jobs (fields the progress uses, plus others).
	data := []byte(`[
	  {"jobId": 2, "name": "count", "status": "RUNNING", "stageIds": [3, 4], "numTasks": 200, "numActiveTasks": 8,
	   "numCompletedTasks": 50, "numSkippedTasks": 0, "numFailedTasks": 1, "numActiveStages": 1, "numCompletedStages": 0, "numSkippedStages": 0},
	  {"jobId": 1, "status": "SUCCEEDED", "stageIds": [1, 2], "numTasks": 100, "numCompletedTasks": 60, "numSkippedTasks": 40,
	   "numActiveStages": 0, "numCompletedStages": 1, "numSkippedStages": 1},
	  {"jobId": 0, "status": "FAILED", "stageIds": [0], "numTasks": 10, "numCompletedTasks": 3, "numActiveStages": 0, "numCompletedStages": 0}
	]`)
	p, err := ParseJobs(data)
	if err != nil {
		t.Fatal(err)
	}
	want := JobProgress{Jobs: 3, JobsDone: 1, FailedJobs: 1, ActiveStages: 1, Stages: 5, StagesDone: 2, Tasks: 310, TasksDone: 153}
	if p != want {
		t.Errorf("ParseJobs = %+v, want %+v", p, want)
	}
	if s := p.String(); s != "jobs 1/3  stages 2/5  tasks 153/310  1 failed" {
		t.Errorf("String = %q", s)
	}
	if _, err := ParseJobs([]byte("<html>")); err == nil {
		t.Error("HTML accepted as jobs")
	}
	if p, err := ParseJobs([]byte("[]")); err != nil || p.String() != "jobs 0/0" {
		t.Errorf("no jobs: %v %q", err, p.String())
	}
}

func TestStatusLine(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-d)); return &t }
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Name: "pi"}}
	if got := StatusLine(app, nil, now); got != "pi  Pending" {
		t.Errorf("new: %q", got)
	}
	app.Status = stokev1.SparkApplicationStatus{Phase: stokev1.PhaseRunning,
		CurrentAttempt: &stokev1.Attempt{Number: 2, SubmissionTime: at(90 * time.Second)},
		Executors:      stokev1.ExecutorCounts{Requested: 4, Running: 3}}
	got := StatusLine(app, &JobProgress{Jobs: 2, JobsDone: 1, Tasks: 10, TasksDone: 4}, now)
	if got != "pi  Running  attempt 2  executors 3/4  jobs 1/2  tasks 4/10  90s" {
		t.Errorf("running: %q", got)
	}
	app.Status.Phase = stokev1.PhaseRetrying
	app.Status.NextAttemptTime = &metav1.Time{Time: now.Add(20 * time.Second)}
	if got := StatusLine(app, nil, now); got != "pi  Retrying  attempt 2  executors 3/4  90s  next attempt in 20s" {
		t.Errorf("retrying: %q", got)
	}
}

func TestVersionFromImage(t *testing.T) {
	for image, want := range map[string]string{
		"spark:3.5.7": "3.5.7", "apache/spark:v4.0.1": "4.0.1", "registry:5000/spark:3.5.7-scala2.12-java17-ubuntu": "3.5.7",
		"spark:3.5": "3.5", "spark:latest": "", "spark": "", "registry:5000/spark": "", "spark:3.5.7@sha256:abc": "3.5.7",
	} {
		if got := versionFromImage(image); got != want {
			t.Errorf("versionFromImage(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestReadProperties(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p")
	body := "# comment\n! also comment\nspark.a=1\nspark.b : two words \n  spark.c 3\nspark.d=multi\\\n  line\nspark.empty\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readProperties(file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"spark.a": "1", "spark.b": "two words", "spark.c": "3", "spark.d": "multiline", "spark.empty": ""}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestObjectName(t *testing.T) {
	for in, want := range map[string]string{"Daily Report": "daily-report", "SparkPi": "sparkpi", "--x__y--": "x-y", "日本": ""} {
		if got := objectName(in); got != want {
			t.Errorf("objectName(%q) = %q, want %q", in, got, want)
		}
	}
}
