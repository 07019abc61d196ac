package params

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	kjson "sigs.k8s.io/json"

	"github.com/stokehq/stoke/api/v1alpha1"
)

// Substitute returns a copy of spec with values substituted into every string value; spec itself is not
// changed. The first error, in a stable order, names the field path, as in
// `spec.arguments[1]: {{ .Params.dat }}: unknown parameter .Params.dat`.
func Substitute(spec *v1alpha1.SparkApplicationSpec, values Values) (*v1alpha1.SparkApplicationSpec, error) {
	tree, err := toTree(spec)
	if err != nil {
		return nil, err
	}
	substituted, err := walk(tree, "spec", func(path, s string) (string, error) {
		out, err := Expand(s, values)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(substituted)
	if err != nil {
		return nil, fmt.Errorf("encoding the substituted spec: %w", err)
	}
	var out v1alpha1.SparkApplicationSpec
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &out); err != nil {
		return nil, fmt.Errorf("decoding the substituted spec: %w", err)
	}
	return &out, nil
}

// Reference is one value a spec refers to, and where.
type Reference struct {
	Path string // field path, such as spec.arguments[0]
	Name string // value name, such as Params.date
}

// References lists every value the spec refers to, in a stable order, without substituting anything, and
// reports malformed references: what admission checks against the declared parameters.
func References(spec *v1alpha1.SparkApplicationSpec) ([]Reference, error) {
	tree, err := toTree(spec)
	if err != nil {
		return nil, err
	}
	var refs []Reference
	_, err = walk(tree, "spec", func(path, s string) (string, error) {
		names, err := Names(s)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		for _, name := range names {
			refs = append(refs, Reference{Path: path, Name: name})
		}
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return refs, nil
}

// toTree turns the spec into plain JSON values (maps, slices, strings, numbers) to walk generically.
func toTree(spec *v1alpha1.SparkApplicationSpec) (any, error) {
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encoding the spec: %w", err)
	}
	var tree any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &tree); err != nil {
		return nil, fmt.Errorf("decoding the spec: %w", err)
	}
	return tree, nil
}

// walk rebuilds node with fn applied to every string value (not map keys), visiting map keys in sorted
// order so that the first error is always the same one.
func walk(node any, path string, fn func(path, s string) (string, error)) (any, error) {
	switch n := node.(type) {
	case string:
		return fn(path, n)
	case []any:
		out := make([]any, len(n))
		for i, item := range n {
			v, err := walk(item, path+"["+strconv.Itoa(i)+"]", fn)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(n))
		for _, k := range keys {
			v, err := walk(n[k], childPath(path, k), fn)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	default:
		return node, nil
	}
}

// childPath writes identifier-like keys as .key and others (sparkConf keys with dots) as ["key"].
func childPath(path, key string) string {
	for i := 0; i < len(key); i++ {
		if !isLetter(key[i]) && !(i > 0 && isDigit(key[i])) {
			return path + "[" + strconv.Quote(key) + "]"
		}
	}
	if key == "" {
		return path + `[""]`
	}
	return path + "." + key
}
