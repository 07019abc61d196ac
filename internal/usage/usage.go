// Package usage accounts for what a Spark application's pods reserve on the cluster: each pod's resource
// requests times how long it held them (core-seconds and memory-GiB-seconds), per attempt and in total.
//
// Executors come and go while an attempt runs (dynamic allocation, lost executors), and a deleted pod leaves
// no trace, so every attempt keeps a ledger in its status: the pods that have started and are not counted
// yet, and the pods that are counted but still exist. Each pass of the controller folds what it sees into
// that ledger (Observe): a pod that started is listed; a pod whose containers ended is counted up to that
// end; a listed pod that no longer exists is counted up to now (the pass its deletion caused). When the
// attempt ends, Close counts what is still open and empties the ledger. The functions are pure: they read
// pods and a time, and change the status they are given.
package usage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Pod roles in the ledger.
const (
	RoleDriver   = "driver"
	RoleExecutor = "executor"
)

// Gone tells when a deleted pod ended, by its UID, if its deletion was seen (see Departures); nil knows none.
type Gone func(uid string) (time.Time, bool)

// Observe folds the attempt's pods, as seen now, into the current attempt's ledger and usage and into the
// application's total. driver is nil when the driver pod does not exist. A listed pod that no longer exists
// is counted up to the end gone knows for it, else up to now.
func Observe(st *stokev1.SparkApplicationStatus, driver *corev1.Pod, executors []corev1.Pod, gone Gone, now time.Time) {
	fold(st, driver, executors, gone, now, false)
}

// Close ends the current attempt's accounting: every pod still open is counted up to its end, or up to now
// when it still runs (it is being stopped); the ledger is emptied.
func Close(st *stokev1.SparkApplicationStatus, driver *corev1.Pod, executors []corev1.Pod, gone Gone, now time.Time) {
	fold(st, driver, executors, gone, now, true)
}

func fold(st *stokev1.SparkApplicationStatus, driver *corev1.Pod, executors []corev1.Pod, gone Gone, now time.Time, closing bool) {
	a := st.CurrentAttempt
	if a == nil {
		return
	}
	seen := map[string]*corev1.Pod{}
	var observed []observedPod
	if driver != nil {
		observed = append(observed, observedPod{driver, RoleDriver})
	}
	for i := range executors {
		observed = append(observed, observedPod{&executors[i], RoleExecutor})
	}
	for _, o := range observed {
		seen[string(o.pod.UID)] = o.pod
	}
	var added tally
	ledger := make([]stokev1.PodUsage, 0, len(a.UsageLedger)+len(observed))
	listed := map[string]bool{}
	for _, entry := range a.UsageLedger {
		listed[entry.UID] = true
		pod, exists := seen[entry.UID]
		if entry.End != nil {
			if exists && !closing {
				ledger = append(ledger, entry) // counted; listed while it exists so it is not counted again
			}
			continue
		}
		end, ended := endOf(pod, exists)
		switch {
		case ended:
		case !exists && gone != nil:
			var known bool
			if end, known = gone(entry.UID); !known || end.After(now) {
				end = now
			}
		case !exists || closing:
			end = now
		default:
			ledger = append(ledger, entry)
			continue
		}
		entry.End = &metav1.Time{Time: end}
		added.add(entry)
		if exists && !closing {
			ledger = append(ledger, entry)
		}
	}
	for _, o := range observed {
		if listed[string(o.pod.UID)] || o.pod.Status.StartTime == nil {
			continue
		}
		entry := stokev1.PodUsage{Name: o.pod.Name, UID: string(o.pod.UID), Role: o.role, Start: *o.pod.Status.StartTime}
		entry.MilliCPU, entry.MemoryMiB = requestsOf(o.pod)
		end, ended := endOf(o.pod, true)
		if closing && !ended {
			end, ended = now, true
		}
		if ended {
			entry.End = &metav1.Time{Time: end}
			added.add(entry)
			if closing {
				continue
			}
		}
		ledger = append(ledger, entry)
	}
	if len(ledger) == 0 {
		ledger = nil
	}
	a.UsageLedger = ledger
	if !added.zero() || (closing && a.Usage == nil) {
		a.Usage = added.addTo(a.Usage)
		st.Usage = added.addTo(st.Usage)
	}
}

type observedPod struct {
	pod  *corev1.Pod
	role string
}

// endOf is when the pod's last container ended, if every container has (or the pod is finished).
func endOf(pod *corev1.Pod, exists bool) (time.Time, bool) {
	if !exists || pod == nil {
		return time.Time{}, false
	}
	statuses := pod.Status.ContainerStatuses
	finished := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	var last time.Time
	for _, cs := range statuses {
		t := cs.State.Terminated
		if t == nil {
			if finished {
				continue
			}
			return time.Time{}, false
		}
		if t.FinishedAt.After(last) {
			last = t.FinishedAt.Time
		}
	}
	if len(statuses) < len(pod.Spec.Containers) && !finished {
		return time.Time{}, false
	}
	if last.IsZero() {
		// Finished without a container's end (for example evicted before it started): its status was last
		// written when the pod was deleted or, failing that, when it started.
		switch {
		case pod.DeletionTimestamp != nil:
			last = pod.DeletionTimestamp.Time
		case pod.Status.StartTime != nil:
			last = pod.Status.StartTime.Time
		}
	}
	return last, true
}

// CachedRequestsAnnotation carries a pod's Requests ("<milli-CPU>,<MiB>") on the operator's cached copy
// of it, whose spec the cache drops to save memory (RecordRequests). It is never written to the API server.
const CachedRequestsAnnotation = "cache.stoke.dev/requests"

// RecordRequests stores the pod's Requests in CachedRequestsAnnotation, before its spec is dropped.
func RecordRequests(pod *corev1.Pod) {
	cpu, mem := Requests(pod)
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[CachedRequestsAnnotation] = strconv.FormatInt(cpu, 10) + "," + strconv.FormatInt(mem, 10)
}

// requestsOf is Requests, read from CachedRequestsAnnotation when the pod came from the operator's cache.
func requestsOf(pod *corev1.Pod) (milliCPU, memoryMiB int64) {
	if v, ok := pod.Annotations[CachedRequestsAnnotation]; ok {
		cpu, mem, _ := strings.Cut(v, ",")
		c, errC := strconv.ParseInt(cpu, 10, 64)
		m, errM := strconv.ParseInt(mem, 10, 64)
		if errC == nil && errM == nil {
			return c, m
		}
	}
	return Requests(pod)
}

// Requests is what the scheduler reserves for the pod: the larger of the sum of its containers' requests and
// its largest init container's, plus the pod overhead; a container without a request counts its limit (the
// API server defaults one to the other). CPU in thousandths of a core, memory in MiB, rounded up.
func Requests(pod *corev1.Pod) (milliCPU, memoryMiB int64) {
	var cpu, mem int64 // milli-cores, bytes
	for _, c := range pod.Spec.Containers {
		cpu += quantity(c.Resources, corev1.ResourceCPU, true)
		mem += quantity(c.Resources, corev1.ResourceMemory, false)
	}
	for _, c := range pod.Spec.InitContainers {
		cpu = max(cpu, quantity(c.Resources, corev1.ResourceCPU, true))
		mem = max(mem, quantity(c.Resources, corev1.ResourceMemory, false))
	}
	if o := pod.Spec.Overhead; o != nil {
		cpu += o.Cpu().MilliValue()
		mem += o.Memory().Value()
	}
	return cpu, (mem + mib - 1) / mib
}

const mib = 1 << 20

func quantity(r corev1.ResourceRequirements, name corev1.ResourceName, milli bool) int64 {
	q, ok := r.Requests[name]
	if !ok {
		q, ok = r.Limits[name]
	}
	if !ok {
		return 0
	}
	if milli {
		return q.MilliValue()
	}
	return q.Value()
}

// tally adds up pods' shares before they go into the status.
type tally struct {
	driverCore, driverMem, execCore, execMem int64
	executors                                int32
}

// add counts one ended ledger entry.
func (u *tally) add(e stokev1.PodUsage) {
	seconds := max(e.End.Sub(e.Start.Time).Seconds(), 0)
	core := roundHalfUp(float64(e.MilliCPU) / 1000 * seconds)
	mem := roundHalfUp(float64(e.MemoryMiB) / 1024 * seconds)
	if e.Role == RoleDriver {
		u.driverCore += core
		u.driverMem += mem
		return
	}
	u.execCore += core
	u.execMem += mem
	u.executors++
}

func (u tally) zero() bool { return u == tally{} }

// addTo returns to plus u as a new value.
func (u tally) addTo(to *stokev1.Usage) *stokev1.Usage {
	out := stokev1.Usage{}
	if to != nil {
		out = *to
	}
	out.DriverCoreSeconds += u.driverCore
	out.DriverMemoryGiBSeconds += u.driverMem
	out.ExecutorCoreSeconds += u.execCore
	out.ExecutorMemoryGiBSeconds += u.execMem
	out.Executors += u.executors
	return &out
}

func roundHalfUp(v float64) int64 { return int64(math.Floor(v + 0.5)) }

// Live is the attempt's usage with its open pods counted as if they ended at now.
func Live(a *stokev1.Attempt, now time.Time) stokev1.Usage {
	return *openPods(a, now).addTo(a.Usage)
}

// openPods tallies the attempt's ledger entries not counted yet as if they ended at now.
func openPods(a *stokev1.Attempt, now time.Time) tally {
	var open tally
	if a == nil {
		return open
	}
	for _, e := range a.UsageLedger {
		if e.End == nil {
			e.End = &metav1.Time{Time: now}
			open.add(e)
		}
	}
	return open
}

// LiveTotal is the application's total usage with the current attempt's open pods counted as if they ended
// at now: what `stoke get -o wide` and `stoke describe` show while an attempt runs. It is nil before any
// pod has been accounted.
func LiveTotal(st *stokev1.SparkApplicationStatus, now time.Time) *stokev1.Usage {
	open := openPods(st.CurrentAttempt, now)
	if st.Usage == nil && open.zero() {
		return nil
	}
	return open.addTo(st.Usage)
}

// Summary is a usage in one short phrase: "120 core-s, 165 GiB-s".
func Summary(u *stokev1.Usage) string {
	if u == nil {
		return "-"
	}
	return fmt.Sprintf("%d core-s, %d GiB-s", u.DriverCoreSeconds+u.ExecutorCoreSeconds, u.DriverMemoryGiBSeconds+u.ExecutorMemoryGiBSeconds)
}

// Departures remembers, for a while, when deleted pods ended, from their last watch events: a pod can be
// deleted before a pass has recorded its end (status writes of executor progress are spaced out), and is
// then counted up to that end rather than up to the pass that finds it gone. It is memory only: after an
// operator restart such a pod counts up to the first pass.
type Departures struct {
	mu        sync.Mutex
	ends      map[string]departure
	lastSweep time.Time
}

type departure struct{ end, seen time.Time }

// departureMemory is how long a departure is remembered: far longer than a pass takes to follow it.
const departureMemory = 10 * time.Minute

// Record notes a pod that is being deleted or is gone: its last container's end if all have ended, else
// now (the pod is removed after its containers stop, so its latest event bounds its end).
func (d *Departures) Record(pod *corev1.Pod, now time.Time) {
	if pod.DeletionTimestamp == nil {
		return
	}
	end, ended := endOf(pod, true)
	if !ended {
		end = now
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ends == nil {
		d.ends = map[string]departure{}
	}
	d.ends[string(pod.UID)] = departure{end: end, seen: now}
	if now.Sub(d.lastSweep) > time.Minute {
		d.lastSweep = now
		for uid, dep := range d.ends {
			if now.Sub(dep.seen) > departureMemory {
				delete(d.ends, uid)
			}
		}
	}
}

// End is a Gone over what was recorded.
func (d *Departures) End(uid string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dep, ok := d.ends[uid]
	return dep.end, ok
}
