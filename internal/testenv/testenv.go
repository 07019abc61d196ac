// Package testenv runs a real kube-apiserver and etcd for integration tests (through controller-runtime's
// envtest), built from source by hack/kube-binaries.sh and cached outside the repository, with Stoke's CRDs
// installed. There is no kubelet: tests drive pod status themselves.
package testenv

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stokehq/stoke/internal/operator"
)

// KubeVersion is the Kubernetes version the harness runs (see hack/kube-binaries.sh).
const KubeVersion = "1.34.4"

// Env is a running API server with Stoke's CRDs.
type Env struct {
	Config *rest.Config
	Client client.Client
	env    *envtest.Environment
	// certDir is the API server's own certificate directory when it may be restarted (removed by Stop).
	certDir string
	// defaultServiceAccounts: Namespace creates each namespace's default service account.
	defaultServiceAccounts bool
}

// AssetsDir is where hack/kube-binaries.sh caches kube-apiserver, etcd and kubectl: $STOKE_KUBE_ASSETS, or
// ${STOKE_CACHE:-~/.cache/stoke}/kube/v<KubeVersion>.
func AssetsDir() string {
	if dir := os.Getenv("STOKE_KUBE_ASSETS"); dir != "" {
		return dir
	}
	cache := os.Getenv("STOKE_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "stoke")
	}
	return filepath.Join(cache, "kube", "v"+KubeVersion)
}

// RepoRoot is the repository's top directory, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Options change the test API server.
type Options struct {
	// DefaultAdmission runs the API server with every admission plugin it enables by default, ServiceAccount
	// included (envtest turns that one off, because without a controller manager no namespace has its
	// default service account). Namespace then creates the default service account, as the controller
	// manager would.
	DefaultAdmission bool
	// Restartable keeps the API server's serving certificate and service-account keys in a directory of
	// the harness's own, so that RestartAPIServer brings it back on the same address with the same
	// certificates, and every client (and kubeconfig) made before the restart still works.
	Restartable bool
	// AuditLog, when set, makes the API server write an audit log (JSON lines) of every create of pods,
	// Services and ConfigMaps to this file, at the Metadata level: an account of what was created that
	// does not depend on any watch (the chaos suite counts driver pods from it).
	AuditLog string
}

// Start runs etcd and kube-apiserver and installs the CRDs from config/crd. It fails with a hint when the
// binaries have not been built.
func Start() (*Env, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(opts Options) (*Env, error) {
	assets := AssetsDir()
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run hack/kube-binaries.sh (make test does)", bin, assets)
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd")},
		ErrorIfCRDPathMissing: true,
		Scheme:                operator.Scheme(),
		CRDInstallOptions:     envtest.CRDInstallOptions{Scheme: operator.Scheme(), MaxTime: time.Minute}, // three large CRDs on a busy machine
	}
	if opts.DefaultAdmission {
		env.ControlPlane.GetAPIServer().Configure().Disable("disable-admission-plugins")
	}
	var certDir string
	if opts.Restartable {
		dir, err := os.MkdirTemp("", "stoke-apiserver-")
		if err != nil {
			return nil, err
		}
		certDir = dir
		env.ControlPlane.GetAPIServer().CertDir = dir
	}
	if opts.AuditLog != "" {
		policy := filepath.Join(filepath.Dir(opts.AuditLog), "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
			return nil, err
		}
		env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).Set("audit-log-path", opts.AuditLog).
			Set("audit-log-format", "json").Set("audit-log-mode", "blocking").Set("audit-log-maxsize", "0")
	}
	cfg, err := env.Start()
	if err != nil {
		if certDir != "" {
			_ = os.RemoveAll(certDir)
		}
		return nil, fmt.Errorf("starting the test API server: %w", err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Env{Config: cfg, Client: c, env: env, certDir: certDir, defaultServiceAccounts: opts.DefaultAdmission}, nil
}

// auditPolicy records who created which pod, Service or ConfigMap and with what result; nothing else.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create"]
  resources:
  - group: ""
    resources: ["pods", "services", "configmaps"]
- level: None
`

// Stop shuts the API server and etcd down.
func (e *Env) Stop() error {
	err := e.env.Stop()
	if e.certDir != "" {
		_ = os.RemoveAll(e.certDir)
	}
	return err
}

// EtcdURL is the address of the API server's etcd (plain HTTP on loopback).
func (e *Env) EtcdURL() string { return e.env.ControlPlane.Etcd.URL.String() }

// RestartAPIServer stops kube-apiserver (etcd keeps running), runs between (for example to compact etcd
// while no API server watches it; nil for nothing), and starts it again on the same address. The
// environment must have been started with Options.Restartable.
func (e *Env) RestartAPIServer(between func() error) error {
	if e.certDir == "" {
		return fmt.Errorf("the API server was not started restartable (testenv.Options.Restartable)")
	}
	api := e.env.ControlPlane.GetAPIServer()
	// A busy API server may take longer than this to drain; it is then killed, as a crash would end it.
	api.StopTimeout = 10 * time.Second
	if err := api.Stop(); err != nil && !strings.Contains(err.Error(), "timeout waiting for process") {
		return fmt.Errorf("stopping kube-apiserver: %w", err)
	}
	address := net.JoinHostPort(api.SecureServing.Address, api.SecureServing.Port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", address, time.Second)
		if err != nil {
			break // nothing listens: the old process is gone
		}
		conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver still listens on %s after it was stopped", address)
		}
	}
	if between != nil {
		if err := between(); err != nil {
			return err
		}
	}
	// Starting again means listing everything etcd holds into the watch caches before it is ready: with
	// the chaos suite's 12,000 retained applications and their objects that took longer than envtest's
	// default of 20 s on two cores.
	api.StartTimeout = 3 * time.Minute
	if err := api.Start(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	return nil
}

// Run is a TestMain helper: it starts the environment, runs the tests and stops it.
func Run(m *testing.M, into **Env) int { return RunWith(m, into, Options{}) }

// RunWith is Run with options. A fuzzing worker (go test -fuzz starts one per core, and again after each
// crash) runs only the fuzz target, so it starts no environment and *into stays nil: fuzz targets must not
// use the API server. Starting one in every worker stalled fuzzing for the time each took to boot.
func RunWith(m *testing.M, into **Env, opts Options) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		return m.Run()
	}
	env, err := StartWith(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	*into = env
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: stopping:", err)
	}
	return code
}

// Namespace creates a namespace named after the test and deletes it when the test ends.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	name = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, name)
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-") + fmt.Sprintf("-%d", time.Now().UnixNano()%100000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() { _ = e.Client.Delete(context.Background(), ns) })
	if e.defaultServiceAccounts {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
		if err := e.Client.Create(context.Background(), sa); err != nil {
			t.Fatalf("creating the default service account: %v", err)
		}
	}
	return name
}

// WriteKubeconfig writes a kubeconfig for the test API server's admin user, for commands run as a user
// would run them.
func (e *Env) WriteKubeconfig(path string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: e.Config.Host, CertificateAuthorityData: e.Config.CAData}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: e.Config.CertData, ClientKeyData: e.Config.KeyData, Token: e.Config.BearerToken}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin"}
	cfg.CurrentContext = "test"
	return clientcmd.WriteToFile(*cfg, path)
}

// VolcanoCRDs is the directory where hack/batch-scheduler-crds.sh caches Volcano's CRDs (generated from
// the API types Volcano publishes), asked from the script so that both agree on the version.
func VolcanoCRDs(t testing.TB) string {
	return CachedByScript(t, "batch-scheduler-crds.sh", "Volcano's CRDs")
}

// CachedByScript is the cache directory of a hack script that installs something once (it prints the
// directory with --path and marks it complete with a .ready file); the test fails with the command to run
// when it is not there.
func CachedByScript(t testing.TB, script, what string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(RepoRoot(), "hack", script), "--path").Output()
	if err != nil {
		t.Fatalf("hack/%s --path: %v", script, err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, ".ready")); err != nil {
		t.Fatalf("%s are not in %s: run hack/%s (make test does)", what, dir, script)
	}
	return dir
}

// InstallCRDs installs the CRDs of a directory (other projects', such as a batch scheduler's) and waits
// until the API server serves them.
func (e *Env) InstallCRDs(t testing.TB, dir string) {
	t.Helper()
	if _, err := envtest.InstallCRDs(e.Config, envtest.CRDInstallOptions{Paths: []string{dir}, MaxTime: time.Minute}); err != nil {
		t.Fatalf("installing the CRDs of %s: %v", dir, err)
	}
}
