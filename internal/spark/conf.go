package spark

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Spark configuration keys the builder writes.
const (
	InClusterMaster = "k8s://https://kubernetes.default.svc:443"

	DriverPort       = 7078
	BlockManagerPort = 7079
	UIPort           = 4040
	// ConnectPort is Spark Connect's gRPC port, which Spark 4 exposes on the driver.
	ConnectPort = 15002

	PythonRunnerClass = "org.apache.spark.deploy.PythonRunner"
	RRunnerClass      = "org.apache.spark.deploy.RRunner"
	// NoPrimaryResource is what spark-submit passes when a JVM application has no application jar.
	NoPrimaryResource = "spark-internal"
)

// ResourceType is spark.kubernetes.resource.type for the application's language.
func ResourceType(t stokev1.ApplicationType) string {
	switch t {
	case stokev1.ApplicationTypePython:
		return "python"
	case stokev1.ApplicationTypeR:
		return "r"
	default:
		return "java"
	}
}

// MainClass is the class the driver runs: the user's for JVM applications, Spark's runner otherwise.
func MainClass(app *stokev1.SparkApplication) string {
	switch app.Spec.Type {
	case stokev1.ApplicationTypePython:
		return PythonRunnerClass
	case stokev1.ApplicationTypeR:
		return RRunnerClass
	}
	if app.Spec.MainClass != nil {
		return *app.Spec.MainClass
	}
	return ""
}

// PrimaryResource is the application file argument of the driver.
func PrimaryResource(app *stokev1.SparkApplication) string {
	if app.Spec.MainApplicationFile != nil {
		return *app.Spec.MainApplicationFile
	}
	return NoPrimaryResource
}

// SparkAppName is the Spark application's name: spark.app.name from sparkConf (as spark-submit takes it
// from --conf when no --name is given), else the object's name.
func SparkAppName(app *stokev1.SparkApplication) string {
	if n := app.Spec.SparkConf["spark.app.name"]; n != "" {
		return n
	}
	return app.Name
}

// DefaultOverheadFactor is the memory overhead factor of roles that set none: spark.kubernetes.memoryOverheadFactor
// when the user set it, else Spark's default for the application's language (0.4 for Python and R, 0.1
// otherwise). spark-submit writes it into spark.properties, and executors without a factor of their own use it.
func DefaultOverheadFactor(app *stokev1.SparkApplication) string {
	if v, ok := app.Spec.SparkConf["spark.kubernetes.memoryOverheadFactor"]; ok {
		return v
	}
	if app.Spec.Type == stokev1.ApplicationTypePython || app.Spec.Type == stokev1.ApplicationTypeR {
		return NonJVMOverheadFactor
	}
	return JVMOverheadFactor
}

// Properties is the content of spark.properties for one attempt: the user's configuration, the spec's
// fields translated to the Spark properties spark-submit would set for them, and the system properties
// spark-submit adds in cluster mode. Spec fields win over the same keys in sparkConf, as spark-submit's
// flags win over --conf.
func Properties(app *stokev1.SparkApplication, names Names) map[string]string {
	spec := &app.Spec
	p := map[string]string{}
	for k, v := range spec.SparkConf {
		p[k] = v
	}
	for k, v := range spec.HadoopConf {
		p["spark.hadoop."+k] = v
	}

	// What spark-submit sets from its arguments.
	p["spark.app.name"] = SparkAppName(app)
	p["spark.master"] = InClusterMaster
	p["spark.submit.deployMode"] = "cluster"
	p["spark.kubernetes.namespace"] = app.Namespace
	p["spark.kubernetes.container.image"] = spec.Image
	setIf(p, "spark.kubernetes.container.image.pullPolicy", string(spec.ImagePullPolicy))
	setIf(p, "spark.kubernetes.container.image.pullSecrets", strings.Join(spec.ImagePullSecrets, ","))
	// Like spark-submit's --jars/--files/... flags, deps replace the same keys of sparkConf; without deps the
	// sparkConf value stays. The primary jar is appended to spark.jars either way.
	setIf(p, "spark.jars", joinURIs(listOr(spec.Deps.Jars, p["spark.jars"]), jvmPrimaryJar(app)))
	setIf(p, "spark.files", strings.Join(spec.Deps.Files, ","))
	p["spark.submit.pyFiles"] = listOr(spec.Deps.PyFiles, p["spark.submit.pyFiles"]) // spark-submit always writes it
	setIf(p, "spark.archives", strings.Join(spec.Deps.Archives, ","))

	roleProperties(p, "driver", &spec.Driver.SparkPodSpec)
	roleProperties(p, "executor", &spec.Executor.SparkPodSpec)
	for k, v := range spec.Driver.ServiceLabels {
		p["spark.kubernetes.driver.service.label."+k] = v
	}
	for k, v := range spec.Driver.ServiceAnnotations {
		p["spark.kubernetes.driver.service.annotation."+k] = v
	}
	if spec.Executor.Instances != nil {
		p["spark.executor.instances"] = strconv.Itoa(int(*spec.Executor.Instances))
	}
	if spec.Executor.DeleteOnTermination != nil {
		p["spark.kubernetes.executor.deleteOnTermination"] = strconv.FormatBool(*spec.Executor.DeleteOnTermination)
	}
	dynamicAllocationProperties(p, spec.DynamicAllocation)
	metricsProperties(p, app)
	uiProperties(p, app)
	batchSchedulerProperties(p, spec.BatchScheduler)

	// The system properties of spark-submit's Kubernetes feature steps.
	p["spark.app.id"] = names.AppID
	p["spark.kubernetes.driver.pod.name"] = names.DriverPod
	p["spark.kubernetes.executor.podNamePrefix"] = names.ExecutorPrefix
	p["spark.kubernetes.submitInDriver"] = "true"
	p["spark.kubernetes.resource.type"] = ResourceType(spec.Type)
	p["spark.kubernetes.memoryOverheadFactor"] = DefaultOverheadFactor(app)
	p["spark.driver.host"] = names.DriverService + "." + app.Namespace + ".svc"
	ports := driverPortsOrDefault(spec.SparkConf)
	p[ConfDriverPort] = strconv.Itoa(int(ports.RPC))
	p[ConfDriverBlockManagerPort] = strconv.Itoa(int(ports.BlockManager))
	p["spark.kubernetes.executor.podTemplateFile"] = PodTemplateMountPath + "/" + PodTemplateFileName
	// Spark's Hadoop conf step tells the executors about the driver's Hadoop ConfigMap.
	if cm := p["spark.kubernetes.hadoop.configMapName"]; cm != "" {
		p["spark.kubernetes.executor.hadoopConfigMapName"] = cm
	}
	return p
}

// AtLeast reports whether a Spark version string ("3.5.9", "4.0.1") has at least the given major version.
func AtLeast(sparkVersion string, major int) bool {
	head, _, _ := strings.Cut(sparkVersion, ".")
	v, err := strconv.Atoi(head)
	return err == nil && v >= major
}

// AtLeastMinor reports whether a Spark version string is at least major.minor ("4.2.0" and "4.3.0" are at
// least 4.2; "4" alone counts as 4.0).
func AtLeastMinor(sparkVersion string, major, minor int) bool {
	parts := strings.SplitN(sparkVersion, ".", 3)
	maj, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	if maj != major {
		return maj > major
	}
	min := 0
	if len(parts) > 1 {
		if min, err = strconv.Atoi(parts[1]); err != nil {
			return false
		}
	}
	return min >= minor
}

// minOverhead is the floor of the memory overhead: 384 MiB, configurable with spark.driver.minMemoryOverhead
// (or spark.executor.minMemoryOverhead) from Spark 4.
func minOverhead(sparkVersion, configured string) int64 {
	if configured != "" && AtLeast(sparkVersion, 4) {
		if v, err := ParseMiB(configured); err == nil {
			return v
		}
	}
	return MinMemoryOverheadMiB
}

// roleProperties translates the fields of a role that Spark has properties for.
func roleProperties(p map[string]string, role string, s *stokev1.SparkPodSpec) {
	if s.Cores != nil {
		p["spark."+role+".cores"] = strconv.Itoa(int(*s.Cores))
	}
	k8s := "spark.kubernetes." + role + "."
	setPtr(p, k8s+"request.cores", s.CoreRequest)
	setPtr(p, k8s+"limit.cores", s.CoreLimit)
	setPtr(p, "spark."+role+".memory", s.Memory)
	setPtr(p, "spark."+role+".memoryOverhead", s.MemoryOverhead)
	setPtr(p, "spark."+role+".memoryOverheadFactor", s.MemoryOverheadFactor)
	setPtr(p, k8s+"container.image", s.Image)
	setPtr(p, "spark."+role+".extraJavaOptions", s.JavaOptions)
	setPtr(p, k8s+"scheduler.name", s.SchedulerName)
	setPtr(p, "spark.kubernetes.authenticate."+role+".serviceAccountName", s.ServiceAccount)
	for k, v := range s.Labels {
		p[k8s+"label."+k] = v
	}
	for k, v := range s.Annotations {
		p[k8s+"annotation."+k] = v
	}
	for k, v := range s.NodeSelector {
		p[k8s+"node.selector."+k] = v
	}
	envPrefix := "spark.kubernetes.driverEnv."
	if role == "executor" {
		envPrefix = "spark.executorEnv."
	}
	for _, e := range s.Env {
		if e.ValueFrom == nil {
			p[envPrefix+e.Name] = e.Value
		}
	}
	if s.GPU != nil {
		vendor, name := splitResourceName(s.GPU.Name)
		p["spark."+role+".resource."+name+".amount"] = strconv.FormatInt(s.GPU.Quantity, 10)
		setIf(p, "spark."+role+".resource."+name+".vendor", vendor)
	}
}

func dynamicAllocationProperties(p map[string]string, d *stokev1.DynamicAllocation) {
	if d == nil {
		return
	}
	p["spark.dynamicAllocation.enabled"] = strconv.FormatBool(d.Enabled)
	if !d.Enabled {
		return
	}
	tracking := d.ShuffleTrackingEnabled == nil || *d.ShuffleTrackingEnabled
	p["spark.dynamicAllocation.shuffleTracking.enabled"] = strconv.FormatBool(tracking)
	setInt32(p, "spark.dynamicAllocation.initialExecutors", d.InitialExecutors)
	setInt32(p, "spark.dynamicAllocation.minExecutors", d.MinExecutors)
	setInt32(p, "spark.dynamicAllocation.maxExecutors", d.MaxExecutors)
	if d.ShuffleTrackingTimeoutSeconds != nil {
		p["spark.dynamicAllocation.shuffleTracking.timeout"] = fmt.Sprintf("%ds", *d.ShuffleTrackingTimeoutSeconds)
	}
	if d.ExecutorIdleTimeoutSeconds != nil {
		p["spark.dynamicAllocation.executorIdleTimeout"] = fmt.Sprintf("%ds", *d.ExecutorIdleTimeoutSeconds)
	}
}

// jvmPrimaryJar is the application jar, which spark-submit adds to spark.jars in Kubernetes cluster mode.
func jvmPrimaryJar(app *stokev1.SparkApplication) string {
	if app.Spec.Type == stokev1.ApplicationTypePython || app.Spec.Type == stokev1.ApplicationTypeR {
		return ""
	}
	if app.Spec.MainApplicationFile == nil {
		return ""
	}
	return *app.Spec.MainApplicationFile
}

func joinURIs(uris string, extra string) string {
	if uris == "" {
		return extra
	}
	if extra == "" {
		return uris
	}
	return uris + "," + extra
}

// listOr is the comma-joined list, or fallback when the list is empty.
func listOr(list []string, fallback string) string {
	if len(list) == 0 {
		return fallback
	}
	return strings.Join(list, ",")
}

// splitResourceName turns "nvidia.com/gpu" into the vendor "nvidia.com" and Spark's resource name "gpu".
func splitResourceName(full string) (vendor, name string) {
	if i := strings.LastIndex(full, "/"); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

func setIf(p map[string]string, key, value string) {
	if value != "" {
		p[key] = value
	}
}

func setPtr(p map[string]string, key string, value *string) {
	if value != nil {
		p[key] = *value
	}
}

func setInt32(p map[string]string, key string, value *int32) {
	if value != nil {
		p[key] = strconv.Itoa(int(*value))
	}
}

// envFromProperties is the container environment Spark derives from properties with the given prefix
// (spark.kubernetes.driverEnv. or spark.executorEnv.), sorted by name.
func envFromProperties(p map[string]string, prefix string) []corev1.EnvVar {
	var env []corev1.EnvVar
	for k, v := range p {
		if name, ok := strings.CutPrefix(k, prefix); ok && name != "" {
			env = append(env, corev1.EnvVar{Name: name, Value: v})
		}
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	return env
}

// withPrefix collects the properties under a prefix, keyed by the rest of the key.
func withPrefix(p map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range p {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}
