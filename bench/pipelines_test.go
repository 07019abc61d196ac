package main

import (
	"testing"
	"time"
)

func TestScoreSchedules(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	seen := map[string]seenRun{
		"a-0":     {schedule: "a", scheduled: t0, seen: t0.Add(100 * time.Millisecond)},
		"a-1":     {schedule: "a", scheduled: t1, seen: t1.Add(300 * time.Millisecond)},
		"b-0":     {schedule: "b", scheduled: t0, seen: t0.Add(2 * time.Second)},
		"b-0-dup": {schedule: "b", scheduled: t0, seen: t0.Add(5 * time.Second)},
		"b-early": {schedule: "b", scheduled: t0.Add(-time.Minute), seen: t0.Add(-time.Minute)}, // outside the window
	}
	r := scoreSchedules([]string{"a", "b"}, []time.Time{t0, t1}, seen)
	if r.Expected != 4 || r.Created != 4 || r.Missed != 1 || r.Duplicates != 1 {
		t.Errorf("expected %d, created %d, missed %d, duplicates %d; want 4, 4, 1 (b at t1), 1 (b at t0)", r.Expected, r.Created, r.Missed, r.Duplicates)
	}
	if r.ToRun.N != 4 || r.ToRun.Max != 5000 || r.ToRun.P50 != 300 {
		t.Errorf("delays = %+v", r.ToRun)
	}
}

func TestStepDelays(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	times := map[string]appTimes{
		"start": {pod: ms(0), finished: ms(1000)},
		"fan-0": {pod: ms(1100), finished: ms(3000)},
		"fan-1": {pod: ms(1200), finished: ms(4000)}, // the last of the fan-out to finish
		"c001":  {pod: ms(4500), finished: ms(6000)},
		"c002":  {}, // never started
	}
	delays, unmatched := stepDelays(2, 2, times)
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond}
	if len(delays) != len(want) || unmatched != 1 {
		t.Fatalf("delays %v, unmatched %d", delays, unmatched)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Errorf("delay %d = %v, want %v", i, delays[i], want[i])
		}
	}
	spec := workflowSpec(2, 2)
	if len(spec.Steps) != 4 || len(spec.Steps[1].Items) != 2 || spec.Steps[3].Dependencies[0] != "c001" || spec.Steps[2].Dependencies[0] != "fan" {
		t.Errorf("workflow spec = %+v", spec.Steps)
	}
}
