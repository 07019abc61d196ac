package sparkapplication

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/spark"
)

// +kubebuilder:rbac:groups=kueue.x-k8s.io,resources=workloads,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=kueue.x-k8s.io,resources=workloads/status,verbs=patch
// +kubebuilder:rbac:groups=kueue.x-k8s.io,resources=resourceflavors,verbs=get

const (
	// ReasonWaitingForKueue (Queued condition): the application is labelled with a Kueue LocalQueue and
	// waits for Kueue to admit its Workload (the message quotes Kueue's reason), or for Kueue to be
	// installed.
	ReasonWaitingForKueue = "WaitingForKueue"
	// ReasonEvictedByKueue (attempt reason, outcome Preempted): Kueue evicted the application's Workload
	// (preempted by a workload of higher priority, deactivated, ...); the attempt was stopped and the
	// application waits for Kueue to admit it again.
	ReasonEvictedByKueue = "EvictedByKueue"

	// annotationWorkloadSpec on a Workload is the spec hash of the application it was built from: a spec
	// change replaces a Workload that is not admitted.
	annotationWorkloadSpec = "stoke.dev/spec-hash"
	// kueueRecheck is how often an application waiting for Kueue is looked at when no Workload event
	// comes (Kueue installed after the operator started, whose Workloads it therefore does not watch).
	kueueRecheck = 10 * time.Second
)

// admitByKueue is the admission of an application labelled with a Kueue LocalQueue: it creates the
// application's Workload when there is none, and reports whether Kueue has admitted it. The admission is
// Kueue's own record in the Workload, so a restarted operator reads it again. An evicted Workload's
// reservation is given back here, once the attempt it admitted has ended, so that Kueue queues it again.
func (r *Reconciler) admitByKueue(ctx context.Context, p *pass, app *stokev1.SparkApplication, objs *spark.Objects, number int32) (bool, error) {
	queue, name := admission.KueueQueue(app), admission.WorkloadName(app)
	wl, err := r.kueueWorkload(ctx, p)
	if meta.IsNoMatchError(err) {
		r.queued(p, ReasonWaitingForKueue, fmt.Sprintf("the application names Kueue LocalQueue %q (label %s) but the API server serves no Kueue Workload (%s): install Kueue, or remove the label",
			queue, admission.LabelKueueQueue, admission.WorkloadGVK.GroupVersion()))
		p.recheckAfter(maxWaitRecheck)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	hash := SpecHash(&p.app.Spec)
	if wl != nil && wl.GetAnnotations()[annotationWorkloadSpec] != hash && !admission.StateOf(wl).Reserved {
		// Built from an earlier spec and holding nothing: replaced by one for this spec.
		if err := r.Client.Delete(ctx, wl, client.Preconditions{UID: ptrTo(wl.GetUID())}); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("replacing Kueue Workload %s built from an earlier spec: %w", name, err)
		}
		wl = nil
	}
	if wl == nil {
		executor, err := spark.ExecutorPod(app, objs)
		if err != nil {
			return false, r.refused(p, err, "")
		}
		wl, err = admission.Workload(app, objs.DriverPod, executor, spark.InitialExecutors(&app.Spec))
		if err != nil {
			return false, err
		}
		wl.SetAnnotations(map[string]string{annotationWorkloadSpec: hash})
		if err := r.Client.Create(ctx, wl); err != nil && !apierrors.IsAlreadyExists(err) {
			return false, fmt.Errorf("creating Kueue Workload %s: %w", name, err)
		}
		r.queued(p, ReasonWaitingForKueue, fmt.Sprintf("waiting for Kueue to admit Workload %s in LocalQueue %q", name, queue))
		p.recheckAfter(kueueRecheck)
		return false, nil
	}
	s := admission.StateOf(wl)
	switch {
	case s.Evicted && s.Reserved:
		// The attempt the reservation admitted has ended (this is the next attempt asking): give it back.
		patch, err := admission.ReleasePatch(wl, p.now)
		if err != nil {
			return false, err
		}
		if err := r.Client.Status().Patch(ctx, wl, client.RawPatch(types.MergePatchType, patch)); err != nil {
			return false, fmt.Errorf("giving back the reservation of evicted Kueue Workload %s: %w", name, err)
		}
		r.queued(p, ReasonWaitingForKueue, fmt.Sprintf("Kueue evicted Workload %s (%s: %s); waiting for Kueue to admit it again in LocalQueue %q", name, s.Reason, s.Message, queue))
	case s.Admitted && !s.Evicted:
		if c := meta.FindStatusCondition(p.app.Status.Conditions, stokev1.ConditionQueued); c == nil || c.Status == metav1.ConditionTrue {
			p.event(corev1.EventTypeNormal, ReasonAdmitted, "Attempt %d admitted by Kueue: Workload %s, ClusterQueue %s", number, name, s.ClusterQueue)
		}
		setCondition(&p.app.Status, p.app.Generation, stokev1.ConditionQueued, false, ReasonAdmitted,
			fmt.Sprintf("admitted by Kueue: Workload %s, ClusterQueue %q", name, s.ClusterQueue))
		p.app.Status.Queue = nil
		return true, nil
	default:
		msg := fmt.Sprintf("waiting for Kueue to admit Workload %s in LocalQueue %q", name, queue)
		if s.Inactive {
			msg = fmt.Sprintf("Kueue Workload %s is inactive (spec.active is false): Kueue admits it when it is active again", name)
		}
		if s.Message != "" {
			msg += fmt.Sprintf(" (%s: %s)", s.Reason, s.Message)
		}
		r.queued(p, ReasonWaitingForKueue, msg)
	}
	p.recheckAfter(kueueRecheck)
	return false, nil
}

// kueueEviction is the ending of a running attempt whose Workload Kueue evicted, nil when it was not (or
// the application is not admitted by Kueue). The Workload is read from the API server, not from a cache.
func (r *Reconciler) kueueEviction(ctx context.Context, p *pass) (*Ending, error) {
	if admission.KueueQueue(p.app) == "" {
		return nil, nil
	}
	wl, err := r.kueueWorkload(ctx, p)
	if meta.IsNoMatchError(err) || wl == nil {
		return nil, nil // Kueue is gone, or the Workload was deleted: nothing evicts the attempt
	}
	if err != nil {
		return nil, err
	}
	s := admission.StateOf(wl)
	if !s.Evicted {
		return nil, nil
	}
	return &Ending{Outcome: stokev1.OutcomePreempted, Reason: ReasonEvictedByKueue, DeleteDriver: true,
		Message: fmt.Sprintf("Kueue evicted Workload %s (%s: %s)", wl.GetName(), s.Reason, s.Message)}, nil
}

// releaseWorkload deletes the application's Workload (it finished, or is suspended), which frees its quota
// in Kueue.
func (r *Reconciler) releaseWorkload(ctx context.Context, app *stokev1.SparkApplication) error {
	if admission.KueueQueue(app) == "" {
		return nil
	}
	wl := &unstructured.Unstructured{}
	wl.SetGroupVersionKind(admission.WorkloadGVK)
	wl.SetNamespace(app.Namespace)
	wl.SetName(admission.WorkloadName(app))
	return r.deleteIfPresent(ctx, wl)
}

// workloadRead is one read of an application's Workload.
type workloadRead struct {
	wl  *unstructured.Unstructured
	err error
}

// kueueWorkload is the application's Workload as this pass reads it, once: the placement the attempt's
// objects are built with and the admission that lets them be created come from the same read (a second
// read could find the Workload admitted after objects were built without its flavors).
func (r *Reconciler) kueueWorkload(ctx context.Context, p *pass) (*unstructured.Unstructured, error) {
	if p.workload == nil {
		wl, err := r.workload(ctx, p.app)
		p.workload = &workloadRead{wl: wl, err: err}
	}
	return p.workload.wl, p.workload.err
}

// workload reads the application's Workload from the API server: nil when there is none; a NoMatch error
// when the API server serves no Workloads.
func (r *Reconciler) workload(ctx context.Context, app *stokev1.SparkApplication) (*unstructured.Unstructured, error) {
	wl := &unstructured.Unstructured{}
	wl.SetGroupVersionKind(admission.WorkloadGVK)
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: admission.WorkloadName(app)}, wl)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil && !meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("reading Kueue Workload %s: %w", admission.WorkloadName(app), err)
	}
	return wl, err
}

// withKueuePlacement is the application its attempt is built from once Kueue has admitted its Workload:
// the node labels and tolerations of the ResourceFlavors Kueue assigned to the driver and executor pod
// sets put on those pods, in a copy, as Kueue's own integrations do; the application itself otherwise.
func (r *Reconciler) withKueuePlacement(ctx context.Context, p *pass, app *stokev1.SparkApplication) (*stokev1.SparkApplication, error) {
	if admission.KueueQueue(app) == "" {
		return app, nil
	}
	wl, err := r.kueueWorkload(ctx, p)
	if meta.IsNoMatchError(err) || wl == nil {
		return app, nil
	}
	if err != nil {
		return nil, err
	}
	if s := admission.StateOf(wl); !s.Admitted || s.Evicted {
		return app, nil
	}
	placed := app
	for podSet, flavors := range admission.AssignedFlavors(wl) {
		var placement admission.Placement
		for _, name := range flavors {
			flavor := &unstructured.Unstructured{}
			flavor.SetGroupVersionKind(admission.ResourceFlavorGVK)
			if err := r.APIReader.Get(ctx, client.ObjectKey{Name: name}, flavor); err != nil {
				return nil, fmt.Errorf("reading Kueue ResourceFlavor %s assigned to Workload %s: %w", name, wl.GetName(), err)
			}
			if err := placement.Add(flavor); err != nil {
				return nil, err
			}
		}
		if placed == app {
			placed = app.DeepCopy()
		}
		switch podSet {
		case admission.PodSetDriver:
			placement.Apply(&placed.Spec.Driver.SparkPodSpec)
		case admission.PodSetExecutor:
			placement.Apply(&placed.Spec.Executor.SparkPodSpec)
		}
	}
	return placed, nil
}
