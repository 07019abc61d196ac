package scheduledsparkapplication_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/testenv"
)

func TestScheduledRunGetsLogicalTimeAndOwnership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	s := f.newSchedule("nightly", func(s *stokev1.ScheduledSparkApplication) { s.Spec.TimeZone = "Asia/Kolkata" })
	f.waitStatus("nightly", "next schedule time", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.NextScheduleTime != nil && !s.Status.NextScheduleTime.After(f.first) &&
			s.Status.Phase == stokev1.SchedulePhaseScheduling
	})

	f.at("nightly", f.first.Add(5*time.Second))
	apps := f.waitRuns(runName("nightly", f.first))
	run := apps[0]
	local := f.first.In(mustZone(t, "Asia/Kolkata"))
	if want := "--at=" + local.Format("2006-01-02T15:04Z07:00"); !slices.Equal(run.Spec.Arguments, []string{want}) {
		t.Errorf("arguments = %q, want [%q]", run.Spec.Arguments, want)
	}
	if !strings.HasSuffix(run.Spec.Arguments[0], "+05:30") {
		t.Errorf("logical time %q is not in the schedule's zone", run.Spec.Arguments[0])
	}
	if run.Labels[stokev1.LabelSchedule] != "nightly" || run.Labels["team"] != "data" {
		t.Errorf("labels = %v", run.Labels)
	}
	if got := run.Annotations[stokev1.AnnotationScheduledTime]; got != local.Format(time.RFC3339) {
		t.Errorf("scheduled-time annotation = %q", got)
	}
	if got := run.Annotations[stokev1.AnnotationRunTrigger]; got != string(stokev1.RunTriggerSchedule) {
		t.Errorf("trigger annotation = %q", got)
	}
	if ref := metav1.GetControllerOf(&run); ref == nil || ref.UID != s.UID || ref.Kind != "ScheduledSparkApplication" {
		t.Errorf("controller = %+v, want the schedule", ref)
	}
	got := f.waitLast("nightly", f.first)
	if !slices.Equal(got.Status.Active, []string{run.Name}) {
		t.Errorf("active = %v", got.Status.Active)
	}
	if want := f.first.Add(time.Minute); !got.Status.NextScheduleTime.Time.Equal(want) {
		t.Errorf("next = %v, want %v", got.Status.NextScheduleTime, want)
	}

	// Allow: the next fire time runs beside the active run.
	second := f.first.Add(time.Minute)
	f.at("nightly", second.Add(time.Second))
	f.waitRuns(runName("nightly", f.first), runName("nightly", second))
	f.waitStatus("nightly", "two active runs", func(s *stokev1.ScheduledSparkApplication) bool { return len(s.Status.Active) == 2 })
}

func TestForbidSkipsWhileARunIsActive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("forbid", func(s *stokev1.ScheduledSparkApplication) { s.Spec.ConcurrencyPolicy = stokev1.ConcurrencyForbid })
	first, second, third := f.first, f.first.Add(time.Minute), f.first.Add(2*time.Minute)
	f.at("forbid", first.Add(time.Second))
	f.waitRuns(runName("forbid", first))
	f.waitLast("forbid", first)

	f.at("forbid", second.Add(time.Second))
	s := f.waitLast("forbid", second)
	f.waitRuns(runName("forbid", first))
	last := s.Status.RecentRuns[len(s.Status.RecentRuns)-1]
	if last.Outcome != stokev1.RunSkipped || !last.ScheduledTime.Time.Equal(second) || !strings.Contains(last.Message, "Forbid") {
		t.Errorf("recent run = %+v, want the second fire time skipped by Forbid", last)
	}

	f.finish(runName("forbid", first), true)
	f.waitStatus("forbid", "no active run", func(s *stokev1.ScheduledSparkApplication) bool { return len(s.Status.Active) == 0 })
	f.at("forbid", third.Add(time.Second))
	f.waitRuns(runName("forbid", first), runName("forbid", third))
}

func TestReplaceDeletesTheActiveRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("replace", func(s *stokev1.ScheduledSparkApplication) { s.Spec.ConcurrencyPolicy = stokev1.ConcurrencyReplace })
	first, second := f.first, f.first.Add(time.Minute)
	f.at("replace", first.Add(time.Second))
	f.waitRuns(runName("replace", first))
	f.waitLast("replace", first)
	f.at("replace", second.Add(time.Second))
	f.waitRuns(runName("replace", second))
	s := f.waitStatus("replace", "the replaced run recorded", func(s *stokev1.ScheduledSparkApplication) bool {
		return len(s.Status.RecentRuns) == 1 && s.Status.RecentRuns[0].Outcome == stokev1.RunReplaced
	})
	if s.Status.RecentRuns[0].Name != runName("replace", first) {
		t.Errorf("replaced = %+v", s.Status.RecentRuns[0])
	}
	if !slices.Equal(s.Status.Active, []string{runName("replace", second)}) {
		t.Errorf("active = %v", s.Status.Active)
	}
}

func TestStartingDeadlineSkipsALateFireTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("deadline", func(s *stokev1.ScheduledSparkApplication) { s.Spec.StartingDeadlineSeconds = ptr(int64(10)) })
	first, second := f.first, f.first.Add(time.Minute)
	// The operator looks 30 s after the fire time, 20 s past its deadline.
	f.at("deadline", first.Add(30*time.Second))
	s := f.waitLast("deadline", first)
	if n := len(s.Status.RecentRuns); n != 1 || s.Status.RecentRuns[0].Outcome != stokev1.RunSkipped ||
		!strings.Contains(s.Status.RecentRuns[0].Message, "starting deadline") {
		t.Fatalf("recent runs = %+v, want the first fire time skipped for its deadline", s.Status.RecentRuns)
	}
	testenv.Consistently(t, "no run", func() bool { return len(f.runs()) == 0 })
	f.at("deadline", second.Add(5*time.Second))
	f.waitRuns(runName("deadline", second))
}

func TestHistoryLimitsPruneFinishedRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("history", func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.SuccessfulRunHistoryLimit = ptr(int32(1))
		s.Spec.FailedRunHistoryLimit = ptr(int32(1))
	})
	var names []string
	for i := range 4 {
		at := f.first.Add(time.Duration(i) * time.Minute)
		f.at("history", at.Add(time.Second))
		names = append(names, runName("history", at))
		f.waitRuns(names...)
		f.waitLast("history", at)
	}
	f.finish(names[0], true)
	f.finish(names[1], false)
	f.waitStatus("history", "two runs recorded", func(s *stokev1.ScheduledSparkApplication) bool { return len(s.Status.RecentRuns) == 2 })
	f.finish(names[2], true)
	f.finish(names[3], false)
	// The newest succeeded and the newest failed run stay.
	f.waitRuns(names[2], names[3])
	s := f.waitStatus("history", "four runs recorded", func(s *stokev1.ScheduledSparkApplication) bool { return len(s.Status.RecentRuns) == 4 })
	var outcomes []stokev1.RunOutcome
	for _, r := range s.Status.RecentRuns {
		outcomes = append(outcomes, r.Outcome)
	}
	if want := []stokev1.RunOutcome{stokev1.RunSucceeded, stokev1.RunFailed, stokev1.RunSucceeded, stokev1.RunFailed}; !slices.Equal(outcomes, want) {
		t.Errorf("outcomes = %v, want %v", outcomes, want)
	}
	if s.Status.ConsecutiveFailures != 1 {
		t.Errorf("consecutive failures = %d, want 1", s.Status.ConsecutiveFailures)
	}
}

func TestConsecutiveFailuresStopTheSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("flaky", func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.FailureLimit = ptr(int32(2))
		s.Spec.FailedRunHistoryLimit = ptr(int32(5))
	})
	var names []string
	for i := range 2 {
		at := f.first.Add(time.Duration(i) * time.Minute)
		f.at("flaky", at.Add(time.Second))
		names = append(names, runName("flaky", at))
		f.waitRuns(names...)
		f.waitLast("flaky", at)
		f.finish(names[i], false)
	}
	s := f.waitStatus("flaky", "stopped", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseStopped
	})
	c := condition(s, stokev1.ConditionStopped)
	if c.Reason != scheduledsparkapplication.ReasonFailureLimitReached || !strings.Contains(c.Message, names[1]) ||
		!strings.Contains(c.Message, "2 consecutive runs failed") {
		t.Errorf("Stopped = %+v", c)
	}
	if s.Status.NextScheduleTime != nil {
		t.Errorf("next schedule time %v while stopped", s.Status.NextScheduleTime)
	}
	f.at("flaky", f.first.Add(2*time.Minute+time.Second))
	testenv.Consistently(t, "no new scheduled run", func() bool { return len(f.runs()) == 2 })

	// A run started by hand that succeeds resumes the schedule.
	now := f.first.Add(2*time.Minute + 10*time.Second)
	f.clk.SetTime(now)
	f.annotate("flaky", stokev1.AnnotationRunNow, now.Format(time.RFC3339))
	manual := scheduledsparkapplication.RunNowName("flaky", now)
	f.waitRuns(append(slices.Clone(names), manual)...)
	f.finish(manual, true)
	f.waitStatus("flaky", "scheduling again", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseScheduling && s.Status.ConsecutiveFailures == 0
	})
	third := f.first.Add(3 * time.Minute)
	f.at("flaky", third.Add(time.Second))
	eventually(t, "the next scheduled run", func() bool {
		return slices.Contains(runNames(f.runs()), runName("flaky", third))
	})
}

func TestSuspendStopsNewRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("paused", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Suspend = true })
	s := f.waitStatus("paused", "suspended", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseSuspended
	})
	if c := condition(s, stokev1.ConditionSuspended); c.Reason != scheduledsparkapplication.ReasonSuspendedByUser {
		t.Errorf("Suspended = %+v", c)
	}
	f.at("paused", f.first.Add(5*time.Second))
	f.annotate("paused", stokev1.AnnotationRunNow, f.first.Format(time.RFC3339))
	testenv.Consistently(t, "no run while suspended", func() bool { return len(f.runs()) == 0 })

	// On resume the fire time missed while suspended runs, and the waiting run-now token too.
	f.update("paused", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Suspend = false })
	f.waitRuns(runName("paused", f.first), scheduledsparkapplication.RunNowName("paused", f.first))
}

func TestInvalidScheduleSetsAConditionAndRunsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	cases := []struct {
		name, reason, fragment string
		mutate                 func(*stokev1.ScheduledSparkApplication)
	}{
		{"bad-cron", scheduledsparkapplication.ReasonInvalidSchedule, `"61 * * * *"`,
			func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "61 * * * *" }},
		{"bad-extra", scheduledsparkapplication.ReasonInvalidSchedule, `"0 0 30 2 *"`,
			func(s *stokev1.ScheduledSparkApplication) { s.Spec.AdditionalSchedules = []string{"0 0 30 2 *"} }},
		{"bad-zone", scheduledsparkapplication.ReasonInvalidTimeZone, `"Mars/Olympus_Mons"`,
			func(s *stokev1.ScheduledSparkApplication) { s.Spec.TimeZone = "Mars/Olympus_Mons" }},
		{"bad-template", scheduledsparkapplication.ReasonInvalidTemplate, "spec.arguments[0]",
			func(s *stokev1.ScheduledSparkApplication) {
				s.Spec.Template.Application.Arguments = []string{"{{ .Params.day }}"}
			}},
	}
	for _, c := range cases {
		f.newSchedule(c.name, c.mutate)
	}
	for _, c := range cases {
		s := f.waitStatus(c.name, c.name+" invalid", func(s *stokev1.ScheduledSparkApplication) bool {
			return s.Status.Phase == stokev1.SchedulePhaseInvalid
		})
		cond := condition(s, stokev1.ConditionInvalid)
		if cond.Reason != c.reason || !strings.Contains(cond.Message, c.fragment) {
			t.Errorf("%s: Invalid = %s %q, want reason %s naming %s", c.name, cond.Reason, cond.Message, c.reason, c.fragment)
		}
		f.at(c.name, f.first.Add(5*time.Second))
	}
	testenv.Consistently(t, "no runs", func() bool { return len(f.runs()) == 0 })

	// Fixing the expression makes the schedule run.
	f.update("bad-cron", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "* * * * *" })
	f.waitRuns(runName("bad-cron", f.first))
}

// TestBadSchedulesRejectedAtAdmission is the ScheduledSparkApplication part of the bad-input catalogue: each
// spec is created against the real API server, which must refuse it as Invalid with a cause naming the field
// ("" for a rule on the whole object) and the problem. What CEL cannot check (an expression that never fires,
// an unknown zone) is TestInvalidScheduleSetsAConditionAndRunsNothing's Invalid condition.
func TestBadSchedulesRejectedAtAdmission(t *testing.T) {
	t.Parallel()
	ns := env.Namespace(t)
	secret := stokev1.TriggerSignature{SecretName: "hook"}
	cases := []struct {
		name   string
		change func(*stokev1.ScheduledSparkApplication)
		field  string
		words  []string
	}{
		{"@every", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "@every 5m" }, "spec.schedule", []string{"should match"}},
		{"seconds field", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "0 * * * * *" }, "spec.schedule", []string{"should match"}},
		{"four fields", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "0 * * *" }, "spec.schedule", []string{"should match"}},
		{"CRON_TZ prefix", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "CRON_TZ=UTC * * * * *" }, "spec.schedule", []string{"should match"}},
		{"unknown descriptor", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "@fortnightly" }, "spec.schedule", []string{"should match"}},
		{"empty schedule", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "" }, "spec.schedule", []string{"should match"}},
		{"bad additional schedule", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.AdditionalSchedules = []string{"0 9 * * MON", "TZ=Europe/Berlin 0 9 * * *"}
		}, "spec.additionalSchedules[1]", []string{"should match"}},
		{"32 additional schedules", func(s *stokev1.ScheduledSparkApplication) {
			for i := range 32 {
				s.Spec.AdditionalSchedules = append(s.Spec.AdditionalSchedules, fmt.Sprintf("%d * * * *", i))
			}
		}, "spec.additionalSchedules", []string{"must have at most 31 items"}},
		{"zone with a space", func(s *stokev1.ScheduledSparkApplication) { s.Spec.TimeZone = "Europe/ Berlin" }, "spec.timeZone", []string{"should match"}},
		{"unknown concurrency policy", func(s *stokev1.ScheduledSparkApplication) { s.Spec.ConcurrencyPolicy = "Sometimes" },
			"spec.concurrencyPolicy", []string{"Unsupported value", "Allow", "Forbid", "Replace"}},
		{"negative starting deadline", func(s *stokev1.ScheduledSparkApplication) { s.Spec.StartingDeadlineSeconds = ptr(int64(-1)) },
			"spec.startingDeadlineSeconds", []string{"greater than or equal to 0"}},
		{"history of 101 runs", func(s *stokev1.ScheduledSparkApplication) { s.Spec.SuccessfulRunHistoryLimit = ptr(int32(101)) },
			"spec.successfulRunHistoryLimit", []string{"less than or equal to 100"}},
		{"zero failure limit", func(s *stokev1.ScheduledSparkApplication) { s.Spec.FailureLimit = ptr(int32(0)) },
			"spec.failureLimit", []string{"greater than or equal to 1"}},
		{"backfill ending before it starts", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Backfill = &stokev1.Backfill{From: metav1.Unix(100, 0), To: metav1.Unix(50, 0)}
		}, "spec", []string{"backfill.from must not be after backfill.to"}},
		{"backfill parallelism above 100", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Backfill = &stokev1.Backfill{From: metav1.Unix(0, 0), To: metav1.Unix(50, 0), Parallelism: 101}
		}, "spec.backfill.parallelism", []string{"less than or equal to 100"}},
		{"a parameter twice", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Parameters = []stokev1.ScheduleParameter{{Name: "day"}, {Name: "day"}}
		}, "spec.parameters[1]", []string{"Duplicate value"}},
		{"no application or workflow", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Template.Application = nil },
			"spec.template", []string{"template must set exactly one of application and workflow"}},
		{"both application and workflow", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Workflow = &stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{{Name: "a", Template: stokev1.StepTemplate{Application: *s.Spec.Template.Application}}}}
		}, "spec.template", []string{"template must set exactly one of application and workflow"}},
		{"reserved label", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Metadata.Labels = map[string]string{stokev1.LabelSchedule: "x"}
		}, "spec.template.metadata.labels", []string{"must not set stoke.dev/schedule"}},
		{"reserved annotation", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Metadata.Annotations = map[string]string{"stoke.dev/scheduled-time": "2026-01-01T00:00:00Z"}
		}, "spec.template.metadata.annotations", []string{"must not set stoke.dev/scheduled-time"}},
		{"application with negative instances", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Application.Executor.Instances = ptr(int32(-2))
		}, "spec.template.application.executor.instances", []string{"greater than or equal to 0"}},
		{"workflow step with a capital", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Workflow = &stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{{Name: "Load", Template: stokev1.StepTemplate{Application: *s.Spec.Template.Application}}}}
			s.Spec.Template.Application = nil
		}, "spec.template.workflow.steps[0].name", []string{"should match"}},
		{"trigger parameter not declared", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "hook", Parameters: []stokev1.TriggerParameter{{Name: "day", Path: "day"}}}}
		}, "spec", []string{"every trigger parameter must name one of spec.parameters"}},
		{"trigger name with a capital", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "Hook"}}
		}, "spec.triggers[0].name", []string{"should match"}},
		{"signed trigger without a service account", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "hook", Signature: &secret}}
		}, "spec.triggers[0]", []string{"needs serviceAccountName"}},
		{"unknown signature algorithm", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "hook", ServiceAccountName: "ci",
				Signature: &stokev1.TriggerSignature{SecretName: "hook", Algorithm: "MD5"}}}
		}, "spec.triggers[0].signature.algorithm", []string{"Unsupported value", "SHA256"}},
		{"idempotency key from header and path", func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "hook", IdempotencyKey: &stokev1.TriggerIdempotencyKey{Header: "X-Id", Path: "id"}}}
		}, "spec.triggers[0].idempotencyKey", []string{"set exactly one of header and path"}},
		{"name of 64 characters", func(s *stokev1.ScheduledSparkApplication) { s.Name = strings.Repeat("s", 64) },
			"", []string{"a schedule's name is at most 63 characters"}},
	}
	newSchedule := func(name string) *stokev1.ScheduledSparkApplication {
		return &stokev1.ScheduledSparkApplication{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: stokev1.ScheduledSparkApplicationSpec{Schedule: "@daily", Template: stokev1.ScheduleTemplate{
				Application: &stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypePython, SparkVersion: "3.5.7", Image: "spark", MainApplicationFile: ptr("local:///job.py")},
			}},
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSchedule("bad-" + strings.ToLower(strings.ReplaceAll(tc.name, " ", "-")))
			tc.change(s)
			if err := testenv.CheckInvalid(env.Client.Create(context.Background(), s), tc.field, tc.words...); err != nil {
				t.Error(err)
			}
		})
	}
	if err := env.Client.Create(context.Background(), newSchedule("valid"), client.DryRunAll); err != nil {
		t.Errorf("the valid schedule is refused: %v", err)
	}
}

func TestRestartBetweenCreatingARunAndStoringStatusStartsItOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The first operator creates the run but stops before its status write lands.
	stop := f.start(func(c client.Client) client.Client { return testenv.FailingStatus(c) })
	f.newSchedule("crashy", func(s *stokev1.ScheduledSparkApplication) { s.Spec.ConcurrencyPolicy = stokev1.ConcurrencyForbid })
	f.at("crashy", f.first.Add(2*time.Second))
	f.waitRuns(runName("crashy", f.first))
	stop()
	if s := f.get("crashy"); s.Status.LastScheduleTime != nil {
		t.Fatalf("status was stored: %+v", s.Status)
	}

	// A new operator finds the run it stands for and adopts it instead of starting another.
	f.start(nil)
	f.at("crashy", f.first.Add(20*time.Second))
	s := f.waitLast("crashy", f.first)
	if !slices.Equal(s.Status.Active, []string{runName("crashy", f.first)}) {
		t.Errorf("active = %v", s.Status.Active)
	}
	for _, r := range s.Status.RecentRuns {
		t.Errorf("unexpected recent run %+v", r)
	}
	testenv.Consistently(t, "one run", func() bool { return len(f.runs()) == 1 })
}

func TestRunNowStartsOneRunPerToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("manual", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "@yearly" })
	token := f.clk.Now().Truncate(time.Second)
	f.annotate("manual", stokev1.AnnotationRunNow, token.Format(time.RFC3339))
	name := scheduledsparkapplication.RunNowName("manual", token)
	apps := f.waitRuns(name)
	if got := apps[0].Annotations[stokev1.AnnotationRunTrigger]; got != string(stokev1.RunTriggerRunNow) {
		t.Errorf("trigger = %q", got)
	}
	if want := "--at=" + token.UTC().Format("2006-01-02T15:04Z07:00"); apps[0].Spec.Arguments[0] != want {
		t.Errorf("arguments = %q, want %q", apps[0].Spec.Arguments, want)
	}
	f.waitStatus("manual", "token recorded", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.LastRunNowToken == token.Format(time.RFC3339)
	})
	// The handled token never starts a second run, even once its run is gone.
	if err := env.Client.Delete(context.Background(), &apps[0]); err != nil {
		t.Fatal(err)
	}
	f.at("manual", token.Add(time.Second))
	testenv.Consistently(t, "no run for a handled token", func() bool { return len(f.runs()) == 0 })

	// A token that is not a time is reported and recorded, and starts nothing.
	f.annotate("manual", stokev1.AnnotationRunNow, "now please")
	f.waitStatus("manual", "bad token recorded", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.LastRunNowToken == "now please"
	})
	if n := len(f.runs()); n != 0 {
		t.Errorf("%d runs for a bad token", n)
	}
}

func TestBackfillRespectsParallelism(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	from := f.first.Add(-10 * time.Minute)
	to := f.first.Add(-6 * time.Minute) // five fire times, before the schedule existed
	f.newSchedule("backfill", func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.SuccessfulRunHistoryLimit = ptr(int32(10))
		s.Spec.Backfill = &stokev1.Backfill{From: metav1.NewTime(from), To: metav1.NewTime(to), Parallelism: 2}
	})
	var all []string
	for i := range 5 {
		all = append(all, runName("backfill", from.Add(time.Duration(i)*time.Minute)))
	}
	for _, batch := range [][]string{all[:2], all[:4], all[:5]} {
		apps := f.waitRuns(batch...)
		testenv.Consistently(t, "parallelism 2", func() bool { return len(f.runs()) == len(batch) })
		for _, a := range apps {
			if a.Annotations[stokev1.AnnotationRunTrigger] != string(stokev1.RunTriggerBackfill) {
				t.Errorf("%s: trigger %q", a.Name, a.Annotations[stokev1.AnnotationRunTrigger])
			}
			if len(a.Status.Conditions) == 0 {
				f.finish(a.Name, true)
			}
		}
	}
	s := f.waitStatus("backfill", "backfill complete", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Backfill != nil && s.Status.Backfill.Complete
	})
	if s.Status.Backfill.Started != 5 {
		t.Errorf("started = %d, want 5", s.Status.Backfill.Started)
	}
	if want := from.Add(4 * time.Minute); !s.Status.Backfill.LastStarted.Time.Equal(want) {
		t.Errorf("last started = %v, want %v", s.Status.Backfill.LastStarted, want)
	}
}

func TestBackfillUnderForbidRunsOneAtATime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	from := f.first.Add(-10 * time.Minute)
	f.newSchedule("serial", func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.ConcurrencyPolicy = stokev1.ConcurrencyForbid
		s.Spec.SuccessfulRunHistoryLimit = ptr(int32(10))
		s.Spec.Backfill = &stokev1.Backfill{From: metav1.NewTime(from), To: metav1.NewTime(from.Add(time.Minute)), Parallelism: 5}
	})
	first, second := runName("serial", from), runName("serial", from.Add(time.Minute))
	f.waitRuns(first)
	testenv.Consistently(t, "one at a time", func() bool { return len(f.runs()) == 1 })
	f.finish(first, true)
	f.waitRuns(first, second)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestARunNameHeldByAnotherObjectIsNotAdopted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	foreign := &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: runName("taken", f.first)},
		Spec: stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypePython, SparkVersion: "3.5.7", Image: "spark",
			MainApplicationFile: ptr("local:///other.py")},
	}
	if err := env.Client.Create(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	f.newSchedule("taken")
	f.at("taken", f.first.Add(time.Second))
	s := f.waitLast("taken", f.first)
	if len(s.Status.Active) != 0 {
		t.Errorf("active = %v: another object's application was adopted", s.Status.Active)
	}
	apps := f.waitRuns(foreign.Name)
	if metav1.GetControllerOf(&apps[0]) != nil || *apps[0].Spec.MainApplicationFile != "local:///other.py" {
		t.Errorf("the other application was changed: %+v", apps[0].ObjectMeta.OwnerReferences)
	}
	// The next fire time runs as usual.
	next := f.first.Add(time.Minute)
	f.at("taken", next.Add(time.Second))
	f.waitRuns(foreign.Name, runName("taken", next))
}

// TestOperatorDownAtFireTimeStartsTheRunOnRestart: no operator runs when the fire time passes; the next
// one starts that fire time's run, once, as soon as it starts.
func TestOperatorDownAtFireTimeStartsTheRunOnRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	stop := f.start(nil)
	f.newSchedule("sleepy")
	f.waitStatus("sleepy", "next schedule time", func(s *stokev1.ScheduledSparkApplication) bool { return s.Status.NextScheduleTime != nil })
	stop()
	f.clk.SetTime(f.first.Add(40 * time.Second))
	testenv.Consistently(t, "no run while no operator runs", func() bool { return len(f.runs()) == 0 })
	f.start(nil)
	f.waitRuns(runName("sleepy", f.first))
	s := f.waitLast("sleepy", f.first)
	if want := f.first.Add(time.Minute); s.Status.NextScheduleTime == nil || !s.Status.NextScheduleTime.Time.Equal(want) {
		t.Errorf("next = %v, want %v", s.Status.NextScheduleTime, want)
	}
	testenv.Consistently(t, "one run", func() bool { return len(f.runs()) == 1 })
}
