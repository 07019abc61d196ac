package sparkapplication_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
)

// withUnboundedInstances serves the CRD without the maximum of spec.executor.instances while fn runs, as
// an older Stoke's CRD did, so that the API server stores a number no Go int32 holds.
func withUnboundedInstances(t *testing.T, fn func()) {
	t.Helper()
	ctx := context.Background()
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	key := client.ObjectKey{Name: "sparkapplications.stoke.dev"}
	instances := []string{"spec", "versions"}
	edit := func(change func(schema map[string]any)) {
		if err := env.Client.Get(ctx, key, crd); err != nil {
			t.Fatal(err)
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, instances...)
		schema := versions[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
		field := schema["properties"].(map[string]any)["spec"].(map[string]any)["properties"].(map[string]any)["executor"].(map[string]any)["properties"].(map[string]any)["instances"].(map[string]any)
		change(field)
		_ = unstructured.SetNestedSlice(crd.Object, versions, instances...)
		if err := env.Client.Update(ctx, crd); err != nil {
			t.Fatal(err)
		}
	}
	var saved any
	edit(func(f map[string]any) { saved = f["maximum"]; delete(f, "maximum") })
	defer func() {
		edit(func(f map[string]any) { f["maximum"] = saved })
		eventually(t, 30*time.Second, "the bounded CRD to be served again", func() (bool, error) {
			err := createRaw(env.Namespace(t), "probe", func(spec map[string]any) {
				spec["executor"].(map[string]any)["instances"] = 3000000000
			})
			return apierrors.IsInvalid(err), nil
		})
	}()
	fn()
}

// TestUnreadableApplicationDoesNotHideOthers: an application stored with a number beyond int32 (before the
// CRD bounded it) cannot be decoded. It must not stop the operator or the CLI for everyone: lists and
// watches go on, the other applications run, and the bad one is marked Failed with reason Unreadable.
func TestUnreadableApplicationDoesNotHideOthers(t *testing.T) {
	ns := env.Namespace(t)
	withUnboundedInstances(t, func() {
		eventually(t, 30*time.Second, "the unbounded CRD to store 3000000000 executors", func() (bool, error) {
			err := createRaw(ns, "three-billion", func(spec map[string]any) {
				spec["executor"].(map[string]any)["instances"] = 3000000000
			})
			return err == nil, nil
		})
	})
	startOperator(t, ns)
	goodAppRuns(t, ns, "good")
	failedWith(t, ns, "three-billion", sparkapplication.ReasonUnreadable, "3000000000", "fix the object or delete it")

	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatalf("listing applications: %v", err)
	}
	names := map[string]string{}
	for _, app := range list.Items {
		names[app.Name] = app.DecodeError
	}
	if _, ok := names["good"]; !ok || names["three-billion"] == "" {
		t.Errorf("list: %v; want good, and three-billion with its decode error", names)
	}

	out := runCLI(t, "get", "apps", "-n", ns)
	for _, want := range []string{"good", "Submitted", "three-billion", "Failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("stoke get apps does not show %q:\n%s", want, out)
		}
	}
	if out := runCLI(t, "describe", "app", "three-billion", "-n", ns); !strings.Contains(out, "Unreadable") || !strings.Contains(out, "3000000000") {
		t.Errorf("stoke describe does not explain the unreadable application:\n%s", out)
	}
}

// runCLI runs the stoke command tree in process against the test API server and returns what it printed.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	f := kube.NewFlags()
	f.SetRESTConfig(env.Config)
	cmd := cli.NewRootCommandWith(f)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("stoke %s: %v (%s)", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}
