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

func TestOperatorRestartBetweenDriverCreateAndStatusMakesNoSecondDriver(t *testing.T) {
	ns := env.Namespace(t)
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

	create(t, newApp(ns, "survivor"))
	select {
	case <-firstDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the first operator never reached the crash point")
	}
	app := getApp(t, ns, "survivor")
	if app.Status.CurrentAttempt != nil {
		t.Fatalf("status was written before the crash: %+v", app.Status.CurrentAttempt)
	}
	if n := len(podsWithRole(t, ns, spark.RoleDriver)); n != 1 {
		t.Fatalf("want the one driver pod created before the crash, got %d", n)
	}

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
