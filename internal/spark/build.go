// Package spark renders, in Go, the Kubernetes objects that Spark's own `spark-submit --deploy-mode cluster`
// creates for an application: the driver pod, its headless Service and the ConfigMap holding
// spark.properties, plus the executor pod template the driver creates its executors from. The conformance
// suite (test/conformance) compares the output with real spark-submit; docs/conformance.md lists every
// intentional difference.
package spark

import (
	"crypto/sha256"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Labels and annotations on the objects of an attempt.
const (
	LabelAppSelector = "spark-app-selector"
	LabelRole        = "spark-role"
	LabelVersion     = "spark-version"
	LabelAppName     = "spark-app-name"
	RoleDriver       = "driver"
	RoleExecutor     = "executor"

	// LabelManagedBy marks driver and executor pods created for Stoke; the operator's pod cache is limited
	// to pods with this label.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedByStoke = "stoke"
	// LabelAttempt carries the attempt number on the driver pod.
	LabelAttempt = "stoke.dev/attempt"
	// AnnotationApplication names the SparkApplication on driver and executor pods.
	AnnotationApplication = "stoke.dev/application"

	DriverContainerName   = "spark-kubernetes-driver"
	ExecutorContainerName = "spark-kubernetes-executor"

	SparkConfVolume   = "spark-conf-volume-driver"
	SparkConfDir      = "/opt/spark/conf"
	PropertiesFileKey = "spark.properties"

	PodTemplateVolume    = "pod-template-volume"
	PodTemplateMountPath = "/opt/spark/pod-template"
	PodTemplateFileName  = "pod-spec-template.yml"
	PodTemplateKey       = "podspec-configmap-key"

	LocalDirVolume = "spark-local-dir-1"
)

// Objects are what one attempt of an application needs, in creation order: the driver pod first, then the
// ConfigMap and Service, which the driver pod owns (as spark-submit does).
type Objects struct {
	Names      Names
	Properties map[string]string
	DriverPod  *corev1.Pod
	ConfigMap  *corev1.ConfigMap
	Service    *corev1.Service
	// NetworkPolicy is the driver's policy Spark 4.2 and later create: executor pods accept connections only
	// from pods of the same application. Nil for earlier versions.
	NetworkPolicy *networkingv1.NetworkPolicy
	// Claims are the persistent volume claims spark-submit creates for the driver's
	// spark.kubernetes.driver.volumes.persistentVolumeClaim.* volumes with options.storageClass and
	// options.sizeLimit (claimName OnDemand or a fixed name). They are created before the driver pod and then
	// owned by it, as spark-submit does.
	Claims []*corev1.PersistentVolumeClaim
	// ExecutorTemplate is the pod template stored in the ConfigMap for the driver to create executors from.
	ExecutorTemplate *corev1.Pod
	// UIService and UIIngress expose the live Spark UI when spec.ui asks for them (nil otherwise). They are
	// Stoke's, not spark-submit's, and are deleted when the attempt ends.
	UIService *corev1.Service
	UIIngress *networkingv1.Ingress
	// PodGroup is the attempt's Volcano PodGroup when spec.batchScheduler.volcano asks for one (nil
	// otherwise): Stoke's, as Spark's Volcano feature step would create it, owned by the driver pod.
	PodGroup *unstructured.Unstructured

	// executor is ExecutorPod's result, rendered once for every reader of these objects.
	executor *corev1.Pod
}

// KindOf names an object's kind for messages (typed objects carry no TypeMeta).
func KindOf(obj client.Object) string {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.GetKind()
	}
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}

// Owned are the objects the driver pod owns (OwnedByDriver), in the order they are created after it: its
// ConfigMap and Service, then, where built, its NetworkPolicy, volume claims and UI Service and Ingress.
func (o *Objects) Owned() []client.Object {
	owned := []client.Object{o.ConfigMap, o.Service}
	if o.NetworkPolicy != nil {
		owned = append(owned, o.NetworkPolicy)
	}
	for _, c := range o.Claims {
		owned = append(owned, c)
	}
	if o.UIService != nil {
		owned = append(owned, o.UIService)
	}
	if o.UIIngress != nil {
		owned = append(owned, o.UIIngress)
	}
	if o.PodGroup != nil {
		owned = append(owned, o.PodGroup)
	}
	return owned
}

// InvalidSpecError is a spec the builder cannot render; retrying does not help.
type InvalidSpecError struct{ Err error }

func (e *InvalidSpecError) Error() string { return e.Err.Error() }
func (e *InvalidSpecError) Unwrap() error { return e.Err }

func invalid(format string, args ...any) error {
	return &InvalidSpecError{Err: fmt.Errorf(format, args...)}
}

// Build renders the objects of one attempt of the application. It is a pure function of the application
// (its spec, name, namespace and UID) and the attempt number.
func Build(app *stokev1.SparkApplication, attempt int32) (*Objects, error) {
	names := NamesFor(app.Name, app.UID, attempt)
	props := Properties(app, names)
	if err := Validate(app, props); err != nil {
		return nil, err
	}

	executorTemplate, err := buildExecutorTemplate(app)
	if err != nil {
		return nil, err
	}
	if len(executorTemplate.Spec.Containers) > 1 {
		props["spark.kubernetes.executor.podTemplateContainerName"] = ExecutorContainerName
	}
	// Spark takes the first container of a driver template unless told the Spark container's name; Stoke
	// looks for it by name, so it says so whenever there is a choice.
	if t := app.Spec.Driver.Template; t != nil && len(t.Spec.Containers) > 1 {
		props["spark.kubernetes.driver.podTemplateContainerName"] = DriverContainerName
	}
	templateYAML, err := yaml.Marshal(executorTemplate)
	if err != nil {
		return nil, fmt.Errorf("encoding the executor pod template: %w", err)
	}
	driver, claims, err := buildDriverPod(app, names, props, attempt)
	if err != nil {
		return nil, err
	}
	objs := &Objects{
		Names:            names,
		Properties:       props,
		DriverPod:        driver,
		NetworkPolicy:    buildNetworkPolicy(app, names),
		Claims:           claims,
		ExecutorTemplate: executorTemplate,
		UIService:        buildUIService(app, names),
		UIIngress:        buildUIIngress(app, names),
	}
	if objs.PodGroup, err = batchSchedulerObjects(app, objs); err != nil {
		return nil, err
	}
	objs.ConfigMap = buildConfigMap(app, names, props, string(templateYAML))
	objs.Service = buildService(app, names, props, driver)
	return objs, nil
}

// buildDriverPod follows Spark's driver feature steps (basic, credentials, secrets, env secrets, volumes,
// command, Hadoop conf, pod template ConfigMap, local dirs, then spark-submit's conf volume) on top of the
// user's driver template, and then adds what Stoke's fields ask for beyond Spark properties.
func buildDriverPod(app *stokev1.SparkApplication, names Names, p map[string]string, attempt int32) (*corev1.Pod, []*corev1.PersistentVolumeClaim, error) {
	spec := &app.Spec
	role := &spec.Driver.SparkPodSpec
	pod, container := podFromTemplate(role.Template, DriverContainerName)
	applyTemplateFields(pod, container, role, spec.Volumes)

	memMiB, err := PodMemoryMiB(p["spark.driver.memory"], optional(p, "spark.driver.memoryOverhead"),
		first(p["spark.driver.memoryOverheadFactor"], p["spark.kubernetes.memoryOverheadFactor"]),
		minOverhead(spec.SparkVersion, p["spark.driver.minMemoryOverhead"]))
	if err != nil {
		return nil, nil, invalid("driver memory: %w", err)
	}
	resources, err := containerResources(p, "driver", memMiB)
	if err != nil {
		return nil, nil, err
	}

	pod.Name = names.DriverPod
	pod.Namespace = app.Namespace
	pod.Labels = merge(pod.Labels, driverUserLabels(p, spec.SparkVersion, names.AppID), map[string]string{
		LabelAppSelector: names.AppID,
		LabelRole:        RoleDriver,
		LabelVersion:     spec.SparkVersion,
		LabelAppName:     AppNameLabel(SparkAppName(app)),
		LabelManagedBy:   ManagedByStoke,
		LabelAttempt:     fmt.Sprint(attempt),
	})
	pod.Annotations = merge(pod.Annotations, substituteAppID(withPrefix(p, driverAnnotationPrefix), names.AppID),
		map[string]string{AnnotationApplication: app.Name})
	pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(app, stokev1.GroupVersion.WithKind("SparkApplication"))}

	ps := &pod.Spec
	ps.RestartPolicy = corev1.RestartPolicyNever
	ps.EnableServiceLinks = ptrTo(false)
	ps.NodeSelector = merge(ps.NodeSelector, withPrefix(p, "spark.kubernetes.node.selector."), withPrefix(p, "spark.kubernetes.driver.node.selector."))
	for _, s := range splitList(p["spark.kubernetes.container.image.pullSecrets"]) {
		ps.ImagePullSecrets = append(ps.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
	}
	if sa := p["spark.kubernetes.authenticate.driver.serviceAccountName"]; sa != "" {
		ps.ServiceAccountName = sa
		ps.DeprecatedServiceAccount = sa // spark-submit sets both
	}
	if s := first(p["spark.kubernetes.driver.scheduler.name"], p["spark.kubernetes.scheduler.name"]); s != "" {
		ps.SchedulerName = s
	}

	container.Name = DriverContainerName
	container.Image = first(p["spark.kubernetes.driver.container.image"], spec.Image)
	container.ImagePullPolicy = corev1.PullPolicy(first(p["spark.kubernetes.container.image.pullPolicy"], string(corev1.PullIfNotPresent)))
	container.Ports = append(container.Ports, driverPortsOrDefault(spec.SparkConf).containerPorts(spec.SparkVersion)...)
	if AtLeast(spec.SparkVersion, 4) {
		// Spark 4 always sets it, from its configuration (default false), over the template's value.
		if container.SecurityContext == nil {
			container.SecurityContext = &corev1.SecurityContext{}
		}
		container.SecurityContext.AllowPrivilegeEscalation = ptrTo(p["spark.kubernetes.driver.securityContext.allowPrivilegeEscalation"] == "true")
	}
	container.Env = append(container.Env, corev1.EnvVar{Name: "SPARK_USER", Value: SparkUser(app)},
		corev1.EnvVar{Name: "SPARK_APPLICATION_ID", Value: names.AppID})
	container.Env = append(container.Env, envFromProperties(p, "spark.kubernetes.driverEnv.")...)
	container.Env = append(container.Env, corev1.EnvVar{Name: "SPARK_DRIVER_BIND_ADDRESS", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}})
	container.Resources = resources

	// Secrets, secret env, and Spark-declared volumes.
	secretVolumes, secretMounts := secretVolumesFromProperties(p, "driver")
	ps.Volumes = append(ps.Volumes, secretVolumes...)
	container.VolumeMounts = append(container.VolumeMounts, secretMounts...)
	container.Env = append(container.Env, secretEnvFromProperties(p, "driver")...)
	confVolumes, confMounts, claims, err := volumesFromProperties(p, RoleDriver, spec.SparkVersion, app.Namespace, names)
	if err != nil {
		return nil, nil, &InvalidSpecError{Err: err}
	}
	ps.Volumes = append(ps.Volumes, confVolumes...)
	container.VolumeMounts = append(container.VolumeMounts, confMounts...)

	// The driver command.
	container.Args = driverArgs(app, p)
	container.Env = append(container.Env, pythonEnv(p)...)

	if cm := p["spark.kubernetes.hadoop.configMapName"]; cm != "" {
		ps.Volumes = append(ps.Volumes, corev1.Volume{Name: "hadoop-properties", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm}}}})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: "hadoop-properties", MountPath: "/opt/hadoop/conf"})
		container.Env = append(container.Env, corev1.EnvVar{Name: "HADOOP_CONF_DIR", Value: "/opt/hadoop/conf"})
	}

	// The executor pod template, from the attempt's ConfigMap.
	ps.Volumes = append(ps.Volumes, corev1.Volume{Name: PodTemplateVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: names.ConfigMap},
		Items:                []corev1.KeyToPath{{Key: PodTemplateKey, Path: PodTemplateFileName}},
	}}})
	container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: PodTemplateVolume, MountPath: PodTemplateMountPath})

	addLocalDirs(ps, container, p, names)

	// spark.properties, as spark-submit mounts it.
	container.Env = append(container.Env, corev1.EnvVar{Name: "SPARK_CONF_DIR", Value: SparkConfDir})
	ps.Volumes = append(ps.Volumes, corev1.Volume{Name: SparkConfVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: names.ConfigMap},
		Items:                []corev1.KeyToPath{{Key: PropertiesFileKey, Path: PropertiesFileKey, Mode: ptrTo(int32(0o644))}},
	}}})
	container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: SparkConfVolume, MountPath: SparkConfDir})

	if err := finishPod(pod, container, role); err != nil {
		return nil, nil, err
	}
	return pod, claims, nil
}

// driverArgs is the driver container's command line for the image's entrypoint.
func driverArgs(app *stokev1.SparkApplication, p map[string]string) []string {
	args := []string{"driver"}
	if u := p["spark.kubernetes.proxyUser"]; u != "" {
		args = append(args, "--proxy-user", u)
	}
	args = append(args, "--properties-file", SparkConfDir+"/"+PropertiesFileKey)
	if c := MainClass(app); c != "" {
		args = append(args, "--class", c)
	}
	args = append(args, PrimaryResource(app))
	return append(args, app.Spec.Arguments...)
}

// pythonEnv is the interpreter environment Spark's command step sets for Python drivers.
func pythonEnv(p map[string]string) []corev1.EnvVar {
	var env []corev1.EnvVar
	if v := p["spark.pyspark.python"]; v != "" {
		env = append(env, corev1.EnvVar{Name: "PYSPARK_PYTHON", Value: v})
	}
	if v := p["spark.pyspark.driver.python"]; v != "" {
		env = append(env, corev1.EnvVar{Name: "PYSPARK_DRIVER_PYTHON", Value: v})
	}
	return env
}

// addLocalDirs gives the driver scratch space as Spark's local dirs step does, unless the user declared
// spark-local-dir-* volumes of their own.
func addLocalDirs(ps *corev1.PodSpec, c *corev1.Container, p map[string]string, names Names) {
	for _, v := range ps.Volumes {
		if strings.HasPrefix(v.Name, "spark-local-dir-") {
			var dirs []string
			for _, m := range c.VolumeMounts {
				if strings.HasPrefix(m.Name, "spark-local-dir-") {
					dirs = append(dirs, m.MountPath)
				}
			}
			c.Env = append(c.Env, corev1.EnvVar{Name: "SPARK_LOCAL_DIRS", Value: strings.Join(dirs, ",")})
			return
		}
	}
	dirs := splitList(first(p["spark.local.dir"], "/var/data/spark-"+uuidFrom(names.AppID)))
	medium := corev1.StorageMediumDefault
	if p["spark.kubernetes.local.dirs.tmpfs"] == "true" {
		medium = corev1.StorageMediumMemory
	}
	for i, dir := range dirs {
		name := fmt.Sprintf("spark-local-dir-%d", i+1)
		ps.Volumes = append(ps.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: medium}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: dir})
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: "SPARK_LOCAL_DIRS", Value: strings.Join(dirs, ",")})
}

// uuidFrom formats a stable UUID-shaped string from an id, standing in for Spark's random local dir UUID.
func uuidFrom(id string) string {
	s := sha256.Sum256([]byte(id))
	h := fmt.Sprintf("%x", s[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SparkUser is the SPARK_USER of the driver: the proxy user if one is set, else "spark".
func SparkUser(app *stokev1.SparkApplication) string {
	if u := app.Spec.SparkConf["spark.kubernetes.proxyUser"]; u != "" {
		return u
	}
	return "spark"
}

func buildConfigMap(app *stokev1.SparkApplication, names Names, p map[string]string, executorTemplate string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: names.ConfigMap, Namespace: app.Namespace},
		Immutable:  ptrTo(true),
		Data: map[string]string{
			PropertiesFileKey:            "#Java properties built from Kubernetes config map with name: " + names.ConfigMap + "\n" + EncodeProperties(p),
			"spark.kubernetes.namespace": app.Namespace,
			PodTemplateKey:               executorTemplate,
		},
	}
}

// buildService renders the headless driver Service. Like Spark's, its selector is every Spark label of the
// driver pod (the preset ones and the user's), but not Stoke's own bookkeeping labels.
func buildService(app *stokev1.SparkApplication, names Names, p map[string]string, driver *corev1.Pod) *corev1.Service {
	selector := driverUserLabels(p, app.Spec.SparkVersion, names.AppID)
	for _, k := range []string{LabelAppSelector, LabelRole, LabelVersion, LabelAppName} {
		selector[k] = driver.Labels[k]
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:        names.DriverService,
			Namespace:   app.Namespace,
			Labels:      merge(withPrefix(p, "spark.kubernetes.driver.service.label."), map[string]string{LabelAppSelector: names.AppID}),
			Annotations: nilIfEmpty(withPrefix(p, "spark.kubernetes.driver.service.annotation.")), // Spark keeps {{APP_ID}} here
		},
		Spec: corev1.ServiceSpec{
			ClusterIP:      corev1.ClusterIPNone,
			Selector:       selector,
			IPFamilies:     []corev1.IPFamily{corev1.IPFamily(first(p["spark.kubernetes.driver.service.ipFamilies"], string(corev1.IPv4Protocol)))},
			IPFamilyPolicy: ptrTo(corev1.IPFamilyPolicy(first(p["spark.kubernetes.driver.service.ipFamilyPolicy"], string(corev1.IPFamilyPolicySingleStack)))),
		},
	}
	svc.Spec.Ports = driverPortsOrDefault(app.Spec.SparkConf).servicePorts(app.Spec.SparkVersion)
	return svc
}

// NetworkPolicyMinVersion is the first Spark release whose spark-submit creates the driver NetworkPolicy.
const NetworkPolicyMinVersion = "4.2"

// buildNetworkPolicy renders the NetworkPolicy <prefix>-policy of Spark 4.2+ (its NetworkPolicyFeatureStep,
// created unconditionally): it selects the application's executor pods and admits ingress only from pods
// with the same spark-app-selector. The policy type is left to the apiserver's default (Ingress).
func buildNetworkPolicy(app *stokev1.SparkApplication, names Names) *networkingv1.NetworkPolicy {
	if !AtLeastMinor(app.Spec.SparkVersion, 4, 2) {
		return nil
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: names.NetworkPolicy, Namespace: app.Namespace,
			Labels: map[string]string{LabelAppSelector: names.AppID}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{LabelRole: RoleExecutor, LabelAppSelector: names.AppID}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelAppSelector: names.AppID}},
			}}}},
		},
	}
}

// OwnedByDriver makes an object owned by the attempt's driver pod, so that it goes when the pod goes.
func OwnedByDriver(obj metav1.Object, driver *corev1.Pod) {
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: "v1", Kind: "Pod", Name: driver.Name, UID: driver.UID, Controller: ptrTo(true),
	}})
}

// driverUserLabels are the user's spark.kubernetes.driver.label.* labels; Spark 4 replaces {{APP_ID}} in their
// values, Spark 3 does not.
func driverUserLabels(p map[string]string, sparkVersion, appID string) map[string]string {
	labels := withPrefix(p, "spark.kubernetes.driver.label.")
	if AtLeast(sparkVersion, 4) {
		return substituteAppID(labels, appID)
	}
	return labels
}

// substituteAppID replaces {{APP_ID}} in annotation values, as Spark does.
func substituteAppID(m map[string]string, appID string) map[string]string {
	for k, v := range m {
		m[k] = strings.ReplaceAll(v, "{{APP_ID}}", appID)
	}
	return m
}

func optional(p map[string]string, key string) *string {
	if v, ok := p[key]; ok {
		return &v
	}
	return nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// merge returns the union of maps, later ones winning; nil when all are empty.
func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return nilIfEmpty(out)
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
