package get

import (
	"context"
	"fmt"
	"io"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/schedule"
)

var scheduleResources = []string{"schedules", "schedule", "sparksched", "scheduledsparkapp", "scheduledsparkapps",
	"scheduledsparkapplications", "scheduledsparkapplication"}

// runSchedules lists the schedules and prints them.
func (o *Options) runSchedules(ctx context.Context, out io.Writer) error {
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
	if !o.AllNamespaces {
		if ns, err = o.Flags.NamespaceOrDefault(); err != nil {
			return err
		}
	}
	var items []stokev1.ScheduledSparkApplication
	if len(o.Names) > 0 {
		for _, name := range o.Names {
			s, err := schedule.Get(ctx, c, ns, name)
			if err != nil {
				return err
			}
			items = append(items, *s)
		}
	} else {
		list := &stokev1.ScheduledSparkApplicationList{}
		if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return cmderr.API(err, "listing schedules")
		}
		items = list.Items
		sort.Slice(items, func(i, j int) bool {
			if items[i].Namespace != items[j].Namespace {
				return items[i].Namespace < items[j].Namespace
			}
			return items[i].Name < items[j].Name
		})
		if len(items) == 0 && ns != "" {
			if err := apps.NamespaceExists(ctx, c, ns); err != nil {
				return err
			}
		}
	}
	for i := range items {
		items[i].Kind, items[i].APIVersion = schedule.Kind, apps.APIVersion
		items[i].ManagedFields = nil
	}
	switch format {
	case output.FormatJSON, output.FormatYAML:
		if len(o.Names) == 1 {
			return output.Object(out, format, &items[0])
		}
		list := &stokev1.ScheduledSparkApplicationList{Items: items}
		list.Kind, list.APIVersion = "List", "v1"
		if items == nil {
			list.Items = []stokev1.ScheduledSparkApplication{}
		}
		return output.Object(out, format, list)
	case output.FormatName:
		for _, s := range items {
			if _, err := fmt.Fprintf(out, "scheduledsparkapplication.stoke.dev/%s\n", s.Name); err != nil {
				return err
			}
		}
		return nil
	}
	if len(items) == 0 {
		where := fmt.Sprintf("namespace %q", ns)
		if o.AllNamespaces {
			where = "any namespace"
		}
		_, err := fmt.Fprintf(out, "No schedules in %s.\n", where)
		return err
	}
	t := schedule.Table(items, o.Flags.Clock.Now(), o.AllNamespaces, format == output.FormatWide)
	if o.Flags.Terminal(out) {
		t.Colour = colourPhase(t.Header, output.NewPalette(true))
	}
	return t.Write(out)
}
