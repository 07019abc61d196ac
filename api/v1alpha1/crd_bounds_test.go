package v1alpha1_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestEveryIntegerFieldIsBounded walks the generated CRDs: every integer field of every kind (Stoke's own and
// the Kubernetes types they embed) must have a minimum and a maximum within its format's range. The API
// server does not enforce a format's range, so an unbounded int32 field stores numbers no client can decode,
// and one such object breaks every list and watch of its kind.
func TestEveryIntegerFieldIsBounded(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	// int64 fields stay within ±2^53: larger bounds do not survive the API server's float64 round trip.
	limits := map[string][2]float64{"int32": {-(1 << 31), 1<<31 - 1}, "int64": {-(1 << 53), 1 << 53}, "": {-(1 << 53), 1 << 53}}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		checked := 0
		for _, v := range crd.Spec.Versions {
			var walk func(path string, s *apiextensionsv1.JSONSchemaProps)
			walk = func(path string, s *apiextensionsv1.JSONSchemaProps) {
				if s == nil {
					return
				}
				if s.Type == "integer" {
					checked++
					bounds, known := limits[s.Format]
					switch {
					case !known:
						t.Errorf("%s %s: integer with unknown format %q", crd.Name, path, s.Format)
					case s.Minimum == nil || s.Maximum == nil:
						t.Errorf("%s %s: integer (%s) without minimum and maximum", crd.Name, path, s.Format)
					case *s.Minimum < bounds[0] || *s.Maximum > bounds[1]:
						t.Errorf("%s %s: bounds [%v, %v] exceed %s", crd.Name, path, *s.Minimum, *s.Maximum, s.Format)
					}
				}
				for name, p := range s.Properties {
					walk(path+"."+name, &p)
				}
				if s.Items != nil {
					walk(path+"[]", s.Items.Schema)
				}
				if s.AdditionalProperties != nil {
					walk(path+"{}", s.AdditionalProperties.Schema)
				}
				// anyOf holds the integer alternative of int-or-string fields, which decode into quantities.
				if len(s.AnyOf) > 0 && !s.XIntOrString {
					for i := range s.AnyOf {
						walk(path+".anyOf", &s.AnyOf[i])
					}
				}
			}
			walk(strings.TrimSuffix(v.Name, "."), v.Schema.OpenAPIV3Schema)
		}
		least := 50 // the application spec is in every kind but SparkQueue
		if crd.Name == "sparkqueues.stoke.dev" {
			least = 5
		}
		if checked < least {
			t.Errorf("%s: only %d integer fields found; is the walk broken?", crd.Name, checked)
		}
	}
}
