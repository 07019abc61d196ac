package admission

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Kueue (kueue.x-k8s.io), for clusters that queue their batch work with it: an application labelled with a
// Kueue LocalQueue name is admitted by Kueue instead of by a SparkQueue. Stoke creates one Workload per
// application (pod sets for the driver and the initial executors), owned by the application; an attempt
// creates its driver only once Kueue has admitted the Workload, and an attempt running when Kueue evicts
// the Workload is stopped (outcome Preempted), after which Stoke gives the reservation back so that Kueue
// queues the Workload again. The Workload is deleted when the application finishes or is suspended,
// which frees its quota in Kueue. Written as unstructured objects: Stoke does not build against Kueue.
var WorkloadGVK = schema.GroupVersionKind{Group: "kueue.x-k8s.io", Version: "v1beta2", Kind: "Workload"}

const (
	// LabelKueueQueue on a SparkApplication names the Kueue LocalQueue (of its namespace) that admits it.
	LabelKueueQueue = "kueue.x-k8s.io/queue-name"
	// LabelKueuePriorityClass names a Kueue WorkloadPriorityClass for the application's Workload.
	LabelKueuePriorityClass = "kueue.x-k8s.io/priority-class"

	// The pod sets of an application's Workload.
	PodSetDriver   = "driver"
	PodSetExecutor = "executor"
)

// KueueQueue is the LocalQueue the application names, "" when Kueue does not admit it.
func KueueQueue(app *stokev1.SparkApplication) string { return app.Labels[LabelKueueQueue] }

// WorkloadName is the name of the application's Workload: sparkapplication-<name>-<hash of its UID>, so
// that an application deleted and created again under the same name gets a new one.
func WorkloadName(app *stokev1.SparkApplication) string {
	sum := sha256.Sum256([]byte(app.UID))
	name := app.Name
	if len(name) > 200 {
		name = name[:200]
	}
	return fmt.Sprintf("sparkapplication-%s-%s", name, hex.EncodeToString(sum[:])[:5])
}

// Workload builds the application's Workload: the driver pod set (1) and, when it starts executors, the
// executor pod set (its initial executors; with dynamic allocation, the initial or minimum count: executors
// asked for later are not admitted by Kueue), each with its pod's spec as the template Kueue reserves for.
func Workload(app *stokev1.SparkApplication, driver, executor *corev1.Pod, executors int32) (*unstructured.Unstructured, error) {
	podSet := func(name string, pod *corev1.Pod, count int32) kueuePodSet {
		spec := pod.Spec.DeepCopy()
		spec.NodeName = ""
		return kueuePodSet{Name: name, Count: count, Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: *spec}}
	}
	spec := kueueWorkloadSpec{QueueName: KueueQueue(app), PodSets: []kueuePodSet{podSet(PodSetDriver, driver, 1)}}
	if executor != nil && executors > 0 {
		spec.PodSets = append(spec.PodSets, podSet(PodSetExecutor, executor, executors))
	}
	if pc := app.Labels[LabelKueuePriorityClass]; pc != "" {
		spec.PriorityClassRef = &kueuePriorityClassRef{Group: "kueue.x-k8s.io", Kind: "WorkloadPriorityClass", Name: pc}
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&struct {
		Spec kueueWorkloadSpec `json:"spec"`
	}{spec})
	if err != nil {
		return nil, fmt.Errorf("encoding the Kueue Workload: %w", err)
	}
	wl := &unstructured.Unstructured{Object: content}
	wl.SetGroupVersionKind(WorkloadGVK)
	wl.SetNamespace(app.Namespace)
	wl.SetName(WorkloadName(app))
	wl.SetLabels(map[string]string{LabelKueueQueue: KueueQueue(app)})
	controller := true
	wl.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: stokev1.GroupVersion.String(), Kind: "SparkApplication",
		Name: app.Name, UID: app.UID, Controller: &controller, BlockOwnerDeletion: &controller}})
	return wl, nil
}

// The parts of Kueue's Workload spec Stoke writes (kueue.x-k8s.io/v1beta2).
type kueueWorkloadSpec struct {
	QueueName        string                 `json:"queueName"`
	PodSets          []kueuePodSet          `json:"podSets"`
	PriorityClassRef *kueuePriorityClassRef `json:"priorityClassRef,omitempty"`
}

type kueuePodSet struct {
	Name     string                 `json:"name"`
	Count    int32                  `json:"count"`
	Template corev1.PodTemplateSpec `json:"template"`
}

type kueuePriorityClassRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

// Kueue's Workload conditions.
const (
	kueueQuotaReserved = "QuotaReserved"
	kueueAdmitted      = "Admitted"
	kueueEvicted       = "Evicted"
	kueueRequeued      = "Requeued"
)

// WorkloadState is what Stoke reads of a Workload.
type WorkloadState struct {
	// Admitted: Kueue reserved quota and every admission check passed; the attempt may start.
	Admitted bool
	// Reserved: the Workload holds quota (an evicted one until its reservation is given back).
	Reserved bool
	// Evicted: Kueue evicted it (preempted, deactivated, ...): a running attempt stops.
	Evicted bool
	// Inactive: spec.active is false (someone deactivated it): Kueue admits it no more until it is active.
	Inactive bool
	// ClusterQueue is the ClusterQueue that admitted it.
	ClusterQueue string
	// Reason and Message say why it waits or was evicted, in Kueue's words.
	Reason, Message string
}

// StateOf reads a Workload's state.
func StateOf(wl *unstructured.Unstructured) WorkloadState {
	conds := workloadConditions(wl)
	is := func(t string) bool { return meta.IsStatusConditionTrue(conds, t) }
	s := WorkloadState{Admitted: is(kueueAdmitted), Reserved: is(kueueQuotaReserved), Evicted: is(kueueEvicted)}
	if active, found, _ := unstructured.NestedBool(wl.Object, "spec", "active"); found && !active {
		s.Inactive = true
	}
	s.ClusterQueue, _, _ = unstructured.NestedString(wl.Object, "status", "admission", "clusterQueue")
	for _, t := range []string{kueueEvicted, kueueQuotaReserved} {
		if c := meta.FindStatusCondition(conds, t); c != nil && (t != kueueEvicted || c.Status == metav1.ConditionTrue) {
			s.Reason, s.Message = c.Reason, c.Message
			break
		}
	}
	return s
}

// ReleasePatch is the merge patch of an evicted Workload's status that gives its reservation back once the
// attempt it admitted has stopped, as Kueue's own job integrations do: no admission, QuotaReserved and
// Admitted False, and Requeued True when it was preempted or lost its node (so Kueue admits it again when
// there is room), False otherwise (a deactivated Workload waits to be activated). The patch carries the
// Workload's resourceVersion, so it fails on a Workload changed since it was read.
func ReleasePatch(wl *unstructured.Unstructured, now time.Time) ([]byte, error) {
	conds := workloadConditions(wl)
	ev := meta.FindStatusCondition(conds, kueueEvicted)
	if ev == nil || ev.Status != metav1.ConditionTrue {
		return nil, fmt.Errorf("workload %s is not evicted", wl.GetName())
	}
	gen, at := wl.GetGeneration(), metav1.NewTime(now)
	requeued := metav1.ConditionFalse
	if ev.Reason == "Preempted" || ev.Reason == "NodeFailures" {
		requeued = metav1.ConditionTrue
	}
	for _, c := range []metav1.Condition{
		{Type: kueueRequeued, Status: requeued, Reason: ev.Reason, Message: ev.Message},
		{Type: kueueQuotaReserved, Status: metav1.ConditionFalse, Reason: "Pending", Message: ev.Message},
		{Type: kueueAdmitted, Status: metav1.ConditionFalse, Reason: "NoReservation", Message: "The workload has no reservation"},
	} {
		c.ObservedGeneration, c.LastTransitionTime = gen, at
		meta.SetStatusCondition(&conds, c)
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": wl.GetResourceVersion()},
		"status":   map[string]any{"admission": nil, "conditions": conds},
	})
}

func workloadConditions(wl *unstructured.Unstructured) []metav1.Condition {
	raw, _, _ := unstructured.NestedSlice(wl.Object, "status", "conditions")
	var conds []metav1.Condition
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		var c metav1.Condition
		if runtime.DefaultUnstructuredConverter.FromUnstructured(m, &c) == nil {
			conds = append(conds, c)
		}
	}
	return conds
}

// AssignedFlavors is, for each pod set of an admitted Workload, the ResourceFlavors Kueue assigned to its
// resources (status.admission.podSetAssignments[].flavors), sorted, each once.
func AssignedFlavors(wl *unstructured.Unstructured) map[string][]string {
	assignments, _, _ := unstructured.NestedSlice(wl.Object, "status", "admission", "podSetAssignments")
	out := map[string][]string{}
	for _, a := range assignments {
		m, ok := a.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(m, "name")
		flavors, _, _ := unstructured.NestedStringMap(m, "flavors")
		for _, f := range flavors {
			if !slices.Contains(out[name], f) {
				out[name] = append(out[name], f)
			}
		}
		slices.Sort(out[name])
	}
	return out
}

// ResourceFlavorGVK is Kueue's ResourceFlavor (cluster-scoped): the node labels and tolerations of the nodes
// that provide a flavor.
var ResourceFlavorGVK = schema.GroupVersionKind{Group: "kueue.x-k8s.io", Version: "v1beta2", Kind: "ResourceFlavor"}

// Placement is what pods of a pod set get from the flavors assigned to it, as Kueue's own integrations
// apply them: the flavors' node labels as node selector, their tolerations.
type Placement struct {
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
}

// Add adds a ResourceFlavor's node labels and tolerations (spec.nodeLabels, spec.tolerations).
func (p *Placement) Add(flavor *unstructured.Unstructured) error {
	labels, _, err := unstructured.NestedStringMap(flavor.Object, "spec", "nodeLabels")
	if err != nil {
		return fmt.Errorf("ResourceFlavor %s: spec.nodeLabels: %w", flavor.GetName(), err)
	}
	for k, v := range labels {
		if p.NodeSelector == nil {
			p.NodeSelector = map[string]string{}
		}
		p.NodeSelector[k] = v
	}
	raw, _, err := unstructured.NestedSlice(flavor.Object, "spec", "tolerations")
	if err != nil {
		return fmt.Errorf("ResourceFlavor %s: spec.tolerations: %w", flavor.GetName(), err)
	}
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		var t corev1.Toleration
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &t); err != nil {
			return fmt.Errorf("ResourceFlavor %s: a toleration: %w", flavor.GetName(), err)
		}
		p.Tolerations = append(p.Tolerations, t)
	}
	return nil
}

// Apply puts the placement on the pods of a role of the application: the node selector merged (a flavor's
// label replaces a key the spec sets, as the pods must land on the flavor's nodes), the tolerations added.
func (p Placement) Apply(pods *stokev1.SparkPodSpec) {
	for k, v := range p.NodeSelector {
		if pods.NodeSelector == nil {
			pods.NodeSelector = map[string]string{}
		}
		pods.NodeSelector[k] = v
	}
	for _, t := range p.Tolerations {
		if !slices.ContainsFunc(pods.Tolerations, func(have corev1.Toleration) bool { return have.MatchToleration(&t) }) {
			pods.Tolerations = append(pods.Tolerations, t)
		}
	}
}
