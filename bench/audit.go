package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// auditor is the chaos suite's independent witness. It watches every Spark pod and every application
// through its own informers (not the operator's, not the simulator's), and reads the API server's audit log,
// which records every pod creation whether or not any watch saw it. It answers the suite's questions: was a
// second driver pod ever created for one attempt, or did two drivers of one application ever run at once;
// which applications never finished; which failed although their work could succeed; what was left behind;
// and how long after a fault every application in flight moved again.
type auditor struct {
	mu   sync.Mutex
	apps map[string]*auditedApp // namespace/name
	// running holds, per application, the driver pods seen running and not yet ended.
	running map[string]map[types.UID]bool
	// concurrent lists applications two of whose driver pods were seen running at the same time.
	concurrent map[string]bool
	// driverUIDs are the driver pods seen, per pod name (namespace/name): a name is one attempt's.
	driverUIDs map[string]map[types.UID]bool
}

type auditedApp struct {
	resourceVersion string
	phase           stokev1.ApplicationPhase
	// changes are the times the application was seen changed (a new resourceVersion).
	changes    []time.Time
	terminalAt time.Time
	// driverSucceeded: one of its driver pods ended with phase Succeeded (the simulated program exited 0).
	driverSucceeded bool
}

func newAuditor() *auditor {
	return &auditor{apps: map[string]*auditedApp{}, running: map[string]map[types.UID]bool{}, concurrent: map[string]bool{},
		driverUIDs: map[string]map[types.UID]bool{}}
}

func (a *auditor) app(key string) *auditedApp {
	x := a.apps[key]
	if x == nil {
		x = &auditedApp{}
		a.apps[key] = x
	}
	return x
}

// appHandler records every change of every application, and when it became terminal.
func (a *auditor) appHandler() toolscache.ResourceEventHandler {
	on := func(obj any) {
		app, ok := obj.(*stokev1.SparkApplication)
		if !ok {
			return
		}
		now := time.Now()
		a.mu.Lock()
		defer a.mu.Unlock()
		x := a.app(app.Namespace + "/" + app.Name)
		if x.resourceVersion == app.ResourceVersion {
			return // a relist delivering what was already seen
		}
		x.resourceVersion, x.phase = app.ResourceVersion, app.Status.Phase
		x.changes = append(x.changes, now)
		if terminalPhase(app.Status.Phase) && x.terminalAt.IsZero() {
			x.terminalAt = now
		}
	}
	return toolscache.ResourceEventHandlerFuncs{AddFunc: on, UpdateFunc: func(_, obj any) { on(obj) }}
}

func terminalPhase(p stokev1.ApplicationPhase) bool {
	return p == stokev1.PhaseSucceeded || p == stokev1.PhaseFailed
}

// podHandler follows driver pods: which run, which ended, and whether two of one application ran at once.
// A watch delivers one resource's events in order, so a driver that ended is seen ended before its
// successor is seen running.
func (a *auditor) podHandler() toolscache.ResourceEventHandler {
	on := func(obj any, deleted bool) {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			if tomb, isTomb := obj.(toolscache.DeletedFinalStateUnknown); isTomb {
				pod, ok = tomb.Obj.(*corev1.Pod)
			}
			if !ok {
				return
			}
			deleted = true
		}
		if pod.Labels[spark.LabelRole] != spark.RoleDriver || pod.Annotations[spark.AnnotationApplication] == "" {
			return
		}
		key := pod.Namespace + "/" + pod.Annotations[spark.AnnotationApplication]
		a.mu.Lock()
		defer a.mu.Unlock()
		if pod.Status.Phase == corev1.PodSucceeded {
			a.app(key).driverSucceeded = true
		}
		name := pod.Namespace + "/" + pod.Name
		if a.driverUIDs[name] == nil {
			a.driverUIDs[name] = map[types.UID]bool{}
		}
		a.driverUIDs[name][pod.UID] = true
		running := a.running[key]
		if !deleted && pod.Status.Phase == corev1.PodRunning { // a terminating driver still runs
			if running == nil {
				running = map[types.UID]bool{}
				a.running[key] = running
			}
			running[pod.UID] = true
			if len(running) > 1 {
				a.concurrent[key] = true
			}
		} else if running != nil {
			delete(running, pod.UID)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { on(obj, false) },
		UpdateFunc: func(_, obj any) { on(obj, false) },
		DeleteFunc: func(obj any) { on(obj, true) },
	}
}

// unfinished counts the keys not seen terminal.
func (a *auditor) unfinished(keys []string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, k := range keys {
		if x := a.apps[k]; x == nil || !terminalPhase(x.phase) {
			n++
		}
	}
	return n
}

// drivers counts, per driver pod name in the namespace, the distinct pods seen (their UIDs) and the creates
// the audit log records as accepted, and returns the larger of the two: the watch sees a pod whose create
// timed out (504) although it was stored, the audit log sees a create that no watch caught before the pod
// went. More than one is a second driver for one attempt.
func (a *auditor) drivers(ns string, accepted map[string]int) map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]int{}
	for name, uids := range a.driverUIDs {
		if strings.HasPrefix(name, ns+"/") {
			out[name] = len(uids)
		}
	}
	for name, n := range accepted {
		if strings.HasPrefix(name, ns+"/") {
			out[name] = max(out[name], n)
		}
	}
	return out
}

// outcome counts, among the keys, those never terminal (lost), those Failed (every application of the
// suite could succeed: no application gets more faults than its restart policy retries), those Failed
// although one of their drivers exited 0, and those two of whose drivers ran at once.
func (a *auditor) outcome(keys []string) (lost, failed, failedAfterSuccess, concurrent int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		x := a.apps[k]
		switch {
		case x == nil || !terminalPhase(x.phase):
			lost++
		case x.phase == stokev1.PhaseFailed:
			failed++
			if x.driverSucceeded {
				failedAfterSuccess++
			}
		}
		if a.concurrent[k] {
			concurrent++
		}
	}
	return lost, failed, failedAfterSuccess, concurrent
}

// recovery measures how the applications of the keys that were in flight when the fault was removed (they
// existed and were not terminal) moved afterwards: first is how soon the first of them was seen to change,
// all how soon the last of them was (slowest names it), stuck how many never changed again. first shows
// the operator resuming; all includes working through whatever backlog the fault (or the burst) left.
func (a *auditor) recovery(keys []string, removed time.Time) (first, all time.Duration, stuck int, slowest string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	first = -1
	for _, k := range keys {
		x := a.apps[k]
		if x == nil || len(x.changes) == 0 || x.changes[0].After(removed) || (!x.terminalAt.IsZero() && !x.terminalAt.After(removed)) {
			continue
		}
		i, _ := slices.BinarySearchFunc(x.changes, removed, func(t, r time.Time) int { return t.Compare(r) })
		for i < len(x.changes) && !x.changes[i].After(removed) {
			i++
		}
		if i == len(x.changes) {
			stuck++
			continue
		}
		d := x.changes[i].Sub(removed)
		if d > all {
			all, slowest = d, k
		}
		if first < 0 || d < first {
			first = d
		}
	}
	return max(first, 0), all, stuck, slowest
}

// auditLog reads the API server's audit log (JSON lines) as it grows.
type auditLog struct {
	path   string
	offset int64
}

type auditEvent struct {
	Verb      string `json:"verb"`
	Stage     string `json:"stage"`
	ObjectRef struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// driverCreates reads the log written since the last call and counts, per driver pod (namespace/name),
// the creates the API server accepted. A driver pod's name is fixed by its application and attempt, so a
// pod name created twice is a second driver for one attempt.
func (l *auditLog) driverCreates(into map[string]int) error {
	f, err := os.Open(l.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(l.offset, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // a partial last line is read again next time
		}
		if err != nil {
			return err
		}
		l.offset += int64(len(line))
		var e auditEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
		if e.Verb == "create" && e.Stage == "ResponseComplete" && e.ObjectRef.Resource == "pods" &&
			e.ResponseStatus.Code == 201 && strings.HasSuffix(e.ObjectRef.Name, "-driver") {
			into[e.ObjectRef.Namespace+"/"+e.ObjectRef.Name]++
		}
	}
}

// leaks are what a finished round left behind, read live from the API server: Services of ended attempts
// (the operator deletes them), executor pods (the operator deletes leftovers), driver pods still pending or
// running, and ConfigMaps that nothing owns (a driver pod owns its ConfigMap; the garbage collector
// removes it with the pod, and the bench runs none, so ConfigMaps whose pod is gone are only counted as
// waiting for it).
type leaks struct {
	Services, Executors, Drivers, ConfigMaps int
	ConfigMapsForGC                          int
	Examples                                 []string
}

func (l leaks) total() int { return l.Services + l.Executors + l.Drivers + l.ConfigMaps }

func findLeaks(ctx context.Context, c client.Reader, ns string) (leaks, error) {
	var out leaks
	note := func(kind, name string) {
		if len(out.Examples) < 5 {
			out.Examples = append(out.Examples, kind+" "+ns+"/"+name)
		}
	}
	hasApp := client.HasLabels{spark.LabelAppSelector}
	var svcs corev1.ServiceList
	if err := c.List(ctx, &svcs, client.InNamespace(ns), hasApp); err != nil {
		return out, err
	}
	for _, s := range svcs.Items {
		out.Services++
		note("Service", s.Name)
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns), hasApp); err != nil {
		return out, err
	}
	alive := map[types.UID]bool{}
	for _, p := range pods.Items {
		alive[p.UID] = true
		switch {
		case p.Labels[spark.LabelRole] == spark.RoleExecutor:
			out.Executors++
			note("executor pod", p.Name)
		case p.Labels[spark.LabelRole] == spark.RoleDriver && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed:
			out.Drivers++
			note("driver pod ("+string(p.Status.Phase)+")", p.Name)
		}
	}
	var cms corev1.ConfigMapList
	if err := c.List(ctx, &cms, client.InNamespace(ns), hasApp); err != nil {
		return out, err
	}
	for _, cm := range cms.Items {
		switch {
		case len(cm.OwnerReferences) == 0:
			out.ConfigMaps++
			note("ConfigMap without owner", cm.Name)
		case !alive[cm.OwnerReferences[0].UID]:
			out.ConfigMapsForGC++
		}
	}
	return out, nil
}

// timeline describes an application's observed changes relative to a moment, for the report's examples.
func (a *auditor) timeline(key string, at time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	x := a.apps[key]
	if x == nil {
		return key + ": never seen"
	}
	var parts []string
	for _, c := range x.changes {
		parts = append(parts, fmt.Sprintf("%+.1f", c.Sub(at).Seconds()))
	}
	return fmt.Sprintf("%s (%s): changes at [%s] s from the fault's removal", key, x.phase, strings.Join(parts, " "))
}
