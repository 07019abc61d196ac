// Package tenant implements `stoke tenant create NAME`: in one command, what a platform team sets up by
// hand for a team that runs Spark on a shared cluster: a namespace, its ResourceQuota and LimitRange, the
// service account Spark's drivers run as with the Role they need, and the team's SparkQueue (or a binding
// to an existing one, through the namespace's stoke.dev/queue label). Everything is server-side applied
// under one field manager, so running it again converges instead of failing, and --dry-run prints it.
package tenant

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/operator"
)

// FieldManager owns what `stoke tenant create` applies.
const FieldManager = "stoke-tenant"

// LabelTenant marks a tenant's namespace (a queue made for the tenant selects it by this label).
const LabelTenant = "stoke.dev/tenant"

// DriverRules are what Spark's driver needs in its namespace: it creates and deletes its executor pods,
// their ConfigMaps and on-demand claims, reads them, and (Spark 4.2 and later) its NetworkPolicy.
var DriverRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods", "services", "configmaps", "persistentvolumeclaims"},
		Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}},
	{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: []string{"get", "create", "patch", "delete"}},
}

// Options are the flags of `stoke tenant create`.
type Options struct {
	Flags *kube.Flags
	Name  string
	// Namespace quota (ResourceQuota "spark"); empty: none.
	Cores, Memory string
	Pods          int32
	// Defaults for containers that set no requests (LimitRange "spark"), which a quota on requests needs.
	DefaultCPU, DefaultMemory string
	// ServiceAccount is the drivers' service account.
	ServiceAccount string
	// Queue is the SparkQueue the namespace's applications use by default; with QueueCores, QueueMemory or
	// QueueApplications it is created (or updated) for the tenant, else it must exist.
	Queue                          string
	QueueCores, QueueMemory        string
	QueueApplications, QueueWeight int32
	QueueParent                    string
	DryRun                         bool
	Output                         string
}

// NewCommand builds `stoke tenant` and its subcommand.
func NewCommand(f *kube.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Set up a team's namespace for Spark: quota, limits, driver account, queue"}
	o := &Options{Flags: f}
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create or update a tenant: namespace, ResourceQuota, LimitRange, driver service account and Role, SparkQueue",
		Example: `  stoke tenant create team-a --cores 32 --memory 128Gi --queue-cores 32 --queue-memory 128Gi
  stoke tenant create team-b --queue shared                       # bind to an existing queue
  stoke tenant create team-c --queue-cores 16 --queue-parent spark --queue-weight 3
  stoke tenant create team-a --cores 32 --dry-run -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	fs := create.Flags()
	fs.StringVar(&o.Cores, "cores", "", "the namespace's ResourceQuota on requested CPU (requests.cpu), for example 32")
	fs.StringVar(&o.Memory, "memory", "", "the namespace's ResourceQuota on requested memory (requests.memory), for example 128Gi")
	fs.Int32Var(&o.Pods, "pods", 0, "the namespace's ResourceQuota on pods")
	fs.StringVar(&o.DefaultCPU, "default-cpu-request", "100m", "CPU request of containers that set none (LimitRange)")
	fs.StringVar(&o.DefaultMemory, "default-memory-request", "128Mi", "memory request of containers that set none (LimitRange)")
	fs.StringVar(&o.ServiceAccount, "service-account", "spark", "the service account Spark's drivers run as")
	fs.StringVar(&o.Queue, "queue", "", "the SparkQueue the tenant's applications use by default (default: NAME when a --queue-* limit is given)")
	fs.StringVar(&o.QueueCores, "queue-cores", "", "create the tenant's SparkQueue with this cores quota")
	fs.StringVar(&o.QueueMemory, "queue-memory", "", "create the tenant's SparkQueue with this memory quota")
	fs.Int32Var(&o.QueueApplications, "queue-applications", 0, "create the tenant's SparkQueue with this limit on running applications")
	fs.StringVar(&o.QueueParent, "queue-parent", "", "the created queue's parent SparkQueue (shared with its siblings)")
	fs.Int32Var(&o.QueueWeight, "queue-weight", 0, "the created queue's weight among its siblings")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the objects instead of applying them")
	output.AddFlag(create, &o.Output, output.FormatJSON, output.FormatYAML, output.FormatName)
	cmd.AddCommand(create)
	return cmd
}

// Run renders the tenant's objects and applies them (or prints them).
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	format, err := output.Parse(o.Output, output.FormatJSON, output.FormatYAML, output.FormatName)
	if err != nil {
		return err
	}
	objs, err := o.Render()
	if err != nil {
		return err
	}
	if o.DryRun {
		return output.Objects(out, format, objs)
	}
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	if o.Queue != "" && !o.createsQueue() {
		if err := c.Get(ctx, client.ObjectKey{Name: o.Queue}, &stokev1.SparkQueue{}); err != nil {
			return cmderr.API(err, fmt.Sprintf("SparkQueue %q (give a --queue-* limit to create it)", o.Queue))
		}
	}
	for _, obj := range objs {
		if err := c.Patch(ctx, obj, client.Apply, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return cmderr.API(err, fmt.Sprintf("%s %q", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName()))
		}
		if format == output.FormatName || format == output.FormatTable {
			if _, err := fmt.Fprintf(out, "%s/%s applied\n", kindOf(obj), obj.GetName()); err != nil {
				return err
			}
		}
	}
	if format == output.FormatJSON || format == output.FormatYAML {
		return output.Objects(out, format, objs)
	}
	return nil
}

func (o *Options) createsQueue() bool {
	return o.QueueCores != "" || o.QueueMemory != "" || o.QueueApplications > 0
}

// Render is the tenant's objects, in the order they are applied; bad flags are usage errors naming them.
func (o *Options) Render() ([]client.Object, error) {
	if errs := validation.IsDNS1123Label(o.Name); len(errs) > 0 {
		return nil, cmderr.Usagef("tenant name %q: %s", o.Name, errs[0])
	}
	quantity := func(flag, v string) (*resource.Quantity, error) {
		if v == "" {
			return nil, nil
		}
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Sign() <= 0 {
			return nil, cmderr.Usagef("--%s %q: want a quantity above zero, such as 16 or 64Gi", flag, v)
		}
		return &q, nil
	}
	quantities := map[string]*resource.Quantity{}
	for _, f := range []struct{ flag, value string }{{"cores", o.Cores}, {"memory", o.Memory},
		{"default-cpu-request", o.DefaultCPU}, {"default-memory-request", o.DefaultMemory},
		{"queue-cores", o.QueueCores}, {"queue-memory", o.QueueMemory}} {
		parsed, err := quantity(f.flag, f.value)
		if err != nil {
			return nil, err
		}
		quantities[f.flag] = parsed
	}
	cores, mem, defCPU, defMem := quantities["cores"], quantities["memory"], quantities["default-cpu-request"], quantities["default-memory-request"]
	if defCPU == nil || defMem == nil {
		return nil, cmderr.Usagef("--default-cpu-request and --default-memory-request must not be empty")
	}
	if o.Pods < 0 || o.QueueApplications < 0 || o.QueueWeight < 0 {
		return nil, cmderr.Usagef("--pods, --queue-applications and --queue-weight must not be negative")
	}
	if (o.QueueParent != "" || o.QueueWeight > 0) && !o.createsQueue() {
		return nil, cmderr.Usagef("--queue-parent and --queue-weight shape the tenant's own queue: give --queue-cores, --queue-memory or --queue-applications")
	}
	queue := o.Queue
	if queue == "" && o.createsQueue() {
		queue = o.Name
	}

	labels := map[string]string{LabelTenant: o.Name}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: map[string]string{LabelTenant: o.Name}}}
	if queue != "" {
		ns.Labels[stokev1.LabelQueue] = queue
	}
	objs := []client.Object{ns}
	if cores != nil || mem != nil || o.Pods > 0 {
		hard := corev1.ResourceList{}
		if cores != nil {
			hard[corev1.ResourceRequestsCPU] = *cores
		}
		if mem != nil {
			hard[corev1.ResourceRequestsMemory] = *mem
		}
		if o.Pods > 0 {
			hard[corev1.ResourcePods] = *resource.NewQuantity(int64(o.Pods), resource.DecimalSI)
		}
		objs = append(objs, &corev1.ResourceQuota{ObjectMeta: meta("spark", o.Name, labels), Spec: corev1.ResourceQuotaSpec{Hard: hard}})
	}
	objs = append(objs,
		&corev1.LimitRange{ObjectMeta: meta("spark", o.Name, labels), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer, DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: *defCPU, corev1.ResourceMemory: *defMem}}}}},
		&corev1.ServiceAccount{ObjectMeta: meta(o.ServiceAccount, o.Name, labels)},
		&rbacv1.Role{ObjectMeta: meta("spark-driver", o.Name, labels), Rules: DriverRules},
		&rbacv1.RoleBinding{ObjectMeta: meta("spark-driver", o.Name, labels),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "spark-driver"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: o.ServiceAccount, Namespace: o.Name}}},
	)
	if o.createsQueue() {
		q := &stokev1.SparkQueue{
			ObjectMeta: metav1.ObjectMeta{Name: queue, Labels: labels},
			Spec: stokev1.SparkQueueSpec{
				Quota:             stokev1.QueueQuota{Cores: quantities["queue-cores"], Memory: quantities["queue-memory"]},
				Parent:            o.QueueParent,
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelTenant: o.Name}},
			},
		}
		if o.QueueApplications > 0 {
			q.Spec.Quota.Applications = &o.QueueApplications
		}
		if o.QueueWeight > 0 {
			q.Spec.Weight = &o.QueueWeight
		}
		objs = append(objs, q)
	}
	for _, obj := range objs {
		if err := setKind(obj); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

func meta(name, namespace string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}
}

// setKind fills in the apiVersion and kind server-side apply and the printed List need.
func setKind(obj client.Object) error {
	gvk, err := apiutil.GVKForObject(obj, operator.Scheme())
	if err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}

func kindOf(obj client.Object) string {
	return strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind)
}
