package convert

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// fields is one level of a kubeflow object being converted. Every field read is taken out, so whatever is
// left at the end had no equivalent and is reported.
type fields struct {
	path string
	m    map[string]any
	r    *report
}

func newFields(path string, v any, r *report) *fields {
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return &fields{path: path, m: m, r: r}
}

func (f *fields) at(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// take removes and returns a field.
func (f *fields) take(key string) (any, bool) {
	v, ok := f.m[key]
	delete(f.m, key)
	return v, ok && v != nil
}

// into decodes a field into a typed value; it reports false when the field is absent or malformed (a
// malformed field is reported).
func (f *fields) into(key string, dst any) bool {
	v, ok := f.take(key)
	if !ok {
		return false
	}
	data, _ := json.Marshal(v)
	if err := json.Unmarshal(data, dst); err != nil {
		f.r.drop(f.at(key), fmt.Sprintf("not understood (%v)", err))
		return false
	}
	return true
}

// child takes a nested object.
func (f *fields) child(key string) *fields {
	v, _ := f.take(key)
	return newFields(f.at(key), v, f.r)
}

// dropRest reports every field not taken, with the reason given for known ones.
func (f *fields) dropRest(known map[string]string) {
	keys := make([]string, 0, len(f.m))
	for k := range f.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if f.m[k] == nil {
			continue
		}
		why, ok := known[k]
		if !ok {
			why = "not a kubeflow v1beta2 field"
		}
		f.r.drop(f.at(k), why)
	}
}

// report collects what did not convert as it was (Dropped) and what converted to another shape (Notes).
type report struct {
	Dropped []string
	Notes   []string
}

func (r *report) drop(path, why string) { r.Dropped = append(r.Dropped, path+": "+why) }
func (r *report) note(path, how string) { r.Notes = append(r.Notes, path+": "+how) }

func joinComma(list []string) string { return strings.Join(list, ",") }
