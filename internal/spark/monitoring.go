package spark

import (
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Spark's native Prometheus endpoints, which Stoke turns on for every application unless
// spec.monitoring.metrics is false. Both are served on the driver's UI port; Spark's executors have no HTTP
// server of their own, so their metrics are the driver's /metrics/executors/prometheus.
const (
	ConfUIEnabled = "spark.ui.enabled"
	// ConfUIPrometheus serves every executor's metrics at ExecutorMetricsPath. Spark 3.5 defaults it to
	// false, Spark 4 to true; Stoke sets it either way.
	ConfUIPrometheus = "spark.ui.prometheus.enabled"
	// ConfMetricsNamespace replaces the application id that otherwise starts every driver metric's name
	// (metrics_spark-1234_driver_...), so one dashboard query serves every application.
	ConfMetricsNamespace       = "spark.metrics.namespace"
	ConfPrometheusServletClass = "spark.metrics.conf.*.sink.prometheusServlet.class"
	ConfPrometheusServletPath  = "spark.metrics.conf.*.sink.prometheusServlet.path"
	confDriverServletPath      = "spark.metrics.conf.driver.sink.prometheusServlet.path"
	PrometheusServletClass     = "org.apache.spark.metrics.sink.PrometheusServlet"
	MetricsNamespace           = "spark"
	DriverMetricsPath          = "/metrics/prometheus"
	ExecutorMetricsPath        = "/metrics/executors/prometheus"

	// The annotations Prometheus's usual pod discovery reads, and Stoke's for the executors' endpoint.
	AnnotationPrometheusScrape    = "prometheus.io/scrape"
	AnnotationPrometheusPort      = "prometheus.io/port"
	AnnotationPrometheusPath      = "prometheus.io/path"
	AnnotationExecutorMetricsPath = "stoke.dev/executor-metrics-path"
)

const driverAnnotationPrefix = "spark.kubernetes.driver.annotation."

// metricsEnabled reports whether the application's driver serves Spark's Prometheus endpoints: unless
// spec.monitoring.metrics is false, or sparkConf switches the Spark UI (where they are served) off.
func metricsEnabled(app *stokev1.SparkApplication) bool {
	if m := app.Spec.Monitoring.Metrics; m != nil && !*m {
		return false
	}
	return app.Spec.SparkConf[ConfUIEnabled] != "false"
}

// metricsProperties adds the Spark properties that serve the Prometheus endpoints and annotate the driver
// pod, each only where the application set no value of its own (in sparkConf, driver annotations or the
// driver template's annotations). They are Spark properties, so spark-submit given the same properties
// creates the same driver pod.
func metricsProperties(p map[string]string, app *stokev1.SparkApplication) {
	if !metricsEnabled(app) {
		return
	}
	def := func(key, value string) {
		if _, set := p[key]; !set {
			p[key] = value
		}
	}
	def(ConfPrometheusServletClass, PrometheusServletClass)
	def(ConfPrometheusServletPath, DriverMetricsPath)
	def(ConfUIPrometheus, "true")
	def(ConfMetricsNamespace, MetricsNamespace)

	var templateAnnotations map[string]string
	if t := app.Spec.Driver.Template; t != nil {
		templateAnnotations = t.Annotations
	}
	annotate := func(key, value string) {
		if _, set := templateAnnotations[key]; !set {
			def(driverAnnotationPrefix+key, value)
		}
	}
	driverPath := first(p[confDriverServletPath], p[ConfPrometheusServletPath])
	if p[ConfPrometheusServletClass] == PrometheusServletClass && driverPath != "" {
		annotate(AnnotationPrometheusScrape, "true")
		annotate(AnnotationPrometheusPort, strconv.Itoa(int(UIPortOf(app.Spec.SparkConf))))
		annotate(AnnotationPrometheusPath, driverPath)
	}
	if p[ConfUIPrometheus] == "true" {
		annotate(AnnotationExecutorMetricsPath, ExecutorMetricsPath)
	}
}

// validateMonitoring refuses what cannot work: metrics asked for with the Spark UI off.
func validateMonitoring(app *stokev1.SparkApplication) field.ErrorList {
	m := app.Spec.Monitoring.Metrics
	if m != nil && *m && app.Spec.SparkConf[ConfUIEnabled] == "false" {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "monitoring", "metrics"), true,
			"Spark serves its Prometheus endpoints on the Spark UI, which sparkConf["+ConfUIEnabled+"]=false switches off; drop one of the two")}
	}
	return nil
}
