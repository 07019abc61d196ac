// Package sparkqueue keeps SparkQueues' status: whether the quota is valid, what the admitted applications
// hold and how many wait, from the admission manager the SparkApplication reconciler asks (internal/admission
// decides; this reconciler only reports, and wakes the applications a changed quota admits).
package sparkqueue

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/controller/options"
	"github.com/stokehq/stoke/internal/metrics"
)

// +kubebuilder:rbac:groups=stoke.dev,resources=sparkqueues,verbs=get;list;watch
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkqueues/status,verbs=get;update;patch

// Reconciler reconciles SparkQueues.
type Reconciler struct {
	Client    client.Client
	Admission *admission.Manager
}

// SetupWithManager registers the reconciler: queue changes, and the admission manager's word that a queue's
// usage or line changed.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&stokev1.SparkQueue{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(source.Channel(r.Admission.QueueEvents(), &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{RateLimiter: options.RetryLimiter()}).
		Named("sparkqueue").
		Complete(r)
}

// Reconcile validates the quota, tells the admission manager the queue's limits (which wakes what they
// admit now) and writes the status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	q := &stokev1.SparkQueue{}
	if err := r.Client.Get(ctx, req.NamespacedName, q); err != nil {
		if apierrors.IsNotFound(err) {
			for _, g := range metrics.QueueGauges {
				g.DeleteLabelValues(req.Name)
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if err := r.Admission.Load(ctx); err != nil {
		return ctrl.Result{}, err
	}
	all := &stokev1.SparkQueueList{}
	if err := r.Client.List(ctx, all); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing SparkQueues: %w", err)
	}
	tree := admission.TreeOf(all.Items)
	st := q.Status.DeepCopy()
	if _, err := admission.LimitsOf(q.Spec.Quota); err != nil {
		conditions.Set(&st.Conditions, q.Generation, stokev1.QueueConditionReady, false, stokev1.QueueReasonInvalidQuota, err.Error())
	} else if _, err := tree.Chain(q.Name); err != nil {
		conditions.Set(&st.Conditions, q.Generation, stokev1.QueueConditionReady, false, stokev1.QueueReasonInvalidParent, err.Error())
	} else {
		conditions.Set(&st.Conditions, q.Generation, stokev1.QueueConditionReady, true, stokev1.QueueReasonValid, "the queue admits applications")
	}
	if q.Generation != q.Status.ObservedGeneration {
		r.Admission.QueuesChanged(tree) // a quota raised, a queue created or moved: what it admits now
	}
	used, admitted, queued := r.Admission.Usage(q.Name)
	st.Usage = used.Footprint()
	var borrowed admission.Amount
	if share, ok := tree.FairShare(q.Name); ok {
		borrowed = admission.Borrowed(used, share)
	}
	st.Borrowed = borrowed.QueueAmount()
	st.Admitted, st.Queued = int32(admitted), int32(queued)
	st.ObservedGeneration = q.Generation
	setGauges(q, used, borrowed, admitted, queued)
	if equality.Semantic.DeepEqual(st, &q.Status) {
		return ctrl.Result{}, nil
	}
	q.Status = *st
	if err := r.Client.Status().Update(ctx, q); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, fmt.Errorf("updating SparkQueue status: %w", err)
	}
	return ctrl.Result{}, nil
}

func setGauges(q *stokev1.SparkQueue, used, borrowed admission.Amount, admitted, queued int) {
	metrics.QueueBorrowedCores.WithLabelValues(q.Name).Set(float64(borrowed.MilliCPU) / 1000)
	metrics.QueueAdmitted.WithLabelValues(q.Name).Set(float64(admitted))
	metrics.QueueWaiting.WithLabelValues(q.Name).Set(float64(queued))
	metrics.QueueUsedCores.WithLabelValues(q.Name).Set(float64(used.MilliCPU) / 1000)
	metrics.QueueUsedMemory.WithLabelValues(q.Name).Set(float64(used.Memory))
	if c := q.Spec.Quota.Cores; c != nil {
		metrics.QueueQuotaCores.WithLabelValues(q.Name).Set(float64(c.MilliValue()) / 1000)
	} else {
		metrics.QueueQuotaCores.DeleteLabelValues(q.Name)
	}
	if m := q.Spec.Quota.Memory; m != nil {
		metrics.QueueQuotaMemory.WithLabelValues(q.Name).Set(float64(m.Value()))
	} else {
		metrics.QueueQuotaMemory.DeleteLabelValues(q.Name)
	}
}
