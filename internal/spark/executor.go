package spark

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// ExecutorPod renders the first executor pod the driver of this attempt will create, the way Spark's
// executor feature steps do (BasicExecutorFeatureStep, credentials, secrets, volumes, local dirs) on top of
// the executor pod template Stoke supplies: its labels, annotations, image, resources, environment, node
// selector, service account and volumes. Stoke creates it only as a server-side dry run before the driver
// starts, so that settings the API server or its admission would refuse for every executor fail the attempt
// at once, with the API server's own words, instead of leaving a driver waiting for executors that never
// come. It is not created for real: the driver does that.
//
// The pod is rendered once per Objects and shared by its readers (admission, the batch scheduler's
// footprint, the dry run): they must not change it.
func ExecutorPod(app *stokev1.SparkApplication, objs *Objects) (*corev1.Pod, error) {
	if objs.executor != nil {
		return objs.executor, nil
	}
	pod, err := renderExecutorPod(app, objs)
	if err != nil {
		return nil, err
	}
	objs.executor = pod
	return pod, nil
}

func renderExecutorPod(app *stokev1.SparkApplication, objs *Objects) (*corev1.Pod, error) {
	p := objs.Properties
	pod := objs.ExecutorTemplate.DeepCopy()
	pod.TypeMeta = objs.ExecutorTemplate.TypeMeta
	pod.Name = objs.Names.ExecutorPrefix + "-exec-1"
	pod.Namespace = app.Namespace
	var container *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == ExecutorContainerName {
			container = &pod.Spec.Containers[i]
		}
	}
	if container == nil {
		return nil, fmt.Errorf("the executor template has no %s container", ExecutorContainerName)
	}
	substitute := strings.NewReplacer("{{APP_ID}}", objs.Names.AppID, "{{EXECUTOR_ID}}", "1").Replace
	labels := withPrefix(p, "spark.kubernetes.executor.label.")
	if AtLeast(app.Spec.SparkVersion, 4) {
		for k, v := range labels {
			labels[k] = substitute(v)
		}
	}
	pod.Labels = merge(pod.Labels, labels, map[string]string{
		LabelAppSelector:       objs.Names.AppID,
		LabelRole:              RoleExecutor,
		LabelExecutorID:        "1",
		LabelResourceProfileID: "0",
		LabelVersion:           app.Spec.SparkVersion,
		LabelAppName:           AppNameLabel(SparkAppName(app)),
	})
	annotations := withPrefix(p, "spark.kubernetes.executor.annotation.")
	for k, v := range annotations {
		annotations[k] = substitute(v)
	}
	pod.Annotations = merge(pod.Annotations, annotations)

	ps := &pod.Spec
	ps.RestartPolicy = corev1.RestartPolicyNever
	ps.Hostname = pod.Name
	ps.NodeSelector = merge(ps.NodeSelector, withPrefix(p, "spark.kubernetes.node.selector."), withPrefix(p, "spark.kubernetes.executor.node.selector."))
	for _, s := range splitList(p["spark.kubernetes.container.image.pullSecrets"]) {
		ps.ImagePullSecrets = append(ps.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
	}
	// Executors run as their own service account, else as the driver's (ExecutorKubernetesCredentialsFeatureStep).
	if sa := first(p["spark.kubernetes.authenticate.executor.serviceAccountName"], p["spark.kubernetes.authenticate.driver.serviceAccountName"]); sa != "" {
		ps.ServiceAccountName = sa
	}
	if s := first(p["spark.kubernetes.executor.scheduler.name"], p["spark.kubernetes.scheduler.name"]); s != "" {
		ps.SchedulerName = s
	}

	memMiB, err := RoleMemoryMiB(app, p, RoleExecutor)
	if err != nil {
		return nil, &InvalidSpecError{Err: err}
	}
	if app.Spec.Type == stokev1.ApplicationTypePython {
		if v, ok := p["spark.executor.pyspark.memory"]; ok {
			if py, err := ParseMiB(v); err == nil && py < MaxPodMemoryMiB {
				memMiB += py
			}
		}
	}
	resources, err := containerResources(p, "executor", memMiB)
	if err != nil {
		return nil, err
	}
	cores := first(p["spark.executor.cores"], "1")
	container.Image = first(p["spark.kubernetes.executor.container.image"], app.Spec.Image)
	container.ImagePullPolicy = corev1.PullPolicy(first(p["spark.kubernetes.container.image.pullPolicy"], string(corev1.PullIfNotPresent)))
	container.Args = []string{"executor"}
	container.Resources = resources
	ports := driverPortsOrDefault(app.Spec.SparkConf)
	env := []corev1.EnvVar{
		{Name: "SPARK_USER", Value: SparkUser(app)},
		{Name: "SPARK_DRIVER_URL", Value: fmt.Sprintf("spark://CoarseGrainedScheduler@%s.%s.svc:%d", objs.Names.DriverService, app.Namespace, ports.RPC)},
		{Name: "SPARK_EXECUTOR_CORES", Value: cores},
		{Name: "SPARK_EXECUTOR_MEMORY", Value: first(p["spark.executor.memory"], "1g")},
		{Name: "SPARK_APPLICATION_ID", Value: objs.Names.AppID},
		{Name: "SPARK_CONF_DIR", Value: SparkConfDir},
		{Name: "SPARK_EXECUTOR_ID", Value: "1"},
		{Name: "SPARK_RESOURCE_PROFILE_ID", Value: "0"},
		{Name: "SPARK_EXECUTOR_POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}},
		{Name: "SPARK_EXECUTOR_POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
	}
	for i, opt := range strings.Fields(p["spark.executor.extraJavaOptions"]) {
		env = append(env, corev1.EnvVar{Name: "SPARK_JAVA_OPT_" + strconv.Itoa(i), Value: opt})
	}
	container.Env = append(container.Env, env...)
	container.Env = append(container.Env, envFromProperties(p, "spark.executorEnv.")...)

	secretVolumes, secretMounts := secretVolumesFromProperties(p, RoleExecutor)
	ps.Volumes = append(ps.Volumes, secretVolumes...)
	container.VolumeMounts = append(container.VolumeMounts, secretMounts...)
	container.Env = append(container.Env, secretEnvFromProperties(p, RoleExecutor)...)
	confVolumes, confMounts, _, err := volumesFromProperties(p, RoleExecutor, app.Spec.SparkVersion, app.Namespace, objs.Names)
	if err != nil {
		return nil, &InvalidSpecError{Err: err}
	}
	ps.Volumes = append(ps.Volumes, confVolumes...)
	container.VolumeMounts = append(container.VolumeMounts, confMounts...)
	addLocalDirs(ps, container, p, objs.Names)
	if err := checkUniqueNames(ps); err != nil {
		return nil, err
	}
	return pod, nil
}

// ExecutorPodShape identifies what the API server's verdict on an executor pod from ExecutorPod depends on:
// the pod with the names and ids of its application and attempt replaced by placeholders (those are valid by
// construction, whatever their value). Two applications built from the same spec have the same shape.
func ExecutorPodShape(pod *corev1.Pod, names Names) (string, error) {
	shape := pod.DeepCopy()
	shape.Name, shape.Spec.Hostname = "<pod>", "<pod>"
	shape.Labels[LabelAppName] = "<app>"
	shape.Annotations[AnnotationApplication] = "<app>"
	for i := range shape.Spec.Containers {
		for j, e := range shape.Spec.Containers[i].Env {
			if e.Name == "SPARK_DRIVER_URL" {
				shape.Spec.Containers[i].Env[j].Value = "<driver-url>"
			}
		}
	}
	data, err := json.Marshal(shape)
	if err != nil {
		return "", fmt.Errorf("encoding the executor pod: %w", err)
	}
	text := strings.NewReplacer(names.AppID, "<app-id>", uuidFrom(names.AppID), "<uuid>").Replace(string(data))
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:]), nil
}
