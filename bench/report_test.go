package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{50, 5}, {95, 10}, {99, 10}, {10, 1}, {0, 1}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
}

// The chaos table's recovery median: percentile takes a percentage, so a p50 read as percentile(v, 0.5)
// reported the smallest value (0.0 s over 60 faults whose median was 30.7 s).
func TestMedianAndMax(t *testing.T) {
	p50, largest := medianAndMax([]float64{30.7, 0, 42.6, 17.9, 31.4})
	if p50 != 30.7 || largest != 42.6 {
		t.Errorf("medianAndMax = %v, %v; want 30.7, 42.6", p50, largest)
	}
	if p50, largest := medianAndMax(nil); p50 != 0 || largest != 0 {
		t.Errorf("medianAndMax(nil) = %v, %v", p50, largest)
	}
}

func TestMeasure(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []appTimes{
		{created: t0, pod: t0.Add(10 * time.Millisecond), running: t0.Add(time.Second), succeeded: true},
		{created: t0.Add(30 * time.Second), pod: t0.Add(60 * time.Second)},
		{created: t0.Add(time.Second)}, // no driver pod yet
	}
	r := measure("burst", "stoke", times)
	if r.Apps != 3 || r.DriverPods != 2 || r.Succeeded != 1 {
		t.Errorf("counts = %d apps, %d pods, %d succeeded", r.Apps, r.DriverPods, r.Succeeded)
	}
	if r.PerMinute != 2 { // two driver pods in the minute from the first creation to the last pod
		t.Errorf("per minute = %v, want 2", r.PerMinute)
	}
	if r.ToDriverPod.P50 != 10 || r.ToDriverPod.Max != 30000 {
		t.Errorf("latency = %+v", r.ToDriverPod)
	}
	if r.ToRunning == nil || r.ToRunning.N != 1 {
		t.Errorf("running latency = %+v", r.ToRunning)
	}
}

func TestTargets(t *testing.T) {
	r := &report{Settings: map[string]any{"ratePerMinute": 100}, Retained: 1000, RSSPerApp: 30 * 1024,
		GoroutinesB: 50, GoroutinesA: 50,
		JVM: &jvmResult{CPUSeconds: 5},
		Phases: []phaseResult{
			{Name: "burst", Client: "plain", PerMinute: 1000},
			{Name: "burst", Client: "stoke", PerMinute: 900, Apps: 10, Succeeded: 10, WritesPerApp: 6, CPUPerApp: 0.01},
			{Name: "steady", Client: "plain", ToDriverPod: latency{P99: 10}},
			{Name: "steady", Client: "stoke", ToDriverPod: latency{P99: 16}},
		}}
	r.checkTargets()
	want := []string{"PASS", "FAIL", "PASS", "PASS", "FAIL", "PASS"}
	if len(r.Targets) != len(want) {
		t.Fatalf("targets = %+v", r.Targets)
	}
	for i, tg := range r.Targets {
		if tg.Status != want[i] {
			t.Errorf("%s: %s (%s), want %s", tg.Name, tg.Status, tg.Measured, want[i])
		}
	}
	if !r.failed() {
		t.Error("failed() = false with failing targets")
	}
}

func TestObjectWrites(t *testing.T) {
	objects, events := objectWrites(map[string]float64{
		"create pods": 10, "create configmaps": 10, "update sparkapplications/status": 30, "get services": 10,
		"create events": 40, "patch events": 2, "update leases": 5, "watch pods": 1, "delete services": 1,
	})
	if objects != 51 || events != 42 {
		t.Errorf("objects %v events %v, want 51 and 42", objects, events)
	}
}

func TestPerMinuteOverRoundsLeavesOutTheGaps(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := newTracker()
	// Two rounds of 3 applications, each round spanning 30 s, with 10 minutes between them.
	var rounds [][]string
	for r, start := range []time.Time{t0, t0.Add(10 * time.Minute)} {
		var keys []string
		for i := 0; i < 3; i++ {
			key := string(rune('a'+r)) + string(rune('0'+i))
			tr.created(key, start.Add(time.Duration(i)*14*time.Second))
			tr.podSeen(key, start.Add(time.Duration(i)*14*time.Second+time.Second))
			keys = append(keys, key)
		}
		rounds = append(rounds, keys)
	}
	// 6 driver pods over 2 × 29 s.
	if got, want := perMinuteOverRounds(tr, rounds), 6/(58.0/60); got < want-0.001 || got > want+0.001 {
		t.Errorf("per minute = %v, want %v", got, want)
	}
	if got := perMinuteOverRounds(tr, nil); got != 0 {
		t.Errorf("per minute of no rounds = %v", got)
	}
}

func TestSettleWaitsForTheFallToStop(t *testing.T) {
	for _, c := range []struct {
		name    string
		samples []int64
		want    int64
		taken   int
	}{
		{"flat at once", []int64{100, 100, 100, 100}, 100, 4},
		{"falls then flat", []int64{300, 250, 200, 199, 199, 199, 199}, 199, 6},
		{"small wobble counts as flat", []int64{200, 199, 200, 199, 199}, 199, 4},
		{"still falling at the limit", []int64{900, 800, 700, 600, 500, 400, 300, 200, 100, 50, 40}, 50, 10},
		{"rising is settled", []int64{100, 120, 130, 140}, 140, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			i := 0
			got, err := settle(func() (int64, error) { i++; return c.samples[i-1], nil }, 3, 10, func() {})
			if err != nil || got != c.want || i != c.taken {
				t.Errorf("settle = %d after %d samples (err %v), want %d after %d", got, i, err, c.want, c.taken)
			}
		})
	}
}
