package operator

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stokehq/stoke/config/crd"
)

// The operator may read and patch its own CRDs, and no others; it cannot create them (resourceNames cannot
// limit create), so the first install creates them (the Helm chart's crds/ or `kubectl apply -f config/crd`).
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;patch,resourceNames=sparkapplications.stoke.dev;scheduledsparkapplications.stoke.dev;sparkworkflows.stoke.dev;sparkqueues.stoke.dev

// FieldOwner is the server-side apply field manager of everything the operator applies.
const FieldOwner = "stoke-operator"

// CRDs returns the CustomResourceDefinitions built into this binary.
func CRDs() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(crd.Files, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, name := range names {
		data, err := crd.Files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &u.Object); err != nil {
			return nil, fmt.Errorf("built-in CRD %s: %w", name, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// ApplyCRDs server-side applies the built-in CRDs (taking over fields another manager such as Helm or
// kubectl set) and waits until each is established, so an operator upgrade brings its CRD changes with it.
func ApplyCRDs(ctx context.Context, restConfig *rest.Config) error {
	c, err := client.New(restConfig, client.Options{})
	if err != nil {
		return fmt.Errorf("applying CRDs: %w", err)
	}
	crds, err := CRDs()
	if err != nil {
		return err
	}
	for _, want := range crds {
		//nolint:staticcheck // client.Client.Apply needs typed apply configurations; a CRD is applied as unstructured.
		if err := c.Patch(ctx, want, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying CRD %s: %w", want.GetName(), err)
		}
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(want.GroupVersionKind())
			if err := c.Get(ctx, client.ObjectKeyFromObject(want), got); err != nil {
				return false, err
			}
			return established(got), nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established after applying it: %w", want.GetName(), err)
		}
	}
	return nil
}

// established reports whether a CRD's Established condition is True for its current generation's names.
func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}
