package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Selectors of one application's series: Spark's executor metrics (served by the driver at
// /metrics/executors/prometheus, one series per executor and one for the driver itself) and the driver's own
// metrics (PrometheusServlet, named metrics_spark_driver_* under Stoke's spark.metrics.namespace).
const (
	app       = `namespace=~"$namespace", application=~"$application"`
	executors = app + `, executor_id!="driver"`
)

// SparkApplication is the dashboard of one Spark application: executors, tasks, shuffle, GC and memory, from
// the metrics Spark serves itself (no JVM agent), labelled by the scrape jobs with the application's name.
func SparkApplication() *dashboard.DashboardBuilder {
	return newDashboard("stoke-spark-application", "Spark application",
		"One Spark application run by Stoke, from Spark's own Prometheus endpoints: executors, tasks, shuffle, GC and memory.",
		"metrics_executor_totalCores").
		WithVariable(labelVariable("application", "Application", `metrics_executor_totalCores{namespace=~"$namespace"}`, "application", false)).
		WithPanel(panel("Executors and cores", "Executors the driver has registered, and their cores.", "short", 8,
			query{`count(metrics_executor_totalCores{` + executors + `})`, "executors"},
			query{`sum(metrics_executor_totalCores{` + executors + `})`, "cores"})).
		WithPanel(panel("Active tasks", "Tasks running now on each executor.", "short", 8,
			query{`sum by (executor_id) (metrics_executor_activeTasks{` + executors + `})`, "executor {{executor_id}}"})).
		WithPanel(panel("Jobs and stages", "Spark jobs and stages the driver is running.", "short", 8,
			query{`max(metrics_spark_driver_DAGScheduler_job_activeJobs_Value{` + app + `})`, "active jobs"},
			query{`max(metrics_spark_driver_DAGScheduler_stage_runningStages_Value{` + app + `})`, "running stages"},
			query{`max(metrics_spark_driver_DAGScheduler_stage_failedStages_Value{` + app + `})`, "failed stages"})).
		WithPanel(panel("Task throughput", "Tasks completed and failed per second, over all executors.", "ops", 12,
			query{`sum(rate(metrics_executor_completedTasks_total{` + executors + `}[$__rate_interval]))`, "completed"},
			query{`sum(rate(metrics_executor_failedTasks_total{` + executors + `}[$__rate_interval]))`, "failed"})).
		WithPanel(panel("Shuffle and input", "Bytes per second shuffled and read as input, over all executors.", "Bps", 12,
			query{`sum(rate(metrics_executor_totalShuffleRead_bytes_total{` + executors + `}[$__rate_interval]))`, "shuffle read"},
			query{`sum(rate(metrics_executor_totalShuffleWrite_bytes_total{` + executors + `}[$__rate_interval]))`, "shuffle write"},
			query{`sum(rate(metrics_executor_totalInputBytes_bytes_total{` + executors + `}[$__rate_interval]))`, "input"})).
		WithPanel(panel("Time in GC", "Share of each executor's time spent in garbage collection (tasks' GC time per second).", "percentunit", 12,
			query{`sum by (executor_id) (rate(metrics_executor_totalGCTime_seconds_total{` + executors + `}[$__rate_interval]))`, "executor {{executor_id}}"})).
		WithPanel(panel("Executor memory", "Storage memory used and available, per executor. (Executors report their JVM heap only with "+
			"their heartbeats, every 10 s, so short jobs have none: Spark's metrics_executor_JVMHeapMemory_bytes.)", "bytes", 12,
			query{`sum by (executor_id) (metrics_executor_memoryUsed_bytes{` + executors + `})`, "used: executor {{executor_id}}"},
			query{`sum by (executor_id) (metrics_executor_maxMemory_bytes{` + executors + `})`, "available: executor {{executor_id}}"})).
		WithPanel(panel("Driver memory", "The driver's JVM heap and block manager memory.", "bytes", 12,
			query{`max(metrics_spark_driver_ExecutorMetrics_JVMHeapMemory_Value{` + app + `})`, "heap"},
			query{`max(metrics_spark_driver_BlockManager_memory_memUsed_MB_Value{` + app + `}) * 1048576`, "block manager"}))
}
