package spark

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// The defaults every application gets unless it turns metrics off.
var (
	metricsAnnotations = map[string]string{
		"prometheus.io/scrape": "true", "prometheus.io/port": "4040", "prometheus.io/path": "/metrics/prometheus",
		"stoke.dev/executor-metrics-path": "/metrics/executors/prometheus",
	}
	metricsProps = map[string]string{
		"spark.metrics.conf.*.sink.prometheusServlet.class":                  "org.apache.spark.metrics.sink.PrometheusServlet",
		"spark.metrics.conf.*.sink.prometheusServlet.path":                   "/metrics/prometheus",
		"spark.ui.prometheus.enabled":                                        "true",
		"spark.metrics.namespace":                                            "spark",
		"spark.kubernetes.driver.annotation.prometheus.io/scrape":            "true",
		"spark.kubernetes.driver.annotation.prometheus.io/port":              "4040",
		"spark.kubernetes.driver.annotation.prometheus.io/path":              "/metrics/prometheus",
		"spark.kubernetes.driver.annotation.stoke.dev/executor-metrics-path": "/metrics/executors/prometheus",
	}
)

// metricsOnly keeps the properties and annotations the metrics defaults may write.
func metricsOnly(objs *Objects) (props, annotations map[string]string) {
	props, annotations = map[string]string{}, map[string]string{}
	for k, v := range objs.Properties {
		if _, ok := metricsProps[k]; ok || strings.HasPrefix(k, "spark.metrics.") || k == ConfUIPrometheus || k == ConfUIEnabled {
			props[k] = v
		}
	}
	for k, v := range objs.DriverPod.Annotations {
		if _, ok := metricsAnnotations[k]; ok {
			annotations[k] = v
		}
	}
	return props, annotations
}

func TestMetricsDefaults(t *testing.T) {
	with := func(f func(*stokev1.SparkApplication)) *stokev1.SparkApplication {
		a := scalaApp()
		f(a)
		return a
	}
	merge := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(out, kv[i])
			} else {
				out[kv[i]] = kv[i+1]
			}
		}
		return out
	}
	const anno = "spark.kubernetes.driver.annotation."
	tests := []struct {
		name            string
		app             *stokev1.SparkApplication
		wantProps, want map[string]string
	}{
		{"on by default", scalaApp(), metricsProps, metricsAnnotations},
		{"on when asked", with(func(a *stokev1.SparkApplication) { a.Spec.Monitoring.Metrics = ptr(true) }), metricsProps, metricsAnnotations},
		{"off when asked: nothing added", with(func(a *stokev1.SparkApplication) { a.Spec.Monitoring.Metrics = ptr(false) }), map[string]string{}, map[string]string{}},
		{"off with the Spark UI", with(func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{ConfUIEnabled: "false"} }),
			map[string]string{ConfUIEnabled: "false"}, map[string]string{}},
		{"the UI port is followed", with(func(a *stokev1.SparkApplication) { a.Spec.SparkConf = map[string]string{ConfUIPort: "4050"} }),
			merge(metricsProps, anno+"prometheus.io/port", "4050"), merge(metricsAnnotations, "prometheus.io/port", "4050")},
		{"the user's namespace and servlet path win", with(func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{ConfMetricsNamespace: "${spark.app.name}", ConfPrometheusServletPath: "/prom"}
		}), merge(metricsProps, ConfMetricsNamespace, "${spark.app.name}", ConfPrometheusServletPath, "/prom", anno+"prometheus.io/path", "/prom"),
			merge(metricsAnnotations, "prometheus.io/path", "/prom")},
		{"a driver-only servlet path is the one annotated", with(func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{confDriverServletPath: "/driver-metrics"}
		}), merge(metricsProps, confDriverServletPath, "/driver-metrics", anno+"prometheus.io/path", "/driver-metrics"),
			merge(metricsAnnotations, "prometheus.io/path", "/driver-metrics")},
		{"executor metrics switched off in sparkConf: no executor annotation", with(func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{ConfUIPrometheus: "false"}
		}), merge(metricsProps, ConfUIPrometheus, "false", anno+AnnotationExecutorMetricsPath, "-"),
			merge(metricsAnnotations, AnnotationExecutorMetricsPath, "-")},
		{"another sink class: the driver is not advertised", with(func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{ConfPrometheusServletClass: "com.example.Sink"}
		}), merge(metricsProps, ConfPrometheusServletClass, "com.example.Sink", anno+"prometheus.io/scrape", "-", anno+"prometheus.io/port", "-", anno+"prometheus.io/path", "-"),
			merge(metricsAnnotations, "prometheus.io/scrape", "-", "prometheus.io/port", "-", "prometheus.io/path", "-")},
		{"the user's driver annotation wins", with(func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Annotations = map[string]string{"prometheus.io/scrape": "false"}
		}), merge(metricsProps, anno+"prometheus.io/scrape", "false"), merge(metricsAnnotations, "prometheus.io/scrape", "false")},
		{"the driver template's annotation wins", with(func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Template = &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"prometheus.io/port": "9999"}}}
		}), merge(metricsProps, anno+"prometheus.io/port", "-"), merge(metricsAnnotations, "prometheus.io/port", "9999")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			props, annotations := metricsOnly(mustBuild(t, tc.app))
			if !reflect.DeepEqual(props, tc.wantProps) {
				t.Errorf("properties = %v\nwant         %v", props, tc.wantProps)
			}
			if !reflect.DeepEqual(annotations, tc.want) {
				t.Errorf("driver annotations = %v\nwant               %v", annotations, tc.want)
			}
		})
	}
}

func TestMetricsWithoutTheUIIsRefused(t *testing.T) {
	app := scalaApp()
	app.Spec.Monitoring.Metrics = ptr(true)
	app.Spec.SparkConf = map[string]string{ConfUIEnabled: "false"}
	_, err := Build(app, 1)
	var invalid *InvalidSpecError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "spec.monitoring.metrics") || !strings.Contains(err.Error(), "spark.ui.enabled") {
		t.Fatalf("Build = %v, want an invalid spec naming spec.monitoring.metrics and spark.ui.enabled", err)
	}
}
