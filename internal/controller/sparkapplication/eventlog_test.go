package sparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// TestEventLogOnByDefaultAndItsClaimWaitedFor: an operator with an event-log directory on a volume claim
// turns the event log on for every application: while the claim is missing from the namespace the
// application waits with a condition naming it (no driver that could never start); once the claim exists
// the driver mounts it and its spark.properties write the event log there. An application that turns the
// event log off, or sets its own, is left alone (and does not wait for the claim); one that asks for it from
// an operator without a directory fails with InvalidSpec.
func TestEventLogOnByDefaultAndItsClaimWaitedFor(t *testing.T) {
	ns := env.Namespace(t)
	startOperatorWith(t, ns, func(c *operator.Config) {
		c.EventLog = &spark.EventLog{Dir: "file:/spark-events", Volume: &spark.EventLogVolume{PersistentVolumeClaim: "spark-events"},
			SparkConf: map[string]string{"spark.eventLog.rolling.enabled": "true"}}
	})
	create(t, newApp(ns, "logged"))
	off := newApp(ns, "unlogged")
	off.Spec.Monitoring.EventLog = ptr(false)
	create(t, off)
	own := newApp(ns, "own-log")
	own.Spec.SparkConf = map[string]string{"spark.eventLog.enabled": "true", "spark.eventLog.dir": "hdfs://nn/logs"}
	create(t, own)

	waitingFor(t, ns, "logged", sparkapplication.ReasonWaitingForEventLogVolume, "spark-events", "spec.monitoring.eventLog: false")
	for name, want := range map[string]string{"unlogged": "", "own-log": "hdfs://nn/logs"} {
		driver := waitAttempt(t, ns, name, 1)
		props := driverProperties(t, ns, name)
		if got := props["spark.eventLog.dir"]; got != want {
			t.Errorf("%s: spark.eventLog.dir %q, want %q", name, got, want)
		}
		for _, v := range driver.Spec.Volumes {
			if v.Name == spark.EventLogVolumeName {
				t.Errorf("%s: the driver mounts the operator's event-log volume", name)
			}
		}
	}

	create(t, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spark-events"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	})
	driver := waitAttempt(t, ns, "logged", 1)
	var claim string
	for _, v := range driver.Spec.Volumes {
		if v.Name == spark.EventLogVolumeName && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != "spark-events" {
		t.Errorf("driver volumes %+v: no event-log volume of claim spark-events", driver.Spec.Volumes)
	}
	props := driverProperties(t, ns, "logged")
	for k, want := range map[string]string{"spark.eventLog.enabled": "true", "spark.eventLog.dir": "file:/spark-events", "spark.eventLog.rolling.enabled": "true"} {
		if props[k] != want {
			t.Errorf("spark.properties %s = %q, want %q", k, props[k], want)
		}
	}
	app := getApp(t, ns, "logged")
	if c := condition(app, stokev1.ConditionWaiting); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Waiting condition after the start: %+v", c)
	}
	if _, set := app.Spec.SparkConf["spark.eventLog.dir"]; set {
		t.Errorf("the operator's event log was written into the application's spec: %v", app.Spec.SparkConf)
	}

	// Asked for, with nowhere to write it: another operator, without an event-log directory.
	ns2 := env.Namespace(t)
	startOperator(t, ns2)
	asks := newApp(ns2, "asks")
	asks.Spec.Monitoring.EventLog = ptr(true)
	create(t, asks)
	failed := waitPhase(t, ns2, "asks", stokev1.PhaseFailed)
	if c := condition(failed, stokev1.ConditionFailed); c == nil || c.Reason != sparkapplication.ReasonInvalidSpec || !strings.Contains(c.Message, "spec.monitoring.eventLog") {
		t.Errorf("Failed condition %+v, want InvalidSpec naming spec.monitoring.eventLog", c)
	}
}

// driverProperties parses the spark.properties of the application's current driver ConfigMap.
func driverProperties(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	app := getApp(t, ns, name)
	names := spark.NamesFor(name, app.UID, app.Status.CurrentAttempt.Number)
	cm := &corev1.ConfigMap{}
	eventually(t, 10*time.Second, "the driver ConfigMap of "+name, func() (bool, error) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: names.ConfigMap}, cm)
		return err == nil, client.IgnoreNotFound(err)
	})
	props, err := spark.DecodeProperties(cm.Data["spark.properties"])
	if err != nil {
		t.Fatal(err)
	}
	return props
}
