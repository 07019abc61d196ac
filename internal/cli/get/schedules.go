package get

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/schedule"
)

// schedules is how `stoke get schedules` lists ScheduledSparkApplications.
var schedules = kind[stokev1.ScheduledSparkApplication, *stokev1.ScheduledSparkApplication]{
	noun: "schedules",
	gvk:  stokev1.GroupVersion.WithKind(schedule.Kind),
	list: func(ctx context.Context, c client.Client, ns string, sel labels.Selector) ([]stokev1.ScheduledSparkApplication, error) {
		list := &stokev1.ScheduledSparkApplicationList{}
		err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel})
		return list.Items, err
	},
	get: schedule.Get,
	asList: func(items []stokev1.ScheduledSparkApplication) runtime.Object {
		return &stokev1.ScheduledSparkApplicationList{Items: items}
	},
	table: schedule.Table,
}
