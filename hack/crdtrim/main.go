// Command crdtrim shrinks generated CRDs: below fields that embed Kubernetes core types (pod templates,
// containers, volumes, affinity, ...) it drops the nested descriptions, which repeat the Kubernetes API
// reference and would push the CRD towards etcd's object size limit. Stoke's own field docs are kept, and so
// is every schema, so the API server still validates the embedded types in full.
//
//	go run ./hack/crdtrim config/crd/*.yaml
package main

import (
	"fmt"
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
