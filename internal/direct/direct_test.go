package direct_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/direct"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWith(m, &env, testenv.Options{DefaultAdmission: true}))
}

func ptr[T any](v T) *T { return &v }

func sparkPi(ns string) *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spark-pi"},
		Spec: stokev1.SparkApplicationSpec{
			Type: stokev1.ApplicationTypeScala, SparkVersion: "4.3.0", Image: "spark:4.3.0",
			MainClass:           ptr("org.apache.spark.examples.SparkPi"),
			MainApplicationFile: ptr("local:///opt/spark/examples/jars/spark-examples.jar"),
			Arguments:           []string{"100"},
			Executor:            stokev1.ExecutorSpec{Instances: ptr[int32](2)},
		},
	}
}

// submitter is a client for a service account of the namespace bound to a Role of the given rules, and no
// Stoke type in its scheme: a direct submission needs neither the CRD nor more rights than those.
func submitter(t *testing.T, ns string, rules []rbacv1.PolicyRule) client.Client {
	t.Helper()
	ctx := context.Background()
	for _, obj := range []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "submitter"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "submitter"}, Rules: rules},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "submitter"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "submitter"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "submitter", Namespace: ns}}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":submitter"}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func directDrivers(t *testing.T, ns string) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{direct.LabelDirect: "true"}); err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// TestSubmitCreatesWhatTheBuilderRendersWithSubmitterRights: with only SubmitterRules, a direct submission
// creates the driver pod (owned by nothing) and the Service and ConfigMap it owns, as the builder renders
// them; the same submission again adopts them (one driver), another submission id makes another driver.
func TestSubmitCreatesWhatTheBuilderRendersWithSubmitterRights(t *testing.T) {
	ns := env.Namespace(t)
	c := submitter(t, ns, direct.SubmitterRules)
	ctx := context.Background()
	objs, err := direct.Render(sparkPi(ns), "b7f7c0de-0000-4000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	res, err := direct.Submit(ctx, c, objs)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if res.Adopted || !strings.HasPrefix(res.Driver.Name, "spark-pi-") || len(res.Driver.OwnerReferences) != 0 {
		t.Errorf("driver %s (adopted %v, owners %v): want a new spark-pi-<id> pod owned by nothing", res.Driver.Name, res.Adopted, res.Driver.OwnerReferences)
	}
	if res.Driver.Annotations[direct.AnnotationName] != "spark-pi" || res.Driver.Spec.Containers[0].Image != "spark:4.3.0" {
		t.Errorf("driver %+v", res.Driver.ObjectMeta)
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: objs.Names.ConfigMap}, cm); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: objs.Names.DriverService}, svc); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []metav1.Object{cm, svc} {
		if !metav1.IsControlledBy(obj, res.Driver) {
			t.Errorf("%s is not owned by the driver pod: %v", obj.GetName(), obj.GetOwnerReferences())
		}
	}
	props, err := spark.DecodeProperties(cm.Data["spark.properties"])
	if err != nil {
		t.Fatal(err)
	}
	if props["spark.app.name"] != "spark-pi" || props["spark.app.id"] != objs.Names.AppID {
		t.Errorf("spark.app.name %q, spark.app.id %q", props["spark.app.name"], props["spark.app.id"])
	}

	again, err := direct.Submit(ctx, c, objs)
	if err != nil || !again.Adopted || again.Driver.UID != res.Driver.UID {
		t.Errorf("the same submission again: %+v, %v; want the first driver adopted", again, err)
	}
	if n := len(directDrivers(t, ns)); n != 1 {
		t.Errorf("%d driver pods after submitting the same submission twice, want 1", n)
	}
	other, err := direct.Render(sparkPi(ns), "b7f7c0de-0000-4000-8000-000000000002")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Submit(ctx, c, other); err != nil {
		t.Fatalf("another submission: %v", err)
	}
	if n := len(directDrivers(t, ns)); n != 2 {
		t.Errorf("%d driver pods after two submissions, want 2", n)
	}
}

// TestSubmitRollsBackARefusedSubmission: when an owned object is refused (here the Role lacks Services),
// the driver pod is deleted again and the error names the refused object.
func TestSubmitRollsBackARefusedSubmission(t *testing.T) {
	ns := env.Namespace(t)
	c := submitter(t, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "configmaps"}, Verbs: []string{"get", "create", "delete"}},
	})
	objs, err := direct.Render(sparkPi(ns), "c0ffee00-0000-4000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	_, err = direct.Submit(context.Background(), c, objs)
	if err == nil || !strings.Contains(err.Error(), "Service "+objs.Names.DriverService) || !apierrors.IsForbidden(errors.Unwrap(err)) {
		t.Fatalf("Submit = %v, want the Service refused", err)
	}
	if n := len(directDrivers(t, ns)); n != 0 {
		t.Errorf("%d driver pods left after a refused submission, want 0", n)
	}
}

// TestSubmitRefusesWhatTheOperatorRefuses: the operator path's refusals, with its messages, before anything
// is created; and a pod of the same name that is not this submission's driver is not taken over.
func TestSubmitRefusesWhatTheOperatorRefuses(t *testing.T) {
	ns := env.Namespace(t)
	local := sparkPi(ns)
	local.Spec.MainApplicationFile = ptr("/home/me/job.jar")
	_, errDirect := direct.Render(local, "d00d0000-0000-4000-8000-000000000001")
	errOperator := spark.CheckNativeDependencies(local)
	if errDirect == nil || errOperator == nil || errDirect.Error() != errOperator.Error() {
		t.Errorf("a local dependency: direct %v, operator %v; want the same refusal", errDirect, errOperator)
	}
	badMemory := sparkPi(ns)
	badMemory.Spec.Driver.Memory = ptr("lots")
	_, errDirect = direct.Render(badMemory, "d00d0000-0000-4000-8000-000000000002")
	_, errBuild := spark.Build(badMemory, 1)
	var invalid *spark.InvalidSpecError
	if !errors.As(errDirect, &invalid) || errBuild == nil || !strings.Contains(errDirect.Error(), "lots") {
		t.Errorf("bad memory: direct %v, builder %v", errDirect, errBuild)
	}
	submitPod := sparkPi(ns)
	submitPod.Spec.Submission.Mode = stokev1.SubmissionSparkSubmitPod
	if _, err := direct.Render(submitPod, "d00d0000-0000-4000-8000-000000000003"); !errors.As(err, &invalid) {
		t.Errorf("SparkSubmitPod mode: %v, want InvalidSpec", err)
	}

	objs, err := direct.Render(sparkPi(ns), "d00d0000-0000-4000-8000-000000000004")
	if err != nil {
		t.Fatal(err)
	}
	squatter := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: objs.DriverPod.Name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	if err := env.Client.Create(context.Background(), squatter); err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Submit(context.Background(), env.Client, objs); err == nil || !strings.Contains(err.Error(), "is not the driver of submission") {
		t.Errorf("Submit over another pod of the name = %v", err)
	}
}
