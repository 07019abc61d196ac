// Package delete implements `stoke delete`: remove applications by name or label selector. Kubernetes
// garbage collection removes their pods, Services and ConfigMaps.
package delete

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
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
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			found, gerr := apps.Get(ctx, c, ns, name)
			if gerr != nil && o.IgnoreNotFound {
				continue
			}
			if gerr != nil {
				return gerr
			}
			if apps.IsDirect(found) {
				if err := deleteDirect(ctx, c, found, out); err != nil {
					return err
				}
				continue
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

// deleteDirect deletes the driver pod of a direct submission; its Service, ConfigMap and executors go with
// it (the garbage collector follows their owner references).
func deleteDirect(ctx context.Context, c client.Client, app *stokev1.SparkApplication, out io.Writer) error {
	pod := &corev1.Pod{}
	pod.Namespace, pod.Name = app.Namespace, app.Status.CurrentAttempt.DriverPodName
	if err := c.Delete(ctx, pod, client.PropagationPolicy("Background")); err != nil && !apierrors.IsNotFound(err) {
		return cmderr.API(err, fmt.Sprintf("driver pod %q", pod.Name))
	}
	_, err := fmt.Fprintf(out, "direct submission %q deleted (driver pod %s)\n", app.Name, pod.Name)
	return err
}
