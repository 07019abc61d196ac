package submit

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// manifestKind is a kind `stoke submit -f` creates.
type manifestKind struct {
	kind, noun string
	// decode reads one document strictly, without its status.
	decode func(doc []byte) (client.Object, error)
	is     func(client.Object) bool
}

// strictApplication is a SparkApplication without the lenient UnmarshalJSON meant for stored objects, which
// a strict decoder cannot see past.
type strictApplication stokev1.SparkApplication

// kinds are the kinds `stoke submit -f` takes, each decoded by the same strict decoder.
var kinds = []manifestKind{
	{kind: "SparkApplication", noun: "application",
		decode: func(doc []byte) (client.Object, error) {
			p := &strictApplication{}
			if err := decodeStrict(doc, p); err != nil {
				return nil, err
			}
			app := (*stokev1.SparkApplication)(p)
			app.Status = stokev1.SparkApplicationStatus{}
			return app, nil
		},
		is: func(o client.Object) bool { _, ok := o.(*stokev1.SparkApplication); return ok }},
	{kind: "ScheduledSparkApplication", noun: "schedule",
		decode: func(doc []byte) (client.Object, error) {
			s := &stokev1.ScheduledSparkApplication{}
			if err := decodeStrict(doc, s); err != nil {
				return nil, err
			}
			s.Status = stokev1.ScheduledSparkApplicationStatus{}
			return s, nil
		},
		is: func(o client.Object) bool { _, ok := o.(*stokev1.ScheduledSparkApplication); return ok }},
	{kind: "SparkWorkflow", noun: "workflow",
		decode: func(doc []byte) (client.Object, error) {
			wf := &stokev1.SparkWorkflow{}
			if err := decodeStrict(doc, wf); err != nil {
				return nil, err
			}
			wf.Status = stokev1.SparkWorkflowStatus{}
			return wf, nil
		},
		is: func(o client.Object) bool { _, ok := o.(*stokev1.SparkWorkflow); return ok }},
}

func kindNames() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.kind
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// decodeStrict decodes a YAML or JSON document as the API server's strict field validation does: field
// names are case-sensitive, and unknown or duplicate fields are errors that give the field's path (for
// example spec.steps[2].template.application.executors).
func decodeStrict(doc []byte, into any) error {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(data, into)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return errors.New(strings.Join(msgs, ", "))
	}
	return nil
}

// readManifests decodes the SparkApplications, ScheduledSparkApplications and SparkWorkflows of a YAML or
// JSON file, strictly: unknown fields, other kinds and kubeflow manifests are usage errors that say what to
// do.
func (o *Options) readManifests(ns string) ([]client.Object, error) {
	var data []byte
	var err error
	if o.File == "-" {
		data, err = io.ReadAll(o.In)
	} else {
		data, err = os.ReadFile(o.File)
	}
	if err != nil {
		return nil, cmderr.Usagef("-f: %v", errors.Unwrap(err))
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []client.Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, cmderr.Usagef("%s: %v", o.File, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, cmderr.Usagef("%s (document %d): invalid YAML: %v", o.File, i, err)
		}
		var k *manifestKind
		for j := range kinds {
			if kinds[j].kind == meta.Kind {
				k = &kinds[j]
			}
		}
		switch {
		case strings.HasPrefix(meta.APIVersion, "sparkoperator.k8s.io/"):
			return nil, cmderr.Usagef("%s (document %d) is a kubeflow %s: convert it first with stoke convert -f %s", o.File, i, meta.Kind, o.File)
		case k == nil || meta.APIVersion != stokev1.GroupVersion.String():
			return nil, cmderr.Usagef("%s (document %d): kind %q, apiVersion %q: stoke submit takes %s, %s", o.File, i, meta.Kind, meta.APIVersion, kindNames(), stokev1.GroupVersion)
		}
		obj, err := k.decode(doc)
		if err != nil {
			return nil, cmderr.Usagef("%s (document %d, %s): %v", o.File, i, k.kind, err)
		}
		if obj.GetNamespace() == "" {
			obj.SetNamespace(ns)
		} else if o.Flags.Namespace != "" && obj.GetNamespace() != o.Flags.Namespace {
			return nil, cmderr.Usagef("%s (document %d) is for namespace %q but -n says %q", o.File, i, obj.GetNamespace(), o.Flags.Namespace)
		}
		if obj.GetName() == "" && obj.GetGenerateName() == "" {
			return nil, cmderr.Usagef("%s (document %d): metadata.name is missing", o.File, i)
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		return nil, cmderr.Usagef("%s holds no %s", o.File, strings.Replace(kindNames(), " and ", " or ", 1))
	}
	return out, nil
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
