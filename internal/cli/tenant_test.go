package cli_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestTenantCreate: stoke tenant create sets up a namespace with its ResourceQuota, LimitRange, the drivers'
// service account and Role, and the tenant's SparkQueue selecting the namespace, which names it as its
// default queue; run again with other limits it converges (no error, the new limits); --dry-run prints the
// same objects and creates nothing; bad flags are usage errors.
func TestTenantCreate(t *testing.T) {
	ctx := context.Background()
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	out := stoke(t, nil, "tenant", "create", name, "--cores", "8", "--memory", "32Gi", "--pods", "40",
		"--queue-cores", "8", "--queue-memory", "32Gi").must(t)
	for _, want := range []string{"namespace/" + name + " applied", "resourcequota/spark applied", "limitrange/spark applied",
		"serviceaccount/spark applied", "role/spark-driver applied", "rolebinding/spark-driver applied", "sparkqueue/" + name + " applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Cleanup(func() {
		_ = env.Client.Delete(ctx, &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: name}})
		_ = env.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	})
	ns := &corev1.Namespace{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil || ns.Labels[stokev1.LabelQueue] != name {
		t.Fatalf("namespace %v labels %v: want the queue label", err, ns.Labels)
	}
	rq := &corev1.ResourceQuota{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: name, Name: "spark"}, rq); err != nil {
		t.Fatal(err)
	}
	if cpu := rq.Spec.Hard[corev1.ResourceRequestsCPU]; cpu.String() != "8" {
		t.Errorf("quota requests.cpu %s, want 8", cpu.String())
	}
	binding := &rbacv1.RoleBinding{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: name, Name: "spark-driver"}, binding); err != nil || binding.Subjects[0].Name != "spark" {
		t.Errorf("role binding %v: %+v", err, binding.Subjects)
	}
	q := &stokev1.SparkQueue{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, q); err != nil {
		t.Fatal(err)
	}
	if q.Spec.Quota.Cores.String() != "8" || q.Spec.NamespaceSelector.MatchLabels["stoke.dev/tenant"] != name {
		t.Errorf("queue %+v", q.Spec)
	}

	// Again, with a larger quota: it converges.
	stoke(t, nil, "tenant", "create", name, "--cores", "16", "--memory", "32Gi", "--pods", "40", "--queue-cores", "16", "--queue-memory", "32Gi").must(t)
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(rq), rq); err != nil {
		t.Fatal(err)
	}
	if cpu := rq.Spec.Hard[corev1.ResourceRequestsCPU]; cpu.String() != "16" {
		t.Errorf("after the second run, quota requests.cpu %s, want 16", cpu.String())
	}

	dry := stoke(t, nil, "tenant", "create", name+"-dry", "--cores", "4", "--queue-applications", "2", "--dry-run", "-o", "yaml").must(t)
	for _, want := range []string{"kind: Namespace", "kind: ResourceQuota", "kind: LimitRange", "kind: Role\n", "kind: SparkQueue", "applications: 2"} {
		if !strings.Contains(dry, want) {
			t.Errorf("--dry-run -o yaml lacks %q:\n%s", want, dry)
		}
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: name + "-dry"}, &corev1.Namespace{}); err == nil {
		t.Error("--dry-run created the namespace")
	}

	stoke(t, nil, "tenant", "create", "Bad_Name").wantErr(t, true, `tenant name "Bad_Name"`)
	stoke(t, nil, "tenant", "create", "ok", "--cores", "-1").wantErr(t, true, `--cores "-1"`)
	stoke(t, nil, "tenant", "create", "ok", "--queue-weight", "3").wantErr(t, true, "--queue-parent and --queue-weight")
	stoke(t, nil, "tenant", "create", "ok", "--queue", "missing-queue").wantErr(t, false, "missing-queue")
}
