// Package delete implements `stoke delete`: remove applications by name or label selector. Kubernetes
// garbage collection removes their pods, Services and ConfigMaps.
package delete

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// Options are the flags and arguments of `stoke delete`.
type Options struct {
	Flags          *kube.Flags
	Names          []string
	Selector       string
	IgnoreNotFound bool
}

// NewCommand builds `stoke delete`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:               "delete NAME... | -l SELECTOR",
		Short:             "Delete applications and everything they created",
		ValidArgsFunction: apps.CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "delete the applications matching this label selector")
	cmd.Flags().BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, "do not fail when an application does not exist")
	return cmd
}

// Run deletes the applications.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	if (len(o.Names) == 0) == (o.Selector == "") {
		return cmderr.Usagef("give application names or -l SELECTOR (one of the two)")
	}
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	ns, err := o.Flags.NamespaceOrDefault()
	if err != nil {
		return err
	}
	names := o.Names
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return cmderr.Usagef("-l %q: %v", o.Selector, err)
		}
		list := &stokev1.SparkApplicationList{}
		if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return cmderr.API(err, "listing applications")
		}
		for _, a := range list.Items {
			names = append(names, a.Name)
		}
		if len(names) == 0 {
			_, err := fmt.Fprintf(out, "No applications match %q in namespace %q.\n", o.Selector, ns)
			return err
		}
	}
	for _, name := range names {
		app := &stokev1.SparkApplication{}
		app.Namespace, app.Name = ns, name
		err := c.Delete(ctx, app, client.PropagationPolicy("Background"))
		if apierrors.IsNotFound(err) {
			if o.IgnoreNotFound {
				continue
			}
			if _, err := apps.Get(ctx, c, ns, name); err != nil {
				return err
			}
		}
		if err != nil {
			return cmderr.API(err, fmt.Sprintf("application %q", name))
		}
		if _, err := fmt.Fprintf(out, "application %q deleted\n", name); err != nil {
			return err
		}
	}
	return nil
}
