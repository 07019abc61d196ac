package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// ns restricts a metric to the chosen namespaces.
const ns = `namespace=~"$namespace"`

// Operator is the dashboard of the Stoke operator: what it runs, how fast it starts drivers, what fails and
// why, and how busy its work queues are.
func Operator() *dashboard.DashboardBuilder {
	quantiles := func(transition string) []query {
		return []query{
			{`histogram_quantile(0.5, sum by (le) (rate(stoke_application_transition_seconds_bucket{transition="` + transition + `"}[$__rate_interval])))`, "p50"},
			{`histogram_quantile(0.99, sum by (le) (rate(stoke_application_transition_seconds_bucket{transition="` + transition + `"}[$__rate_interval])))`, "p99"},
		}
	}
	return newDashboard("stoke-operator", "Stoke operator",
		"Spark applications run by Stoke: phases, throughput, start-up latencies, failures by reason, reserved core- and GiB-hours and the operator's work queues.",
		"stoke_applications").
		WithPanel(panel("Applications by phase", "Applications the operator holds, by phase (stoke_applications).", "short", 12,
			query{`sum by (phase) (stoke_applications{` + ns + `})`, "{{phase}}"})).
		WithPanel(panel("Applications finished per minute", "Applications that succeeded or failed for good.", "short", 12,
			query{`sum by (phase) (rate(stoke_applications_finished_total{` + ns + `}[$__rate_interval])) * 60`, "{{phase}}"},
			query{`sum(rate(stoke_attempts_started_total{` + ns + `}[$__rate_interval])) * 60`, "attempts started"})).
		WithPanel(panel("Submission latency", "From an application's creation to its first driver pod: Stoke's own part of the start-up.", "s", 8,
			quantiles("created_to_submitted")...)).
		WithPanel(panel("Driver start-up", "From the driver pod's creation to its Spark container running (image pull, scheduling).", "s", 8,
			quantiles("submitted_to_driver_running")...)).
		WithPanel(panel("End to end", "From an application's creation to its success or failure for good.", "s", 8,
			quantiles("end_to_end")...)).
		WithPanel(panel("Attempt failures by reason", "Attempts that did not succeed, by reason (docs/conditions.md), over the dashboard's range.", "short", 12,
			query{`sum by (outcome, reason) (increase(stoke_attempts_ended_total{` + ns + `, outcome!="Succeeded"}[$__range]))`, "{{outcome}}: {{reason}}"})).
		WithPanel(panel("Reserved core-hours and GiB-hours", "What the pods of ended attempts reserved (requests × time), by namespace and role, over the dashboard's range: the basis of cost per run (docs/observability.md).", "short", 12,
			query{`sum by (namespace, role) (increase(stoke_pod_core_seconds_total{` + ns + `}[$__range])) / 3600`, "core-hours: {{namespace}} {{role}}"},
			query{`sum by (namespace, role) (increase(stoke_pod_memory_gib_seconds_total{` + ns + `}[$__range])) / 3600`, "GiB-hours: {{namespace}} {{role}}"})).
		WithPanel(panel("Retries and waits", "Retries per minute, and the 90th percentile of the time spent waiting before an attempt (backoff, missing prerequisites).", "short", 12,
			query{`sum(rate(stoke_retries_total{` + ns + `}[$__rate_interval])) * 60`, "retries per minute"},
			query{`histogram_quantile(0.9, sum by (le, cause) (rate(stoke_application_wait_seconds_bucket[$__rate_interval])))`, "p90 wait: {{cause}}"})).
		WithPanel(panel("Work queues", "Objects waiting in each controller's work queue, and their p99 wait.", "short", 12,
			query{`sum by (name) (workqueue_depth{job="stoke-operator"})`, "depth: {{name}}"},
			query{`histogram_quantile(0.99, sum by (le, name) (rate(workqueue_queue_duration_seconds_bucket{job="stoke-operator"}[$__rate_interval])))`, "p99 wait (s): {{name}}"})).
		WithPanel(panel("Reconciles and API requests", "Reconciles per second by controller, reconcile errors, and the requests the operator sends to the API server.", "reqps", 12,
			query{`sum by (controller) (rate(controller_runtime_reconcile_total{job="stoke-operator"}[$__rate_interval]))`, "reconciles: {{controller}}"},
			query{`sum by (controller) (rate(controller_runtime_reconcile_errors_total{job="stoke-operator"}[$__rate_interval]))`, "errors: {{controller}}"},
			query{`sum by (verb) (rate(stoke_operator_api_requests_total{job="stoke-operator"}[$__rate_interval]))`, "API {{verb}}"}))
}
