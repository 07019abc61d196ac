//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stokehq/stoke/internal/testenv"
)

const (
	release     = "stoke"
	operatorNS  = "stoke-system"
	deployment  = "stoke-operator"
	leaseName   = "stoke-operator"
	operatorSel = "app.kubernetes.io/instance=stoke,app.kubernetes.io/component=operator"
)

// ChartOperator is the operator installed with charts/stoke: a Deployment in stoke-system running the image
// `make e2e` imported (STOKE_E2E_IMAGE), with the chart's RBAC only.
type ChartOperator struct {
	Helm, Kubeconfig, Image, CtrAddress string
	// EventLogDir is the node's directory the applications' event logs go to.
	EventLogDir string
	clientset   kubernetes.Interface
	client      client.Client
	// values are the --set flags of the last install, kept by upgrades.
	values []string
}

func NewChartOperator(kubeconfig string, cs kubernetes.Interface, c client.Client) (*ChartOperator, error) {
	image := os.Getenv("STOKE_E2E_IMAGE")
	if image == "" || !strings.Contains(image, ":") {
		return nil, errors.New("set STOKE_E2E_IMAGE to the imported operator image, repository:tag (make e2e does)")
	}
	helm, err := toolPath("STOKE_HELM", "helm.sh")
	if err != nil {
		return nil, err
	}
	eventLogDir, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "cluster.sh"), "event-log-dir").Output()
	if err != nil {
		return nil, fmt.Errorf("hack/cluster.sh event-log-dir: %w", err)
	}
	return &ChartOperator{Helm: helm, Kubeconfig: kubeconfig, Image: image, EventLogDir: strings.TrimSpace(string(eventLogDir)),
		CtrAddress: envOr("CTR_ADDRESS", "/run/stoke/containerd/containerd.sock"), clientset: cs, client: c}, nil
}

// helm runs helm against the local cluster and returns its output.
func (o *ChartOperator) helm(args ...string) (string, error) {
	cmd := exec.Command(o.Helm, append(args, "--kubeconfig", o.Kubeconfig)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// Install runs `helm upgrade --install` with the e2e image and the given extra values, and waits for the
// rollout. It measures and returns the time from the command to a Ready operator.
func (o *ChartOperator) Install(set ...string) error {
	_, err := o.InstallTimed(set...)
	return err
}

func (o *ChartOperator) InstallTimed(set ...string) (time.Duration, error) {
	i := strings.LastIndex(o.Image, ":")
	values := []string{"image.repository=" + o.Image[:i], "image.tag=" + o.Image[i+1:], "image.pullPolicy=Never",
		"operator.lostDriverGrace=20s", "operator.devLogs=true",
		// stoke server, reachable from the host on a NodePort (TestLivyClientRunsSparkPi).
		"server.enabled=true", "server.service.type=NodePort"}
	values = append(values, o.historyValues()...)
	values = append(values, set...)
	args := []string{"upgrade", "--install", release, filepath.Join(testenv.RepoRoot(), "charts", "stoke"),
		"--namespace", operatorNS, "--create-namespace", "--wait", "--timeout", "180s"}
	for _, v := range values {
		args = append(args, "--set", v)
	}
	started := time.Now()
	if _, err := o.helm(args...); err != nil {
		return 0, fmt.Errorf("%w\n%s", err, o.diagnose())
	}
	o.values = values
	return time.Since(started), o.Start()
}

// Start waits until every replica is Ready and one of them holds the lease.
func (o *ChartOperator) Start() error {
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		d, err := o.clientset.AppsV1().Deployments(operatorNS).Get(ctx, deployment, metav1.GetOptions{})
		if err == nil {
			want := *d.Spec.Replicas
			last = fmt.Sprintf("%d/%d ready, %d updated", d.Status.ReadyReplicas, want, d.Status.UpdatedReplicas)
			if d.Status.ObservedGeneration >= d.Generation && d.Status.ReadyReplicas == want && d.Status.UpdatedReplicas == want && d.Status.Replicas == want {
				if leader, err := o.Leader(); err == nil && leader != "" {
					return nil
				} else {
					last += fmt.Sprintf("; no live leader (%v)", err)
				}
			}
		} else {
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("operator not ready with a leader after 3 minutes: %s\n%s", last, o.LogTail(30))
}

// Leader is the pod that holds the lease, if it is one of the running operator pods and its lease is
// current.
func (o *ChartOperator) Leader() (string, error) {
	ctx := context.Background()
	var lease coordinationv1.Lease
	if err := o.client.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: leaseName}, &lease); err != nil {
		return "", err
	}
	if lease.Spec.HolderIdentity == nil || lease.Spec.RenewTime == nil || lease.Spec.LeaseDurationSeconds == nil {
		return "", nil
	}
	if time.Since(lease.Spec.RenewTime.Time) > time.Duration(*lease.Spec.LeaseDurationSeconds)*time.Second {
		return "", nil
	}
	holder, _, _ := strings.Cut(*lease.Spec.HolderIdentity, "_") // controller-runtime: <hostname>_<uuid>
	for _, p := range o.pods() {
		if p.Name == holder && p.DeletionTimestamp == nil && containerReady(p) {
			return holder, nil
		}
	}
	return "", nil
}

func containerReady(p corev1.Pod) bool {
	return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready
}

func (o *ChartOperator) pods() []corev1.Pod {
	list, err := o.clientset.CoreV1().Pods(operatorNS).List(context.Background(), metav1.ListOptions{LabelSelector: operatorSel})
	if err != nil {
		return nil
	}
	return list.Items
}

// Kill SIGKILLs the leader's container (through containerd, as the OOM killer would); the kubelet restarts
// it as it would any crashed container.
func (o *ChartOperator) Kill() {
	if _, err := o.KillLeader(); err != nil {
		panic(fmt.Sprintf("killing the operator: %v", err))
	}
}

// KillLeader SIGKILLs the current leader's container and returns the pod's name.
func (o *ChartOperator) KillLeader() (string, error) {
	leader, err := o.Leader()
	if err != nil || leader == "" {
		return "", fmt.Errorf("no leader to kill (%v)", err)
	}
	pod, err := o.clientset.CoreV1().Pods(operatorNS).Get(context.Background(), leader, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	id := strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "containerd://")
	out, err := exec.Command("ctr", "--address", o.CtrAddress, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ctr tasks kill %s: %w: %s", id, err, out)
	}
	return leader, nil
}

// Stop leaves the release installed, for inspection after the run (`helm uninstall stoke -n stoke-system`
// or `make demo` reuse it).
func (o *ChartOperator) Stop() {}

// LogTail is the last lines of every operator pod's log, the previous container's too.
func (o *ChartOperator) LogTail(lines int) string {
	var b strings.Builder
	for _, p := range o.pods() {
		for _, previous := range []bool{true, false} {
			opts := &corev1.PodLogOptions{TailLines: ptrTo(int64(lines)), Previous: previous}
			data, err := o.clientset.CoreV1().Pods(operatorNS).GetLogs(p.Name, opts).DoRaw(context.Background())
			if err != nil {
				continue
			}
			fmt.Fprintf(&b, "--- %s (previous=%v)\n%s\n", p.Name, previous, data)
		}
	}
	return b.String()
}

func ptrTo[T any](v T) *T { return &v }

// diagnose describes what a failed install left in the release's namespace: every pod's phase, conditions and
// container states, the namespace's recent events and the operator's log tail.
func (o *ChartOperator) diagnose() string {
	ctx := context.Background()
	var b strings.Builder
	if pods, err := o.clientset.CoreV1().Pods(operatorNS).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			fmt.Fprintf(&b, "pod %s: %s node=%q", p.Name, p.Status.Phase, p.Spec.NodeName)
			for _, c := range p.Status.Conditions {
				if c.Status != corev1.ConditionTrue {
					fmt.Fprintf(&b, " %s=%s(%s: %s)", c.Type, c.Status, c.Reason, c.Message)
				}
			}
			for _, cs := range p.Status.ContainerStatuses {
				fmt.Fprintf(&b, " [%s ready=%v restarts=%d %+v last=%+v]", cs.Name, cs.Ready, cs.RestartCount, cs.State, cs.LastTerminationState)
			}
			b.WriteString("\n")
		}
	}
	if events, err := o.clientset.CoreV1().Events(operatorNS).List(ctx, metav1.ListOptions{}); err == nil {
		items := events.Items
		slices.SortFunc(items, func(a, b corev1.Event) int { return a.LastTimestamp.Compare(b.LastTimestamp.Time) })
		for _, e := range items[max(0, len(items)-30):] {
			fmt.Fprintf(&b, "event %s %s/%s %s: %s\n", e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
	b.WriteString(o.LogTail(40))
	return b.String()
}

// releaseObjects lists what the release put in the cluster, by the chart's instance label.
func releaseObjects() ([]string, error) {
	ctx := context.Background()
	sel := client.MatchingLabels{"app.kubernetes.io/instance": release}
	var found []string
	lists := []client.ObjectList{&appsv1.DeploymentList{}, &appsv1.ReplicaSetList{}, &corev1.PodList{}, &corev1.ConfigMapList{},
		&corev1.ServiceList{}, &corev1.ServiceAccountList{}, &rbacv1.RoleList{}, &rbacv1.RoleBindingList{},
		&rbacv1.ClusterRoleList{}, &rbacv1.ClusterRoleBindingList{}}
	for _, l := range lists {
		if err := h.Client.List(ctx, l, sel); err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			m, err := meta.Accessor(it)
			if err != nil {
				return nil, err
			}
			found = append(found, fmt.Sprintf("%s %s/%s", strings.TrimSuffix(fmt.Sprintf("%T", l), "List"), m.GetNamespace(), m.GetName()))
		}
	}
	slices.Sort(found)
	return found, nil
}

// historyValues turn the event log on for every application, into the local node's shared directory
// (hack/cluster.sh event-log-dir, a hostPath volume), and run a History Server on it from the newest Spark
// image the suite runs, looking for new event logs every 2 seconds.
func (o *ChartOperator) historyValues() []string {
	newest := h.Versions[len(h.Versions)-1]
	return []string{"eventLog.dir=file:/spark-events", "eventLog.volume.hostPath=" + o.EventLogDir,
		"historyServer.enabled=true", "historyServer.image.repository=stoke.local/spark", "historyServer.image.tag=" + newest,
		"historyServer.image.pullPolicy=Never", "historyServer.updateInterval=2s", "historyServer.daemonMemory=384m",
		"historyServer.javaOptions=" + shortJVM, "historyServer.resources.requests.cpu=50m", "historyServer.resources.requests.memory=512Mi"}
}
