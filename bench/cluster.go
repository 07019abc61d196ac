package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

// nodeAnnotation marks the fake nodes kwok manages.
const nodeAnnotation = "kwok.x-k8s.io/node"

// startKwok runs kwok against the API server with the bench's pod stages: pods become Running after
// runningDelay; a driver pod whose simulated Spark program has ended (the exit annotation the simulator
// sets) becomes Succeeded; a deleted pod is removed (kwok plays the kubelet's part).
func startKwok(ctx context.Context, dir, kubeconfig string, runningDelay time.Duration) (*exec.Cmd, error) {
	bin := filepath.Join(testenv.AssetsDir(), "kwok")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("kwok not found in %s: run hack/kube-binaries.sh kwok (make bench does)", testenv.AssetsDir())
	}
	stages := filepath.Join(dir, "kwok-stages.yaml")
	if err := os.WriteFile(stages, []byte(fmt.Sprintf(kwokStages, runningDelay.Milliseconds(), exitAnnotation)), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kubeconfig, "--config", stages,
		"--manage-nodes-with-annotation-selector", nodeAnnotation+"=fake", "--cidr", "10.0.0.1/16", "--node-ip", "10.0.0.1", "-v", "WARN")
	logf, err := os.Create(filepath.Join(dir, "kwok.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the bench
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kwok: %w", err)
	}
	return cmd, nil
}

// kwokStages are the node and pod stages. Arguments: running delay in ms, the exit annotation.
// kwok's own options come first: its default of 4 parallel pod stage players made it the slowest part of
// the simulated cluster (pods waited minutes to become Running at thousands of applications).
const kwokStages = `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  podPlayStageParallelism: 32
  nodePlayStageParallelism: 4
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: bench-node-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'NotIn'
      values: ['Running']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
      addresses:
      - address: {{ NodeIP | Quote }}
        type: InternalIP
      allocatable:
      {{ YAML .status.allocatable 1 }}
      capacity:
      {{ YAML .status.capacity 1 }}
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: bench-pod-running
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'
  delay:
    durationMilliseconds: %[1]d
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: bench-driver-exit
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
    - key: '.metadata.annotations["%[2]s"]'
      operator: 'In'
      values: ['0']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: Ready
        reason: PodCompleted
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: ContainersReady
        reason: PodCompleted
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: bench-pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`

// createNodes creates the fake nodes kwok keeps Ready.
func createNodes(ctx context.Context, cs kubernetes.Interface, n int) ([]string, error) {
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{nodeAnnotation: "fake"},
				Labels: map[string]string{"type": "kwok", "kubernetes.io/hostname": name}},
			Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("1000"), corev1.ResourceMemory: resource.MustParse("4Ti"),
				corev1.ResourcePods: resource.MustParse("100000")}},
		}
		node.Status.Capacity = node.Status.Allocatable
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("creating node %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// createNamespace creates a namespace with the "default" ServiceAccount (there is no controller manager to
// make it) so that pods pass the ServiceAccount admission plugin.
func createNamespace(ctx context.Context, cs kubernetes.Interface, name string, labels map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	_, err := cs.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	return err
}

// writeTokenKubeconfig writes a kubeconfig that authenticates with a cluster-admin ServiceAccount token:
// spark-submit 3.5's fabric8 client cannot load envtest's EC client key.
func writeTokenKubeconfig(ctx context.Context, env *testenv.Env, cs kubernetes.Interface, path string) error {
	if _, err := cs.CoreV1().ServiceAccounts("kube-system").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "bench-submit"}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-submit"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bench-submit", Namespace: "kube-system"}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		return err
	}
	exp := int64(24 * 3600)
	tr, err := cs.CoreV1().ServiceAccounts("kube-system").CreateToken(ctx, "bench-submit",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if err := env.WriteKubeconfig(path); err != nil {
		return err
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return err
	}
	for _, a := range cfg.AuthInfos {
		a.ClientCertificateData, a.ClientKeyData, a.Token = nil, nil, tr.Status.Token
	}
	return clientcmd.WriteToFile(*cfg, path)
}

// benchCluster is what every bench mode (the main run, chaos, scale) runs against: kube-apiserver and etcd,
// a kubeconfig file for the operators it starts, nodes played by kwok, and the simulator playing Spark's
// drivers and executors on them, fed by its own informers.
type benchCluster struct {
	env        *testenv.Env
	cfg        *rest.Config
	c          client.Client
	cs         kubernetes.Interface
	dir        string
	kubeconfig string
	nodes      []string
	tr         *tracker
	// informers and apps are the simulator's cache and its SparkApplication informer.
	informers cache.Cache
	apps      cache.Informer
	// runCtx ends with stop: informers others start on it stop with the cluster.
	runCtx       context.Context
	cancel       context.CancelFunc
	runningDelay time.Duration
	kwok         *exec.Cmd
}

type clusterOptions struct {
	env testenv.Options
	// qps is the harness's clients' rate (their burst is twice that).
	qps float32
	// waitForAPIServer makes the harness's clients and informers wait for a restarting API server as the
	// operator's do (operator.WaitForAPIServer), so that their reconnecting is not what a recovery measures.
	waitForAPIServer bool
	nodes, executors int
	// runningDelay is kwok's delay before a bound pod runs; completeAfter how long a simulated driver runs.
	runningDelay, completeAfter time.Duration
	// appHandlers get the simulator's SparkApplication events too.
	appHandlers []toolscache.ResourceEventHandler
	// served namespaces carry the label the operator serves; plain ones do not.
	served, plain []string
}

// startBenchCluster starts the cluster, its nodes, kwok and the simulator, and creates the namespaces. On
// an error, what it started is stopped.
func startBenchCluster(ctx context.Context, dir string, o clusterOptions) (_ *benchCluster, err error) {
	logf("starting kube-apiserver and etcd")
	env, err := testenv.StartWith(o.env)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	b := &benchCluster{env: env, dir: dir, kubeconfig: filepath.Join(dir, "kubeconfig"), tr: newTracker(),
		runCtx: runCtx, cancel: cancel, runningDelay: o.runningDelay}
	defer func() {
		if err != nil {
			b.stop()
		}
	}()
	b.cfg = rest.CopyConfig(env.Config)
	b.cfg.QPS, b.cfg.Burst = o.qps, int(2*o.qps)
	if o.waitForAPIServer {
		operator.WaitForAPIServer(b.cfg)
	}
	if b.c, b.cs, err = clientsFor(b.cfg); err != nil {
		return nil, err
	}
	if err := env.WriteKubeconfig(b.kubeconfig); err != nil {
		return nil, err
	}
	if b.nodes, err = createNodes(ctx, b.cs, o.nodes); err != nil {
		return nil, err
	}
	if b.kwok, err = startKwok(runCtx, dir, b.kubeconfig, o.runningDelay); err != nil {
		return nil, err
	}
	sim := newSimulator(b.cs, b.nodes, o.executors, o.completeAfter, b.tr)
	sim.run(runCtx, 16)
	if b.informers, b.apps, err = sparkInformers(ctx, b.cfg, runCtx, []toolscache.ResourceEventHandler{sim.podHandler()},
		append([]toolscache.ResourceEventHandler{sim.appHandler()}, o.appHandlers...)); err != nil {
		return nil, err
	}
	for _, ns := range o.served {
		if err := createNamespace(ctx, b.cs, ns, servedLabel); err != nil {
			return nil, err
		}
	}
	for _, ns := range o.plain {
		if err := createNamespace(ctx, b.cs, ns, nil); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// restartKwok starts kwok again: its client backs off while the API server is down like any other, and a
// restarted kwok stands for kubelets that reconnected at once.
func (b *benchCluster) restartKwok() error {
	_ = b.kwok.Process.Kill()
	_ = b.kwok.Wait()
	var err error
	b.kwok, err = startKwok(b.runCtx, b.dir, b.kubeconfig, b.runningDelay)
	return err
}

// stop stops the simulator, the informers, kwok and the API server.
func (b *benchCluster) stop() {
	b.cancel()
	_ = b.env.Stop()
}

// sparkInformers starts informers on Spark pods (those with a spark-role label) and on SparkApplications,
// with the given handlers, and waits for them to sync. It returns the cache and the applications' informer.
func sparkInformers(ctx context.Context, cfg *rest.Config, runCtx context.Context, pods, apps []toolscache.ResourceEventHandler) (cache.Cache, cache.Informer, error) {
	hasRole, _ := labels.NewRequirement(spark.LabelRole, selection.Exists, nil)
	informers, err := cache.New(cfg, cache.Options{Scheme: operator.Scheme(), ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}: {Label: labels.NewSelector().Add(*hasRole)},
	}})
	if err != nil {
		return nil, nil, err
	}
	podInf, err := informers.GetInformer(ctx, &corev1.Pod{})
	if err != nil {
		return nil, nil, err
	}
	appInf, err := informers.GetInformer(ctx, &stokev1.SparkApplication{})
	if err != nil {
		return nil, nil, err
	}
	for inf, handlers := range map[cache.Informer][]toolscache.ResourceEventHandler{podInf: pods, appInf: apps} {
		for _, h := range handlers {
			if _, err := inf.AddEventHandler(h); err != nil {
				return nil, nil, err
			}
		}
	}
	go func() { _ = informers.Start(runCtx) }()
	if !informers.WaitForCacheSync(ctx) {
		return nil, nil, errors.New("informers did not sync")
	}
	return informers, appInf, nil
}
