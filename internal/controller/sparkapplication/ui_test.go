package sparkapplication_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// TestUIServiceAndIngressLiveWithTheAttempt: spec.ui's Service and Ingress are created with the attempt,
// owned by its driver pod, point at it, and are deleted when the attempt ends while the finished driver pod
// is kept; status.uiURL says where the UI is while the driver runs.
func TestUIServiceAndIngressLiveWithTheAttempt(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "shown")
	app.Spec.UI = &stokev1.SparkUI{Service: &stokev1.UIService{Type: corev1.ServiceTypeNodePort},
		Ingress: &stokev1.UIIngress{Host: "spark.example.com", ClassName: ptr("nginx")}}
	create(t, app)
	driver := waitAttempt(t, ns, "shown", 1)
	app = getApp(t, ns, "shown")
	names := spark.NamesFor("shown", app.UID, 1)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.UIService}}
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.UIIngress}}
	eventually(t, 10*time.Second, "the UI Service and Ingress", func() (bool, error) { return exists(t, svc) && exists(t, ing), nil })
	for _, obj := range []metav1.Object{svc, ing} {
		if !metav1.IsControlledBy(obj, driver) {
			t.Errorf("%s is not owned by the driver pod: %v", obj.GetName(), obj.GetOwnerReferences())
		}
	}
	if svc.Spec.Type != corev1.ServiceTypeNodePort || svc.Spec.Selector[spark.LabelAppSelector] != names.AppID || svc.Spec.Ports[0].Port != 4040 {
		t.Errorf("UI Service = %+v", svc.Spec)
	}
	if r := ing.Spec.Rules[0]; r.Host != "spark.example.com" || r.HTTP.Paths[0].Path != "/"+ns+"/shown" || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("UI Ingress = %+v", ing.Spec)
	}

	running(t, driver)
	eventually(t, 10*time.Second, "status.uiURL", func() (bool, error) {
		return getApp(t, ns, "shown").Status.UIURL == "http://spark.example.com/"+ns+"/shown/", nil
	})
	exited(t, driver, 0)
	app = waitPhase(t, ns, "shown", stokev1.PhaseSucceeded)
	if app.Status.UIURL != "" {
		t.Errorf("uiURL %q outlived the attempt", app.Status.UIURL)
	}
	eventually(t, 10*time.Second, "the UI Service and Ingress deleted", func() (bool, error) { return !exists(t, svc) && !exists(t, ing), nil })
	if !exists(t, driver) {
		t.Errorf("the finished driver pod was deleted with them")
	}
}
