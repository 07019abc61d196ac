// Command crdtrim post-processes generated CRDs:
//
//   - below fields that embed Kubernetes core types (pod templates, containers, volumes, affinity, ...) it
//     drops the nested descriptions, which repeat the Kubernetes API reference and would push the CRD
//     towards etcd's object size limit. Stoke's own field docs are kept, and so is every schema, so the API
//     server still validates the embedded types in full;
//
//   - every integer without bounds gets the bounds of its format (int32 or int64). The API server does not
//     enforce a format's range, so without them it stores a number that no client can decode into the Go
//     type, and from then on every list and watch of the kind fails for everyone.
//
//     go run ./hack/crdtrim config/crd/*.yaml
package main

import (
	"fmt"
	"math"
	"os"

	"sigs.k8s.io/yaml"
)

// embeddedCoreFields are property names whose schema comes from k8s.io/api.
var embeddedCoreFields = map[string]bool{
	"volumes": true, "template": true, "sidecars": true, "initContainers": true, "affinity": true,
	"env": true, "envFrom": true, "volumeMounts": true, "tolerations": true, "securityContext": true,
	"podSecurityContext": true, "conditions": true,
}

func main() {
	for _, path := range os.Args[1:] {
		if err := trimFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "crdtrim: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func trimFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	walk(doc, false)
	if versions, ok := nested(doc, "spec", "versions").([]any); ok {
		for _, v := range versions {
			boundIntegers(nested(v, "schema", "openAPIV3Schema"))
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte("---\n"), out...), 0o644)
}

// walk visits a schema node; below an embedded core field every description is removed.
func walk(node any, inCore bool) {
	switch n := node.(type) {
	case map[string]any:
		if inCore {
			delete(n, "description")
		}
		for key, child := range n {
			if key == "properties" {
				if props, ok := child.(map[string]any); ok {
					for name, schema := range props {
						walkProperty(schema, inCore, inCore || embeddedCoreFields[name])
					}
					continue
				}
			}
			walk(child, inCore)
		}
	case []any:
		for _, child := range n {
			walk(child, inCore)
		}
	}
}

// walkProperty keeps a property's own description unless its parent is a core field, and trims inside it
// when it is one.
func walkProperty(schema any, parentCore, core bool) {
	m, ok := schema.(map[string]any)
	if !ok {
		return
	}
	if parentCore {
		delete(m, "description")
	}
	for key, child := range m {
		if key == "description" {
			continue
		}
		if key == "properties" {
			if props, ok := child.(map[string]any); ok {
				for name, s := range props {
					walkProperty(s, core, core || embeddedCoreFields[name])
				}
				continue
			}
		}
		walk(child, core)
	}
}

// maxExactInteger is 2^53, the largest magnitude every JSON parser (and the float64 the API server keeps a
// schema's bounds in) holds exactly. int64 fields are bounded by it: ±2^63 itself does not survive the
// float64 round trip (the API server reads 9223372036854775807 back as -9223372036854775808).
const maxExactInteger = 1 << 53

// formatBounds are the ranges given to the integer formats Kubernetes' OpenAPI uses.
var formatBounds = map[string][2]int64{
	"int32": {math.MinInt32, math.MaxInt32},
	"int64": {-maxExactInteger, maxExactInteger},
	"":      {-maxExactInteger, maxExactInteger},
}

// nested follows map keys.
func nested(node any, keys ...string) any {
	for _, k := range keys {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[k]
	}
	return node
}

// boundIntegers visits every schema below node. The alternatives of int-or-string fields (anyOf) are left
// alone: those values decode into resource quantities or IntOrString, not into fixed-size integers.
func boundIntegers(node any) {
	switch n := node.(type) {
	case map[string]any:
		boundInteger(n)
		for key, child := range n {
			if key != "anyOf" {
				boundIntegers(child)
			}
		}
	case []any:
		for _, child := range n {
			boundIntegers(child)
		}
	}
}

// boundInteger gives an integer schema without a minimum or maximum the range of its format.
func boundInteger(schema map[string]any) {
	if schema["type"] != "integer" {
		return
	}
	format, _ := schema["format"].(string)
	bounds, ok := formatBounds[format]
	if !ok {
		bounds = formatBounds[""]
	}
	if _, has := schema["minimum"]; !has {
		schema["minimum"] = bounds[0]
	}
	if _, has := schema["maximum"]; !has {
		schema["maximum"] = bounds[1]
	}
}
