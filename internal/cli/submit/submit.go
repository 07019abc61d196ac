// Package submit implements `stoke submit`: create SparkApplications, ScheduledSparkApplications and
// SparkWorkflows from a manifest (-f), or a SparkApplication from spark-submit style flags, optionally print
// them instead (--dry-run), and optionally follow an application to its end (--wait).
package submit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
)

// Options are the flags and arguments of `stoke submit`.
type Options struct {
	Flags *kube.Flags
	SparkSubmit

	File   string
	DryRun string
	Output string
	Wait   bool
	// PollInterval is how often --wait reads the application.
	PollInterval time.Duration
	// Direct submits without the CRD or the operator (package direct); SubmissionID names that submission
	// (default: a new UUID), so that the same submission run again adopts what it created.
	Direct       bool
	SubmissionID string

	Primary string
	Args    []string
	In      io.Reader
}

// NewCommand builds `stoke submit`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f, PollInterval: time.Second}
	cmd := &cobra.Command{
		Use:   "submit (-f FILE | [spark-submit options] <app.jar|app.py> [app arguments])",
		Short: "Submit a Spark application, schedule or workflow from a manifest, or an application from spark-submit style flags",
		Long: `Submit a Spark application. Either give a manifest with -f (SparkApplications, ScheduledSparkApplications
and SparkWorkflows, decoded strictly: an unknown field is an error naming it), or use spark-submit's own flags
followed by the application (a local:// path inside the image or a remote URI) and its arguments. Everything
after the application is passed to it unchanged.`,
		Example: `  stoke submit -f pi.yaml --wait
  stoke submit --image spark:3.5.7 --class org.apache.spark.examples.SparkPi \
    --conf spark.eventLog.enabled=false --num-executors 2 --executor-memory 1g \
    local:///opt/spark/examples/jars/spark-examples.jar 1000
  stoke submit --image spark:3.5.7 --dry-run -o yaml local:///opt/app/job.py --date 2024-01-01`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.File == "" {
				if len(args) == 0 {
					return cmderr.Usagef("give a manifest with -f FILE, or the application to run: stoke submit [flags] <app.jar|app.py> [args]")
				}
				o.Primary, o.Args = args[0], args[1:]
			} else if len(args) > 0 {
				return cmderr.Usagef("-f and an application (%s) do not go together", args[0])
			}
			o.In = cmd.InOrStdin()
			return o.Run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.Flags())
		},
	}
	fs := cmd.Flags()
	// spark-submit's options come before the application; everything after it belongs to the application.
	fs.SetInterspersed(false)
	fs.StringVarP(&o.File, "filename", "f", "", "manifest of SparkApplications, ScheduledSparkApplications or SparkWorkflows to submit (- for stdin)")
	fs.StringVar(&o.DryRun, "dry-run", "", "client: print the application without submitting; server: validate it with the API server")
	fs.Lookup("dry-run").NoOptDefVal = "client"
	output.AddFlag(cmd, &o.Output, output.FormatJSON, output.FormatYAML, output.FormatName)
	fs.BoolVar(&o.Wait, "wait", false, "follow the application until it ends; exit non-zero if it fails")
	fs.BoolVar(&o.Direct, "direct", false, "create the driver pod, its Service and ConfigMap directly, as spark-submit does: no SparkApplication, no operator, no retries (docs/direct-submission.md)")
	fs.StringVar(&o.SubmissionID, "submission-id", "", "with --direct: the submission's id (default a new UUID); the same id again adopts what it created instead of starting a second driver")

	s := &o.SparkSubmit
	fs.StringVar(&s.Class, "class", "", "main class of a Java or Scala application")
	fs.StringVar(&s.Name, "name", "", "application name (the object's name; generated from the class or file when unset)")
	fs.StringArrayVarP(&s.Conf, "conf", "c", nil, "Spark property KEY=VALUE (repeatable)")
	fs.StringVar(&s.Jars, "jars", "", "comma-separated jars for the driver and executor classpaths")
	fs.StringVar(&s.Files, "files", "", "comma-separated files placed in each executor's working directory")
	fs.StringVar(&s.PyFiles, "py-files", "", "comma-separated .py, .zip or .egg files for the PYTHONPATH")
	fs.StringVar(&s.Archives, "archives", "", "comma-separated archives extracted into each executor's working directory")
	fs.StringVar(&s.DriverMemory, "driver-memory", "", "driver memory, for example 2g")
	fs.Int32Var(&s.DriverCores, "driver-cores", 0, "driver cores")
	fs.StringVar(&s.DriverJavaOptions, "driver-java-options", "", "extra JVM options of the driver")
	fs.StringVar(&s.ExecutorMemory, "executor-memory", "", "memory per executor, for example 4g")
	fs.Int32Var(&s.ExecutorCores, "executor-cores", 0, "cores per executor")
	fs.Int32Var(&s.NumExecutors, "num-executors", 0, "number of executors")
	fs.StringVar(&s.PropertiesFile, "properties-file", "", "file of Spark properties (spark.* keys); --conf wins over it")
	fs.StringVar(&s.ProxyUser, "proxy-user", "", "user to impersonate (spark.kubernetes.proxyUser)")
	fs.StringVar(&s.Master, "master", "", "accepted for compatibility and ignored: the cluster is the kubeconfig's")
	fs.StringVar(&s.DeployMode, "deploy-mode", "", "accepted for compatibility; only cluster is possible")
	fs.StringVar(&s.Image, "image", "", "container image with Spark and the application (or --conf spark.kubernetes.container.image)")
	fs.StringVar(&s.SparkVersion, "spark-version", "", "Spark version in the image (default: read from the image tag)")
	fs.StringVar(&s.ServiceAccount, "service-account", "", "service account of the driver")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		if name, ok := strings.CutPrefix(err.Error(), "unknown flag: "); ok {
			return cmderr.Usagef("unknown spark-submit flag %s: see stoke submit --help for the supported flags, or pass it as --conf", name)
		}
		return &cmderr.UsageError{Err: err}
	})
	return cmd
}

// Run builds the applications, then prints, validates or creates them, and follows them with --wait.
func (o *Options) Run(ctx context.Context, out, errOut io.Writer, fs *pflag.FlagSet) error {
	format, err := output.Parse(o.Output, output.FormatJSON, output.FormatYAML, output.FormatName)
	if err != nil {
		return err
	}
	if o.DryRun != "" && o.DryRun != "client" && o.DryRun != "server" {
		return cmderr.Usagef("--dry-run=%s: use client or server", o.DryRun)
	}
	if o.DryRun != "" && o.Wait {
		return cmderr.Usagef("--dry-run and --wait do not go together")
	}
	ns, err := o.Flags.NamespaceOrDefault()
	if err != nil {
		return err
	}
	var list []client.Object
	if o.File != "" {
		if changed := sparkSubmitFlagsSet(fs); len(changed) > 0 {
			return cmderr.Usagef("-f and spark-submit flags (%s) do not go together: put them in the manifest", strings.Join(changed, ", "))
		}
		if list, err = o.readManifests(ns); err != nil {
			return err
		}
	} else {
		app, err := o.Application(ns, o.Primary, o.Args)
		if err != nil {
			return err
		}
		if o.Master != "" && !strings.HasPrefix(o.Master, "k8s://") {
			return cmderr.Usagef("--master %s: Stoke runs on Kubernetes; leave --master out", o.Master)
		}
		list = []client.Object{app}
	}
	if o.Wait && len(list) != 1 {
		return cmderr.Usagef("--wait follows one application; the manifest has %d", len(list))
	}
	switch obj := list[0].(type) {
	case *stokev1.ScheduledSparkApplication:
		if o.Wait {
			return cmderr.Usagef("--wait follows an application, not a schedule: stoke get schedules shows its runs")
		}
	case *stokev1.SparkWorkflow:
		if o.Wait {
			return cmderr.Usagef("--wait follows an application, not a workflow: stoke describe workflow %s shows its steps", obj.Name)
		}
	}

	if o.SubmissionID != "" && !o.Direct {
		return cmderr.Usagef("--submission-id goes with --direct")
	}
	if o.Direct {
		return o.runDirect(ctx, out, errOut, list, format)
	}
	if o.DryRun == "client" {
		return printApps(out, format, list, "(dry run)", true)
	}
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	opts := []client.CreateOption{client.FieldValidation("Strict")}
	if o.DryRun == "server" {
		opts = append(opts, client.DryRunAll)
	}
	for _, app := range list {
		what := "the " + noun(app)
		if app.GetName() != "" {
			what = fmt.Sprintf("%s %q", noun(app), app.GetName())
		}
		if err := c.Create(ctx, app, opts...); err != nil {
			if apierrors.IsNotFound(err) {
				if nsErr := apps.NamespaceExists(ctx, c, app.GetNamespace()); nsErr != nil {
					return nsErr
				}
			}
			return cmderr.API(err, what)
		}
		app.GetObjectKind().SetGroupVersionKind(stokev1.GroupVersion.WithKind(kind(app)))
		app.SetManagedFields(nil)
	}
	suffix := "submitted"
	if o.DryRun == "server" {
		suffix = "validated (server dry run)"
	}
	if err := printApps(out, format, list, suffix, false); err != nil {
		return err
	}
	if !o.Wait {
		return nil
	}
	return o.follow(ctx, c, errOut, list[0].GetNamespace(), list[0].GetName())
}

// follow is --wait: the application's progress on one line until it ends. name is the application's, or
// a direct submission's driver pod's (apps.Get finds either).
func (o *Options) follow(ctx context.Context, c client.Client, errOut io.Writer, ns, name string) error {
	cs, err := o.Flags.Clientset()
	if err != nil {
		return err
	}
	w := &Watcher{Client: c, Progress: SparkProgressFromProxy(cs), Clock: o.Flags.Clock, Interval: o.PollInterval,
		Out: errOut, Terminal: o.Flags.Terminal(errOut)}
	return w.Follow(ctx, ns, name)
}

func sparkSubmitFlagsSet(fs *pflag.FlagSet) []string {
	var out []string
	if fs == nil {
		return nil
	}
	fs.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "filename", "dry-run", "output", "wait", "namespace", "kubeconfig", "context":
		default:
			out = append(out, "--"+f.Name)
		}
	})
	return out
}

func printApps(out io.Writer, format output.Format, list []client.Object, verb string, manifest bool) error {
	switch format {
	case output.FormatJSON, output.FormatYAML:
		items := make([]any, 0, len(list))
		for _, a := range list {
			var item any = a
			if manifest {
				m, err := output.Manifest(a)
				if err != nil {
					return err
				}
				item = m
			}
			items = append(items, item)
		}
		if len(items) == 1 {
			return output.Object(out, format, items[0])
		}
		return output.Object(out, format, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	case output.FormatName:
		for _, a := range list {
			if _, err := fmt.Fprintf(out, "%s.stoke.dev/%s\n", strings.ToLower(kind(a)), displayName(a)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, a := range list {
		if _, err := fmt.Fprintf(out, "%s %q %s in namespace %q\n", noun(a), displayName(a), verb, a.GetNamespace()); err != nil {
			return err
		}
	}
	return nil
}

func displayName(a client.Object) string {
	if a.GetName() == "" {
		return a.GetGenerateName() + "<generated>"
	}
	return a.GetName()
}

// kind is the Kind of an object submit creates.
func kind(obj client.Object) string {
	for _, k := range kinds {
		if k.is(obj) {
			return k.kind
		}
	}
	return "SparkApplication"
}

// noun is how messages name an object submit creates.
func noun(obj client.Object) string {
	for _, k := range kinds {
		if k.is(obj) {
			return k.noun
		}
	}
	return "application"
}
