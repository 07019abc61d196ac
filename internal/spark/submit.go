package spark

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// UnsupportedDependencyError is a spec that needs spark-submit on the submitting side: Maven packages
// resolved with Ivy, or local files uploaded to spark.kubernetes.file.upload.path. A native build cannot
// honour it; the SparkSubmitPod submission mode can.
type UnsupportedDependencyError struct {
	// Fields name what asks for it, for example `deps.jars[0] "file:///tmp/a.jar"`.
	Fields []string
}

func (e *UnsupportedDependencyError) Error() string {
	return "the native builder cannot resolve Maven packages or upload local files (" + strings.Join(e.Fields, ", ") +
		"); use remote or local:// URIs, or set spec.submission.mode: SparkSubmitPod to run spark-submit in a pod"
}

// CheckNativeDependencies reports what in the spec only spark-submit can do, or nil.
func CheckNativeDependencies(app *stokev1.SparkApplication) error {
	var fields []string
	spec := &app.Spec
	if len(spec.Submission.Packages) > 0 {
		fields = append(fields, "submission.packages")
	}
	// Ivy settings and the upload path alone change nothing; packages and local files do.
	if strings.TrimSpace(spec.SparkConf["spark.jars.packages"]) != "" {
		fields = append(fields, "sparkConf[spark.jars.packages]")
	}
	if spec.MainApplicationFile != nil && needsUpload(*spec.MainApplicationFile) {
		fields = append(fields, fmt.Sprintf("mainApplicationFile %q", *spec.MainApplicationFile))
	}
	for _, l := range []struct {
		name string
		uris []string
	}{{"deps.jars", spec.Deps.Jars}, {"deps.files", spec.Deps.Files}, {"deps.pyFiles", spec.Deps.PyFiles}, {"deps.archives", spec.Deps.Archives}} {
		for i, u := range l.uris {
			if needsUpload(u) {
				fields = append(fields, fmt.Sprintf("%s[%d] %q", l.name, i, u))
			}
		}
	}
	for _, k := range []string{"spark.jars", "spark.files", "spark.submit.pyFiles", "spark.archives"} {
		for _, u := range splitList(spec.SparkConf[k]) {
			if needsUpload(u) {
				fields = append(fields, fmt.Sprintf("sparkConf[%s] %q", k, u))
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &UnsupportedDependencyError{Fields: fields}
}

// needsUpload reports a URI that spark-submit would upload from the submitting machine: file:// or no
// scheme at all. local:// (inside the image) and remote schemes are fetched by the driver.
func needsUpload(uri string) bool {
	u, err := url.Parse(strings.SplitN(uri, "#", 2)[0])
	if err != nil {
		return false // the driver reports it
	}
	return u.Scheme == "" || u.Scheme == "file"
}

// generatedBySubmit are the properties spark-submit (or its Kubernetes feature steps) sets by itself; they
// are not passed to it.
var generatedBySubmit = map[string]bool{
	"spark.master":                                  true, // --master
	"spark.submit.deployMode":                       true, // --deploy-mode
	"spark.app.name":                                true, // --name
	"spark.jars":                                    true, // --jars + primary resource
	"spark.files":                                   true, // --files
	"spark.submit.pyFiles":                          true, // --py-files
	"spark.archives":                                true, // --archives
	"spark.app.id":                                  true,
	"spark.kubernetes.driver.pod.name":              true,
	"spark.kubernetes.executor.podNamePrefix":       true, // Stoke-owned extra
	"spark.kubernetes.submitInDriver":               true,
	"spark.kubernetes.resource.type":                true,
	"spark.kubernetes.memoryOverheadFactor":         true, // passed only when the user set it
	"spark.driver.host":                             true,
	"spark.driver.port":                             true,
	"spark.driver.blockManager.port":                true,
	"spark.kubernetes.executor.podTemplateFile":     true, // replaced by the template file given to spark-submit
	"spark.kubernetes.executor.hadoopConfigMapName": true,
}

// SubmitArgs are the spark-submit arguments after --master and --deploy-mode that ask for what Build
// renders: the properties Stoke derives from the spec (Build's Objects.Properties) minus those spark-submit
// generates itself, as --conf, then the dependency and package flags, --class, --name, the primary resource
// and the application's arguments. executorTemplate and driverTemplate are local paths of the pod
// template files (DriverTemplate and the executor template Build renders).
func SubmitArgs(app *stokev1.SparkApplication, props map[string]string, executorTemplate, driverTemplate string) []string {
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
	// Keys spark-submit generates, but from the user's value when there is one.
	for _, k := range []string{"spark.kubernetes.memoryOverheadFactor", ConfDriverPort, ConfDriverBlockManagerPort} {
		if v, ok := app.Spec.SparkConf[k]; ok {
			args = append(args, "--conf", k+"="+v)
		}
	}
	args = append(args,
		"--conf", "spark.kubernetes.submission.waitAppCompletion=false",
		"--conf", "spark.kubernetes.executor.podTemplateFile="+executorTemplate,
		"--conf", "spark.kubernetes.driver.podTemplateFile="+driverTemplate)
	d := app.Spec.Deps
	for _, f := range []struct {
		flag string
		list []string
	}{{"--jars", d.Jars}, {"--files", d.Files}, {"--py-files", d.PyFiles}, {"--archives", d.Archives},
		{"--packages", app.Spec.Submission.Packages}, {"--exclude-packages", app.Spec.Submission.ExcludePackages},
		{"--repositories", app.Spec.Submission.Repositories}} {
		if len(f.list) > 0 {
			args = append(args, f.flag, strings.Join(f.list, ","))
		}
	}
	// Stoke's spark.kubernetes.proxyUser is spark-submit's --proxy-user.
	if u := props["spark.kubernetes.proxyUser"]; u != "" {
		args = append(args, "--proxy-user", u)
	}
	if app.Spec.Type != stokev1.ApplicationTypePython && app.Spec.Type != stokev1.ApplicationTypeR && app.Spec.MainClass != nil {
		args = append(args, "--class", *app.Spec.MainClass)
	}
	args = append(args, "--name", SparkAppName(app), PrimaryResource(app))
	return append(args, app.Spec.Arguments...)
}

// DriverTemplate is the driver pod template file that gives spark-submit what Stoke's driver fields ask for
// beyond Spark properties: the driver's template plus tolerations, affinity, security contexts, init
// containers, sidecars, extra environment and mounts, written as a spark-submit user would (the Spark
// container named and first, sidecars after it), and enableServiceLinks: false.
func DriverTemplate(app *stokev1.SparkApplication) *corev1.Pod {
	role := &app.Spec.Driver.SparkPodSpec
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
	if role.Template != nil {
		tpl := role.Template.DeepCopy()
		pod.ObjectMeta, pod.Spec = tpl.ObjectMeta, tpl.Spec
	}
	ps := &pod.Spec
	ps.EnableServiceLinks = ptrTo(false)
	if role.SecurityContext != nil || len(role.Env) > 0 || len(role.EnvFrom) > 0 || len(role.VolumeMounts) > 0 || len(role.Sidecars) > 0 {
		idx := -1
		for i := range ps.Containers {
			if ps.Containers[i].Name == DriverContainerName {
				idx = i
			}
		}
		if idx < 0 {
			ps.Containers = append([]corev1.Container{{Name: DriverContainerName}}, ps.Containers...)
			idx = 0
		}
		tmp := &corev1.Pod{Spec: *ps.DeepCopy()}
		c := tmp.Spec.Containers[idx]
		tmp.Spec.Containers = append(tmp.Spec.Containers[:idx:idx], tmp.Spec.Containers[idx+1:]...)
		applyTemplateFields(tmp, &c, role, app.Spec.Volumes)
		tmp.Spec.Containers = append(tmp.Spec.Containers[:idx:idx], append([]corev1.Container{c}, tmp.Spec.Containers[idx:]...)...)
		tmp.Spec.Containers = append(tmp.Spec.Containers, role.Sidecars...)
		pod.Spec = tmp.Spec
		return pod
	}
	c := &corev1.Container{}
	applyTemplateFields(pod, c, role, app.Spec.Volumes)
	return pod
}

// DriverTemplateYAML is DriverTemplate as a file.
func DriverTemplateYAML(app *stokev1.SparkApplication) ([]byte, error) {
	return marshalTemplate(DriverTemplate(app))
}

// marshalTemplate writes a pod template file; Spark cannot read `containers: null`.
func marshalTemplate(pod *corev1.Pod) ([]byte, error) {
	if pod.Spec.Containers == nil {
		pod = pod.DeepCopy()
		pod.Spec.Containers = []corev1.Container{}
	}
	return yaml.Marshal(pod)
}

// Files of the spark-submit pod.
const (
	SubmitterContainerName = "spark-submit"
	SubmitterMountPath     = "/opt/stoke/submit"
	SubmitterDriverFile    = "driver-template.yaml"
	SubmitterExecutorFile  = "executor-template.yaml"
	// LabelSubmitter marks the spark-submit pod of an attempt.
	LabelSubmitter = "stoke.dev/submitter"
)

// Submitter renders the SparkSubmitPod mode of an attempt: a ConfigMap with the driver and executor pod
// template files, and the pod that runs the image's spark-submit with them in cluster mode. The driver gets
// Stoke's deterministic pod name, labels, annotations (specHash among them) and a controller reference to
// the application through the driver template, so the reconciler follows it like a natively built one.
// objs is Build's output for the same attempt.
func Submitter(app *stokev1.SparkApplication, objs *Objects, attempt int32, specHash string) (*corev1.ConfigMap, *corev1.Pod, error) {
	names := objs.Names
	owner := metav1.NewControllerRef(app, stokev1.GroupVersion.WithKind("SparkApplication"))
	owner.BlockOwnerDeletion = nil // the driver's service account need not be allowed to set it
	bookkeeping := map[string]string{LabelManagedBy: ManagedByStoke, LabelAttempt: fmt.Sprint(attempt)}

	driver := DriverTemplate(app)
	driver.Labels = merge(driver.Labels, bookkeeping)
	driver.Annotations = merge(driver.Annotations, map[string]string{AnnotationApplication: app.Name, "stoke.dev/spec-hash": specHash})
	driver.OwnerReferences = []metav1.OwnerReference{*owner}
	driverYAML, err := marshalTemplate(driver)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the driver pod template: %w", err)
	}
	name := names.Prefix + "-submit"
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: app.Namespace, Labels: merge(bookkeeping),
			OwnerReferences: []metav1.OwnerReference{*owner}},
		Immutable: ptrTo(true),
		Data: map[string]string{
			SubmitterDriverFile:   string(driverYAML),
			SubmitterExecutorFile: objs.ConfigMap.Data[PodTemplateKey],
		},
	}

	args := []string{"--master", InClusterMaster, "--deploy-mode", "cluster",
		"--conf", "spark.kubernetes.driver.pod.name=" + names.DriverPod}
	args = append(args, SubmitArgs(app, objs.Properties, SubmitterMountPath+"/"+SubmitterExecutorFile, SubmitterMountPath+"/"+SubmitterDriverFile)...)
	p := objs.Properties
	image := first(p["spark.kubernetes.driver.container.image"], app.Spec.Image)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: app.Namespace,
			Labels:          merge(bookkeeping, map[string]string{LabelSubmitter: "true"}),
			Annotations:     map[string]string{AnnotationApplication: app.Name},
			OwnerReferences: []metav1.OwnerReference{*owner},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyNever,
			ServiceAccountName:           p["spark.kubernetes.authenticate.driver.serviceAccountName"],
			AutomountServiceAccountToken: ptrTo(true),
			EnableServiceLinks:           ptrTo(false),
			Containers: []corev1.Container{{
				Name:            SubmitterContainerName,
				Image:           image,
				ImagePullPolicy: corev1.PullPolicy(first(p["spark.kubernetes.container.image.pullPolicy"], string(corev1.PullIfNotPresent))),
				Command:         []string{"/opt/spark/bin/spark-submit"},
				Args:            args,
				// Ivy's cache and spark-submit's scratch space; SPARK_USER as the native driver has it.
				Env: []corev1.EnvVar{{Name: "SPARK_USER", Value: SparkUser(app)}, {Name: "HOME", Value: "/tmp"}},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "submit", MountPath: SubmitterMountPath, ReadOnly: true},
					{Name: "tmp", MountPath: "/tmp"},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
				},
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
			Volumes: []corev1.Volume{
				{Name: "submit", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
		},
	}
	for _, s := range splitList(p["spark.kubernetes.container.image.pullSecrets"]) {
		pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
	}
	return cm, pod, nil
}
