package operator

import (
	"reflect"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/usage"
)

// The operator keeps every SparkApplication and every Stoke pod but the ended drivers (NewDriverCache) in
// its caches, finished applications included, so what one cached object costs is multiplied by the
// applications a cluster retains. The transforms below run on each object before a cache stores it.

// cachedPodLabels and cachedPodAnnotations are the labels and annotations the reconcilers read from cached
// pods (or index them by). The others (Spark's application name and version, Prometheus scrape hints, a
// user's own) are not kept: code that needs them reads the pod through the API reader.
var (
	cachedPodLabels      = []string{spark.LabelManagedBy, spark.LabelRole, spark.LabelAppSelector}
	cachedPodAnnotations = []string{spark.AnnotationApplication, sparkapplication.AnnotationSpecHash, usage.CachedRequestsAnnotation}
)

// podForCache keeps what the reconcilers read from a cached pod: its identity, owners and deletion, the
// labels and annotations above, its resource requests as one annotation (usage.RecordRequests, for the
// usage ledger), and of its status the phase, reason, message, start time, conditions and the containers'
// names, readiness and states. The spec (containers, env, volumes: most of a driver pod's size), addresses
// and images are dropped, and a pod that has ended keeps only the DisruptionTarget condition (the one a
// reconciler reads from an ended pod: was it evicted). Strings many pods share are interned. Code that
// needs more of a pod reads it through the API reader.
func podForCache(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil // a tombstone
	}
	pod.ManagedFields = nil
	if len(pod.Spec.Containers) > 0 { // not a pod this function has already stripped
		usage.RecordRequests(pod)
	}
	pod.Labels = keepOnly(pod.Labels, cachedPodLabels)
	pod.Annotations = keepOnly(pod.Annotations, cachedPodAnnotations)
	internMeta(&pod.ObjectMeta)
	pod.Spec = corev1.PodSpec{}
	st := pod.Status
	pod.Status = corev1.PodStatus{Phase: st.Phase, Reason: intern(st.Reason), Message: st.Message, StartTime: st.StartTime,
		Conditions: st.Conditions, ContainerStatuses: make([]corev1.ContainerStatus, len(st.ContainerStatuses))}
	if st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed {
		pod.Status.Conditions = nil
		for _, c := range st.Conditions {
			if c.Type == corev1.DisruptionTarget {
				pod.Status.Conditions = append(pod.Status.Conditions, c)
			}
		}
	}
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		c.Type, c.Reason = corev1.PodConditionType(intern(string(c.Type))), intern(c.Reason)
	}
	for i, cs := range st.ContainerStatuses {
		state := cs.State
		if t := state.Terminated; t != nil {
			t.Reason = intern(t.Reason)
		}
		if w := state.Waiting; w != nil {
			w.Reason = intern(w.Reason)
		}
		pod.Status.ContainerStatuses[i] = corev1.ContainerStatus{Name: intern(cs.Name), Ready: cs.Ready, RestartCount: cs.RestartCount, State: state}
	}
	if len(st.ContainerStatuses) == 0 {
		pod.Status.ContainerStatuses = nil
	}
	return pod, nil
}

// applicationForCache drops an application's managedFields and interns the strings applications share:
// label and annotation keys and values, its spec's strings (runs of one schedule or template hold the same
// image, class, file, arguments and sparkConf), its conditions' types, reasons and messages, and its
// attempts' outcomes, reasons, messages and spec hashes (a finished application's are those of thousands of
// others: "attempt 1 completed", "the driver exited with code 0"). Names and ids, unique to each
// application, are left alone: interning a string nothing shares costs more than it saves.
func applicationForCache(obj any) (any, error) {
	app, ok := obj.(*stokev1.SparkApplication)
	if !ok {
		return obj, nil // a tombstone
	}
	app.ManagedFields = nil
	internMeta(&app.ObjectMeta)
	internStrings(reflect.ValueOf(&app.Spec).Elem())
	st := &app.Status
	st.Phase = stokev1.ApplicationPhase(intern(string(st.Phase)))
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
	}
	if st.CurrentAttempt != nil {
		internAttempt(st.CurrentAttempt)
	}
	for i := range st.PastAttempts {
		internAttempt(&st.PastAttempts[i])
	}
	return app, nil
}

func internAttempt(a *stokev1.Attempt) {
	a.SpecHash, a.Reason, a.Message = intern(a.SpecHash), intern(a.Reason), intern(a.Message)
	a.Outcome = stokev1.AttemptOutcome(intern(string(a.Outcome)))
}

// intern returns the one shared copy of s held by cacheStrings.
func intern(s string) string { return cacheStrings.intern(s) }

// cacheStrings is the operator's one intern table: the transforms of every cache share it.
var cacheStrings = newInternTable(8192, 512)

// internTable holds one copy of each string the cached objects share. The standard unique package does not
// do this here: its table drops an entry at the next garbage collection once no unique.Handle refers to
// it, and cached objects hold strings, not handles, so after a collection the next object decoded would
// get a copy of its own again. This table holds its copies itself, within a bound: a string unique to
// one object (a message naming its application) must not make it grow without limit. It keeps two
// generations of at most max entries each; when the current one fills up it becomes the previous one and
// the older is dropped, so a string still in use is found in the previous generation and carried forward.
// Strings longer than maxLen are not interned (a long message is rarely shared, and the table would keep
// it alive).
type internTable struct {
	mu                sync.Mutex
	current, previous map[string]string
	max, maxLen       int
}

func newInternTable(max, maxLen int) *internTable {
	return &internTable{current: make(map[string]string, max), max: max, maxLen: maxLen}
}

func (t *internTable) intern(s string) string {
	if s == "" || len(s) > t.maxLen {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.current[s]; ok {
		return v
	}
	v, ok := t.previous[s]
	if !ok {
		v = strings.Clone(s) // its own allocation: s may be part of a larger buffer the table must not keep
	}
	if len(t.current) >= t.max {
		t.previous, t.current = t.current, make(map[string]string, t.max)
	}
	t.current[v] = v
	return v
}

// len returns how many strings the table holds.
func (t *internTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.current) + len(t.previous)
}

func internMeta(m *metav1.ObjectMeta) {
	m.Namespace = intern(m.Namespace)
	m.Labels = internMap(m.Labels)
	m.Annotations = internMap(m.Annotations)
	for i := range m.OwnerReferences {
		r := &m.OwnerReferences[i]
		r.APIVersion, r.Kind = intern(r.APIVersion), intern(r.Kind)
	}
	for i := range m.Finalizers {
		m.Finalizers[i] = intern(m.Finalizers[i])
	}
}

// internMap returns the map with interned keys and values (a map's keys cannot be replaced in place).
func internMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = intern(v)
	}
	return out
}

// keepOnly returns the entries of m under the given keys (nil when there are none).
func keepOnly(m map[string]string, keys []string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			if out == nil {
				out = make(map[string]string, len(keys))
			}
			out[k] = v
		}
	}
	return out
}

// internStrings interns every string reachable from v (structs, pointers, slices, string-keyed maps of
// strings), in place.
func internStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(intern(v.String()))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			internStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				internStrings(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			internStrings(v.Index(i))
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String && v.CanSet() && v.Len() > 0 {
			out := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				out.SetMapIndex(reflect.ValueOf(intern(it.Key().String())).Convert(v.Type().Key()),
					reflect.ValueOf(intern(it.Value().String())).Convert(v.Type().Elem()))
			}
			v.Set(out)
		}
	}
}
