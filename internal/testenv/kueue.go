package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StartKueue runs the real Kueue controller manager (built by hack/kueue.sh from the Go module proxy)
// against the test API server until the test ends, with its CRDs installed. Kueue's webhooks are not
// registered with the API server (their server runs on a self-signed certificate nobody calls), so objects
// a test creates for Kueue must be complete as its webhooks would default them. Without its internal
// certificate management Kueue reads its metrics server's certificate from /etc/kueue/metrics/certs (where
// its Deployment mounts a Secret): it runs in a mount namespace of its own whose /etc is an empty tmpfs
// holding only that certificate, so nothing is written to the machine's /etc.
func (e *Env) StartKueue(t testing.TB) {
	t.Helper()
	dir := CachedByScript(t, "kueue.sh", "Kueue")
	e.InstallCRDs(t, filepath.Join(dir, "crds"))
	work := t.TempDir()
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := e.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(work, "certs")
	if err := selfSignedCert(certs); err != nil {
		t.Fatalf("a certificate for Kueue's webhook server: %v", err)
	}
	ports := make([]int, 3)
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	config := fmt.Sprintf(`apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: default
manageJobsWithoutQueueName: false
internalCertManagement: {enable: false}
webhook: {port: %d, certDir: %s}
metrics: {bindAddress: "127.0.0.1:%d"}
health: {healthProbeBindAddress: "127.0.0.1:%d"}
leaderElection: {leaderElect: false}
integrations: {frameworks: ["batch/job"]}
featureGates: {VisibilityOnDemand: false}
`, ports[0], certs, ports[1], ports[2])
	configPath := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(work, "kueue.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	const mountCerts = `mount -t tmpfs none /etc && mkdir -p /etc/kueue/metrics/certs && cp "$0"/tls.crt "$0"/tls.key /etc/kueue/metrics/certs/ && exec "$@"`
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "sh", "-c", mountCerts, certs,
		filepath.Join(dir, "kueue"), "--config", configPath, "--kubeconfig", kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting Kueue: %v", err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		logFile.Close()
		if t.Failed() {
			if out, err := os.ReadFile(logPath); err == nil {
				t.Logf("Kueue's log (last 4 KB):\n%s", tail(out, 4096))
			}
		}
	})
	ready := fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[2])
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("Kueue exited (%v):\n%s", exitErr, tail(out, 4096))
		default:
		}
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("Kueue not ready after a minute:\n%s", tail(out, 4096))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// FreePort is a loopback port free at the time of asking, for a process a test or the bench starts.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// selfSignedCert writes tls.crt and tls.key for localhost into dir.
func selfSignedCert(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}
