package submit

import (
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/direct"
)

// runDirect submits one application without the CRD or the operator (package direct), prints its driver
// pod, and with --wait follows that pod to its end.
func (o *Options) runDirect(ctx context.Context, out, errOut io.Writer, list []client.Object, format output.Format) error {
	if len(list) != 1 {
		return cmderr.Usagef("--direct submits one application; the manifest has %d objects", len(list))
	}
	app, ok := list[0].(*stokev1.SparkApplication)
	if !ok {
		return cmderr.Usagef("--direct submits a SparkApplication, not a %s: schedules and workflows need the operator", kind(list[0]))
	}
	if o.DryRun == "server" {
		return cmderr.Usagef("--dry-run=server does not go with --direct yet: use --dry-run=client to see the objects")
	}
	id := o.SubmissionID
	if id == "" {
		id = string(uuid.NewUUID())
	}
	objs, err := direct.Render(app, id)
	if err != nil {
		return cmderr.Usagef("%v", err)
	}
	if o.DryRun == "client" {
		items := append([]client.Object{objs.DriverPod}, objs.Owned()...)
		return output.Objects(out, format, items)
	}
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	res, err := direct.Submit(ctx, c, objs)
	if err != nil {
		return cmderr.API(err, "the direct submission of "+app.Name)
	}
	verb := "created"
	if res.Adopted {
		verb = "already there (this submission ran before)"
	}
	fmt.Fprintf(out, "driver pod %s/%s %s (direct submission %s, spark.app.id %s)\n", res.Driver.Namespace, res.Driver.Name, verb, id, objs.Names.AppID)
	if !o.Wait {
		return nil
	}
	// The same progress line and failure message as the operator path: apps.Get finds a direct submission
	// by its driver pod's name.
	return o.follow(ctx, c, errOut, res.Driver.Namespace, res.Driver.Name)
}
