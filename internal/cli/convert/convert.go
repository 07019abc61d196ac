// Package convert implements `stoke convert -f FILE`: kubeflow spark-operator SparkApplication and
// ScheduledSparkApplication manifests (sparkoperator.k8s.io/v1beta2, one or many documents) become Stoke's
// kinds of the same names.
//
// Every kubeflow field either converts (directly, or to another shape: a note) or is reported as dropped.
// The report goes twice: as comments at the top of each converted document, so it travels with the YAML,
// and as "warning:" lines on stderr, so a script sees it without parsing YAML. --strict turns dropped
// fields into an error.
package convert

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/output"
)

// KubeflowAPIVersion is the kubeflow API version stoke convert reads.
const KubeflowAPIVersion = "sparkoperator.k8s.io/v1beta2"

// Options are the flags of `stoke convert`.
type Options struct {
	File   string
	Strict bool
	In     io.Reader
}

// NewCommand builds `stoke convert`.
func NewCommand() *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "convert -f FILE",
		Short: "Convert kubeflow spark-operator SparkApplications to Stoke's API",
		Long: `Convert kubeflow spark-operator (sparkoperator.k8s.io/v1beta2) SparkApplication manifests into Stoke
SparkApplications and ScheduledSparkApplications, printed as YAML. Other documents of the file (ConfigMaps,
Secrets, ...) are printed unchanged, in order. Fields without an equivalent are listed as comments at the top
of each document and as warnings on stderr; --strict makes them an error.`,
		Example: `  stoke convert -f spark-pi.yaml > pi.yaml
  stoke convert -f kubeflow-apps.yaml | stoke submit -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.In = cmd.InOrStdin()
			return o.Run(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.File, "filename", "f", "", "kubeflow manifest file (- for stdin)")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "fail when a field has no equivalent")
	return cmd
}

// Run converts the file and writes the documents.
func (o *Options) Run(out, errOut io.Writer) error {
	if o.File == "" {
		return cmderr.Usagef("give the kubeflow manifest with -f FILE")
	}
	var data []byte
	var err error
	if o.File == "-" {
		data, err = io.ReadAll(o.In)
	} else {
		data, err = os.ReadFile(o.File)
	}
	if err != nil {
		return cmderr.Usagef("-f: %v", err)
	}
	docs, err := ConvertAll(data, o.File)
	if err != nil {
		return err
	}
	dropped := 0
	for i, d := range docs {
		for _, w := range d.Report.Dropped {
			fmt.Fprintf(errOut, "warning: %s: %s\n", d.Name, w)
			dropped++
		}
		if i > 0 {
			if _, err := io.WriteString(out, "---\n"); err != nil {
				return err
			}
		}
		if _, err := out.Write(d.YAML); err != nil {
			return err
		}
	}
	if o.Strict && dropped > 0 {
		return fmt.Errorf("%d field(s) have no Stoke equivalent (listed above)", dropped)
	}
	return nil
}

// Document is one converted application or schedule, or a document passed through unchanged.
type Document struct {
	Name string
	// App is the converted application (for a ScheduledSparkApplication, its template's application); nil
	// for a document passed through.
	App *stokev1.SparkApplication
	// Schedule is the converted ScheduledSparkApplication, when the document was one.
	Schedule *stokev1.ScheduledSparkApplication
	Report   report
	// YAML is the application with the report as leading comments, or the document as it was.
	YAML []byte
}

// ConvertAll converts every kubeflow document of a YAML file and passes every other document (the
// ConfigMaps and Secrets kubeflow's examples put beside an application, or Stoke's own manifests) through
// unchanged, in order; file names the input in errors.
func ConvertAll(data []byte, file string) ([]Document, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []Document
	for i := 1; ; i++ {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, cmderr.Usagef("%s: %v", file, err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, cmderr.Usagef("%s (document %d): invalid YAML: %v", file, i, err)
		}
		if obj == nil {
			continue
		}
		if apiVersion, _ := obj["apiVersion"].(string); apiVersion != KubeflowAPIVersion {
			text := bytes.TrimPrefix(bytes.TrimLeft(doc, "\n"), []byte("---\n"))
			out = append(out, Document{Name: name(obj), YAML: append(bytes.TrimRight(text, "\n"), '\n')})
			continue
		}
		d, err := Convert(obj)
		if err != nil {
			return nil, cmderr.Usagef("%s (document %d): %v", file, i, err)
		}
		out = append(out, *d)
	}
	converted := 0
	for _, d := range out {
		if d.App != nil {
			converted++
		}
	}
	if converted == 0 {
		return nil, cmderr.Usagef("%s holds no kubeflow %s manifest to convert", file, KubeflowAPIVersion)
	}
	return out, nil
}

// Convert converts one kubeflow object.
func Convert(obj map[string]any) (*Document, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion != KubeflowAPIVersion {
		if apiVersion == stokev1.GroupVersion.String() {
			return nil, fmt.Errorf("%s %q is already a Stoke manifest", kind, name(obj))
		}
		return nil, fmt.Errorf("apiVersion %q: stoke convert reads kubeflow %s manifests", apiVersion, KubeflowAPIVersion)
	}
	switch kind {
	case "SparkApplication":
	case "ScheduledSparkApplication":
		return convertScheduled(obj)
	default:
		return nil, fmt.Errorf("kind %q: stoke convert reads kubeflow SparkApplications and ScheduledSparkApplications", kind)
	}
	r := &report{}
	app := &stokev1.SparkApplication{}
	app.APIVersion, app.Kind = stokev1.GroupVersion.String(), "SparkApplication"
	top := newFields("", obj, r)
	top.take("apiVersion")
	top.take("kind")
	top.take("status")
	convertMeta(top.child("metadata"), &app.ObjectMeta)
	if err := convertSpec(top.child("spec"), app); err != nil {
		return nil, err
	}
	top.dropRest(nil)
	data, err := render(app, r)
	if err != nil {
		return nil, err
	}
	return &Document{Name: app.Name, App: app, Report: *r, YAML: data}, nil
}

func name(obj map[string]any) string {
	m, _ := obj["metadata"].(map[string]any)
	n, _ := m["name"].(string)
	return n
}

func convertMeta(f *fields, app *metav1.ObjectMeta) {
	f.into("name", &app.Name)
	f.into("generateName", &app.GenerateName)
	f.into("namespace", &app.Namespace)
	f.into("labels", &app.Labels)
	if f.into("annotations", &app.Annotations) {
		delete(app.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
		if len(app.Annotations) == 0 {
			app.Annotations = nil
		}
	}
	for _, serverSet := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"} {
		f.take(serverSet)
	}
	f.dropRest(map[string]string{
		"ownerReferences": "owners refer to kubeflow objects; set them again if needed",
		"finalizers":      "kubeflow's finalizers do not apply to Stoke",
	})
}

// render marshals the object without status and server fields, the report as leading comments.
func render(app any, r *report) ([]byte, error) {
	m, err := output.Manifest(app)
	if err != nil {
		return nil, err
	}
	data, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Converted by stoke convert from %s.\n", KubeflowAPIVersion)
	if len(r.Dropped) > 0 {
		b.WriteString("# No Stoke equivalent, dropped:\n")
		for _, d := range r.Dropped {
			fmt.Fprintf(&b, "#   %s\n", oneLine(d))
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("# Converted to another shape:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "#   %s\n", oneLine(n))
		}
	}
	b.Write(data)
	return b.Bytes(), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
