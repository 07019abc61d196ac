package testenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Consistently fails the test if cond stops holding within a second: the check behind "nothing happens".
func Consistently(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// FailingStatus wraps a client so that every status write fails, as with an operator that stops right after
// its other writes and before storing the status.
func FailingStatus(c client.Client) client.Client { return failingStatus{c} }

type failingStatus struct{ client.Client }

func (c failingStatus) Status() client.SubResourceWriter { return failingWriter{c.Client.Status()} }

type failingWriter struct{ client.SubResourceWriter }

func (failingWriter) Update(context.Context, client.Object, ...client.SubResourceUpdateOption) error {
	return errors.New("operator stopped before storing the status")
}

// DocYAML returns the first ```yaml block of docs/NAME: the manifest a document's own test runs.
func DocYAML(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	manifest, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("no yaml block in docs/%s", name)
	}
	return []byte(manifest)
}
