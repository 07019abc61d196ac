package output

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Objects prints objects a command would create (a --dry-run): as a YAML (default) or JSON List, or as
// kind/name lines. Kubernetes' own kinds get their apiVersion and kind filled in; other objects must carry
// theirs.
func Objects(out io.Writer, format Format, items []client.Object) error {
	for _, obj := range items {
		if gvks, _, err := scheme.Scheme.ObjectKinds(obj); err == nil && len(gvks) > 0 {
			obj.GetObjectKind().SetGroupVersionKind(gvks[0])
		}
	}
	if format == FormatName {
		for _, obj := range items {
			if _, err := fmt.Fprintf(out, "%s/%s\n", strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind), obj.GetName()); err != nil {
				return err
			}
		}
		return nil
	}
	if format == FormatTable {
		format = FormatYAML
	}
	list := make([]any, 0, len(items))
	for _, obj := range items {
		list = append(list, obj)
	}
	return Object(out, format, map[string]any{"apiVersion": "v1", "kind": "List", "items": list})
}
