package get

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/output"
)

// kind is what `stoke get` needs to know to list one of Stoke's kinds.
type kind[T any, PT interface {
	*T
	client.Object
}] struct {
	// noun names the objects in messages ("applications").
	noun string
	// gvk is set on printed objects (typed clients leave it empty); -o name prints <kind>.stoke.dev/<name>.
	gvk schema.GroupVersionKind
	// list lists the objects of a namespace ("" for all) that the selector matches.
	list func(ctx context.Context, c client.Client, ns string, sel labels.Selector) ([]T, error)
	// get reads one object, with a message that names what is missing.
	get func(ctx context.Context, c client.Client, ns, name string) (*T, error)
	// asList wraps the objects in their List type for -o json|yaml.
	asList func(items []T) runtime.Object
	// table is the terminal view.
	table func(items []T, now time.Time, withNamespace, wide bool) *output.Table
	// clusterScoped kinds ignore the namespace.
	clusterScoped bool
}

// listKind prints the objects of one kind that the options ask for.
func listKind[T any, PT interface {
	*T
	client.Object
}](ctx context.Context, o *Options, out io.Writer, k kind[T, PT]) error {
	format, err := output.Parse(o.Output, output.FormatWide, output.FormatJSON, output.FormatYAML, output.FormatName)
	if err != nil {
		return err
	}
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return cmderr.Usagef("-l %q: %v", o.Selector, err)
	}
	if o.AllNamespaces && len(o.Names) > 0 {
		return cmderr.Usagef("names and -A do not go together: pick a namespace with -n")
	}
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	ns := ""
	if !o.AllNamespaces && !k.clusterScoped {
		if ns, err = o.Flags.NamespaceOrDefault(); err != nil {
			return err
		}
	}
	var items []T
	if len(o.Names) > 0 {
		for _, name := range o.Names {
			obj, err := k.get(ctx, c, ns, name)
			if err != nil {
				return err
			}
			items = append(items, *obj)
		}
	} else {
		if items, err = k.list(ctx, c, ns, sel); err != nil {
			return cmderr.API(err, "listing "+k.noun)
		}
		sort.Slice(items, func(i, j int) bool {
			a, b := PT(&items[i]), PT(&items[j])
			if a.GetNamespace() != b.GetNamespace() {
				return a.GetNamespace() < b.GetNamespace()
			}
			return a.GetName() < b.GetName()
		})
		if len(items) == 0 && ns != "" {
			if err := apps.NamespaceExists(ctx, c, ns); err != nil {
				return err
			}
		}
	}
	for i := range items {
		obj := PT(&items[i])
		obj.GetObjectKind().SetGroupVersionKind(k.gvk)
		obj.SetManagedFields(nil)
	}

	switch format {
	case output.FormatJSON, output.FormatYAML:
		if len(o.Names) == 1 {
			return output.Object(out, format, PT(&items[0]))
		}
		if items == nil {
			items = []T{}
		}
		list := k.asList(items)
		list.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "List"})
		return output.Object(out, format, list)
	case output.FormatName:
		for i := range items {
			if _, err := fmt.Fprintf(out, "%s.%s/%s\n", strings.ToLower(k.gvk.Kind), k.gvk.Group, PT(&items[i]).GetName()); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 {
		where := fmt.Sprintf(" in namespace %q", ns)
		switch {
		case k.clusterScoped:
			where = ""
		case o.AllNamespaces:
			where = " in any namespace"
		}
		_, err := fmt.Fprintf(out, "No %s%s.\n", k.noun, where)
		return err
	}
	t := k.table(items, o.Flags.Clock.Now(), o.AllNamespaces, format == output.FormatWide)
	if o.Flags.Terminal(out) {
		t.Colour = colourPhase(t.Header, output.NewPalette(true))
	}
	return t.Write(out)
}
