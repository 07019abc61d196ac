package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// exitAnnotation is set on a driver pod when its simulated Spark program has finished; kwok's
// bench-driver-exit stage then terminates the container with exit code 0.
const exitAnnotation = "bench.stoke.dev/exit"

// simulator plays the parts of the cluster that are not the API server and not kwok: the scheduler
// (binding pods to the fake nodes) and the Spark driver program (creating its executors once it runs and,
// when it finishes, deleting its executors and its Service as Spark's KubernetesClusterSchedulerBackend.stop
// does before the JVM exits).
type simulator struct {
	cs            kubernetes.Interface
	nodes         []string
	executors     int
	completeAfter time.Duration
	tracker       *tracker

	next    atomic.Uint64
	work    chan func(context.Context)
	mu      sync.Mutex
	handled map[types.UID]string // what was done to a pod: "bound", "running"
}

func newSimulator(cs kubernetes.Interface, nodes []string, executors int, completeAfter time.Duration, t *tracker) *simulator {
	return &simulator{cs: cs, nodes: nodes, executors: executors, completeAfter: completeAfter, tracker: t,
		work: make(chan func(context.Context), 100000), handled: map[types.UID]string{}}
}

func (s *simulator) run(ctx context.Context, workers int) {
	for i := 0; i < workers; i++ {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case f := <-s.work:
					f(ctx)
				}
			}
		}()
	}
}

// podHandler reacts to pods carrying the spark-role label.
func (s *simulator) podHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.onPod(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { s.onPod(obj.(*corev1.Pod)) },
	}
}

func (s *simulator) onPod(pod *corev1.Pod) {
	if pod.Namespace == seededNamespace && strings.HasPrefix(pod.Name, seedPrefix) {
		return // finished clones (the scale run): nothing to play
	}
	now := time.Now()
	driver := pod.Labels[spark.LabelRole] == spark.RoleDriver
	if driver {
		if app := pod.Annotations[spark.AnnotationApplication]; app != "" {
			s.tracker.podSeen(pod.Namespace+"/"+app, now)
		} else if app := pod.Labels[kubeflowLabelAppName]; app != "" {
			s.tracker.podSeen(pod.Namespace+"/"+app, now) // submitted by kubeflow's operator
		}
	}
	if !pod.DeletionTimestamp.IsZero() {
		return
	}
	s.mu.Lock()
	state := s.handled[pod.UID]
	switch {
	case pod.Spec.NodeName == "" && state == "":
		s.handled[pod.UID] = "bound"
		node := s.nodes[s.next.Add(1)%uint64(len(s.nodes))]
		ns, name := pod.Namespace, pod.Name
		s.work <- func(ctx context.Context) { s.bind(ctx, ns, name, node) }
	case driver && pod.Status.Phase == corev1.PodRunning && state != "running":
		s.handled[pod.UID] = "running"
		p := pod.DeepCopy()
		s.work <- func(ctx context.Context) { s.driverRuns(ctx, p) }
	}
	s.mu.Unlock()
}

// retried runs a simulator action again while the API server cannot be reached or answers that it is
// unavailable (the chaos suite restarts it), for up to two minutes, as a kubelet or a Spark driver keeps
// trying; any other answer is final.
func retried(ctx context.Context, action func() error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := action()
		var status apierrors.APIStatus
		transient := err != nil && (!errors.As(err, &status) || apierrors.IsServiceUnavailable(err) ||
			apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err))
		if !transient || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (s *simulator) bind(ctx context.Context, ns, name, node string) {
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Target: corev1.ObjectReference{Kind: "Node", Name: node}}
	if err := retried(ctx, func() error { return s.cs.CoreV1().Pods(ns).Bind(ctx, b, metav1.CreateOptions{}) }); err != nil {
		s.tracker.simError(fmt.Errorf("binding %s/%s: %w", ns, name, err))
	}
}

// driverRuns creates the executors a running driver asks for and ends the program after completeAfter.
func (s *simulator) driverRuns(ctx context.Context, driver *corev1.Pod) {
	appID := driver.Labels[spark.LabelAppSelector]
	var names []string
	for i := 1; i <= s.executors; i++ {
		exec := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: driver.Namespace,
				Name:      fmt.Sprintf("%s-exec-%d", driver.Name, i),
				Labels: map[string]string{spark.LabelAppSelector: appID, spark.LabelRole: spark.RoleExecutor,
					"spark-exec-id": fmt.Sprint(i), spark.LabelManagedBy: driver.Labels[spark.LabelManagedBy]},
				Annotations: map[string]string{spark.AnnotationApplication: driver.Annotations[spark.AnnotationApplication]},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: driver.Name, UID: driver.UID,
					Controller: ptr(true)}},
			},
			Spec: corev1.PodSpec{
				NodeName:      driver.Spec.NodeName,
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: spark.ExecutorContainerName, Image: driver.Spec.Containers[0].Image, Args: []string{"executor"}}},
			},
		}
		err := retried(ctx, func() error {
			_, err := s.cs.CoreV1().Pods(driver.Namespace).Create(ctx, exec, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return nil // an earlier try got through
			}
			return err
		})
		if err != nil {
			s.tracker.simError(fmt.Errorf("creating executor %s: %w", exec.Name, err))
			continue
		}
		names = append(names, exec.Name)
	}
	ns, name := driver.Namespace, driver.Name
	time.AfterFunc(s.completeAfter, func() {
		s.work <- func(ctx context.Context) { s.driverExits(ctx, ns, name, appID, names) }
	})
}

// driverExits does what Spark's driver does when the program ends: delete its executors and its Service,
// then exit 0 (the annotation kwok's stage turns into a terminated container).
func (s *simulator) driverExits(ctx context.Context, ns, name, appID string, executors []string) {
	zero := int64(0)
	for _, e := range executors {
		if err := retried(ctx, func() error {
			return s.cs.CoreV1().Pods(ns).Delete(ctx, e, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		}); err != nil && !apierrors.IsNotFound(err) {
			s.tracker.simError(fmt.Errorf("deleting executor %s: %w", e, err))
		}
	}
	var svcs *corev1.ServiceList
	err := retried(ctx, func() (err error) {
		svcs, err = s.cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: spark.LabelAppSelector + "=" + appID})
		return err
	})
	if err != nil {
		s.tracker.simError(fmt.Errorf("listing the driver service of %s: %w", appID, err))
	} else {
		for _, svc := range svcs.Items {
			if err := retried(ctx, func() error {
				return s.cs.CoreV1().Services(ns).Delete(ctx, svc.Name, metav1.DeleteOptions{})
			}); err != nil && !apierrors.IsNotFound(err) {
				s.tracker.simError(fmt.Errorf("deleting the driver service %s: %w", svc.Name, err))
			}
		}
	}
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:"0"}}}`, exitAnnotation))
	if err := retried(ctx, func() error {
		_, err := s.cs.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}); err != nil {
		s.tracker.simError(fmt.Errorf("ending driver %s: %w", name, err))
	}
}

// appHandler records when applications reach Running and finish.
func (s *simulator) appHandler() toolscache.ResourceEventHandler {
	on := func(obj any) {
		app, ok := obj.(*stokev1.SparkApplication)
		if !ok {
			return
		}
		now := time.Now()
		key := app.Namespace + "/" + app.Name
		switch app.Status.Phase {
		case stokev1.PhaseRunning:
			s.tracker.running(key, now)
		case stokev1.PhaseSucceeded, stokev1.PhaseFailed:
			s.tracker.running(key, now) // an attempt that ran and ended between two observations
			s.tracker.finished(key, now, app.Status.Phase == stokev1.PhaseSucceeded)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{AddFunc: on, UpdateFunc: func(_, obj any) { on(obj) }}
}

func ptr[T any](v T) *T { return &v }
