package sparkworkflow_test

import (
	"context"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestDocsExampleRuns: the pipeline in docs/workflows.md is accepted by the API server and runs as the
// document says: the fan-out follows the first step's result two at a time, and publish gets the items'
// results in order.
func TestDocsExampleRuns(t *testing.T) {
	t.Parallel()
	manifest := testenv.DocYAML(t, "workflows.md")
	wf := &stokev1.SparkWorkflow{}
	if err := yaml.UnmarshalStrict(manifest, wf); err != nil {
		t.Fatalf("docs example: %v", err)
	}
	f := newFixture(t)
	f.start(nil)
	wf.Namespace = f.ns
	if err := env.Client.Create(context.Background(), wf); err != nil {
		t.Fatalf("docs example refused: %v", err)
	}
	const name = "orders-2026-11-19"
	f.waitApps(name + "-partitions")
	f.finish(name+"-partitions", true, `["eu","us","apac"]`)
	apps := f.waitApps(name+"-partitions", name+"-aggregate-0", name+"-aggregate-1")
	if got, want := apps[name+"-aggregate-0"].Spec.Arguments, []string{"--partition=eu", "--output=s3a://lake/marts/orders/dt=2026-11-19/eu/"}; !slices.Equal(got, want) {
		t.Errorf("aggregate-0 arguments = %q, want %q", got, want)
	}
	if got := apps[name+"-aggregate-1"].Spec.Arguments[0]; got != "--partition=us" {
		t.Errorf("aggregate-1 argument = %q", got)
	}
	f.finish(name+"-aggregate-0", true, "1200")
	f.waitApps(name+"-partitions", name+"-aggregate-0", name+"-aggregate-1", name+"-aggregate-2")
	f.finish(name+"-aggregate-1", true, "3400")
	f.finish(name+"-aggregate-2", true, "560")
	apps = f.waitApps(name+"-partitions", name+"-aggregate-0", name+"-aggregate-1", name+"-aggregate-2", name+"-publish")
	if got, want := apps[name+"-publish"].Spec.Arguments, []string{`--counts=["1200","3400","560"]`, "--source=spark-" + name + "-partitions"}; !slices.Equal(got, want) {
		t.Errorf("publish arguments = %q, want %q", got, want)
	}
	f.finish(name+"-publish", true, "")
	apps = f.waitApps(name+"-partitions", name+"-aggregate-0", name+"-aggregate-1", name+"-aggregate-2", name+"-publish", name+"-notify")
	if got := apps[name+"-notify"].Spec.Arguments[1]; got != "--status=Succeeded" {
		t.Errorf("notify argument = %q", got)
	}
	f.finish(name+"-notify", true, "")
	f.waitPhase(name, stokev1.WorkflowPhaseSucceeded)
}
