package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SparkQueueSpec is a queue's quota and who may use it.
type SparkQueueSpec struct {
	// Quota bounds what the applications admitted to the queue hold together. An application is admitted
	// (its attempt may create its driver) only when its whole starting footprint, the driver plus its
	// initial executors, fits beside those already admitted, so a job never starts without room for its
	// executors.
	Quota QueueQuota `json:"quota"`

	// Parent is the SparkQueue this one shares with its siblings (the queues with the same parent): what all
	// of them hold together stays within the parent's quota, so a queue can use room its siblings leave
	// unused, up to its own quota (its borrowing limit). The parent's quota is the capacity they share.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Parent string `json:"parent,omitempty"`

	// Weight is the queue's share of its parent among its siblings (default 1): while several siblings
	// have applications waiting, the one holding the smallest part of the parent's quota for its weight is
	// admitted first, and a queue above its share admits nothing new while a sibling below it waits, so it
	// gives room back as its applications end. Two saturated siblings of weights 1 and 3 hold about a
	// quarter and three quarters of the parent.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Weight *int32 `json:"weight,omitempty"`

	// NamespaceSelector picks the namespaces whose applications may use the queue. Unset: every namespace.
	// An application of another namespace naming the queue waits with the reason NamespaceNotAllowed.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Preemption lets the queue take its share of its parent back from sibling queues by stopping some of
	// their running applications. Unset: the queue never stops anything; it waits for the applications of
	// its siblings to end (and a sibling above its share admits nothing new meanwhile, see weight).
	// +optional
	Preemption *QueuePreemption `json:"preemption,omitempty"`
}

// ReclaimPolicy says when a queue stops applications of its siblings to admit its own.
// +kubebuilder:validation:Enum=Never;FairShare
type ReclaimPolicy string

const (
	// ReclaimNever: the queue waits for its siblings' applications to end.
	ReclaimNever ReclaimPolicy = "Never"
	// ReclaimFairShare: the queue stops applications of siblings that hold more than their weighted share.
	ReclaimFairShare ReclaimPolicy = "FairShare"
)

// QueuePreemption is when and how a queue takes room back from its siblings.
type QueuePreemption struct {
	// ReclaimFromSiblings is Never (the default) or FairShare. With FairShare, when the queue's next
	// application fits the queue's own quota but not a parent's (siblings borrowed the room), Stoke stops
	// running applications of the siblings (of the queue or of one of its parents) that hold more of that
	// parent for their weight than the queue would with its application admitted, and only as many as make
	// it fit: the sibling holding the most for its weight first, within it the lowest queuePriority, then
	// the most recently admitted (the least work lost). If stopping every such application would still not
	// make room, none is stopped. A stopped application's attempt ends with the outcome Preempted (not a
	// failure: it counts against no restart policy) and the application waits in its own queue again.
	// +optional
	ReclaimFromSiblings ReclaimPolicy `json:"reclaimFromSiblings,omitempty"`
	// GracePeriodSeconds is how long a stopped application's driver has to shut down (its pod is deleted
	// with this grace period; Spark stops its executors on SIGTERM) before its room counts as free. Its
	// room is held until its driver pod is gone or the grace period has passed. Default 30.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds,omitempty"`
}

// QueueQuota is a queue's limits; a limit left unset does not bound the queue.
// +kubebuilder:validation:XValidation:rule="has(self.cores) || has(self.memory) || has(self.gpus) || has(self.applications)",message="set at least one of cores, memory, gpus and applications"
type QueueQuota struct {
	// Cores bounds the CPU requested by the admitted applications' driver and initial executor pods, for
	// example "16" or "12500m". It must be more than zero.
	// +optional
	Cores *resource.Quantity `json:"cores,omitempty"`
	// Memory bounds the memory they request (heap plus overhead, as their pods request it), for example
	// "64Gi". It must be more than zero.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
	// GPUs bounds the GPUs they request (extended resources named <vendor>/gpu).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	GPUs *int64 `json:"gpus,omitempty"`
	// Applications bounds how many applications are admitted at once.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	Applications *int32 `json:"applications,omitempty"`
}

// QueueAmount is an amount of the resources a queue limits; a resource left unset is zero.
type QueueAmount struct {
	// +optional
	Cores *resource.Quantity `json:"cores,omitempty"`
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
	// +optional
	GPUs int64 `json:"gpus,omitempty"`
	// +optional
	Applications int32 `json:"applications,omitempty"`
}

// SparkQueueStatus is what the queue holds and how many wait.
type SparkQueueStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Usage is the sum of the admitted applications' footprints.
	// +optional
	Usage Footprint `json:"usage,omitempty"`
	// Borrowed is what the queue's admitted applications (with those of the queues under it) hold beyond
	// its fair share of its parent: the parent's quota times the queue's weight over the weights of all the
	// parent's children. It is room the siblings left unused, which the queue gives back (see weight and
	// preemption). Unset for a queue without a parent or within its share.
	// +optional
	Borrowed *QueueAmount `json:"borrowed,omitempty"`
	// Admitted is how many applications hold a share of the queue (their attempt is admitted and has not
	// ended).
	// +optional
	Admitted int32 `json:"admitted,omitempty"`
	// Queued is how many applications wait to be admitted.
	// +optional
	Queued int32 `json:"queued,omitempty"`
	// Conditions: Ready is False with the reason InvalidQuota when a limit is zero or negative, or
	// InvalidParent when its parent does not exist or the parents form a cycle (nothing is admitted then).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// SparkQueue admits Spark applications against a quota, in priority order, first come first served among
// equals: an application whose whole starting footprint does not fit waits as Queued, and nothing of it is
// created until it fits. Cluster-scoped: a platform team shares one cluster between teams with queues.
// docs/queues.md describes it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=sparkq,categories=stoke
// +kubebuilder:printcolumn:name="Admitted",type=integer,JSONPath=`.status.admitted`
// +kubebuilder:printcolumn:name="Queued",type=integer,JSONPath=`.status.queued`
// +kubebuilder:printcolumn:name="Cores",type=string,JSONPath=`.status.usage.cores`
// +kubebuilder:printcolumn:name="Memory",type=string,JSONPath=`.status.usage.memory`
// +kubebuilder:printcolumn:name="Borrowed",type=string,JSONPath=`.status.borrowed.cores`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SparkQueue struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SparkQueueSpec   `json:"spec"`
	Status SparkQueueStatus `json:"status,omitempty"`
}

// SparkQueueList is a list of SparkQueues.
// +kubebuilder:object:root=true
type SparkQueueList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SparkQueue `json:"items"`
}

// LabelQueue on a namespace names the SparkQueue its applications use when they name none.
const LabelQueue = "stoke.dev/queue"

// Condition types and reasons of a SparkQueue.
const (
	// QueueConditionReady is False when the queue cannot admit anything (reason QueueReasonInvalidQuota).
	QueueConditionReady      = "Ready"
	QueueReasonInvalidQuota  = "InvalidQuota"
	QueueReasonInvalidParent = "InvalidParent"
	QueueReasonValid         = "Valid"
)

func init() {
	SchemeBuilder.Register(&SparkQueue{}, &SparkQueueList{})
}
