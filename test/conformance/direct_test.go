//go:build conformance

package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/direct"
	"github.com/stokehq/stoke/internal/spark"
)

// checkDirect submits the case's application for real with `stoke submit --direct`'s code (direct.Render
// and direct.Submit) into a namespace of its own, collects what that created, normalises it as Stoke's side
// is normalised, and compares it with Stoke's normalised side, which the case compares with spark-submit's
// (so identical here means identical to spark-submit up to the case's recorded known differences). It
// returns the report cell.
func checkDirect(t *testing.T, ctx context.Context, c Case, app *stokev1.SparkApplication, stoke sides) string {
	ns := env.Namespace(t)
	for _, sa := range append([]string{"default"}, c.ServiceAccounts...) {
		if err := env.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metaNS(sa, ns)}); err != nil {
			t.Fatalf("creating service account %s: %v", sa, err)
		}
	}
	a := app.DeepCopy()
	a.Namespace = ns
	if spark.CheckNativeDependencies(a) != nil {
		return "n/a (needs the operator's submission path)"
	}
	objs, err := direct.Render(a, "conformance-"+c.Name)
	if err != nil {
		t.Errorf("direct.Render: %v", err)
		return "**fails**: render"
	}
	if _, err := direct.Submit(ctx, env.Client, objs); err != nil {
		t.Errorf("direct.Submit: %v", err)
		return "**fails**: submit"
	}
	got, err := collectDirect(ctx, ns, objs.Names.UIService)
	if err != nil {
		t.Errorf("collecting the direct submission's objects: %v", err)
		return "**fails**: collect"
	}
	deletePath(got["pod"], "metadata", "labels", direct.LabelDirect)
	for _, key := range []string{direct.AnnotationSubmissionID, direct.AnnotationName} {
		deletePath(got["pod"], "metadata", "annotations", key)
	}
	normaliseStoke(t, got, objs, a)
	// What is left of the submission's own name (the executors' stoke.dev/application annotation in the pod
	// template) is the name the application was submitted under.
	r := strings.NewReplacer(objs.DriverPod.Annotations[spark.AnnotationApplication], app.Name)
	for k, o := range got {
		got[k] = replaceStrings(o, r).(map[string]any)
	}
	if diff := diffSides(copySides(stoke), copySides(got)); diff != "" {
		t.Errorf("the objects `stoke submit --direct` created differ from the builder's (-builder +direct):\n%s", diff)
		return "**fails**: differs"
	}
	return "identical"
}

// collectDirect reads back what a direct submission created in the namespace, keyed as dryRunStoke keys
// Stoke's side: the UI Service (spec.ui, named uiService), which spark-submit has no counterpart of, is left
// out as it is on Stoke's side.
func collectDirect(ctx context.Context, ns, uiService string) (sides, error) {
	var pods corev1.PodList
	var cms corev1.ConfigMapList
	var svcs corev1.ServiceList
	var nps networkingv1.NetworkPolicyList
	var pvcs corev1.PersistentVolumeClaimList
	for _, l := range []client.ObjectList{&pods, &cms, &svcs, &nps, &pvcs} {
		if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	// The API server publishes kube-root-ca.crt in every namespace.
	var own []corev1.ConfigMap
	for _, cm := range cms.Items {
		if cm.Name != "kube-root-ca.crt" {
			own = append(own, cm)
		}
	}
	svcs.Items = slices.DeleteFunc(svcs.Items, func(s corev1.Service) bool { return s.Name == uiService })
	if len(pods.Items) != 1 || len(svcs.Items) != 1 || len(own) != 1 {
		return nil, errors.New("want one pod, one Service and one ConfigMap, got " + strconv.Itoa(len(pods.Items)) + ", " +
			strconv.Itoa(len(svcs.Items)) + ", " + strconv.Itoa(len(own)))
	}
	out := sides{"pod": toMap(&pods.Items[0]), "service": toMap(&svcs.Items[0]), "configmap": toMap(&own[0])}
	if len(nps.Items) == 1 {
		out["networkpolicy"] = toMap(&nps.Items[0])
	}
	for i := range pvcs.Items {
		out["pvc/"+strconv.Itoa(i)] = toMap(&pvcs.Items[i])
	}
	return out, nil
}

// copySides is a deep copy of normalised sides (plain JSON values).
func copySides(s sides) sides {
	data, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var out sides
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}
