package v1alpha1_test

import (
	"encoding/json"
	"strings"
	"testing"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

const stored = `{"apiVersion":"stoke.dev/v1alpha1","kind":"SparkApplication","metadata":{"name":"a","namespace":"n"},
"spec":{"type":"Scala","sparkVersion":"3.5.9","image":"spark","executor":{"instances":%s}},
"status":{"phase":"Running","conditions":[{"type":"Running","status":"True","reason":"DriverRunning","message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`

// TestUndecodableObjectKeepsItsIdentity: a stored object that does not fit the Go types decodes without an
// error, with its metadata and status, and says why: in a list, it hides nothing else.
func TestUndecodableObjectKeepsItsIdentity(t *testing.T) {
	list := `{"apiVersion":"stoke.dev/v1alpha1","kind":"SparkApplicationList","metadata":{},"items":[` +
		strings.Replace(stored, "%s", "2", 1) + "," + strings.Replace(strings.Replace(stored, "%s", "3000000000", 1), `"a"`, `"b"`, 1) + "]}"
	var apps stokev1.SparkApplicationList
	if err := json.Unmarshal([]byte(list), &apps); err != nil {
		t.Fatalf("the list failed to decode: %v", err)
	}
	if len(apps.Items) != 2 {
		t.Fatalf("%d items", len(apps.Items))
	}
	good, bad := apps.Items[0], apps.Items[1]
	if good.DecodeError != "" || *good.Spec.Executor.Instances != 2 {
		t.Errorf("good item: %q %+v", good.DecodeError, good.Spec.Executor)
	}
	if bad.Name != "b" || bad.Namespace != "n" || bad.Status.Phase != stokev1.PhaseRunning || len(bad.Status.Conditions) != 1 {
		t.Errorf("bad item lost its metadata or status: %+v", bad)
	}
	if !strings.Contains(bad.DecodeError, "3000000000") {
		t.Errorf("DecodeError = %q", bad.DecodeError)
	}
	if out, _ := json.Marshal(&bad); strings.Contains(string(out), "DecodeError") || strings.Contains(string(out), "decodeError") {
		t.Errorf("DecodeError was serialised: %s", out)
	}
	var broken stokev1.SparkApplication
	if err := json.Unmarshal([]byte(`{"metadata":{"name":7}}`), &broken); err == nil {
		t.Errorf("an object whose metadata cannot be read decoded without error: %+v", broken)
	}
}

func TestUnmarshalStrictRefusesUnknownFields(t *testing.T) {
	var app stokev1.SparkApplication
	err := stokev1.UnmarshalStrict([]byte("apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata: {name: a}\nspec:\n  type: Scala\n  executors: 2\n"), &app)
	if err == nil || !strings.Contains(err.Error(), "executors") {
		t.Errorf("want an unknown-field error naming executors, got %v", err)
	}
	if err := stokev1.UnmarshalStrict([]byte("metadata: {name: a}\nspec: {type: Scala, image: spark}\n"), &app); err != nil || app.Spec.Image != "spark" {
		t.Errorf("valid manifest: %v %+v", err, app.Spec)
	}
}
