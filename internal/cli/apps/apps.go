// Package apps is what Stoke's commands know about SparkApplications beyond the API types: finding one by
// name with a clear error, its attempts, how long it ran, and completing names on the command line.
package apps

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// Kind and APIVersion are set on objects printed as JSON or YAML (typed clients leave them empty).
const (
	Kind       = "SparkApplication"
	APIVersion = "stoke.dev/v1alpha1"
)

// Lookup reads the named application from the namespace the flags select (the context's, else "default"),
// with the client the flags configure: the opening step of every command that acts on one application.
func Lookup(ctx context.Context, f *kube.Flags, name string) (client.Client, *stokev1.SparkApplication, error) {
	return LookupWith(ctx, f, name, Get)
}

// LookupWith is Lookup for any kind: it resolves the client and namespace from the flags and reads the
// object with get (Get, or the workflow and schedule packages' Get).
func LookupWith[T client.Object](ctx context.Context, f *kube.Flags, name string,
	get func(ctx context.Context, c client.Client, ns, name string) (T, error)) (client.Client, T, error) {
	var zero T
	c, err := f.Client()
	if err != nil {
		return nil, zero, err
	}
	ns, err := f.NamespaceOrDefault()
	if err != nil {
		return nil, zero, err
	}
	obj, err := get(ctx, c, ns, name)
	if err != nil {
		return nil, zero, err
	}
	return c, obj, nil
}

// Get reads one application; a missing application or namespace gives a one-line error naming it. Where
// there is no SparkApplication of that name (or no CRD at all, or the user may not read SparkApplications),
// the newest direct submission of that name (FromDirectDriver) is the application.
func Get(ctx context.Context, c client.Client, ns, name string) (*stokev1.SparkApplication, error) {
	app := &stokev1.SparkApplication{}
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app)
	switch {
	case apierrors.IsNotFound(err):
		// A user who may not list pods just gets the application's own not-found message.
		if d, _ := getDirect(ctx, c, ns, name); d != nil {
			return d, nil
		}
	case apierrors.IsForbidden(err):
		// A tenant allowed only direct submissions: their driver pods, else the refusal itself.
		if d, _ := getDirect(ctx, c, ns, name); d != nil {
			return d, nil
		}
		return nil, err
	case meta.IsNoMatchError(err): // no CRD: only direct submissions exist
		d, derr := getDirect(ctx, c, ns, name)
		if d == nil && derr == nil {
			derr = fmt.Errorf("no direct submission %q in namespace %q, and Stoke's CRD is not installed (stoke get apps -n %s lists the direct submissions)", name, ns, ns)
		}
		return d, derr
	}
	if err == nil {
		app.Kind, app.APIVersion = Kind, APIVersion
		return app, nil
	}
	if err := Read(ctx, c, ns, name, app, "application", "apps"); err != nil {
		return nil, err
	}
	app.Kind, app.APIVersion = Kind, APIVersion
	return app, nil
}

// Read reads one object of a Stoke kind into obj. A missing object or namespace gives a one-line error
// naming it (noun, such as "workflow") and the command that lists the kind (stoke get PLURAL).
func Read(ctx context.Context, c client.Client, ns, name string, obj client.Object, noun, plural string) error {
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		if nsErr := NamespaceExists(ctx, c, ns); nsErr != nil {
			return nsErr
		}
		return fmt.Errorf("%s %q not found in namespace %q (stoke get %s -n %s lists them)", noun, name, ns, plural, ns)
	}
	if err != nil {
		return cmderr.API(err, fmt.Sprintf("%s %q", noun, name))
	}
	return nil
}

// NamespaceExists returns a one-line error when the namespace does not exist. A user who may not read
// namespaces gets no error: the caller's own request says what went wrong.
func NamespaceExists(ctx context.Context, c client.Client, ns string) error {
	err := c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %q not found", ns)
	}
	return nil
}

// Finished reports an application that succeeded or failed for good.
func Finished(app *stokev1.SparkApplication) bool {
	return app.Status.Phase == stokev1.PhaseSucceeded || app.Status.Phase == stokev1.PhaseFailed
}

// Attempts are the recorded attempts, oldest first, the current one last.
func Attempts(app *stokev1.SparkApplication) []stokev1.Attempt {
	out := append([]stokev1.Attempt(nil), app.Status.PastAttempts...)
	if cur := app.Status.CurrentAttempt; cur != nil {
		out = append(out, *cur)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// RunTime is how long the application has been running: from the first recorded attempt's submission to
// its termination, the end of its last attempt when nothing runs, or now. Zero before the first attempt.
func RunTime(app *stokev1.SparkApplication, now time.Time) time.Duration {
	attempts := Attempts(app)
	if len(attempts) == 0 || attempts[0].SubmissionTime == nil {
		return 0
	}
	start := attempts[0].SubmissionTime.Time
	end := now
	last := attempts[len(attempts)-1]
	switch {
	case app.Status.TerminationTime != nil:
		end = app.Status.TerminationTime.Time
	case last.EndTime != nil && (app.Status.Phase == stokev1.PhaseSuspended || Finished(app)):
		end = last.EndTime.Time
	}
	return max(end.Sub(start), 0)
}

// Executors is "running/requested".
func Executors(app *stokev1.SparkApplication) string {
	e := app.Status.Executors
	return fmt.Sprintf("%d/%d", e.Running, e.Requested)
}

// Phase is the status phase, or Pending before the operator has written one.
func Phase(app *stokev1.SparkApplication) string {
	if app.Status.Phase == "" {
		return string(stokev1.PhasePending)
	}
	return string(app.Status.Phase)
}

// AttemptNumber is the current attempt's number, 0 when none started.
func AttemptNumber(app *stokev1.SparkApplication) int32 {
	if cur := app.Status.CurrentAttempt; cur != nil {
		return cur.Number
	}
	return 0
}

// Resources are the words commands accept for SparkApplications (stoke get apps, stoke describe app).
var Resources = []string{"apps", "app", "sparkapps", "sparkapp", "sparkapplications", "sparkapplication"}

// CompleteNames completes application names in the command's namespace, for shell completion.
func CompleteNames(f *kube.Flags) cobra.CompletionFunc {
	return kube.CompleteNames(f, stokev1.GroupVersion.WithKind(Kind))
}

// OneName is an Args check for commands that take exactly one application name.
func OneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cmderr.Usagef("%s needs exactly one application name (got %d): stoke %s NAME", cmd.Name(), len(args), cmd.Name())
	}
	return nil
}
