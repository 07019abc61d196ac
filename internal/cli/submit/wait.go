package submit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/output"
)

// SparkUIPort is the driver's Spark UI and REST API port.
const SparkUIPort = "4040"

// Progress reads the Spark job progress of a running attempt; ok is false when it cannot be read (no UI
// yet, the pod proxy refused, the application finished).
type Progress func(ctx context.Context, ns, driverPod, appID string) (p JobProgress, ok bool)

// Watcher follows an application to its end, showing its progress on one line.
type Watcher struct {
	Client   client.Client
	Progress Progress
	Clock    clock.Clock
	Interval time.Duration
	Out      io.Writer
	// Terminal rewrites one line in place; otherwise each change is printed on its own line.
	Terminal bool
}

// Follow polls the application until it succeeds (nil), fails for good (an error with the reason) or
// disappears, or ctx ends.
func (w *Watcher) Follow(ctx context.Context, ns, name string) error {
	last := ""
	defer func() {
		if w.Terminal && last != "" {
			fmt.Fprintln(w.Out)
		}
	}()
	for {
		app, err := apps.Get(ctx, w.Client, ns, name)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if apierrors.IsNotFound(err) || strings.Contains(err.Error(), "not found") {
				return fmt.Errorf("application %q was deleted while stoke was waiting for it", name)
			}
			return err
		}
		var prog *JobProgress
		if cur := app.Status.CurrentAttempt; app.Status.Phase == stokev1.PhaseRunning && cur != nil && cur.DriverPodName != "" {
			prog = readProgress(ctx, w.Progress, ns, cur.DriverPodName, cur.SparkApplicationID)
		}
		line := StatusLine(app, prog, w.Clock.Now())
		if line != last {
			if w.Terminal {
				fmt.Fprintf(w.Out, "\r\x1b[K%s", line)
			} else {
				fmt.Fprintln(w.Out, line)
			}
			last = line
		}
		switch app.Status.Phase {
		case stokev1.PhaseSucceeded:
			return nil
		case stokev1.PhaseFailed:
			return Failure(app)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting for %q (it keeps running; stoke get apps %s shows it): %w", name, name, ctx.Err())
		case <-w.Clock.After(w.Interval):
		}
	}
}

// readProgress reads a running driver's job progress, waiting at most 2 seconds; nil when it cannot.
func readProgress(ctx context.Context, progress Progress, ns, driverPod, appID string) *JobProgress {
	if progress == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if p, ok := progress(ctx, ns, driverPod, appID); ok {
		return &p
	}
	return nil
}

// StatusLine is the one-line progress of an application.
func StatusLine(app *stokev1.SparkApplication, prog *JobProgress, now time.Time) string {
	parts := []string{app.Name, apps.Phase(app)}
	if n := apps.AttemptNumber(app); n > 0 {
		parts = append(parts, fmt.Sprintf("attempt %d", n))
	}
	e := app.Status.Executors
	if e.Requested > 0 || e.Running > 0 {
		parts = append(parts, fmt.Sprintf("executors %d/%d", e.Running, e.Requested))
	}
	if prog != nil {
		parts = append(parts, prog.String())
	}
	if d := apps.RunTime(app, now); d > 0 {
		parts = append(parts, output.Duration(d))
	}
	if app.Status.Phase == stokev1.PhaseRetrying && app.Status.NextAttemptTime != nil {
		parts = append(parts, "next attempt in "+output.Duration(max(app.Status.NextAttemptTime.Sub(now), 0)))
	}
	return strings.Join(parts, "  ")
}

// Failure is the error for an application that failed for good: its reason, exit code and message.
func Failure(app *stokev1.SparkApplication) error {
	msg := fmt.Sprintf("application %q failed", app.Name)
	for _, c := range app.Status.Conditions {
		if c.Type == stokev1.ConditionFailed && c.Reason != "" {
			msg += ": " + c.Reason
		}
	}
	if cur := app.Status.CurrentAttempt; cur != nil {
		if cur.Reason != "" {
			msg += fmt.Sprintf(" (attempt %d: %s", cur.Number, cur.Reason)
			if cur.ExitCode != nil {
				msg += fmt.Sprintf(", exit code %d", *cur.ExitCode)
			}
			msg += ")"
		}
		if cur.Message != "" {
			msg += ": " + output.OneLine(cur.Message)
		}
	}
	return fmt.Errorf("%s; stoke logs %s shows the driver log", msg, app.Name)
}

// JobProgress is what the driver's REST API says about its jobs.
type JobProgress struct {
	Jobs, JobsDone     int
	ActiveStages       int
	StagesDone, Stages int
	TasksDone, Tasks   int
	FailedJobs         int
}

func (p JobProgress) String() string {
	s := fmt.Sprintf("jobs %d/%d", p.JobsDone, p.Jobs)
	if p.Stages > 0 {
		s += fmt.Sprintf("  stages %d/%d", p.StagesDone, p.Stages)
	}
	if p.Tasks > 0 {
		s += fmt.Sprintf("  tasks %d/%d", p.TasksDone, p.Tasks)
	}
	if p.FailedJobs > 0 {
		s += fmt.Sprintf("  %d failed", p.FailedJobs)
	}
	return s
}

// sparkJob is the part of a job in Spark's /api/v1/applications/<id>/jobs that progress needs.
type sparkJob struct {
	Status             string `json:"status"`
	StageIDs           []int  `json:"stageIds"`
	NumTasks           int    `json:"numTasks"`
	NumCompletedTasks  int    `json:"numCompletedTasks"`
	NumSkippedTasks    int    `json:"numSkippedTasks"`
	NumActiveStages    int    `json:"numActiveStages"`
	NumCompletedStages int    `json:"numCompletedStages"`
	NumSkippedStages   int    `json:"numSkippedStages"`
}

// ParseJobs sums the jobs of Spark's REST API into progress. Skipped stages and tasks count as done, as
// Spark's UI counts them.
func ParseJobs(data []byte) (JobProgress, error) {
	var jobs []sparkJob
	if err := json.Unmarshal(data, &jobs); err != nil {
		return JobProgress{}, fmt.Errorf("reading Spark jobs: %w", err)
	}
	var p JobProgress
	for _, j := range jobs {
		p.Jobs++
		switch j.Status {
		case "SUCCEEDED":
			p.JobsDone++
		case "FAILED":
			p.FailedJobs++
		}
		p.ActiveStages += j.NumActiveStages
		p.Stages += len(j.StageIDs)
		p.StagesDone += j.NumCompletedStages + j.NumSkippedStages
		p.Tasks += j.NumTasks
		p.TasksDone += j.NumCompletedTasks + j.NumSkippedTasks
	}
	return p, nil
}

// SparkProgressFromProxy reads the driver's REST API through the API server's pod proxy
// (/api/v1/namespaces/NS/pods/POD:4040/proxy/api/v1/applications/ID/jobs). It gives up for good after
// the proxy is refused (no permission for pods/proxy), so --wait then shows executor counts only.
func SparkProgressFromProxy(cs kubernetes.Interface) Progress {
	forbidden := false
	return func(ctx context.Context, ns, pod, appID string) (JobProgress, bool) {
		if forbidden || appID == "" {
			return JobProgress{}, false
		}
		data, err := cs.CoreV1().Pods(ns).ProxyGet("http", pod, SparkUIPort, "/api/v1/applications/"+appID+"/jobs", nil).DoRaw(ctx)
		if err != nil {
			if apierrors.IsForbidden(err) {
				forbidden = true
			}
			return JobProgress{}, false
		}
		p, err := ParseJobs(data)
		return p, err == nil
	}
}
