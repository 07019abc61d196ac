package server

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// UnderPrefix exposes underPrefix to the table test.
var UnderPrefix = underPrefix

// BlindToApplications replaces the server's cache with one whose SparkApplication informer holds none (it
// selects a label no application carries): it stands for a cache that has not seen a create yet.
func BlindToApplications(ctx context.Context, s *Server) error {
	never := labels.SelectorFromSet(labels.Set{"stoke.dev/test-never": "seen"})
	c, err := cache.New(s.opts.Config, cache.Options{Scheme: s.opts.Scheme, ByObject: map[client.Object]cache.ByObject{
		&stokev1.SparkApplication{}: {Label: never}, &stokev1.SparkWorkflow{}: {}, &stokev1.ScheduledSparkApplication{}: {},
	}})
	if err != nil {
		return err
	}
	go func() { _ = c.Start(ctx) }()
	if _, err := c.GetInformer(ctx, &stokev1.SparkApplication{}); err != nil {
		return err
	}
	if !c.WaitForCacheSync(ctx) {
		return context.Canceled
	}
	s.cache = c
	return nil
}
