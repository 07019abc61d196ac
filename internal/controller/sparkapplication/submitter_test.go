package sparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// TestUnsupportedDependencyRejected checks that the native mode refuses Maven packages and local files with
// the UnsupportedDependency reason, naming the fields, creating nothing and not retrying.
func TestUnsupportedDependencyRejected(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "local-deps")
	app.Spec.Deps.Jars = []string{"https://example.com/ok.jar", "file:///home/me/udf.jar"}
	app.Spec.SparkConf = map[string]string{"spark.jars.packages": "org.apache.hadoop:hadoop-aws:3.3.4"}
	create(t, app)

	got := waitPhase(t, ns, "local-deps", stokev1.PhaseFailed)
	c := condition(got, stokev1.ConditionFailed)
	if c.Reason != "UnsupportedDependency" || !strings.Contains(c.Message, `deps.jars[1] "file:///home/me/udf.jar"`) ||
		!strings.Contains(c.Message, "sparkConf[spark.jars.packages]") || !strings.Contains(c.Message, "SparkSubmitPod") {
		t.Errorf("Failed condition = %+v", c)
	}
	if got.Status.CurrentAttempt != nil || len(podsWithRole(t, ns, spark.RoleDriver)) != 0 {
		t.Errorf("nothing should have been created: %+v", got.Status.CurrentAttempt)
	}
	time.Sleep(time.Second)
	if r := eventReasons(t, ns, "local-deps"); r["UnsupportedDependency"] != 1 {
		t.Errorf("events %v, want one UnsupportedDependency", r)
	}
}

// TestPackagesNeedSparkSubmitPod checks the CEL rule on spec.submission.
func TestPackagesNeedSparkSubmitPod(t *testing.T) {
	ns := env.Namespace(t)
	app := newApp(ns, "pkgs")
	app.Spec.Submission.Packages = []string{"org.example:lib:1.0"}
	err := env.Client.Create(context.Background(), app)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "need submission.mode SparkSubmitPod") {
		t.Fatalf("create = %v, want an Invalid error about submission.mode", err)
	}
	app.Spec.Submission.Packages = []string{"not a coordinate"}
	app.Spec.Submission.Mode = stokev1.SubmissionSparkSubmitPod
	if err := env.Client.Create(context.Background(), app); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.submission.packages") {
		t.Fatalf("create = %v, want an Invalid error about spec.submission.packages", err)
	}
}

func submitApp(ns, name string) *stokev1.SparkApplication {
	app := newApp(ns, name)
	app.Spec.Submission = stokev1.Submission{Mode: stokev1.SubmissionSparkSubmitPod,
		Packages: []string{"org.apache.hadoop:hadoop-aws:3.3.4"}, Repositories: []string{"https://repo.example.com/maven"}}
	app.Spec.Deps.Files = []string{"file:///opt/app/settings.conf"}
	app.Spec.SparkConf = map[string]string{"spark.kubernetes.file.upload.path": "s3a://bucket/uploads"}
	app.Spec.Driver.ServiceAccount = ptr("spark")
	return app
}

// waitSubmitter waits for the spark-submit pod of the application's first attempt.
func waitSubmitter(t *testing.T, app *stokev1.SparkApplication) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	name := spark.NamesFor(app.Name, getApp(t, app.Namespace, app.Name).UID, 1).Prefix + "-submit"
	eventually(t, 30*time.Second, "the spark-submit pod", func() (bool, error) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: app.Namespace, Name: name}, pod)
		return err == nil, client.IgnoreNotFound(err)
	})
	return pod
}

// submitterExited writes the spark-submit container's ending into the pod's status, as a kubelet would.
func submitterExited(t *testing.T, pod *corev1.Pod, code int32, message string) {
	t.Helper()
	phase := corev1.PodSucceeded
	if code != 0 {
		phase = corev1.PodFailed
	}
	pod.Status.Phase = phase
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: spark.SubmitterContainerName, Image: pod.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Message: message}}}}
	if err := env.Client.Status().Update(context.Background(), pod); err != nil {
		t.Fatalf("updating the spark-submit pod's status: %v", err)
	}
}

// TestSparkSubmitPodMode follows an application through the SparkSubmitPod mode: the submitter pod runs
// the image's spark-submit with the driver's service account; the driver it creates (made here from the
// rendered driver template, as spark-submit would) is adopted and followed to success.
func TestSparkSubmitPodMode(t *testing.T) {
	ns := env.Namespace(t)
	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "spark", Namespace: ns}})
	startOperator(t, ns)
	app := submitApp(ns, "via-submit")
	create(t, app)
	sub := waitSubmitter(t, app)
	got := getApp(t, ns, "via-submit")
	names := spark.NamesFor(app.Name, got.UID, 1)

	// The pod: in the namespace, owned by the application, the app's image and the driver's account.
	if !metav1.IsControlledBy(sub, got) || sub.Spec.ServiceAccountName != "spark" || sub.Spec.Containers[0].Image != "spark:3.5.7" ||
		sub.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("spark-submit pod = owner %v, account %q, image %q, restart %q", sub.OwnerReferences, sub.Spec.ServiceAccountName,
			sub.Spec.Containers[0].Image, sub.Spec.RestartPolicy)
	}
	args := strings.Join(sub.Spec.Containers[0].Args, " ")
	for _, want := range []string{
		"--master k8s://https://kubernetes.default.svc:443 --deploy-mode cluster",
		"--conf spark.kubernetes.driver.pod.name=" + names.DriverPod,
		"--conf spark.kubernetes.file.upload.path=s3a://bucket/uploads",
		"--conf spark.kubernetes.driver.podTemplateFile=/opt/stoke/submit/driver-template.yaml",
		"--files file:///opt/app/settings.conf",
		"--packages org.apache.hadoop:hadoop-aws:3.3.4", "--repositories https://repo.example.com/maven",
		"--class org.apache.spark.examples.SparkPi --name via-submit local:///opt/spark/examples/jars/spark-examples.jar 100",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("spark-submit args lack %q:\n%s", want, args)
		}
	}
	eventually(t, 10*time.Second, "Submitted=False/SparkSubmitRunning", func() (bool, error) {
		c := condition(getApp(t, ns, "via-submit"), stokev1.ConditionSubmitted)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == "SparkSubmitRunning", nil
	})

	// spark-submit creates the driver from the template file: its metadata carries the owner and labels.
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: sub.Name}, cm); err != nil {
		t.Fatal(err)
	}
	driver := &corev1.Pod{}
	if err := yaml.Unmarshal([]byte(cm.Data["driver-template.yaml"]), driver); err != nil {
		t.Fatal(err)
	}
	driver.Name, driver.Namespace = names.DriverPod, ns
	driver.Labels[spark.LabelAppSelector] = "spark-0123456789abcdef0123456789abcdef"
	driver.Labels[spark.LabelRole] = spark.RoleDriver
	driver.Spec.Containers = []corev1.Container{{Name: spark.DriverContainerName, Image: "spark:3.5.7"}}
	driver.Spec.ServiceAccountName = "spark"
	create(t, driver)
	submitterExited(t, sub, 0, "")

	waitPhase(t, ns, "via-submit", stokev1.PhaseSubmitted)
	running(t, driver)
	got = waitPhase(t, ns, "via-submit", stokev1.PhaseRunning)
	if id := got.Status.CurrentAttempt.SparkApplicationID; id != "spark-0123456789abcdef0123456789abcdef" {
		t.Errorf("SparkApplicationID = %q", id)
	}
	exited(t, driver, 0)
	waitPhase(t, ns, "via-submit", stokev1.PhaseSucceeded)
}

// TestSparkSubmitPodFails checks that a spark-submit that ends without a driver fails the attempt with
// the SubmissionFailed reason and spark-submit's message.
func TestSparkSubmitPodFails(t *testing.T) {
	ns := env.Namespace(t)
	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "spark", Namespace: ns}})
	startOperator(t, ns)
	app := submitApp(ns, "submit-fails")
	create(t, app)
	sub := waitSubmitter(t, app)
	submitterExited(t, sub, 1, "Exception in thread main: unresolved dependency org.apache.hadoop#hadoop-aws;3.3.4")

	got := waitPhase(t, ns, "submit-fails", stokev1.PhaseFailed)
	c := condition(got, stokev1.ConditionFailed)
	if !strings.Contains(c.Message, "SubmissionFailed") || !strings.Contains(c.Message, "unresolved dependency") {
		t.Errorf("Failed = %+v", c)
	}
	if a := got.Status.CurrentAttempt; a.Reason != "SubmissionFailed" || a.ExitCode == nil || *a.ExitCode != 1 {
		t.Errorf("attempt = %+v", a)
	}
}

// TestSparkSubmitPodTimeout checks that a spark-submit pod that does not produce a driver within
// timeouts.driverStartSeconds is deleted and the attempt ends as an infrastructure failure.
func TestSparkSubmitPodTimeout(t *testing.T) {
	ns := env.Namespace(t)
	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "spark", Namespace: ns}})
	startOperator(t, ns)
	app := submitApp(ns, "submit-slow")
	app.Spec.Timeouts.DriverStartSeconds = ptr(int32(1))
	create(t, app)
	sub := waitSubmitter(t, app)

	got := waitPhase(t, ns, "submit-slow", stokev1.PhaseFailed)
	if a := got.Status.CurrentAttempt; a.Reason != "DriverStartTimeout" || a.Outcome != stokev1.OutcomeInfrastructureFailure {
		t.Errorf("attempt = %+v", a)
	}
	eventually(t, 10*time.Second, "the spark-submit pod to be deleted", func() (bool, error) {
		return !exists(t, sub), nil
	})
}

// TestNetworkPolicyFromSpark42 checks that an attempt of a Spark 4.2+ application gets the driver's
// NetworkPolicy, owned by the driver pod like its ConfigMap and Service, and a Spark 3.5 one does not.
func TestNetworkPolicyFromSpark42(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app4 := newApp(ns, "spark-four")
	app4.Spec.SparkVersion, app4.Spec.Image = "4.3.0", "spark:4.3.0"
	create(t, app4)
	create(t, newApp(ns, "spark-three"))
	driver := waitAttempt(t, ns, "spark-four", 1)
	waitAttempt(t, ns, "spark-three", 1)

	names := spark.NamesFor("spark-four", getApp(t, ns, "spark-four").UID, 1)
	np := &networkingv1.NetworkPolicy{}
	eventually(t, 10*time.Second, "the NetworkPolicy", func() (bool, error) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: names.NetworkPolicy}, np)
		return err == nil, client.IgnoreNotFound(err)
	})
	if !metav1.IsControlledBy(np, driver) || np.Spec.PodSelector.MatchLabels[spark.LabelAppSelector] != names.AppID {
		t.Errorf("NetworkPolicy = owners %v, selector %v", np.OwnerReferences, np.Spec.PodSelector)
	}
	list := &networkingv1.NetworkPolicyList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Errorf("%d NetworkPolicies, want only Spark 4.3's", len(list.Items))
	}
}
