package get

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/queue"
)

// queues is how `stoke get queues` lists SparkQueues (cluster-scoped).
var queues = kind[stokev1.SparkQueue, *stokev1.SparkQueue]{
	noun:          "queues",
	gvk:           stokev1.GroupVersion.WithKind(queue.Kind),
	clusterScoped: true,
	list: func(ctx context.Context, c client.Client, _ string, sel labels.Selector) ([]stokev1.SparkQueue, error) {
		list := &stokev1.SparkQueueList{}
		err := c.List(ctx, list, client.MatchingLabelsSelector{Selector: sel})
		return list.Items, err
	},
	get: queue.Get,
	asList: func(items []stokev1.SparkQueue) runtime.Object {
		return &stokev1.SparkQueueList{Items: items}
	},
	table: queue.Table,
}
