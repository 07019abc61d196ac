package get

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/workflow"
)

// workflows is how `stoke get workflows` lists SparkWorkflows.
var workflows = kind[stokev1.SparkWorkflow, *stokev1.SparkWorkflow]{
	noun: "workflows",
	gvk:  stokev1.GroupVersion.WithKind(workflow.Kind),
	list: func(ctx context.Context, c client.Client, ns string, sel labels.Selector) ([]stokev1.SparkWorkflow, error) {
		list := &stokev1.SparkWorkflowList{}
		err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel})
		return list.Items, err
	},
	get: workflow.Get,
	asList: func(items []stokev1.SparkWorkflow) runtime.Object {
		return &stokev1.SparkWorkflowList{Items: items}
	},
	table: workflow.Table,
}
