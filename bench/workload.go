package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// submitter creates one application: for Stoke only the SparkApplication; for the plain client the
// SparkApplication and, in line, everything an ideal operator would do for it.
type submitter interface {
	submit(ctx context.Context, ns, name string) error
}

func benchApp(ns, name string, executors int) *stokev1.SparkApplication {
	main, file, n := "org.apache.spark.examples.SparkPi", "local:///opt/spark/examples/jars/spark-examples.jar", int32(executors)
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: stokev1.SparkApplicationSpec{
			Type: stokev1.ApplicationTypeScala, SparkVersion: "3.5.7", Image: "spark:3.5.7",
			MainClass: &main, MainApplicationFile: &file, Arguments: []string{"1000"},
			Executor: stokev1.ExecutorSpec{Instances: &n},
		},
	}
}

type stokeSubmitter struct {
	c         client.Client
	t         *tracker
	executors int
}

func (s stokeSubmitter) submit(ctx context.Context, ns, name string) error {
	s.t.created(ns+"/"+name, time.Now())
	return s.c.Create(ctx, benchApp(ns, name, s.executors))
}

// ceilingManagedBy labels the plain client's pods so that Stoke's pod cache does not hold them.
const ceilingManagedBy = "bench-ceiling"

// plainSubmitter is the ceiling: the same objects Stoke creates for an application (driver pod, ConfigMap,
// Service, rendered by Stoke's own builder) and one status update, sent in line by a client that does nothing
// else.
type plainSubmitter struct {
	c         client.Client
	t         *tracker
	executors int
}

func (s plainSubmitter) submit(ctx context.Context, ns, name string) error {
	s.t.created(ns+"/"+name, time.Now())
	app := benchApp(ns, name, s.executors)
	if err := s.c.Create(ctx, app); err != nil {
		return err
	}
	objs, err := spark.Build(app, 1)
	if err != nil {
		return err
	}
	objs.DriverPod.Labels[spark.LabelManagedBy] = ceilingManagedBy
	if err := s.c.Create(ctx, objs.DriverPod); err != nil {
		return err
	}
	for _, o := range []client.Object{objs.ConfigMap, objs.Service} {
		spark.OwnedByDriver(o, objs.DriverPod)
		if err := s.c.Create(ctx, o); err != nil {
			return err
		}
	}
	created := objs.DriverPod.CreationTimestamp
	app.Status.CurrentAttempt = &stokev1.Attempt{Number: 1, DriverPodName: objs.DriverPod.Name,
		SparkApplicationID: objs.Names.AppID, SubmissionTime: &created}
	meta.SetStatusCondition(&app.Status.Conditions, metav1.Condition{Type: stokev1.ConditionSubmitted,
		Status: metav1.ConditionTrue, Reason: "DriverPodCreated", Message: "driver pod created", ObservedGeneration: app.Generation})
	app.Status.Phase = stokev1.PhaseSubmitted
	return s.c.Status().Update(ctx, app)
}

// burst submits n applications as fast as `concurrency` clients can.
func burst(ctx context.Context, sub submitter, ns, prefix string, n, concurrency int) ([]string, error) {
	keys := make([]string, n)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				name := fmt.Sprintf("%s-%05d", prefix, i)
				if err := sub.submit(ctx, ns, name); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("submitting %s: %w", name, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		keys[i] = ns + "/" + fmt.Sprintf("%s-%05d", prefix, i)
		next <- i
	}
	close(next)
	wg.Wait()
	return keys, firstErr
}

// steady submits perMinute applications a minute, evenly spaced, for the given duration.
func steady(ctx context.Context, sub submitter, ns, prefix string, perMinute int, d time.Duration) ([]string, error) {
	interval := time.Minute / time.Duration(perMinute)
	n := int(d / interval)
	keys := make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		name := fmt.Sprintf("%s-%05d", prefix, i)
		keys[i] = ns + "/" + name
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sub.submit(ctx, ns, name); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("submitting %s: %w", name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return keys, firstErr
}

// waitUntil polls until cond holds or the timeout passes.
func waitUntil(timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
