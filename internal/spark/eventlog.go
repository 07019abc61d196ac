package spark

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Spark's event-log properties.
const (
	ConfEventLogEnabled = "spark.eventLog.enabled"
	ConfEventLogDir     = "spark.eventLog.dir"
)

// EventLogVolumeName is the driver volume that holds the event-log directory when it is a shared file
// system (spark.kubernetes.driver.volumes.<type>.spark-event-log.*).
const EventLogVolumeName = "spark-event-log"

// EventLog is where the operator has every application write Spark's event log, for a History Server to
// read. Only the driver writes it.
type EventLog struct {
	// Dir is spark.eventLog.dir: an object-store or HDFS URI (s3a://bucket/spark-events,
	// hdfs://namenode/spark-events), or an absolute path (/spark-events or file:/spark-events) on Volume.
	Dir string `json:"dir,omitempty"`
	// Volume holds Dir when it is a path: it is mounted into every driver at that path.
	Volume *EventLogVolume `json:"volume,omitempty"`
	// SparkConf are further properties every application with an event log gets unless it sets them
	// itself: an object store's endpoint and credentials provider, spark.eventLog.rolling.enabled, ...
	SparkConf map[string]string `json:"sparkConf,omitempty"`
}

// EventLogVolume is a shared file system every driver mounts, one of the volume types Spark can mount
// from its properties. Exactly one is set.
type EventLogVolume struct {
	// PersistentVolumeClaim is the name of a claim that must exist in every namespace applications run in
	// (a ReadWriteMany volume; the History Server mounts one of the same storage).
	PersistentVolumeClaim string `json:"persistentVolumeClaim,omitempty"`
	// NFS is an NFS export, server:/path.
	NFS string `json:"nfs,omitempty"`
	// HostPath is a directory on every node (a single-node cluster, or a path every node mounts from the
	// same storage).
	HostPath string `json:"hostPath,omitempty"`
}

// Enabled reports whether the operator turns event logging on for applications.
func (e *EventLog) Enabled() bool { return e != nil && e.Dir != "" }

// MountPath is where drivers mount the Volume: the path of a file: or scheme-less Dir.
func (e *EventLog) MountPath() string {
	return strings.TrimPrefix(e.Dir, "file:")
}

// Validate checks the operator's event-log setting.
func (e *EventLog) Validate() error {
	if !e.Enabled() {
		if e != nil && (e.Volume != nil || len(e.SparkConf) > 0) {
			return fmt.Errorf("eventLog: volume and sparkConf need a dir")
		}
		return nil
	}
	u, err := url.Parse(e.Dir)
	if err != nil {
		return fmt.Errorf("eventLog.dir %q: %w", e.Dir, err)
	}
	local := u.Scheme == "" || u.Scheme == "file"
	if e.Volume == nil {
		if local {
			return fmt.Errorf("eventLog.dir %q is a path: it needs eventLog.volume, the shared file system every driver writes it to", e.Dir)
		}
		return nil
	}
	if !local {
		return fmt.Errorf("eventLog.dir %q is not a path, so eventLog.volume has nothing to hold", e.Dir)
	}
	if p := e.MountPath(); !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("eventLog.dir %q: want an absolute, clean path below / (file:/spark-events)", e.Dir)
	}
	set := 0
	for _, v := range []string{e.Volume.PersistentVolumeClaim, e.Volume.NFS, e.Volume.HostPath} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("eventLog.volume: set exactly one of persistentVolumeClaim, nfs and hostPath")
	}
	if v := e.Volume.NFS; v != "" {
		if server, p, ok := strings.Cut(v, ":"); !ok || server == "" || !path.IsAbs(p) {
			return fmt.Errorf("eventLog.volume.nfs %q: want server:/path", v)
		}
	}
	if v := e.Volume.HostPath; v != "" && !path.IsAbs(v) {
		return fmt.Errorf("eventLog.volume.hostPath %q: want an absolute path", v)
	}
	return nil
}

// EventLogWanted says whether the operator's event log applies to the application: it is configured, the
// application does not turn it off (spec.monitoring.eventLog false) and sets no event-log property of its
// own. An application that asks for an event log (spec.monitoring.eventLog true) with neither the operator's
// directory nor its own spark.eventLog.dir is an InvalidSpec.
func EventLogWanted(app *stokev1.SparkApplication, e *EventLog) (bool, error) {
	asked := app.Spec.Monitoring.EventLog
	_, ownEnabled := app.Spec.SparkConf[ConfEventLogEnabled]
	_, ownDir := app.Spec.SparkConf[ConfEventLogDir]
	if asked != nil && *asked && !e.Enabled() && !ownDir {
		return false, invalid("spec.monitoring.eventLog is true, but the operator has no event-log directory (eventLog.dir in its configuration) and sparkConf sets no spark.eventLog.dir")
	}
	if asked != nil && !*asked {
		return false, nil
	}
	return e.Enabled() && !ownEnabled && !ownDir, nil
}

// WithEventLog returns the application with the operator's event log in its sparkConf: spark.eventLog.enabled
// and spark.eventLog.dir, the operator's further event-log properties, and the volume that holds a path
// directory as a driver volume property. They are Spark properties, so spark-submit given the same sparkConf
// creates the same driver. The application is returned unchanged (not copied) when the event log does not
// apply to it (EventLogWanted).
func WithEventLog(app *stokev1.SparkApplication, e *EventLog) (*stokev1.SparkApplication, error) {
	wanted, err := EventLogWanted(app, e)
	if err != nil || !wanted {
		return app, err
	}
	out := app.DeepCopy()
	conf := make(map[string]string, len(app.Spec.SparkConf)+len(e.SparkConf)+4)
	for k, v := range app.Spec.SparkConf {
		conf[k] = v
	}
	def := func(key, value string) {
		if _, set := conf[key]; !set {
			conf[key] = value
		}
	}
	conf[ConfEventLogEnabled] = "true"
	conf[ConfEventLogDir] = e.Dir
	keys := make([]string, 0, len(e.SparkConf))
	for k := range e.SparkConf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		def(k, e.SparkConf[k])
	}
	if v := e.Volume; v != nil {
		var kind string
		options := map[string]string{}
		switch {
		case v.PersistentVolumeClaim != "":
			kind, options["claimName"] = "persistentVolumeClaim", v.PersistentVolumeClaim
		case v.NFS != "":
			server, p, _ := strings.Cut(v.NFS, ":")
			kind, options["server"], options["path"] = "nfs", server, p
		default:
			kind, options["path"], options["type"] = "hostPath", v.HostPath, "Directory"
		}
		prefix := "spark.kubernetes.driver.volumes." + kind + "." + EventLogVolumeName + "."
		def(prefix+"mount.path", e.MountPath())
		for k, val := range options {
			def(prefix+"options."+k, val)
		}
	}
	out.Spec.SparkConf = conf
	return out, nil
}
