//go:build conformance

package conformance

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// Case is one application, written once as a Stoke SparkApplication. The equivalent spark-submit command line
// is derived from it (submitArgs), so the two sides cannot drift apart.
type Case struct {
	Name string
	// App is the application; the runner sets its namespace, UID and sparkVersion.
	App *stokev1.SparkApplication
	// ServiceAccounts are created in the namespace besides "default" (spark-submit checks nothing, but the
	// apiserver's ServiceAccount admission rejects a pod whose account does not exist).
	ServiceAccounts []string
	// Versions limits the case to these Spark versions (Version.Full); nil: all.
	Versions []string
}

// generatedBySubmit are the properties spark-submit (or its Kubernetes feature steps) sets by itself; Stoke
// writes them too, so they are not passed on the command line.
var generatedBySubmit = map[string]bool{
	"spark.master":                              true, // --master
	"spark.submit.deployMode":                   true, // --deploy-mode
	"spark.app.name":                            true, // --name
	"spark.jars":                                true, // --jars + primary resource
	"spark.files":                               true, // --files
	"spark.submit.pyFiles":                      true, // --py-files
	"spark.archives":                            true, // --archives
	"spark.app.id":                              true,
	"spark.kubernetes.driver.pod.name":          true,
	"spark.kubernetes.executor.podNamePrefix":   true, // Stoke-owned extra
	"spark.kubernetes.submitInDriver":           true,
	"spark.kubernetes.resource.type":            true,
	"spark.kubernetes.memoryOverheadFactor":     true, // passed only when the user set it (below)
	"spark.driver.host":                         true,
	"spark.driver.port":                         true,
	"spark.driver.blockManager.port":            true,
	"spark.kubernetes.executor.podTemplateFile": true, // replaced by the rendered template's temp file
}

// submitArgs turns the application into spark-submit arguments (after --master/--deploy-mode): the
// properties Stoke derives from the spec, minus those spark-submit generates itself, as --conf, then the
// dependency flags, --class, --name, the primary resource and the arguments. props are Stoke's properties
// (spark.Build's Objects.Properties); templates are the local paths of the executor and driver pod templates.
func submitArgs(app *stokev1.SparkApplication, props map[string]string, executorTemplate, driverTemplate string) []string {
	var args []string
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if generatedBySubmit[k] {
			continue
		}
		args = append(args, "--conf", k+"="+props[k])
	}
	if v, ok := app.Spec.SparkConf["spark.kubernetes.memoryOverheadFactor"]; ok {
		args = append(args, "--conf", "spark.kubernetes.memoryOverheadFactor="+v)
	}
	args = append(args,
		"--conf", "spark.kubernetes.submission.waitAppCompletion=false",
		"--conf", "spark.kubernetes.executor.podTemplateFile="+executorTemplate,
		"--conf", "spark.kubernetes.driver.podTemplateFile="+driverTemplate)
	d := app.Spec.Deps
	if len(d.Jars) > 0 {
		args = append(args, "--jars", strings.Join(d.Jars, ","))
	}
	if len(d.Files) > 0 {
		args = append(args, "--files", strings.Join(d.Files, ","))
	}
	if len(d.PyFiles) > 0 {
		args = append(args, "--py-files", strings.Join(d.PyFiles, ","))
	}
	if len(d.Archives) > 0 {
		args = append(args, "--archives", strings.Join(d.Archives, ","))
	}
	if app.Spec.Type != stokev1.ApplicationTypePython && app.Spec.Type != stokev1.ApplicationTypeR && app.Spec.MainClass != nil {
		args = append(args, "--class", *app.Spec.MainClass)
	}
	args = append(args, "--name", app.Name, spark.PrimaryResource(app))
	return append(args, app.Spec.Arguments...)
}

// submitOnlyKeys are properties only the spark-submit side has because of how the harness submits.
var submitOnlyKeys = []string{
	"spark.kubernetes.submission.waitAppCompletion",
	"spark.kubernetes.driver.podTemplateFile",
}

const (
	examplesJar = "local:///opt/spark/examples/jars/spark-examples.jar"
	sparkPi     = "org.apache.spark.examples.SparkPi"
	image       = "spark:test"
)

func ptr[T any](v T) *T { return &v }

func app(name string, spec stokev1.SparkApplicationSpec) *stokev1.SparkApplication {
	if spec.Image == "" {
		spec.Image = image
	}
	if spec.Type == "" {
		spec.Type = stokev1.ApplicationTypeScala
	}
	return &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}

func sparkPiSpec() stokev1.SparkApplicationSpec {
	return stokev1.SparkApplicationSpec{MainClass: ptr(sparkPi), MainApplicationFile: ptr(examplesJar)}
}

func with(s stokev1.SparkApplicationSpec, f func(*stokev1.SparkApplicationSpec)) stokev1.SparkApplicationSpec {
	f(&s)
	return s
}

// cases is the conformance suite.
var cases = []Case{
	{Name: "scala-sparkpi-args", App: app("spark-pi", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Arguments = []string{"1000"}
		s.Executor.Instances = ptr(int32(2))
	}))},
	{Name: "java-no-args", App: app("java-pi", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Type = stokev1.ApplicationTypeJava
		s.MainClass = ptr("org.apache.spark.examples.JavaSparkPi")
	}))},
	{Name: "python-pyfiles", App: app("pyspark-pi", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypePython,
		MainApplicationFile: ptr("local:///opt/spark/examples/src/main/python/pi.py"),
		Arguments:           []string{"10"},
		Deps:                stokev1.Dependencies{PyFiles: []string{"https://example.com/deps/helpers.py", "https://example.com/deps/more.zip"}},
	})},
	{Name: "deps-jars-files", App: app("deps-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Deps = stokev1.Dependencies{Jars: []string{"https://example.com/a.jar"}, Files: []string{"https://example.com/f.txt"}}
		s.Arguments = []string{"5"}
	}))},
	{Name: "cores-memory-overhead", App: app("sized", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Cores = ptr(int32(2))
		s.Driver.Memory = ptr("2g")
		s.Driver.MemoryOverhead = ptr("512m")
		s.Executor.Cores = ptr(int32(3))
		s.Executor.Memory = ptr("3g")
		s.Executor.MemoryOverhead = ptr("1g")
		s.Executor.Instances = ptr(int32(3))
	}))},
	{Name: "overhead-factor", App: app("factor", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Memory = ptr("4g")
		s.Driver.MemoryOverheadFactor = ptr("0.25")
	}))},
	{Name: "request-limit-cores", App: app("cpu-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.CoreRequest = ptr("500m")
		s.Driver.CoreLimit = ptr("2")
		s.Executor.CoreRequest = ptr("250m")
		s.Executor.CoreLimit = ptr("1500m")
	}))},
	{Name: "labels-annotations-appid", App: app("labelled", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Labels = map[string]string{"team": "data-eng", "tier": "gold"}
		s.Driver.Annotations = map[string]string{"example.com/trace": "run-{{APP_ID}}", "owner": "alice"}
		s.Executor.Labels = map[string]string{"team": "data-eng"}
		s.Executor.Annotations = map[string]string{"owner": "alice"}
		s.Driver.ServiceLabels = map[string]string{"svc-label": "yes"}
		s.Driver.ServiceAnnotations = map[string]string{"svc-anno": "hello", "svc-trace": "id-{{APP_ID}}"}
	}))},
	{Name: "node-selectors", App: app("selected", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.node.selector.disktype": "ssd"}
		s.Driver.NodeSelector = map[string]string{"zone": "z1"}
		s.Executor.NodeSelector = map[string]string{"pool": "exec"}
	}))},
	{Name: "driver-executor-env", App: app("env-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Env = []corev1.EnvVar{{Name: "FOO", Value: "bar"}, {Name: "WITH_SPACE", Value: "a b=c"}, {Name: "ALPHA", Value: "1"}}
		s.Executor.Env = []corev1.EnvVar{{Name: "BAZ", Value: "qux"}}
	}))},
	{Name: "secrets", App: app("secret-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.secrets.mysecret":           "/etc/secret",
			"spark.kubernetes.driver.secrets.other":              "/etc/other",
			"spark.kubernetes.driver.secretKeyRef.DB_PASSWORD":   "dbsecret:password",
			"spark.kubernetes.driver.secretKeyRef.API_TOKEN":     "apisecret:token",
			"spark.kubernetes.executor.secrets.mysecret":         "/etc/secret",
			"spark.kubernetes.executor.secretKeyRef.DB_PASSWORD": "dbsecret:password",
		}
	}))},
	{Name: "volumes-conf", App: app("vol-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.hostPath.hostdata.mount.path":                 "/data",
			"spark.kubernetes.driver.volumes.hostPath.hostdata.options.path":               "/mnt/data",
			"spark.kubernetes.driver.volumes.emptyDir.scratch.mount.path":                  "/scratch",
			"spark.kubernetes.driver.volumes.emptyDir.scratch.options.medium":              "Memory",
			"spark.kubernetes.driver.volumes.emptyDir.scratch.options.sizeLimit":           "1Gi",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.path":        "/pvc",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.readOnly":    "true",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.subPath":     "sub",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.options.claimName": "my-pvc",
			"spark.kubernetes.executor.volumes.emptyDir.scratch.mount.path":                "/scratch",
		}
	}))},
	{Name: "hostpath-type", App: app("hostpath-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.hostPath.hostdata.mount.path":   "/data",
			"spark.kubernetes.driver.volumes.hostPath.hostdata.options.path": "/mnt/data",
			"spark.kubernetes.driver.volumes.hostPath.hostdata.options.type": "Directory",
		}
	}))},
	{Name: "image-pull", ServiceAccounts: []string{"spark"}, App: app("pull-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.ImagePullPolicy = "Always"
		s.ImagePullSecrets = []string{"regcred", "other-cred"}
		s.Driver.Image = ptr("spark:driver")
		s.Driver.ServiceAccount = ptr("spark")
	}))},
	// Spark 4 replaces {{APP_ID}} in driver label values too; 3.5 keeps it literally, which is not a valid label value.
	{Name: "label-app-id", Versions: []string{"4.3.0"}, App: app("label-id", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Labels = map[string]string{"run": "r-{{APP_ID}}"}
	}))},
	{Name: "long-name", App: app("my-very-long-spark-application-name-with-many-words-that-is-longer-than-kubernetes-allows-for-labels-0123456789", sparkPiSpec())},
}
