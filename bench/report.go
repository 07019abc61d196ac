package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// latency is a distribution summary in milliseconds.
type latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50Ms"`
	P95 float64 `json:"p95Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func summarize(ds []time.Duration) latency {
	v := make([]float64, 0, len(ds))
	for _, d := range ds {
		v = append(v, float64(d.Microseconds())/1000)
	}
	sort.Float64s(v)
	l := latency{N: len(v), P50: percentile(v, 50), P95: percentile(v, 95), P99: percentile(v, 99)}
	if len(v) > 0 {
		l.Max = v[len(v)-1]
	}
	return l
}

// phaseResult is one workload run by one client.
type phaseResult struct {
	Name   string `json:"name"`
	Client string `json:"client"` // "stoke" or "plain"
	Apps   int    `json:"apps"`
	// Kept is how many finished applications the cluster held when the phase began.
	Kept            int                `json:"finishedAppsKept"`
	DriverPods      int                `json:"driverPods"`
	Succeeded       int                `json:"succeeded"`
	PerMinute       float64            `json:"driverPodsPerMinute"`
	ToDriverPod     latency            `json:"creationToDriverPod"`
	ToRunning       *latency           `json:"creationToRunning,omitempty"`
	CPUSeconds      float64            `json:"operatorCPUSeconds,omitempty"`
	CPUPerApp       float64            `json:"operatorCPUSecondsPerApp,omitempty"`
	RequestsPerApp  map[string]float64 `json:"apiRequestsPerApp,omitempty"`
	WritesPerApp    float64            `json:"objectWritesPerApp,omitempty"`
	EventsPerApp    float64            `json:"eventWritesPerApp,omitempty"`
	ReconcilesPerAp float64            `json:"reconcilesPerApp,omitempty"`
	RSSBefore       int64              `json:"operatorRSSBeforeBytes,omitempty"`
	RSSAfter        int64              `json:"operatorRSSAfterBytes,omitempty"`
	// IdleAfterSeconds is how long after its last application finished the operator became idle (empty
	// queue, no reconcile for 3 s; the 3 s are included).
	IdleAfterSeconds float64 `json:"operatorIdleAfterSeconds,omitempty"`
	// span is from the first creation to the last driver pod.
	span time.Duration
}

// perMinuteOverRounds is the driver pods created per minute over the rounds' own spans (first creation to
// last driver pod of each round), leaving out the time between a client's rounds.
func perMinuteOverRounds(tr *tracker, rounds [][]string) float64 {
	var pods int
	var span time.Duration
	for _, keys := range rounds {
		r := measure("", "", tr.snapshot(keys))
		pods += r.DriverPods
		span += r.span
	}
	if span <= 0 {
		return 0
	}
	return float64(pods) / span.Minutes()
}

// measure computes throughput and latencies from the tracked times of the phase's applications.
func measure(name, clientName string, times []appTimes) phaseResult {
	r := phaseResult{Name: name, Client: clientName, Apps: len(times)}
	var first, last time.Time
	var toPod, toRun []time.Duration
	for _, a := range times {
		if a.created.IsZero() {
			continue
		}
		if first.IsZero() || a.created.Before(first) {
			first = a.created
		}
		if !a.pod.IsZero() {
			r.DriverPods++
			toPod = append(toPod, a.pod.Sub(a.created))
			if a.pod.After(last) {
				last = a.pod
			}
		}
		if !a.running.IsZero() {
			toRun = append(toRun, a.running.Sub(a.created))
		}
		if a.succeeded {
			r.Succeeded++
		}
	}
	if r.span = last.Sub(first); r.span > 0 {
		r.PerMinute = float64(r.DriverPods) / r.span.Minutes()
	}
	r.ToDriverPod = summarize(toPod)
	if len(toRun) > 0 {
		l := summarize(toRun)
		r.ToRunning = &l
	}
	return r
}

// target is one checked goal.
type target struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Goal     string `json:"goal"`
	// Status is PASS, FAIL or SKIP (not measurable in this run, with the reason in Measured).
	Status string `json:"status"`
}

func check(name, goal, measured string, ok bool) target {
	s := "PASS"
	if !ok {
		s = "FAIL"
	}
	return target{Name: name, Goal: goal, Measured: measured, Status: s}
}

// report is everything one run measured.
type report struct {
	Started  time.Time      `json:"started"`
	Machine  string         `json:"machine"`
	Settings map[string]any `json:"settings"`
	Phases   []phaseResult  `json:"phases"`
	JVM      *jvmResult     `json:"sparkSubmit,omitempty"`
	PeakRSS  int64          `json:"operatorPeakRSSBytes"`
	// RSSBaseline is the operator's RSS after the warm-up, RSSSettled once idle after the whole run with
	// every application retained; RSSPerApp is the growth between them over Retained (the SparkApplications
	// in the cluster at the end, all in the operator's cache).
	RSSBaseline int64   `json:"operatorRSSBaselineBytes"`
	RSSSettled  int64   `json:"operatorRSSSettledBytes"`
	RSSPerApp   float64 `json:"operatorRSSBytesPerRetainedApp"`
	Retained    int     `json:"retainedFinishedApps"`
	// InventoryRSSPerApp is the RSS growth over the inventory phase (read 3 s after it went idle) per
	// inventory application: it includes the garbage collector's headroom at that moment.
	InventoryRSSPerApp float64         `json:"inventoryRSSGrowthBytesPerApp,omitempty"`
	GoroutinesB        float64         `json:"goroutinesBefore"`
	GoroutinesA        float64         `json:"goroutinesAfter"`
	SimErrors          []string        `json:"simulatorErrors,omitempty"`
	Schedules          *scheduleResult `json:"schedules,omitempty"`
	Workflow           *workflowResult `json:"workflow,omitempty"`
	Queues             *queueResult    `json:"queues,omitempty"`
	Server             *serverResult   `json:"server,omitempty"`
	Kubeflow           *sideBySide     `json:"kubeflowSideBySide,omitempty"`
	Scrape             *scrapeResult   `json:"metricsScrape,omitempty"`
	Targets            []target        `json:"targets"`
}

// scrapeResult is the operator's /metrics with every application of the run retained: its size in series
// (histogram buckets and summaries counted one per line, as Prometheus stores them) and how long a scrape
// takes, over several scrapes.
type scrapeResult struct {
	Apps    int     `json:"retainedApps"`
	Series  int     `json:"series"`
	Scrapes int     `json:"scrapes"`
	P50Ms   float64 `json:"p50Ms"`
	MaxMs   float64 `json:"maxMs"`
}

func (r *report) phase(name, client string) *phaseResult {
	for i := range r.Phases {
		if r.Phases[i].Name == name && r.Phases[i].Client == client {
			return &r.Phases[i]
		}
	}
	return nil
}

// checkTargets evaluates the targets from the measured figures.
func (r *report) checkTargets() {
	var t []target
	sb, pb := r.phase("burst", "stoke"), r.phase("burst", "plain")
	if sb != nil && pb != nil && pb.PerMinute > 0 {
		frac := sb.PerMinute / pb.PerMinute
		t = append(t, check("burst throughput vs plain-client ceiling", "≥ 80%",
			fmt.Sprintf("%.0f%% (%.0f vs %.0f driver pods/min)", 100*frac, sb.PerMinute, pb.PerMinute), frac >= 0.8))
	}
	ss, ps := r.phase("steady", "stoke"), r.phase("steady", "plain")
	if ss != nil && ps != nil && ps.ToDriverPod.P99 > 0 {
		ratio := ss.ToDriverPod.P99 / ps.ToDriverPod.P99
		t = append(t, check(fmt.Sprintf("p99 creation→driver pod at %v apps/min vs plain client", r.Settings["ratePerMinute"]), "≤ 1.5×",
			fmt.Sprintf("%.2f× (%.1f ms vs %.1f ms)", ratio, ss.ToDriverPod.P99, ps.ToDriverPod.P99), ratio <= 1.5))
	}
	if sb != nil {
		t = append(t, check("API writes per successful single-attempt app (pods, ConfigMaps, Services, SparkApplications)", "≤ 6",
			fmt.Sprintf("%.2f (+%.2f event writes)", sb.WritesPerApp, sb.EventsPerApp), sb.WritesPerApp <= 6 && sb.Succeeded == sb.Apps))
	}
	if sb != nil && r.JVM != nil && r.JVM.SkippedBecause == "" && r.JVM.CPUSeconds > 0 {
		ratio := sb.CPUPerApp / r.JVM.CPUSeconds
		t = append(t, check("operator CPU per app vs spark-submit's", "≤ 1/100",
			fmt.Sprintf("1/%.0f (%.2f ms vs %.2f s)", 1/ratio, 1000*sb.CPUPerApp, r.JVM.CPUSeconds), ratio <= 0.01))
	} else {
		reason := "spark-submit not measured"
		if r.JVM != nil && r.JVM.SkippedBecause != "" {
			reason = r.JVM.SkippedBecause
		}
		t = append(t, target{Name: "operator CPU per app vs spark-submit's", Goal: "≤ 1/100", Measured: reason, Status: "SKIP"})
	}
	if r.Retained > 0 {
		t = append(t, check("operator RSS growth per retained finished app", "< 20 KB",
			fmt.Sprintf("%.1f KB (%s → %s settled, %d apps)", r.RSSPerApp/1024, mb(r.RSSBaseline), mb(r.RSSSettled), r.Retained),
			r.RSSPerApp < 20*1024))
	}
	if s := r.Schedules; s != nil {
		t = append(t, check(fmt.Sprintf("%d schedules firing every minute for %d minutes: missed and duplicate runs", s.Schedules, s.FireTimes), "0 and 0",
			fmt.Sprintf("%d missed, %d duplicates (%d of %d runs)", s.Missed, s.Duplicates, s.Created, s.Expected), s.Missed == 0 && s.Duplicates == 0))
		t = append(t, check("p99 scheduled time → run created", "≤ 2 s",
			fmt.Sprintf("%.2f s (p50 %.2f s, max %.2f s; the API server alone took %.2f s to create %d bare applications, %d in flight)",
				s.ToRun.P99/1000, s.ToRun.P50/1000, s.ToRun.Max/1000, s.BareCreateSeconds, s.Schedules, s.BareCreateConcurrency), s.ToRun.N > 0 && s.ToRun.P99 <= 2000))
	}
	if w := r.Workflow; w != nil {
		t = append(t, check(fmt.Sprintf("workflow of %d steps (fan-out %d, chain %d): p99 dependency finished → driver pod", w.Steps, w.FanOut, w.Chain), "≤ 1 s",
			fmt.Sprintf("%.0f ms (p50 %.0f ms, max %.0f ms; %s in %.0f s)", w.ToPod.P99, w.ToPod.P50, w.ToPod.Max, w.Phase, w.Seconds),
			w.Phase == string(stokev1.WorkflowPhaseSucceeded) && w.Unmatched == 0 && w.ToPod.P99 <= 1000))
	}
	if k := r.Kubeflow; k != nil {
		const name, goal = "burst throughput vs kubeflow/spark-operator v2.5.2 on this machine", "> 50×"
		if k.SkippedBecause != "" {
			t = append(t, target{Name: name, Goal: goal, Measured: k.SkippedBecause, Status: "SKIP"})
		} else {
			t = append(t, check(name, goal, fmt.Sprintf("%.0f× (steady p99 %.0f× lower, CPU per application %.0f× lower)",
				k.ThroughputRatio, k.P99Ratio, k.CPURatio), k.ThroughputRatio > 50))
		}
	}
	if sv := r.Server; sv != nil {
		t = append(t, check(fmt.Sprintf("server: p99 list page (50 rows) of a namespace of %d applications", sv.ListedApps), "< 100 ms",
			fmt.Sprintf("%.1f ms (p50 %.1f ms; filtered by phase and text: p99 %.1f ms)", sv.ListPage.P99, sv.ListPage.P50, sv.ListFiltered.P99),
			sv.ListPage.N > 0 && sv.ListPage.P99 < 100 && sv.ListFiltered.P99 < 100))
		t = append(t, check(fmt.Sprintf("server RSS holding %d applications", sv.CachedApps), "< 250 MB", mb(sv.RSSBytes),
			sv.RSSBytes > 0 && sv.RSSBytes < 250<<20))
		t = append(t, check("server: Livy batch POST → driver pod vs a plain create (p50 and p99 difference)", "≤ 50 ms",
			fmt.Sprintf("+%.1f ms and +%.1f ms (Livy p50 %.1f, p99 %.1f; plain p50 %.1f, p99 %.1f ms; %d each)",
				sv.LivyToDriver.P50-sv.PlainToDriver.P50, sv.LivyToDriver.P99-sv.PlainToDriver.P99,
				sv.LivyToDriver.P50, sv.LivyToDriver.P99, sv.PlainToDriver.P50, sv.PlainToDriver.P99, sv.LivyToDriver.N),
			sv.LivyToDriver.N > 0 && sv.LivyToDriver.P50-sv.PlainToDriver.P50 <= 50 && sv.LivyToDriver.P99-sv.PlainToDriver.P99 <= 50))
		t = append(t, check("server: application change → its watch stream, p99 (against a direct watch)", "< 1 s",
			fmt.Sprintf("%.1f ms (p50 %.1f ms, max %.1f ms; %d changes)", sv.WatchLag.P99, sv.WatchLag.P50, sv.WatchLag.Max, sv.WatchLag.N),
			sv.WatchLag.N > 0 && sv.WatchLag.P99 < 1000))
	}
	if q := r.Queues; q != nil {
		t = append(t, check(fmt.Sprintf("queues: admitted footprint vs quota, two saturated siblings of %d apps each", q.AppsPerQueue), "never over",
			fmt.Sprintf("%d of %d samples over (parent held at most %.0f of %d cores)", q.OverAdmitted, q.Samples, q.MaxParent, q.ParentCores),
			q.Samples > 0 && q.OverAdmitted == 0))
		t = append(t, check("queues: share of the weight-1 sibling (weights 1:3, both saturated)", "25% ± 5",
			fmt.Sprintf("%.1f%% over %d samples (%.0f s)", q.ShareLight, q.SaturatedSamples, q.FairSeconds),
			q.SaturatedSamples > 0 && q.ShareLight >= 20 && q.ShareLight <= 30))
		if q.Queued > 0 {
			var burstWrites float64
			if sb := r.phase("burst", "stoke"); sb != nil {
				burstWrites = sb.WritesPerApp
			}
			t = append(t, check(fmt.Sprintf("queues: p99 application end → next driver pod, %d queued", q.Queued), "≤ 100 ms",
				fmt.Sprintf("%.0f ms (p50 %.0f ms, max %.0f ms; %d ends)", q.ToDriver.P99, q.ToDriver.P50, q.ToDriver.Max, q.Releases),
				q.Releases > 0 && q.ToDriver.P99 <= 100))
			t = append(t, check("queues: object writes per admitted app vs per app without a queue", "≤ +1 (its admission status)",
				fmt.Sprintf("%.2f vs %.2f", q.WritesPerAdmission, burstWrites), q.Releases > 0 && q.WritesPerAdmission <= burstWrites+1))
		}
	}
	if sc := r.Scrape; sc != nil {
		t = append(t, check(fmt.Sprintf("operator /metrics holding %d finished apps: series and scrape time", sc.Apps), "< 2,000 and < 50 ms",
			fmt.Sprintf("%d series, p50 %.1f ms, max %.1f ms over %d scrapes", sc.Series, sc.P50Ms, sc.MaxMs, sc.Scrapes),
			sc.Series < 2000 && sc.P50Ms < 50))
	}
	t = append(t, check("operator goroutines after the run vs before", "no growth",
		fmt.Sprintf("%.0f → %.0f", r.GoroutinesB, r.GoroutinesA), r.GoroutinesA <= r.GoroutinesB))
	r.Targets = t
}

func (r *report) failed() bool { return anyFailed(r.Targets) }

// anyFailed reports whether a target was missed.
func anyFailed(targets []target) bool {
	return slices.ContainsFunc(targets, func(t target) bool { return t.Status == "FAIL" })
}

// targetsMarkdown is the table of targets every report ends its summary with.
func targetsMarkdown(b *strings.Builder, targets []target) {
	b.WriteString("| Target | Goal | Measured | Result |\n|---|---|---|---|\n")
	for _, t := range targets {
		fmt.Fprintf(b, "| %s | %s | %s | **%s** |\n", t.Name, t.Goal, t.Measured, t.Status)
	}
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// markdown renders the results as tables.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on %s.\n\n", r.Started.UTC().Format(time.RFC3339), r.Machine)
	keys := make([]string, 0, len(r.Settings))
	for k := range r.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("Settings:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, r.Settings[k])
	}
	b.WriteString("\n\n")
	b.WriteString("| Workload | Client | Apps | Finished apps kept | Driver pods/min | Creation→driver pod p50 / p95 / p99 (ms) | Creation→Running p50 / p95 / p99 (ms) | Succeeded |\n")
	b.WriteString("|---|---|---:|---:|---:|---|---|---:|\n")
	for _, p := range r.Phases {
		run := "–"
		if p.ToRunning != nil {
			run = fmt.Sprintf("%.0f / %.0f / %.0f", p.ToRunning.P50, p.ToRunning.P95, p.ToRunning.P99)
		}
		succ := "–"
		if p.Client == "stoke" {
			succ = fmt.Sprint(p.Succeeded)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.0f | %.1f / %.1f / %.1f | %s | %s |\n", p.Name, p.Client, p.Apps, p.Kept, p.PerMinute,
			p.ToDriverPod.P50, p.ToDriverPod.P95, p.ToDriverPod.P99, run, succ)
	}
	b.WriteString("\nOperator, per application (Stoke phases):\n\n")
	b.WriteString("| Workload | CPU ms/app | Object writes/app | Event writes/app | Reconciles/app | Idle after (s) | Requests/app by verb and resource |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---|\n")
	for _, p := range r.Phases {
		if p.Client != "stoke" {
			continue
		}
		reqKeys := make([]string, 0, len(p.RequestsPerApp))
		for k := range p.RequestsPerApp {
			reqKeys = append(reqKeys, k)
		}
		sort.Strings(reqKeys)
		var reqs []string
		for _, k := range reqKeys {
			if v := p.RequestsPerApp[k]; v >= 0.005 {
				reqs = append(reqs, fmt.Sprintf("%s %.2f", k, v))
			}
		}
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %.2f | %.1f | %s |\n", p.Name, 1000*p.CPUPerApp, p.WritesPerApp, p.EventsPerApp,
			p.ReconcilesPerAp, p.IdleAfterSeconds, strings.Join(reqs, ", "))
	}
	fmt.Fprintf(&b, "\nOperator peak RSS %s; RSS %s after the warm-up and %s settled at the end with %d applications "+
		"retained: %.1f KB each (growth over the inventory phase, read as it went idle: %.1f KB per app); goroutines %.0f before, %.0f after.\n",
		mb(r.PeakRSS), mb(r.RSSBaseline), mb(r.RSSSettled), r.Retained, r.RSSPerApp/1024, r.InventoryRSSPerApp/1024, r.GoroutinesB, r.GoroutinesA)
	if j := r.JVM; j != nil {
		if j.SkippedBecause != "" {
			fmt.Fprintf(&b, "\nspark-submit: not measured (%s).\n", j.SkippedBecause)
		} else {
			fmt.Fprintf(&b, "\nspark-submit (cluster mode, waitAppCompletion=false, %d runs, %s): %.2f s wall, %.2f CPU s, peak RSS %s per application.\n",
				j.Runs, j.SparkHome, j.WallSeconds, j.CPUSeconds, mb(j.PeakRSSBytes))
		}
	}
	if r.Kubeflow != nil {
		b.WriteString(r.Kubeflow.markdown())
	}
	b.WriteString("\n")
	targetsMarkdown(&b, r.Targets)
	if len(r.SimErrors) > 0 {
		fmt.Fprintf(&b, "\nSimulator errors (first %d): %s\n", len(r.SimErrors), strings.Join(r.SimErrors, "; "))
	}
	return b.String()
}
