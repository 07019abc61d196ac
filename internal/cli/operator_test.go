package cli_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stokehq/stoke/internal/cli"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
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
