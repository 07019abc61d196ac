package spark

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestEventLogValidate(t *testing.T) {
	tests := []struct {
		desc    string
		log     *EventLog
		wantErr string
	}{
		{"unset", nil, ""},
		{"empty", &EventLog{}, ""},
		{"volume without dir", &EventLog{Volume: &EventLogVolume{HostPath: "/x"}}, "need a dir"},
		{"object store", &EventLog{Dir: "s3a://logs/spark-events", SparkConf: map[string]string{"spark.hadoop.fs.s3a.endpoint": "http://s3:9000"}}, ""},
		{"claim", &EventLog{Dir: "file:/spark-events", Volume: &EventLogVolume{PersistentVolumeClaim: "spark-events"}}, ""},
		{"bare path", &EventLog{Dir: "/spark-events", Volume: &EventLogVolume{NFS: "nfs.example.com:/exports/spark"}}, ""},
		{"path without volume", &EventLog{Dir: "file:/spark-events"}, "needs eventLog.volume"},
		{"object store with volume", &EventLog{Dir: "s3a://logs/x", Volume: &EventLogVolume{HostPath: "/x"}}, "nothing to hold"},
		{"relative path", &EventLog{Dir: "spark-events", Volume: &EventLogVolume{HostPath: "/x"}}, "absolute"},
		{"root", &EventLog{Dir: "file:/", Volume: &EventLogVolume{HostPath: "/x"}}, "absolute"},
		{"two volumes", &EventLog{Dir: "/e", Volume: &EventLogVolume{HostPath: "/x", PersistentVolumeClaim: "c"}}, "exactly one"},
		{"no volume type", &EventLog{Dir: "/e", Volume: &EventLogVolume{}}, "exactly one"},
		{"nfs without path", &EventLog{Dir: "/e", Volume: &EventLogVolume{NFS: "server"}}, "server:/path"},
		{"relative host path", &EventLog{Dir: "/e", Volume: &EventLogVolume{HostPath: "x"}}, "absolute path"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			err := tc.log.Validate()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestWithEventLog(t *testing.T) {
	claim := &EventLog{Dir: "file:/spark-events", Volume: &EventLogVolume{PersistentVolumeClaim: "spark-events"}}
	s3 := &EventLog{Dir: "s3a://logs/spark-events", SparkConf: map[string]string{
		"spark.hadoop.fs.s3a.endpoint": "http://s3.example.com", "spark.eventLog.compress": "true"}}
	app := func(eventLog *bool, conf map[string]string) *stokev1.SparkApplication {
		a := &stokev1.SparkApplication{}
		a.Spec.Monitoring.EventLog = eventLog
		a.Spec.SparkConf = conf
		return a
	}
	tests := []struct {
		desc     string
		app      *stokev1.SparkApplication
		log      *EventLog
		wantConf map[string]string // nil: the application comes back unchanged
		invalid  bool
	}{
		{"operator without event log", app(nil, map[string]string{"a": "b"}), nil, nil, false},
		{"claim", app(nil, map[string]string{"a": "b"}), claim, map[string]string{
			"a":                      "b",
			"spark.eventLog.enabled": "true",
			"spark.eventLog.dir":     "file:/spark-events",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spark-event-log.mount.path":        "/spark-events",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spark-event-log.options.claimName": "spark-events",
		}, false},
		{"nfs", app(ptr(true), nil), &EventLog{Dir: "/history", Volume: &EventLogVolume{NFS: "nfs.local:/exports/h"}}, map[string]string{
			"spark.eventLog.enabled": "true",
			"spark.eventLog.dir":     "/history",
			"spark.kubernetes.driver.volumes.nfs.spark-event-log.mount.path":     "/history",
			"spark.kubernetes.driver.volumes.nfs.spark-event-log.options.server": "nfs.local",
			"spark.kubernetes.driver.volumes.nfs.spark-event-log.options.path":   "/exports/h",
		}, false},
		{"host path", app(nil, nil), &EventLog{Dir: "file:/e", Volume: &EventLogVolume{HostPath: "/var/lib/e"}}, map[string]string{
			"spark.eventLog.enabled": "true",
			"spark.eventLog.dir":     "file:/e",
			"spark.kubernetes.driver.volumes.hostPath.spark-event-log.mount.path":   "/e",
			"spark.kubernetes.driver.volumes.hostPath.spark-event-log.options.path": "/var/lib/e",
			"spark.kubernetes.driver.volumes.hostPath.spark-event-log.options.type": "Directory",
		}, false},
		{"object store, the application's own value wins", app(nil, map[string]string{"spark.eventLog.compress": "false"}), s3, map[string]string{
			"spark.eventLog.enabled":       "true",
			"spark.eventLog.dir":           "s3a://logs/spark-events",
			"spark.eventLog.compress":      "false",
			"spark.hadoop.fs.s3a.endpoint": "http://s3.example.com",
		}, false},
		{"turned off", app(ptr(false), nil), claim, nil, false},
		{"own dir", app(nil, map[string]string{"spark.eventLog.enabled": "true", "spark.eventLog.dir": "hdfs://nn/logs"}), claim, nil, false},
		{"own switch off", app(nil, map[string]string{"spark.eventLog.enabled": "false"}), claim, nil, false},
		{"asked for with its own dir", app(ptr(true), map[string]string{"spark.eventLog.dir": "hdfs://nn/logs"}), nil, nil, false},
		{"asked for, nowhere to write", app(ptr(true), nil), nil, nil, true},
		{"asked for, operator dir empty", app(ptr(true), nil), &EventLog{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			before := tc.app.DeepCopy()
			got, err := WithEventLog(tc.app, tc.log)
			var inv *InvalidSpecError
			if tc.invalid != errors.As(err, &inv) || (err != nil && !tc.invalid) {
				t.Fatalf("err = %v, want invalid %v", err, tc.invalid)
			}
			if diff := cmp.Diff(before, tc.app); diff != "" {
				t.Fatalf("the application passed in changed (-before +after):\n%s", diff)
			}
			if tc.wantConf == nil {
				if got != tc.app {
					t.Fatalf("got a changed application, want the same one")
				}
				return
			}
			if diff := cmp.Diff(tc.wantConf, got.Spec.SparkConf); diff != "" {
				t.Errorf("sparkConf (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEventLogVolumeBuildsADriverVolume checks the volume properties become the driver pod's volume and
// mount through the builder, as Spark's MountVolumesFeatureStep makes them.
func TestEventLogVolumeBuildsADriverVolume(t *testing.T) {
	app, err := WithEventLog(scalaApp(), &EventLog{Dir: "file:/spark-events", Volume: &EventLogVolume{PersistentVolumeClaim: "spark-events"}})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Build(app, 1)
	if err != nil {
		t.Fatal(err)
	}
	var claim string
	for _, v := range objs.DriverPod.Spec.Volumes {
		if v.Name == EventLogVolumeName && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != "spark-events" {
		t.Errorf("driver volumes %+v: no %s volume of claim spark-events", objs.DriverPod.Spec.Volumes, EventLogVolumeName)
	}
	var mounted bool
	for _, m := range objs.DriverPod.Spec.Containers[0].VolumeMounts {
		mounted = mounted || (m.Name == EventLogVolumeName && m.MountPath == "/spark-events")
	}
	if !mounted {
		t.Errorf("driver container mounts %+v: no %s at /spark-events", objs.DriverPod.Spec.Containers[0].VolumeMounts, EventLogVolumeName)
	}
	if !strings.Contains(objs.ConfigMap.Data["spark.properties"], "spark.eventLog.dir=file\\:/spark-events") &&
		!strings.Contains(objs.ConfigMap.Data["spark.properties"], "spark.eventLog.dir=file:/spark-events") {
		t.Errorf("spark.properties lacks the event-log directory:\n%s", objs.ConfigMap.Data["spark.properties"])
	}
}
