package sparkapplication_test

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// crashAfterDriverCreate lets the driver pod be created and then "crashes" the operator: it stops the
// manager and fails every later call, so nothing after the pod (ConfigMap, Service, status) is written.
type crashAfterDriverCreate struct {
	client.Client
	crash   context.CancelFunc
	crashed bool
}

var errCrashed = errors.New("operator crashed")

func (c *crashAfterDriverCreate) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if c.crashed {
		return errCrashed
	}
	err := c.Client.Create(ctx, obj, opts...)
	// The executor probe is a dry run: the crash comes after the driver pod's real create.
	if _, isPod := obj.(*corev1.Pod); isPod && err == nil && len((&client.CreateOptions{}).ApplyOptions(opts).DryRun) == 0 {
		c.crashed = true
		c.crash()
		return errCrashed
	}
	return err
}

func (c *crashAfterDriverCreate) Status() client.SubResourceWriter {
	if c.crashed {
		return failingStatus{}
	}
	return c.Client.Status()
}

type failingStatus struct{ client.SubResourceWriter }

func (failingStatus) Update(context.Context, client.Object, ...client.SubResourceUpdateOption) error {
	return errCrashed
}

// crashAfterCreatingTheDriver runs an operator that dies right after creating the application's driver pod,
// before anything else of the attempt or its status is written, and returns the application.
func crashAfterCreatingTheDriver(t *testing.T, ns, name string) *stokev1.SparkApplication {
	t.Helper()
	crashCtx, crash := context.WithCancel(context.Background())
	first, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", Namespaces: []string{ns}, SeveralManagersPerProcess: true,
		WrapClient: func(c client.Client) client.Client { return &crashAfterDriverCreate{Client: c, crash: crash} },
	})
	if err != nil {
		t.Fatal(err)
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- first.Start(crashCtx) }()

	create(t, newApp(ns, name))
	select {
	case <-firstDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the first operator never reached the crash point")
	}
	app := getApp(t, ns, name)
	if app.Status.CurrentAttempt != nil {
		t.Fatalf("status was written before the crash: %+v", app.Status.CurrentAttempt)
	}
	if n := len(podsWithRole(t, ns, spark.RoleDriver)); n != 1 {
		t.Fatalf("want the one driver pod created before the crash, got %d", n)
	}
	return app
}

func TestOperatorRestartBetweenDriverCreateAndStatusMakesNoSecondDriver(t *testing.T) {
	ns := env.Namespace(t)
	app := crashAfterCreatingTheDriver(t, ns, "survivor")

	startOperator(t, ns)
	driver := waitAttempt(t, ns, "survivor", 1)
	names := spark.NamesFor("survivor", app.UID, 1)
	if driver.Name != names.DriverPod {
		t.Errorf("adopted %s, want %s", driver.Name, names.DriverPod)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.ConfigMap}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.DriverService}}
	eventually(t, 10*time.Second, "ConfigMap and Service after restart", func() (bool, error) { return exists(t, cm) && exists(t, svc), nil })
	running(t, driver)
	exited(t, driver, 0)
	waitPhase(t, ns, "survivor", stokev1.PhaseSucceeded)
	if n := len(podsWithRole(t, ns, spark.RoleDriver)); n != 1 {
		t.Errorf("want exactly one driver pod, got %d", n)
	}
}

// TestDriverThatFinishedWhileTheOperatorWasDownIsSeenFinished: the driver pod was created, then the operator
// died, and the driver ran to its end before a new operator started (found in e2e: a short SparkPi outlived
// the restart). The new operator adopts the pod, which will never change again, and must still see it
// finished instead of leaving the application Submitted for ever.
func TestDriverThatFinishedWhileTheOperatorWasDownIsSeenFinished(t *testing.T) {
	ns := env.Namespace(t)
	app := crashAfterCreatingTheDriver(t, ns, "outlived")
	driver := &corev1.Pod{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: spark.NamesFor("outlived", app.UID, 1).DriverPod}, driver); err != nil {
		t.Fatal(err)
	}
	running(t, driver)
	exited(t, driver, 0)

	startOperator(t, ns)
	got := waitPhase(t, ns, "outlived", stokev1.PhaseSucceeded)
	if got.Status.CurrentAttempt.Number != 1 || len(got.Status.PastAttempts) != 0 {
		t.Errorf("attempt %d with %d past attempts: want the one adopted attempt", got.Status.CurrentAttempt.Number, len(got.Status.PastAttempts))
	}
	if n := len(podsWithRole(t, ns, spark.RoleDriver)); n != 1 {
		t.Errorf("want exactly one driver pod, got %d", n)
	}
}
