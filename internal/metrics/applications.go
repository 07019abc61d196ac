package metrics

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// TransitionBuckets are the upper bounds, in seconds, of the transition latency histograms: from 100 ms
// (an operator's own reaction) to 12 h (a long Spark job end to end).
var TransitionBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200}

// Transitions measured by TransitionSeconds.
const (
	TransitionCreatedToSubmitted  = "created_to_submitted"
	TransitionSubmittedToRunning  = "submitted_to_driver_running"
	TransitionRunningToFinished   = "driver_running_to_finished"
	TransitionCreatedToTerminated = "end_to_end"
	WaitBackoff                   = "backoff"
	WaitWaiting                   = "waiting"
	reasonOther                   = "Other"
	maxNamespaceLabelLength       = 63
)

// Application metrics. They are counted by the SparkApplication reconciler from the status transitions it
// has just written (never from watch events), so an operator restart or a retried write never counts twice.
// Labels are bounded: the namespace at most, never an application's name.
var (
	AttemptsStarted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_attempts_started_total",
		Help: "Attempts whose driver (or spark-submit pod) was created, by namespace.",
	}, []string{"namespace"})
	AttemptsEnded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_attempts_ended_total",
		Help: "Attempts that ended, by namespace, outcome (Succeeded, ApplicationFailure, InfrastructureFailure, Superseded, Suspended, Preempted) and reason (a known reason, else Other).",
	}, []string{"namespace", "outcome", "reason"})
	Retries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_retries_total",
		Help: "Attempts followed by another after a backoff (the Retrying condition became true), by namespace.",
	}, []string{"namespace"})
	ApplicationsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_applications_finished_total",
		Help: "Applications that succeeded or failed for good, by namespace and phase.",
	}, []string{"namespace", "phase"})
	TransitionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stoke_application_transition_seconds",
		Help:    "Time between two points of an application's life: created_to_submitted (first driver created), submitted_to_driver_running, driver_running_to_finished (per attempt), end_to_end (created to succeeded or failed for good).",
		Buckets: TransitionBuckets,
	}, []string{"transition"})
	CoreSeconds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_pod_core_seconds_total",
		Help: "CPU requests (cores) times seconds that the pods of ended attempts held, by namespace and role (driver, executor); added when an attempt ends.",
	}, []string{"namespace", "role"})
	MemoryGiBSeconds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_pod_memory_gib_seconds_total",
		Help: "Memory requests (GiB) times seconds that the pods of ended attempts held, by namespace and role (driver, executor); added when an attempt ends.",
	}, []string{"namespace", "role"})
	WaitSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stoke_application_wait_seconds",
		Help:    "Time an application spent waiting before an attempt: backoff (from one attempt's end to the next one's start) and waiting (the Waiting condition: a missing service account, priority class, quota or permission).",
		Buckets: TransitionBuckets,
	}, []string{"cause"})
)

// knownReasons are the attempt reasons kept as label values; any other (a reason a kubelet or a container
// runtime made up) is counted as Other, so the label set stays bounded.
var knownReasons = map[string]bool{
	"Completed": true, "Error": true, "OOMKilled": true, "ImagePullError": true, "Unschedulable": true,
	"DriverStartTimeout": true, "DriverReadyTimeout": true, "ExecutorStartTimeout": true, "Evicted": true,
	"Preempting": true, "NodeLost": true, "Shutdown": true, "NodeShutdown": true, "DisruptionTarget": true,
	"DriverLost": true, "PodFailed": true, "SubmissionFailed": true, "SpecChanged": true, "SuspendedByUser": true, "Preempted": true,
	"ContainerStatusUnknown": true, "DeadlineExceeded": true, "UnexpectedAdmissionError": true,
	"OutOfcpu": true, "OutOfmemory": true, "OutOfpods": true, "Terminated": true,
}

// Reason is the label value for an attempt reason.
func Reason(r string) string {
	if knownReasons[r] {
		return r
	}
	return reasonOther
}

// PhaseCount is the number of applications in one namespace and phase.
type PhaseCount struct {
	Namespace, Phase string
	Count            int
}

// PhaseSource counts the applications by namespace and phase (from the operator's cache).
type PhaseSource func(ctx context.Context) ([]PhaseCount, error)

var phaseSource atomic.Pointer[PhaseSource]

// SetPhaseSource sets where the stoke_applications gauge reads from; the last operator manager started in the
// process wins (tests run several).
func SetPhaseSource(s PhaseSource) { phaseSource.Store(&s) }

var applicationsDesc = prometheus.NewDesc("stoke_applications",
	"Applications the operator holds, by namespace and phase (read from its cache when scraped).",
	[]string{"namespace", "phase"}, nil)

// phaseCollector serves stoke_applications from the phase source at scrape time, so the gauge is right after
// a restart and costs nothing between scrapes.
type phaseCollector struct{}

func (phaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- applicationsDesc }

func (phaseCollector) Collect(ch chan<- prometheus.Metric) {
	src := phaseSource.Load()
	if src == nil {
		return
	}
	counts, err := (*src)(context.Background())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(applicationsDesc, err)
		return
	}
	for _, c := range counts {
		ch <- prometheus.MustNewConstMetric(applicationsDesc, prometheus.GaugeValue, float64(c.Count), c.Namespace, c.Phase)
	}
}

func init() {
	ctrlmetrics.Registry.MustRegister(AttemptsStarted, AttemptsEnded, Retries, ApplicationsFinished, TransitionSeconds, WaitSeconds,
		CoreSeconds, MemoryGiBSeconds, phaseCollector{})
}
