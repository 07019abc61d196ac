//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/direct"
)

// The TestDirect* tests run on a cluster without Stoke (STOKE_E2E_OPERATOR=none: no CRD, no operator), as a
// user whose only rights are the Role of docs/direct-submission.md, and with a CLI that could not start a
// JVM if it tried (no PATH, no JAVA_HOME, no SPARK_HOME).

// TestDirectSparkPiWithOnlyTheRole submits a real SparkPi with stoke submit --direct --wait, reads its log,
// lists, describes and deletes it with the CLI, and times submission to driver pod created against real
// spark-submit's in the same run (the e2e report's table).
func TestDirectSparkPiWithOnlyTheRole(t *testing.T) {
	clusterWithoutStoke(t)
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		kc := submitterKubeconfig(t, ns)

		created := watchDriverCreated(t, ns)
		start := time.Now()
		out, stderr, err := stokeWithoutJVM(t, kc, directArgs(ns, "pi", version, []string{"--class", sparkPi, "--wait"}, examplesJar, "4")...)
		if err != nil {
			t.Fatalf("stoke submit --direct --wait: %v\n%s%s", err, out, tail(strings.ReplaceAll(stderr, "\r", "\n"), 10))
		}
		toDriver := created(30 * time.Second).Sub(start)
		h.report.AddSubmission(SubmissionRow{Version: version, Path: "stoke submit --direct", ToDriverPod: toDriver})
		t.Logf("stoke submit --direct: driver pod created %s after the command started", toDriver)
		if progress := strings.ReplaceAll(stderr, "\r", "\n"); !strings.Contains(progress, "Succeeded") {
			t.Errorf("--wait did not report success:\n%s", tail(progress, 5))
		}

		if logs, _, err := stokeAs(t, kc, "logs", "-n", ns, "pi"); err != nil || !strings.Contains(logs, "Pi is roughly 3.1") {
			t.Errorf("stoke logs: %v\n%s", err, tail(logs, 10))
		}
		list, _, err := stokeAs(t, kc, "get", "apps", "-n", ns)
		if err != nil || !hasRow(list, "pi", "Succeeded", "direct") {
			t.Errorf("stoke get apps: %v, want pi Succeeded direct:\n%s", err, list)
		}
		describe, _, err := stokeAs(t, kc, "describe", "app", "-n", ns, "pi")
		if err != nil || !strings.Contains(describe, "directly (stoke submit --direct") || !strings.Contains(describe, "Succeeded") {
			t.Errorf("stoke describe: %v\n%s", err, describe)
		}
		if events, _, err := stokeAs(t, kc, "events", "-n", ns, "pi"); err != nil || !strings.Contains(events, "Started") {
			t.Errorf("stoke events: %v, want the driver's pod events:\n%s", err, events)
		}

		sparkSubmit := sparkSubmitToDriverPod(t, version)
		h.report.AddSubmission(SubmissionRow{Version: version, Path: "spark-submit", ToDriverPod: sparkSubmit})
		t.Logf("spark-submit: driver pod created %s after the command started (%.0f× stoke submit --direct)", sparkSubmit, sparkSubmit.Seconds()/toDriver.Seconds())
		// The 20× target is the report's to show; only a direct submission slower than the JVM fails here.
		if toDriver >= sparkSubmit {
			t.Errorf("stoke submit --direct took %s to the driver pod, spark-submit %s", toDriver, sparkSubmit)
		}

		if _, stderr, err := stokeAs(t, kc, "delete", "-n", ns, "pi"); err != nil {
			t.Fatalf("stoke delete: %v\n%s", err, stderr)
		}
		eventually(t, time.Minute, "the direct submission's pods and objects gone", func() (bool, error) {
			var cms corev1.ConfigMapList
			if err := h.Client.List(context.Background(), &cms, client.InNamespace(ns)); err != nil {
				return false, err
			}
			return len(pods(t, ns, map[string]string{"spark-role": "driver"})) == 0 && !hasDriverConfigMap(cms.Items), nil
		})
	})
}

// TestDirectPySparkWithOnlyTheRole submits a real PySpark job directly, opens its live Spark UI with
// stoke ui and reads Spark's REST API through it, then reads its log once it has finished.
func TestDirectPySparkWithOnlyTheRole(t *testing.T) {
	clusterWithoutStoke(t)
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		kc := submitterKubeconfig(t, ns)
		// Four partitions, then 40 s with the UI up.
		if out, stderr, err := stokeWithoutJVM(t, kc, directArgs(ns, "pypi", version, nil, "local:///opt/stoke/examples/pi.py", "4", "40")...); err != nil {
			t.Fatalf("stoke submit --direct: %v\n%s%s", err, out, stderr)
		}
		url := openUIAs(t, kc, ns, "pypi", 3*time.Minute)
		body := getOK(t, url+"api/v1/applications")
		drivers := pods(t, ns, map[string]string{"spark-role": "driver"})
		if len(drivers) != 1 {
			t.Fatalf("%d driver pods, want 1", len(drivers))
		}
		if id := drivers[0].Labels["spark-app-selector"]; id == "" || !strings.Contains(string(body), id) {
			t.Errorf("the Spark UI does not list the driver's application %q: %s", id, body)
		}
		eventually(t, jobTimeout, "the PySpark driver succeeding", func() (bool, error) {
			list := pods(t, ns, map[string]string{"spark-role": "driver"})
			if len(list) == 1 && list[0].Status.Phase == corev1.PodFailed {
				return false, fmt.Errorf("the driver failed:\n%s", podLog(ns, list[0].Name, 20))
			}
			return len(list) == 1 && list[0].Status.Phase == corev1.PodSucceeded, nil
		})
		if logs, _, err := stokeAs(t, kc, "logs", "-n", ns, "pypi"); err != nil || !strings.Contains(logs, "Pi is roughly 3.1") {
			t.Errorf("stoke logs: %v\n%s", err, tail(logs, 10))
		}
		if list, _, err := stokeAs(t, kc, "get", "apps", "-n", ns); err != nil || !hasRow(list, "pypi", "Succeeded", "direct") {
			t.Errorf("stoke get apps: %v, want pypi Succeeded direct:\n%s", err, list)
		}
	})
}

// clusterWithoutStoke skips the test unless the suite runs with STOKE_E2E_OPERATOR=none, and checks that the
// API server really serves nothing of Stoke's.
func clusterWithoutStoke(t *testing.T) {
	t.Helper()
	if h.Operator != nil {
		t.Skip("needs a cluster without Stoke: make e2e runs it first, with STOKE_E2E_OPERATOR=none")
	}
	groups, err := h.Clientset.Discovery().ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == stokev1.GroupVersion.Group {
			t.Fatalf("the API server serves %s: want a cluster without Stoke's CRD", g.Name)
		}
	}
}

// submitterKubeconfig writes a kubeconfig for a service account of the namespace bound to exactly the Role
// of docs/direct-submission.md (direct.SubmitterRules and direct.FollowerRules), with a token for it.
func submitterKubeconfig(t *testing.T, ns string) string {
	t.Helper()
	ctx := context.Background()
	rules := append(append([]rbacv1.PolicyRule(nil), direct.SubmitterRules...), direct.FollowerRules...)
	if _, err := h.Clientset.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "submitter"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Clientset.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "spark-submitter"}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Clientset.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-submitter"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "spark-submitter"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "submitter", Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token, err := h.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "submitter",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tls := h.Config.TLSClientConfig
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: h.Config.Host, CertificateAuthority: tls.CAFile, CertificateAuthorityData: tls.CAData}
	cfg.AuthInfos["submitter"] = &clientcmdapi.AuthInfo{Token: token.Status.Token}
	cfg.Contexts["submitter"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "submitter", Namespace: ns}
	cfg.CurrentContext = "submitter"
	path := filepath.Join(t.TempDir(), "submitter.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// directArgs is a spark-submit style `stoke submit --direct` of the application file, sized like App.
func directArgs(ns, name, version string, flags []string, file string, args ...string) []string {
	return append(append(append([]string{"submit", "--direct", "-n", ns, "--name", name, "--image", "stoke.local/spark:" + version,
		"--num-executors", "2", "--driver-memory", "512m", "--executor-memory", "512m", "--service-account", "spark",
		"--conf", "spark.kubernetes.driver.request.cores=100m", "--conf", "spark.kubernetes.executor.request.cores=100m",
		"--conf", "spark.driver.extraJavaOptions=" + shortJVM, "--conf", "spark.executor.extraJavaOptions=" + shortJVM},
		flags...), file), args...)
}

// stokeWithoutJVM runs the CLI with an environment in which no JVM can be found: no PATH, no JAVA_HOME and
// no SPARK_HOME; it is a static Go binary and must not need one.
func stokeWithoutJVM(t *testing.T, kubeconfig string, args ...string) (string, string, error) {
	t.Helper()
	return runStoke(t, []string{"HOME=" + t.TempDir()}, kubeconfig, args...)
}

// watchDriverCreated watches the namespace's pods from now on and returns a function that waits (up to the
// timeout) for the first driver pod and returns when this process saw it created.
func watchDriverCreated(t *testing.T, ns string) func(timeout time.Duration) time.Time {
	t.Helper()
	w, err := h.Clientset.CoreV1().Pods(ns).Watch(context.Background(), metav1.ListOptions{LabelSelector: "spark-role=driver"})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan time.Time, 1)
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added {
				seen <- time.Now()
				return
			}
		}
	}()
	t.Cleanup(w.Stop)
	return func(timeout time.Duration) time.Time {
		t.Helper()
		select {
		case at := <-seen:
			return at
		case <-time.After(timeout):
			t.Fatalf("no driver pod created in %s within %s", ns, timeout)
			return time.Time{}
		}
	}
}

// sparkSubmitToDriverPod runs real spark-submit in cluster mode (the cached distribution of the version, with
// the admin's client certificate) for the same SparkPi in a namespace of its own, and returns how long after
// the command started its driver pod was created. The driver is deleted right away: only the submission is
// measured.
func sparkSubmitToDriverPod(t *testing.T, version string) time.Duration {
	t.Helper()
	home := sparkHome(t, version)
	ns := Namespace(t)
	tls := h.Config.TLSClientConfig
	args := []string{
		"--master", "k8s://" + h.Config.Host, "--deploy-mode", "cluster", "--name", "pi", "--class", sparkPi,
		"--conf", "spark.kubernetes.namespace=" + ns,
		"--conf", "spark.kubernetes.container.image=stoke.local/spark:" + version,
		"--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
		"--conf", "spark.kubernetes.authenticate.submission.caCertFile=" + tls.CAFile,
		"--conf", "spark.kubernetes.authenticate.submission.clientCertFile=" + tls.CertFile,
		"--conf", "spark.kubernetes.authenticate.submission.clientKeyFile=" + tls.KeyFile,
		"--conf", "spark.kubernetes.submission.waitAppCompletion=false",
		"--conf", "spark.kubernetes.driver.request.cores=100m", "--conf", "spark.kubernetes.executor.request.cores=100m",
		"--conf", "spark.driver.memory=512m", "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.instances=2",
		examplesJar, "4",
	}
	created := watchDriverCreated(t, ns)
	start := time.Now()
	cmd := exec.Command(filepath.Join(home, "bin", "spark-submit"), args...)
	cmd.Env = append(os.Environ(), "SPARK_HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("spark-submit: %v\n%s", err, tail(string(out), 30))
	}
	took := created(time.Minute).Sub(start)
	if err := h.Clientset.CoreV1().Pods(ns).DeleteCollection(context.Background(), metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)},
		metav1.ListOptions{LabelSelector: "spark-role=driver"}); err != nil {
		t.Logf("deleting spark-submit's driver: %v", err)
	}
	return took
}

// hasRow reports a line of a table with all the words.
func hasRow(table string, words ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		fields := strings.Fields(line)
		all := len(fields) > 0 && fields[0] == words[0]
		for _, w := range words[1:] {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}

func hasDriverConfigMap(cms []corev1.ConfigMap) bool {
	for _, cm := range cms {
		if strings.HasSuffix(cm.Name, "-driver-conf-map") {
			return true
		}
	}
	return false
}
