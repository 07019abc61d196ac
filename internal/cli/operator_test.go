package cli_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stokehq/stoke/internal/cli"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	// A test that needs `stoke` as a separate process (a second controller manager cannot run in this one)
	// re-executes this binary with STOKE_CLI_TEST_EXEC=1 and stoke's arguments.
	if os.Getenv("STOKE_CLI_TEST_EXEC") == "1" {
		cmd := cli.NewRootCommand()
		cmd.SetArgs(os.Args[1:])
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := cmd.ExecuteContext(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "stoke:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(testenv.Run(m, &env))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestOperatorCommandServesHealthAndMetrics runs `stoke operator` as a user would: a kubeconfig, a config
// file, and the health and metrics endpoints it promises.
func TestOperatorCommandServesHealthAndMetrics(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	metrics, health := freePort(t), freePort(t)
	config := filepath.Join(dir, "operator.yaml")
	body := fmt.Sprintf("metricsAddress: 127.0.0.1:%d\nhealthAddress: 127.0.0.1:%d\nworkers: 2\nlostDriverGrace: 45s\n", metrics, health)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := cli.NewRootCommand()
		cmd.SetArgs([]string{"operator", "--kubeconfig", kubeconfig, "--config", config})
		done <- cmd.ExecuteContext(ctx)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator exited with %v", err)
		}
	}()

	get := func(port int, path string) (string, error) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s: %s", path, resp.Status)
		}
		return string(b), nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, errH := get(health, "/healthz")
		_, errR := get(health, "/readyz")
		out, errM := get(metrics, "/metrics")
		if errH == nil && errR == nil && errM == nil && strings.Contains(out, `controller_runtime_active_workers{controller="sparkapplication"}`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoints not serving: healthz %v, readyz %v, metrics %v", errH, errR, errM)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestOperatorCommandRejectsBadConfig: a config the operator cannot use stops it at once, before it talks
// to the API server, with a one-line usage error (exit code 2) naming what is wrong.
func TestOperatorCommandRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct{ body, mention string }{
		{"workerz: 3\n", "workerz"},
		{"lostDriverGrace: 30 seconds\n", "lostDriverGrace"},
		{"leaderElection:\n  renewDeadline: 1m\n", "renewDeadline (1m0s) must be shorter than leaseDuration (8s)"},
		{"namespaces: [a, b]\nnamespaceSelector: stoke.dev/enabled=true\n", "namespaces and namespaceSelector are exclusive"},
	} {
		config := filepath.Join(t.TempDir(), "operator.yaml")
		if err := os.WriteFile(config, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := cli.NewRootCommand()
		// An unreachable API server: the config must be refused before any request.
		cmd.SetArgs([]string{"operator", "--config", config, "--kubeconfig", filepath.Join(t.TempDir(), "none")})
		started := time.Now()
		err := cmd.ExecuteContext(context.Background())
		if !cli.IsUsageError(err) || !strings.Contains(err.Error(), tc.mention) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: want a one-line usage error naming %q, got %v", tc.body, tc.mention, err)
		}
		if took := time.Since(started); took > 2*time.Second {
			t.Errorf("%q: refused after %s, want at once", tc.body, took)
		}
	}
}

// TestOperatorAppliesItsCRDsAndSecuresMetrics runs `stoke operator` (a separate process) with applyCRDs and
// metricsSecure, as the Helm chart configures it: a CRD older than the binary's (a schema field missing) is
// brought up to date at start-up, and /metrics answers only over HTTPS, refusing an anonymous caller.
func TestOperatorAppliesItsCRDsAndSecuresMetrics(t *testing.T) {
	ctx := context.Background()
	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	field := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties", "timeToLiveSeconds"}
	hasField := func() bool {
		if err := c.Get(ctx, client.ObjectKey{Name: "sparkapplications.stoke.dev"}, crd); err != nil {
			t.Fatal(err)
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		_, found, _ := unstructured.NestedMap(versions[0].(map[string]any), field...)
		return found
	}
	if !hasField() {
		t.Fatal("the test API server's CRD lacks spec.timeToLiveSeconds")
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	unstructured.RemoveNestedField(versions[0].(map[string]any), field...)
	if err := unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions"); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, crd); err != nil {
		t.Fatalf("installing an older CRD: %v", err)
	}
	if hasField() {
		t.Fatal("the older CRD still has the field")
	}

	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	metrics := freePort(t)
	config := filepath.Join(dir, "operator.yaml")
	body := fmt.Sprintf("applyCRDs: true\nmetricsSecure: true\nmetricsAddress: 127.0.0.1:%d\nhealthAddress: \"0\"\nnamespaces: [nothing-here]\n", metrics)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	proc := exec.Command(os.Args[0], "operator", "--kubeconfig", kubeconfig, "--config", config)
	proc.Env = append(os.Environ(), "STOKE_CLI_TEST_EXEC=1")
	proc.Stdout, proc.Stderr = &log, &log
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = proc.Process.Signal(os.Interrupt)
		if err := proc.Wait(); err != nil {
			t.Errorf("operator exited with %v:\n%s", err, log.String())
		}
	}()
	eventually(t, 30*time.Second, "the operator restoring the CRD field", hasField)

	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var status int
	eventually(t, 30*time.Second, "/metrics over HTTPS", func() bool {
		resp, err := insecure.Get(fmt.Sprintf("https://127.0.0.1:%d/metrics", metrics))
		if err != nil {
			return false
		}
		resp.Body.Close()
		status = resp.StatusCode
		return true
	})
	if status != http.StatusUnauthorized {
		t.Errorf("anonymous GET /metrics: %d, want 401", status)
	}
	if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("/metrics served over plain HTTP")
		}
	}
}
