package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stokehq/stoke/internal/spark"
)

func TestSeedTemplateClone(t *testing.T) {
	appUID, podUID := types.UID("11111111-1111-1111-1111-111111111111"), types.UID("22222222-2222-2222-2222-222222222222")
	appID := spark.AppID(appUID, 1)
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "warmup", Name: "app-00000-1-driver",
		Labels:          map[string]string{spark.LabelAppSelector: appID, "spark-app-name": "app-00000"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "SparkApplication", Name: "app-00000", UID: appUID}}},
		Spec: corev1.PodSpec{Subdomain: "app-00000-1-driver-svc.warmup.svc"}}
	doc, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &seedTemplate{namespace: "warmup", name: "app-00000", appID: appID, uid: string(appUID), podUID: string(podUID), attempt: 1}
	newUID := "33333333-3333-3333-3333-333333333333"
	var got corev1.Pod
	if err := tmpl.clone(doc, 42, newUID, "", &got); err != nil {
		t.Fatal(err)
	}
	wantID := spark.AppID(types.UID(newUID), 1)
	for what, pair := range map[string][2]string{
		"namespace":        {got.Namespace, seededNamespace},
		"name":             {got.Name, "seed-000042-1-driver"},
		"app id label":     {got.Labels[spark.LabelAppSelector], wantID},
		"app name label":   {got.Labels["spark-app-name"], "seed-000042"},
		"owner name":       {got.OwnerReferences[0].Name, "seed-000042"},
		"owner uid":        {string(got.OwnerReferences[0].UID), newUID},
		"service dns name": {got.Spec.Subdomain, "seed-000042-1-driver-svc." + seededNamespace + ".svc"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", what, pair[0], pair[1])
		}
	}
}

func TestMedianBurst(t *testing.T) {
	bursts := func(perMinute ...float64) []phaseResult {
		var out []phaseResult
		for i, v := range perMinute {
			out = append(out, phaseResult{Name: fmt.Sprint(i), PerMinute: v})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		in       []phaseResult
		wantName string
		wantEach []float64
	}{
		{"none", nil, "", nil},
		{"one", bursts(2300), "0", []float64{2300}},
		{"three, the median in the middle of the run", bursts(2900, 2100, 2500), "2", []float64{2900, 2100, 2500}},
		{"three, already in order", bursts(2100, 2500, 2900), "1", []float64{2100, 2500, 2900}},
		{"even: the lower middle one", bursts(3000, 1000, 2000, 4000), "2", []float64{3000, 1000, 2000, 4000}},
		{"ties keep the earlier burst", bursts(2000, 2000, 2000), "1", []float64{2000, 2000, 2000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, each := medianBurst(tc.in)
			if got.Name != tc.wantName || !slices.Equal(each, tc.wantEach) {
				t.Errorf("medianBurst = burst %q, each %v; want burst %q, each %v", got.Name, each, tc.wantName, tc.wantEach)
			}
		})
	}
}

func TestMedianAndEach(t *testing.T) {
	if got, want := medianAndEach(2305, []float64{2201.4, 2305, 2410.6}), "2305 (2201, 2305, 2411)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := medianAndEach(2305, []float64{2305}), "2305"; got != want {
		t.Errorf("one burst: got %q, want %q", got, want)
	}
}
