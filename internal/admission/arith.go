// Package admission decides when a Spark application's attempt may create its driver: the one admission
// point of Stoke (DESIGN.md §7). Its arithmetic is pure and table-tested: an application's footprint (its
// driver pod's and its initial executor pods' requests), a queue's limits, the order of the applications
// waiting in a queue (priority, then first come), which of them fit now (a whole footprint or nothing: a
// job never starts without room for its executors), and whether a footprint fits a namespace's
// ResourceQuotas. Manager is the glue the SparkApplication reconciler asks: it keeps what each queue holds
// and who waits, rebuilt from the applications' status (where every admission is recorded before anything
// of the attempt is created), so a restarted or new leader never admits twice.
package admission

import (
	"fmt"
	"iter"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Amount is an amount of a queue's resources: CPU in thousandths of a core, memory in bytes, GPUs, pods and
// applications.
type Amount struct {
	MilliCPU, Memory, GPUs, Pods, Applications int64
}

func (a Amount) Add(b Amount) Amount {
	return Amount{a.MilliCPU + b.MilliCPU, a.Memory + b.Memory, a.GPUs + b.GPUs, a.Pods + b.Pods, a.Applications + b.Applications}
}

func (a Amount) Sub(b Amount) Amount {
	return Amount{a.MilliCPU - b.MilliCPU, a.Memory - b.Memory, a.GPUs - b.GPUs, a.Pods - b.Pods, a.Applications - b.Applications}
}

// Footprint is the Amount as it is recorded in status (one application, its pods).
func (a Amount) Footprint() stokev1.Footprint {
	return stokev1.Footprint{
		Cores:  *resource.NewMilliQuantity(a.MilliCPU, resource.DecimalSI),
		Memory: *resource.NewQuantity(a.Memory, resource.BinarySI),
		GPUs:   a.GPUs,
		Pods:   int32(a.Pods),
	}
}

// QueueAmount is the amount as a queue's status records it: only its non-zero resources.
func (a Amount) QueueAmount() *stokev1.QueueAmount {
	if a == (Amount{}) {
		return nil
	}
	q := &stokev1.QueueAmount{GPUs: a.GPUs, Applications: int32(a.Applications)}
	if a.MilliCPU != 0 {
		q.Cores = resource.NewMilliQuantity(a.MilliCPU, resource.DecimalSI)
	}
	if a.Memory != 0 {
		q.Memory = resource.NewQuantity(a.Memory, resource.BinarySI)
	}
	return q
}

// AmountOf is one application with the footprint recorded in its status.
func AmountOf(f stokev1.Footprint) Amount {
	return Amount{MilliCPU: f.Cores.MilliValue(), Memory: f.Memory.Value(), GPUs: f.GPUs, Pods: int64(f.Pods), Applications: 1}
}

// Need is what an application's attempt holds once admitted: its driver pod and its initial executor
// pods, each counted as the scheduler reserves it (the larger of the sum of its containers' requests and its
// largest init container's, plus the pod overhead; a limit where no request is set), and one application.
func Need(driver, executor *corev1.Pod, executors int32) Amount {
	need := podAmount(driver)
	if executor != nil && executors > 0 {
		e := podAmount(executor)
		n := int64(executors)
		need = need.Add(Amount{e.MilliCPU * n, e.Memory * n, e.GPUs * n, n, 0})
	}
	need.Applications = 1
	return need
}

// PodNeed is one pod as the scheduler reserves it (see Need).
func PodNeed(pod *corev1.Pod) Amount { return podAmount(pod) }

func podAmount(pod *corev1.Pod) Amount {
	r := PodRequests(pod)
	a := Amount{MilliCPU: r.Cpu().MilliValue(), Memory: r.Memory().Value(), Pods: 1}
	for name, q := range r {
		if IsGPU(name) {
			a.GPUs += q.Value()
		}
	}
	return a
}

// PodRequests is every resource of the pod as the scheduler reserves it: for each resource, the larger of
// the sum of its containers' requests and its largest init container's, plus the pod overhead; a
// container's limit counts where it sets no request (the API server defaults one to the other).
func PodRequests(pod *corev1.Pod) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		for name, q := range containerRequests(c) {
			total := sum[name]
			total.Add(q)
			sum[name] = total
		}
	}
	for _, c := range pod.Spec.InitContainers {
		for name, q := range containerRequests(c) {
			if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
				sum[name] = q
			}
		}
	}
	for name, q := range pod.Spec.Overhead {
		total := sum[name]
		total.Add(q)
		sum[name] = total
	}
	return sum
}

// SumRequests adds up resource lists, each taken times[i] times.
func SumRequests(lists []corev1.ResourceList, times []int64) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for i, l := range lists {
		for name, q := range l {
			total := sum[name]
			total.Add(*resource.NewMilliQuantity(q.MilliValue()*times[i], q.Format))
			sum[name] = total
		}
	}
	return sum
}

func containerRequests(c corev1.Container) corev1.ResourceList {
	r := corev1.ResourceList{}
	for name, q := range c.Resources.Limits {
		r[name] = q
	}
	for name, q := range c.Resources.Requests {
		r[name] = q
	}
	return r
}

// IsGPU reports an extended resource that counts as GPUs: <vendor>/gpu, such as nvidia.com/gpu.
func IsGPU(name corev1.ResourceName) bool {
	return strings.HasSuffix(string(name), "/gpu")
}

// Limits are a queue's limits; a nil limit does not bound the queue.
type Limits struct {
	MilliCPU, Memory, GPUs, Applications *int64
}

// LimitsOf reads a queue's quota; a limit of zero or less is an error naming the field.
func LimitsOf(q stokev1.QueueQuota) (Limits, error) {
	var l Limits
	var bad []string
	if q.Cores != nil {
		v := q.Cores.MilliValue()
		l.MilliCPU = &v
		if v <= 0 {
			bad = append(bad, "spec.quota.cores "+q.Cores.String())
		}
	}
	if q.Memory != nil {
		v := q.Memory.Value()
		l.Memory = &v
		if v <= 0 {
			bad = append(bad, "spec.quota.memory "+q.Memory.String())
		}
	}
	if q.GPUs != nil {
		v := *q.GPUs
		l.GPUs = &v
		if v <= 0 {
			bad = append(bad, fmt.Sprintf("spec.quota.gpus %d", v))
		}
	}
	if q.Applications != nil {
		v := int64(*q.Applications)
		l.Applications = &v
		if v <= 0 {
			bad = append(bad, fmt.Sprintf("spec.quota.applications %d", v))
		}
	}
	if len(bad) > 0 {
		return l, fmt.Errorf("%s: a limit must be more than zero", strings.Join(bad, ", "))
	}
	return l, nil
}

// Short lists what of the amount exceeds the limits, as "cores 6 > 4" phrases; empty when it fits.
func (l Limits) Short(a Amount) []string {
	var over []string
	if l.MilliCPU != nil && a.MilliCPU > *l.MilliCPU {
		over = append(over, fmt.Sprintf("cores %s > %s", cores(a.MilliCPU), cores(*l.MilliCPU)))
	}
	if l.Memory != nil && a.Memory > *l.Memory {
		over = append(over, fmt.Sprintf("memory %s > %s", memory(a.Memory), memory(*l.Memory)))
	}
	if l.GPUs != nil && a.GPUs > *l.GPUs {
		over = append(over, fmt.Sprintf("gpus %d > %d", a.GPUs, *l.GPUs))
	}
	if l.Applications != nil && a.Applications > *l.Applications {
		over = append(over, fmt.Sprintf("applications %d > %d", a.Applications, *l.Applications))
	}
	return over
}

// Fits reports an amount within every limit.
func (l Limits) Fits(a Amount) bool { return len(l.Short(a)) == 0 }

func cores(milli int64) string  { return resource.NewMilliQuantity(milli, resource.DecimalSI).String() }
func memory(bytes int64) string { return resource.NewQuantity(bytes, resource.BinarySI).String() }

// Describe says an amount as a user reads it: "2.5 cores, 3Gi memory, 1 GPU".
func Describe(a Amount) string {
	s := fmt.Sprintf("%s cores, %s memory", cores(a.MilliCPU), memory(a.Memory))
	if a.GPUs > 0 {
		s += fmt.Sprintf(", %d GPUs", a.GPUs)
	}
	return s
}

// Waiting is an application waiting in a queue.
type Waiting struct {
	Key      types.NamespacedName
	Priority int32
	Created  time.Time
	Need     Amount
}

// Order sorts waiting applications into admission order: higher priority first, then the one created
// first, then by namespace and name (so that every replica orders alike).
func Order(w []Waiting) {
	sort.Slice(w, func(i, j int) bool { return before(w[i], w[j]) })
}

// before reports whether a is admitted before b.
func before(a, b Waiting) bool {
	switch {
	case a.Priority != b.Priority:
		return a.Priority > b.Priority
	case !a.Created.Equal(b.Created):
		return a.Created.Before(b.Created)
	case a.Key.Namespace != b.Key.Namespace:
		return a.Key.Namespace < b.Key.Namespace
	}
	return a.Key.Name < b.Key.Name
}

// ordered is w in admission order: w itself when it is already (the manager keeps its lines so, and a
// line of thousands is then neither copied nor sorted on each look), otherwise a sorted copy.
func ordered(w []Waiting) []Waiting {
	for i := 1; i < len(w); i++ {
		if before(w[i], w[i-1]) {
			c := append([]Waiting(nil), w...)
			Order(c)
			return c
		}
	}
	return w
}

// same reports whether two entries of a line are the same application waiting alike.
func same(a, b Waiting) bool {
	return a.Key == b.Key && a.Priority == b.Priority && a.Created.Equal(b.Created) && a.Need == b.Need
}

// Plan is the outcome of one look at a queue.
type Plan struct {
	// Admit are the applications that fit now, in order.
	Admit []types.NamespacedName
	// TooLarge are the applications whose footprint exceeds the queue's limits on its own: they wait without
	// holding up the others.
	TooLarge map[types.NamespacedName][]string
	// Blocker is the first application that does not fit: none behind it is admitted before it (a smaller
	// job never overtakes a larger one ahead of it, so large jobs are not starved), and what it lacks.
	Blocker     types.NamespacedName
	BlockerLack []string
	// Yield, when set, says which sibling queue goes first (fair share): nothing is admitted meanwhile.
	Yield string
	// Invalid, when set, says why the queue admits nothing (a missing parent, a cycle).
	Invalid string

	// line is the queue's line in admission order, and admitted how many of its first entries (too large
	// ones aside) Admit took: the places of the others are counted from them when asked, so that a look at
	// a line of thousands allocates nothing per application. The plan reads the line it was given: ask it
	// for places before that line changes.
	line     []Waiting
	admitted int
}

// Position is the application's place among those left waiting (1: next), not counting those too large;
// 0 when it was admitted, is too large or is not in the line.
func (p Plan) Position(key types.NamespacedName) int {
	for k, place := range p.places() {
		if k == key {
			return place
		}
	}
	return 0
}

// Positions is every waiting application's place (what Position gives each of them).
func (p Plan) Positions() map[types.NamespacedName]int {
	out := map[types.NamespacedName]int{}
	for k, place := range p.places() {
		out[k] = place
	}
	return out
}

// places yields the applications left waiting, in order, with their places.
func (p Plan) places() iter.Seq2[types.NamespacedName, int] {
	return func(yield func(types.NamespacedName, int) bool) {
		place, skip := 0, p.admitted
		for _, w := range p.line {
			if _, ok := p.TooLarge[w.Key]; ok {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			place++
			if !yield(w.Key, place) {
				return
			}
		}
	}
}

// Decide looks at a queue without parent: with used already held, which of the waiting applications (any
// order) are admitted now, strictly in admission order.
func Decide(limits Limits, used Amount, waiting []Waiting) Plan {
	return DecideIn(Tree{"q": {Limits: limits}}, Held{"q": used}, map[string][]Waiting{"q": waiting}, "q")
}

// QuotaShortfall says which of the namespace's ResourceQuotas the pods of a footprint would exceed, as
// "quota compute: requests.cpu 6 > 4 (3 used)" phrases; empty when they fit. Quotas with scopes are not
// judged here (the API server still enforces them when the pods are created).
func QuotaShortfall(quotas []corev1.ResourceQuota, need Amount, limits corev1.ResourceList) []string {
	add := corev1.ResourceList{
		corev1.ResourceRequestsCPU:    *resource.NewMilliQuantity(need.MilliCPU, resource.DecimalSI),
		corev1.ResourceCPU:            *resource.NewMilliQuantity(need.MilliCPU, resource.DecimalSI),
		corev1.ResourceRequestsMemory: *resource.NewQuantity(need.Memory, resource.BinarySI),
		corev1.ResourceMemory:         *resource.NewQuantity(need.Memory, resource.BinarySI),
		corev1.ResourcePods:           *resource.NewQuantity(need.Pods, resource.DecimalSI),
		"count/pods":                  *resource.NewQuantity(need.Pods, resource.DecimalSI),
	}
	for name, q := range limits {
		add["limits."+name] = q
	}
	var short []string
	for _, rq := range quotas {
		if len(rq.Spec.Scopes) > 0 || rq.Spec.ScopeSelector != nil {
			continue
		}
		names := make([]string, 0, len(rq.Spec.Hard))
		for name := range rq.Spec.Hard {
			names = append(names, string(name))
		}
		sort.Strings(names)
		for _, n := range names {
			name := corev1.ResourceName(n)
			q, ok := add[name]
			if !ok || q.IsZero() {
				continue
			}
			hard, used := rq.Spec.Hard[name], rq.Status.Used[name]
			total := used.DeepCopy()
			total.Add(q)
			if total.Cmp(hard) > 0 {
				short = append(short, fmt.Sprintf("quota %s: %s %s > %s (%s used)", rq.Name, name, total.String(), hard.String(), used.String()))
			}
		}
	}
	return short
}

// PodLimits is the sum of the limits the pods of a footprint set (for ResourceQuotas on limits.cpu and
// limits.memory): the driver's and the initial executors'.
func PodLimits(driver, executor *corev1.Pod, executors int32) corev1.ResourceList {
	var milliCPU, mem int64
	add := func(pod *corev1.Pod, times int64) {
		for _, c := range pod.Spec.Containers {
			if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
				milliCPU += q.MilliValue() * times
			}
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
				mem += q.Value() * times
			}
		}
	}
	add(driver, 1)
	if executor != nil && executors > 0 {
		add(executor, int64(executors))
	}
	sum := corev1.ResourceList{}
	if milliCPU > 0 {
		sum[corev1.ResourceCPU] = *resource.NewMilliQuantity(milliCPU, resource.DecimalSI)
	}
	if mem > 0 {
		sum[corev1.ResourceMemory] = *resource.NewQuantity(mem, resource.BinarySI)
	}
	return sum
}
