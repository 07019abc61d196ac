package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationType is the language of a Spark application's main program.
// +kubebuilder:validation:Enum=Java;Scala;Python;R
type ApplicationType string

const (
	ApplicationTypeJava   ApplicationType = "Java"
	ApplicationTypeScala  ApplicationType = "Scala"
	ApplicationTypePython ApplicationType = "Python"
	ApplicationTypeR      ApplicationType = "R"
)

// SparkApplicationSpec describes one Spark job run in cluster mode: the driver runs in a pod Stoke creates
// and the driver creates the executor pods from a template Stoke supplies.
//
// +kubebuilder:validation:XValidation:rule="!(self.type in ['Java', 'Scala']) || has(self.mainClass)",message="mainClass is required when type is Java or Scala"
// +kubebuilder:validation:XValidation:rule="!(self.type in ['Python', 'R']) || has(self.mainApplicationFile)",message="mainApplicationFile is required when type is Python or R"
type SparkApplicationSpec struct {
	// Type is the language of the main program: Java, Scala, Python or R.
	Type ApplicationType `json:"type"`

	// SparkVersion is the Spark version inside the image, for example "3.5.7" or "4.0.1". It selects
	// version-specific behaviour of the driver builder and becomes the pods' spark-version label.
	// +kubebuilder:validation:Pattern=`^[0-9]+\.[0-9]+(\.[0-9]+)?([.-][0-9A-Za-z.-]+)?$`
	// +kubebuilder:validation:MaxLength=63
	SparkVersion string `json:"sparkVersion"`

	// Image is the container image of the driver and the executors, unless a role sets its own.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^\S+$`
	Image string `json:"image"`

	// ImagePullPolicy is the pull policy of the Spark containers (Always, IfNotPresent or Never).
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// ImagePullSecrets names Secrets in the application's namespace used to pull the image.
	// +optional
	// +listType=atomic
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`

	// MainApplicationFile is the primary resource: the application jar, Python file or R file, as a URI
	// (local:// for a path inside the image, or a remote scheme such as https://, s3a://, hdfs://). A Java
	// or Scala application whose classes are already on the image's classpath may leave it empty.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:Pattern=`^[^\s\x00-\x1f\x7f]+$`
	MainApplicationFile *string `json:"mainApplicationFile,omitempty"`

	// MainClass is the fully qualified entry point of a Java or Scala application: Java identifiers
	// separated by dots (for example org.apache.spark.examples.SparkPi, or com.example.Job$ for a Scala
	// object).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$`
	MainClass *string `json:"mainClass,omitempty"`

	// Arguments are passed to the main program, in order. They cannot hold NUL characters, which no
	// process can receive.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:Pattern=`^[^\x00]*$`
	Arguments []string `json:"arguments,omitempty"`

	// SparkConf is extra Spark configuration, as with spark-submit's --conf. Keys that Stoke owns (the master
	// URL, deploy mode, namespace, driver pod name, application id, driver host and bind address, pod
	// template files and executor pod name prefix) are rejected: set the matching spec field instead.
	// +optional
	// +kubebuilder:validation:MaxProperties=2000
	// +kubebuilder:validation:XValidation:rule="self.all(k, !(k in ['spark.master', 'spark.submit.deployMode', 'spark.kubernetes.namespace', 'spark.kubernetes.driver.pod.name', 'spark.app.id', 'spark.driver.host', 'spark.driver.bindAddress', 'spark.kubernetes.driver.podTemplateFile', 'spark.kubernetes.executor.podTemplateFile', 'spark.kubernetes.executor.podNamePrefix', 'spark.kubernetes.driver.master', 'spark.kubernetes.submitInDriver']))",message="sparkConf must not set keys Stoke owns: spark.master, spark.submit.deployMode, spark.kubernetes.namespace, spark.kubernetes.driver.pod.name, spark.app.id, spark.driver.host, spark.driver.bindAddress, spark.kubernetes.{driver,executor}.podTemplateFile, spark.kubernetes.executor.podNamePrefix, spark.kubernetes.driver.master, spark.kubernetes.submitInDriver"
	SparkConf map[string]string `json:"sparkConf,omitempty"`

	// HadoopConf is Hadoop configuration; each key k becomes the Spark property spark.hadoop.k.
	// +optional
	// +kubebuilder:validation:MaxProperties=2000
	HadoopConf map[string]string `json:"hadoopConf,omitempty"`

	// Deps are dependencies fetched by the driver at start-up.
	// +optional
	Deps Dependencies `json:"deps,omitempty"`

	// Volumes are pod volumes made available to the driver and executors; a role mounts them with its
	// volumeMounts.
	// +optional
	// +listType=map
	// +listMapKey=name
	Volumes []corev1.Volume `json:"volumes,omitempty"`

	// Driver configures the driver pod.
	// +optional
	Driver DriverSpec `json:"driver,omitempty"`

	// Executor configures the executor pods, which the driver creates from a pod template Stoke renders.
	// +optional
	Executor ExecutorSpec `json:"executor,omitempty"`

	// RestartPolicy says when a finished attempt is followed by a new one.
	// +optional
	RestartPolicy RestartPolicy `json:"restartPolicy,omitempty"`

	// Timeouts bound the start-up of an attempt; a timeout ends the attempt as an infrastructure failure.
	// +optional
	Timeouts Timeouts `json:"timeouts,omitempty"`

	// DynamicAllocation lets Spark add and remove executors with the load.
	// +optional
	DynamicAllocation *DynamicAllocation `json:"dynamicAllocation,omitempty"`

	// TimeToLiveSeconds deletes the application this long after it succeeded or failed for good.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=315360000
	TimeToLiveSeconds *int64 `json:"timeToLiveSeconds,omitempty"`

	// Suspend stops the application: the current attempt's pods are deleted. Setting it back to false
	// starts a new attempt.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Queue is the SparkQueue the application waits in until its starting footprint (the driver plus its
	// initial executors) fits the queue's quota; nothing of an attempt is created before. Empty: the queue
	// named by the namespace's stoke.dev/queue label, if any; otherwise the application is not queued.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Queue string `json:"queue,omitempty"`

	// QueuePriority orders the applications waiting in a queue: higher first, and among equals the one
	// created first (default 0).
	// +optional
	// +kubebuilder:validation:Minimum=-1000000
	// +kubebuilder:validation:Maximum=1000000
	QueuePriority int32 `json:"queuePriority,omitempty"`

	// RunToken is a free-form value with no meaning of its own. It is part of the spec, so changing it
	// changes the spec like any other field: a finished application runs again as a new attempt, and a
	// running one is replaced by a new attempt. `stoke rerun` sets it to a fresh value.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	RunToken string `json:"runToken,omitempty"`

	// Submission says how the driver is started. By default (mode Native) Stoke renders the driver's objects
	// itself; the SparkSubmitPod mode runs real spark-submit in a short-lived pod for what that cannot do.
	// +optional
	Submission Submission `json:"submission,omitempty"`

	// Monitoring says what the driver exposes for Prometheus. By default Spark's own Prometheus endpoints
	// are on (docs/observability.md).
	// +optional
	Monitoring Monitoring `json:"monitoring,omitempty"`
	// UI exposes each attempt's live Spark UI outside the driver pod through a Service and, optionally, an
	// Ingress; both are deleted when the attempt ends (docs/observability.md).
	// +optional
	UI *SparkUI `json:"ui,omitempty"`

	// BatchScheduler hands the application's pods to a batch scheduler already running in the cluster,
	// Volcano or YuniKorn, with the whole starting footprint (the driver and its initial executors) as one
	// gang, so the scheduler starts the driver only when its executors fit too (docs/queues.md). Stoke's own
	// SparkQueue admission, if the application uses a queue, still comes first.
	// +optional
	BatchScheduler *BatchScheduler `json:"batchScheduler,omitempty"`
}

// BatchScheduler names the batch scheduler of the application's pods: exactly one of volcano and
// yunikorn.
//
// +kubebuilder:validation:XValidation:rule="has(self.volcano) != has(self.yunikorn)",message="batchScheduler: set exactly one of volcano and yunikorn"
type BatchScheduler struct {
	// Volcano: every attempt gets a PodGroup <spark app id>-podgroup (scheduling.volcano.sh/v1beta1),
	// owned by its driver pod, with minMember 1 and minResources the attempt's starting footprint; driver
	// and executors carry the scheduling.k8s.io/group-name annotation and Volcano's scheduler name.
	// +optional
	Volcano *VolcanoScheduling `json:"volcano,omitempty"`
	// YuniKorn: the driver carries the task groups of the starting footprint (spark-driver, and
	// spark-executor with the initial executors as its minMember) in yunikorn.apache.org/task-groups;
	// driver and executors carry their task group's name, the queue label and YuniKorn's scheduler name.
	// +optional
	YuniKorn *YuniKornScheduling `json:"yunikorn,omitempty"`
}

// VolcanoScheduling places the application's pods in a Volcano PodGroup.
type VolcanoScheduling struct {
	// SchedulerName of Volcano's scheduler (default "volcano").
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SchedulerName string `json:"schedulerName,omitempty"`
	// Queue is the Volcano queue of the PodGroup; empty is Volcano's "default" queue.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Queue string `json:"queue,omitempty"`
	// PriorityClassName of the PodGroup; empty takes the driver's priorityClassName, as Spark's own
	// Volcano support does.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// YuniKornScheduling places the application's pods in a YuniKorn queue, gang-scheduled.
type YuniKornScheduling struct {
	// SchedulerName of YuniKorn's scheduler (default "yunikorn").
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SchedulerName string `json:"schedulerName,omitempty"`
	// Queue is the YuniKorn queue (the pods' queue label), for example root.sandbox; empty leaves it to
	// YuniKorn's placement rules.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.-]*$`
	Queue string `json:"queue,omitempty"`
	// GangSchedulingStyle is YuniKorn's gangSchedulingStyle: Soft (YuniKorn's default) schedules the pods
	// normally when the placeholders time out, Hard fails the application.
	// +optional
	// +kubebuilder:validation:Enum=Soft;Hard
	GangSchedulingStyle string `json:"gangSchedulingStyle,omitempty"`
	// PlaceholderTimeoutSeconds is how long YuniKorn waits for all placeholders of the gang to be
	// allocated (YuniKorn's placeholderTimeoutInSeconds; its default is 15 minutes).
	// +optional
	// +kubebuilder:validation:Minimum=1
	PlaceholderTimeoutSeconds *int32 `json:"placeholderTimeoutSeconds,omitempty"`
}

// SparkUI exposes the live Spark UI of each attempt. It needs the Spark UI (sparkConf spark.ui.enabled
// not false).
type SparkUI struct {
	// Service creates a Service <prefix>-ui-svc for the driver's UI port with every attempt. An Ingress
	// implies a ClusterIP one.
	// +optional
	Service *UIService `json:"service,omitempty"`
	// Ingress creates an Ingress <prefix>-ui-ingress routing a path to that Service with every attempt, and
	// sets spark.ui.proxyBase (unless sparkConf does) so that the UI's links carry that path. Spark serves
	// its pages at /, so the ingress controller must strip the path before forwarding: for example
	// ingress-nginx's rewrite-target annotation with a regular expression path, or a Traefik StripPrefix
	// middleware (docs/observability.md shows both).
	// +optional
	Ingress *UIIngress `json:"ingress,omitempty"`
}

// UIService is the Service of the live Spark UI.
type UIService struct {
	// Type is ClusterIP (the default), NodePort or LoadBalancer.
	// +optional
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	Type corev1.ServiceType `json:"type,omitempty"`
	// Annotations of the Service, for example a cloud load balancer's.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// UIIngress is the Ingress of the live Spark UI.
//
// +kubebuilder:validation:XValidation:rule="!has(self.tlsSecretName) || has(self.host)",message="ui.ingress.tlsSecretName needs ui.ingress.host"
// +kubebuilder:validation:XValidation:rule="!has(self.pathType) || self.pathType != 'ImplementationSpecific' || has(self.proxyBase)",message="ui.ingress.pathType ImplementationSpecific needs ui.ingress.proxyBase: the path is then the controller's own syntax"
type UIIngress struct {
	// Host the rule matches; empty matches every host.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Host string `json:"host,omitempty"`
	// ClassName is the Ingress's ingressClassName; unset uses the cluster's default class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClassName *string `json:"className,omitempty"`
	// Path of the rule; default /<namespace>/<name>, the same for every attempt.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/`
	Path string `json:"path,omitempty"`
	// PathType is Prefix (the default) or ImplementationSpecific, for a controller that takes a regular
	// expression in path (then set proxyBase).
	// +optional
	// +kubebuilder:validation:Enum=Prefix;ImplementationSpecific
	PathType *networkingv1.PathType `json:"pathType,omitempty"`
	// ProxyBase is the path the UI's links start with (spark.ui.proxyBase); default the path, without a
	// trailing slash.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[^\s]*$`
	ProxyBase string `json:"proxyBase,omitempty"`
	// Annotations of the Ingress: what your controller needs to strip the path, authenticate, and so on.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// TLSSecretName names a Secret of the application's namespace holding the certificate for host; the
	// Ingress then serves the UI over HTTPS.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	TLSSecretName string `json:"tlsSecretName,omitempty"`
}

// Monitoring configures what an application exposes to monitoring systems.
type Monitoring struct {
	// Metrics, true unless set to false, turns on Spark's native Prometheus endpoints on the driver's UI
	// port, with no JVM agent: the driver's own metrics (Spark's PrometheusServlet sink) at
	// /metrics/prometheus and every executor's metrics at /metrics/executors/prometheus
	// (spark.ui.prometheus.enabled). Driver metrics are named metrics_spark_driver_* (spark.metrics.namespace
	// spark), so one dashboard serves every application. The driver pod is annotated prometheus.io/scrape,
	// prometheus.io/port and prometheus.io/path, and stoke.dev/executor-metrics-path, for Prometheus to find
	// it. Values the application sets itself in sparkConf or in its driver annotations win over these
	// defaults. Setting it to true with sparkConf spark.ui.enabled=false is refused: the endpoints live on
	// the UI.
	// +optional
	Metrics *bool `json:"metrics,omitempty"`
	// EventLog follows the operator's event-log setting when unset: an operator configured with an event
	// log directory (docs/operator-config.md, eventLog) turns Spark's event log on for every application,
	// writing where its History Server reads, so the application's Spark UI can be looked at after it ended.
	// False turns it off for this application. True requires that directory (or a spark.eventLog.dir of the
	// application's own in sparkConf). An application that sets spark.eventLog.enabled or spark.eventLog.dir
	// in sparkConf gets exactly what it set.
	// +optional
	EventLog *bool `json:"eventLog,omitempty"`
}

// SubmissionMode is how the driver of an attempt is started.
// +kubebuilder:validation:Enum=Native;SparkSubmitPod
type SubmissionMode string

const (
	// SubmissionNative: the operator renders and creates the driver pod, its ConfigMap and Service (the
	// default). Maven packages and local (file://) dependencies are rejected with the UnsupportedDependency
	// reason, since they need spark-submit on the submitting machine.
	SubmissionNative SubmissionMode = "Native"
	// SubmissionSparkSubmitPod: the operator creates a short-lived pod in the application's namespace that
	// runs the image's spark-submit in cluster mode (resolving packages and uploading local dependencies to
	// spark.kubernetes.file.upload.path), and then follows the driver it creates. The pod runs with the
	// driver's service account, which must be allowed to create pods, services and config maps (and, for
	// Spark 4.2+, network policies).
	SubmissionSparkSubmitPod SubmissionMode = "SparkSubmitPod"
)

// Submission configures how the driver is started.
// +kubebuilder:validation:XValidation:rule="self.mode == 'SparkSubmitPod' || (!has(self.packages) && !has(self.repositories) && !has(self.excludePackages))",message="submission.packages, repositories and excludePackages need submission.mode SparkSubmitPod"
type Submission struct {
	// Mode is Native (default) or SparkSubmitPod.
	// +optional
	// +kubebuilder:default=Native
	Mode SubmissionMode `json:"mode,omitempty"`

	// Packages are Maven coordinates (group:artifact:version) spark-submit resolves with Ivy (--packages).
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^[^:,\s]+:[^:,\s]+:[^:,\s]+$`
	Packages []string `json:"packages,omitempty"`

	// ExcludePackages are group:artifact pairs left out of the resolution (--exclude-packages).
	// +optional
	// +kubebuilder:validation:MaxItems=100
	ExcludePackages []string `json:"excludePackages,omitempty"`

	// Repositories are extra Maven repositories to resolve packages from (--repositories).
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Repositories []string `json:"repositories,omitempty"`
}

// Dependencies are URIs the driver fetches and distributes, as with spark-submit's --jars, --files,
// --py-files and --archives. Use local:// for paths inside the image or a remote scheme.
type Dependencies struct {
	// Jars are added to the driver and executor classpaths (spark.jars).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=4096
	// +kubebuilder:validation:items:Pattern=`^[^\s\x00-\x1f\x7f]+$`
	Jars []string `json:"jars,omitempty"`
	// Files are placed in the working directory of each executor (spark.files).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=4096
	// +kubebuilder:validation:items:Pattern=`^[^\s\x00-\x1f\x7f]+$`
	Files []string `json:"files,omitempty"`
	// PyFiles are .py, .zip or .egg files put on the PYTHONPATH (spark.submit.pyFiles).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=4096
	// +kubebuilder:validation:items:Pattern=`^[^\s\x00-\x1f\x7f]+$`
	PyFiles []string `json:"pyFiles,omitempty"`
	// Archives are extracted into the working directory of each executor (spark.archives).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=4096
	// +kubebuilder:validation:items:Pattern=`^[^\s\x00-\x1f\x7f]+$`
	Archives []string `json:"archives,omitempty"`
}

// SparkPodSpec is what the driver and the executors have in common.
type SparkPodSpec struct {
	// Cores is the number of CPU cores Spark schedules on (spark.driver.cores / spark.executor.cores). It is
	// also the pod's CPU request unless coreRequest is set.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1024
	Cores *int32 `json:"cores,omitempty"`

	// CoreRequest is the pod's CPU request as a Kubernetes quantity (for example "500m"), overriding cores.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?|[0-9]+m)$`
	CoreRequest *string `json:"coreRequest,omitempty"`

	// CoreLimit is the pod's CPU limit as a Kubernetes quantity (for example "2" or "1500m").
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?|[0-9]+m)$`
	CoreLimit *string `json:"coreLimit,omitempty"`

	// Memory is the JVM heap in Spark's format: a number with an optional k, m, g, t or p suffix (for
	// example "512m" or "4g"); a bare number is MiB. The pod's memory is this plus the overhead.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^0*[1-9][0-9]*([kKmMgGtTpP][bB]?)?$`
	Memory *string `json:"memory,omitempty"`

	// MemoryOverhead is the non-heap memory added to the pod, in the same format as memory. When unset it is
	// max(memoryOverheadFactor × memory, 384m).
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[0-9]+([kKmMgGtTpP][bB]?)?$`
	MemoryOverhead *string `json:"memoryOverhead,omitempty"`

	// MemoryOverheadFactor is the fraction of memory added as overhead when memoryOverhead is unset, as a
	// decimal string (Spark's default is "0.1" for JVM applications and "0.4" for Python and R).
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]*)?|\.[0-9]+)$`
	// +kubebuilder:validation:XValidation:rule="double(self) > 0.0",message="memoryOverheadFactor must be greater than 0"
	MemoryOverheadFactor *string `json:"memoryOverheadFactor,omitempty"`

	// GPU requests accelerators as an extended resource on the Spark container.
	// +optional
	GPU *GPUSpec `json:"gpu,omitempty"`

	// Image overrides the application's image for this role.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^\S+$`
	Image *string `json:"image,omitempty"`

	// Env are extra environment variables of the Spark container. Names must not be empty.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:XValidation:rule="self.all(e, size(e.name) > 0)",message="env names must not be empty"
	Env []corev1.EnvVar `json:"env,omitempty"`

	// EnvFrom adds environment variables from ConfigMaps and Secrets to the Spark container.
	// +optional
	// +listType=atomic
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// Labels are added to the pods. The labels Spark and Stoke set themselves (spark-app-selector,
	// spark-role, spark-version, spark-app-name, spark-exec-id, spark-exec-resourceprofile-id,
	// app.kubernetes.io/managed-by, stoke.dev/attempt) cannot be set.
	// +optional
	// +kubebuilder:validation:MaxProperties=256
	// +kubebuilder:validation:XValidation:rule="self.all(k, !(k in ['spark-app-selector', 'spark-role', 'spark-version', 'spark-app-name', 'spark-exec-id', 'spark-exec-resourceprofile-id', 'app.kubernetes.io/managed-by', 'stoke.dev/attempt']))",message="labels must not set the keys Spark and Stoke set themselves: spark-app-selector, spark-role, spark-version, spark-app-name, spark-exec-id, spark-exec-resourceprofile-id, app.kubernetes.io/managed-by, stoke.dev/attempt"
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations are added to the pods. The text {{APP_ID}} in a value is replaced by the Spark
	// application id.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// VolumeMounts mount the application's volumes into the Spark container.
	// +optional
	// +listType=atomic
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`

	// NodeSelector constrains the pods to nodes with these labels.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations of the pods.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// Affinity of the pods.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// ServiceAccount the pods run as. The driver's needs permission to create executor pods, ConfigMaps and
	// Services in the namespace.
	// +optional
	ServiceAccount *string `json:"serviceAccount,omitempty"`

	// SecurityContext of the Spark container.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty"`

	// PodSecurityContext of the pods.
	// +optional
	PodSecurityContext *corev1.PodSecurityContext `json:"podSecurityContext,omitempty"`

	// Sidecars are extra containers running beside the Spark container.
	// +optional
	// +listType=atomic
	Sidecars []corev1.Container `json:"sidecars,omitempty"`

	// InitContainers run before the Spark container.
	// +optional
	// +listType=atomic
	InitContainers []corev1.Container `json:"initContainers,omitempty"`

	// PriorityClassName of the pods.
	// +optional
	PriorityClassName *string `json:"priorityClassName,omitempty"`

	// SchedulerName of the pods (for example a batch scheduler).
	// +optional
	SchedulerName *string `json:"schedulerName,omitempty"`

	// TerminationGracePeriodSeconds of the pods.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=31536000
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`

	// JavaOptions are extra JVM options (spark.driver.extraJavaOptions / spark.executor.extraJavaOptions).
	// +optional
	JavaOptions *string `json:"javaOptions,omitempty"`

	// Template is a pod template for anything the fields above do not cover. Stoke starts from it and then
	// applies the fields above, as Spark does with spark.kubernetes.{driver,executor}.podTemplateFile. The
	// Spark container is the one named spark-kubernetes-driver / spark-kubernetes-executor, or the first.
	// +optional
	Template *corev1.PodTemplateSpec `json:"template,omitempty"`
}

// GPUSpec asks for accelerators.
type GPUSpec struct {
	// Name is the extended resource name, for example nvidia.com/gpu.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Quantity is the number of devices.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1024
	Quantity int64 `json:"quantity"`
}

// DriverSpec configures the driver pod.
type DriverSpec struct {
	SparkPodSpec `json:",inline"`

	// ServiceLabels are added to the driver's headless Service.
	// +optional
	ServiceLabels map[string]string `json:"serviceLabels,omitempty"`

	// ServiceAnnotations are added to the driver's headless Service.
	// +optional
	ServiceAnnotations map[string]string `json:"serviceAnnotations,omitempty"`
}

// ExecutorSpec configures the executor pods.
type ExecutorSpec struct {
	SparkPodSpec `json:",inline"`

	// Instances is the number of executors (spark.executor.instances); with dynamic allocation it is ignored
	// in favour of dynamicAllocation.initialExecutors.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	Instances *int32 `json:"instances,omitempty"`

	// DeleteOnTermination says whether the driver deletes executor pods that end (Spark's default: true).
	// +optional
	DeleteOnTermination *bool `json:"deleteOnTermination,omitempty"`
}

// RestartPolicyType says which endings of an attempt are followed by a new attempt.
// +kubebuilder:validation:Enum=Never;OnFailure;Always;OnInfrastructureFailure
type RestartPolicyType string

const (
	// RestartNever runs one attempt only.
	RestartNever RestartPolicyType = "Never"
	// RestartOnFailure retries after application and infrastructure failures, each within its own limit.
	RestartOnFailure RestartPolicyType = "OnFailure"
	// RestartAlways starts a new attempt after every ending, successful or not; failures still count
	// against their limits.
	RestartAlways RestartPolicyType = "Always"
	// RestartOnInfrastructureFailure retries only after infrastructure failures (the driver could not be
	// scheduled, its image could not be pulled, it was evicted or lost, a start timeout passed).
	RestartOnInfrastructureFailure RestartPolicyType = "OnInfrastructureFailure"
)

// RestartPolicy says when and how soon a finished attempt is followed by a new one.
type RestartPolicy struct {
	// Type is Never (default), OnFailure, Always or OnInfrastructureFailure.
	// +optional
	// +kubebuilder:default=Never
	Type RestartPolicyType `json:"type,omitempty"`

	// OnFailureRetries is how many times an application failure (the driver exited non-zero) is retried.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=3
	OnFailureRetries *int32 `json:"onFailureRetries,omitempty"`

	// OnInfrastructureFailureRetries is how many times an infrastructure failure is retried.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=3
	OnInfrastructureFailureRetries *int32 `json:"onInfrastructureFailureRetries,omitempty"`

	// BackoffSeconds is the wait before the first retry; each further retry waits twice as long as the one
	// before, up to maxBackoffSeconds.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:default=10
	BackoffSeconds *int32 `json:"backoffSeconds,omitempty"`

	// MaxBackoffSeconds caps the wait between attempts.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=604800
	// +kubebuilder:default=300
	MaxBackoffSeconds *int32 `json:"maxBackoffSeconds,omitempty"`
}

// Timeouts bound the start-up of an attempt. Zero or unset means no limit.
type Timeouts struct {
	// DriverStartSeconds bounds the time from creating the driver pod to its Spark container running
	// (scheduling and image pull included).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2592000
	DriverStartSeconds *int32 `json:"driverStartSeconds,omitempty"`

	// DriverReadySeconds bounds the time from the driver container running to the driver pod being Ready.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2592000
	DriverReadySeconds *int32 `json:"driverReadySeconds,omitempty"`

	// ExecutorStartSeconds bounds the time from the driver running to the first executor running, for
	// applications that ask for executors.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2592000
	ExecutorStartSeconds *int32 `json:"executorStartSeconds,omitempty"`
}

// DynamicAllocation configures Spark's dynamic executor allocation. On Kubernetes it relies on shuffle
// tracking, which is on unless disabled here.
// +kubebuilder:validation:XValidation:rule="!has(self.minExecutors) || !has(self.maxExecutors) || self.minExecutors <= self.maxExecutors",message="dynamicAllocation.minExecutors must not exceed maxExecutors"
// +kubebuilder:validation:XValidation:rule="!has(self.initialExecutors) || !has(self.minExecutors) || self.initialExecutors >= self.minExecutors",message="dynamicAllocation.initialExecutors must not be below minExecutors"
// +kubebuilder:validation:XValidation:rule="!has(self.initialExecutors) || !has(self.maxExecutors) || self.initialExecutors <= self.maxExecutors",message="dynamicAllocation.initialExecutors must not exceed maxExecutors"
type DynamicAllocation struct {
	// Enabled turns dynamic allocation on.
	Enabled bool `json:"enabled"`
	// InitialExecutors is the number of executors to start with.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	InitialExecutors *int32 `json:"initialExecutors,omitempty"`
	// MinExecutors is the lower bound.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	MinExecutors *int32 `json:"minExecutors,omitempty"`
	// MaxExecutors is the upper bound.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	MaxExecutors *int32 `json:"maxExecutors,omitempty"`
	// ShuffleTrackingEnabled keeps executors holding shuffle data alive (default true).
	// +optional
	ShuffleTrackingEnabled *bool `json:"shuffleTrackingEnabled,omitempty"`
	// ShuffleTrackingTimeoutSeconds releases executors holding shuffle data after this long.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=31536000
	ShuffleTrackingTimeoutSeconds *int64 `json:"shuffleTrackingTimeoutSeconds,omitempty"`
	// ExecutorIdleTimeoutSeconds removes an executor idle this long.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=31536000
	ExecutorIdleTimeoutSeconds *int64 `json:"executorIdleTimeoutSeconds,omitempty"`
}

// ApplicationPhase summarises the conditions in one word for printer columns and the CLI.
type ApplicationPhase string

const (
	// PhasePending: accepted, no attempt created yet.
	PhasePending ApplicationPhase = "Pending"
	// PhaseSubmitted: the attempt's driver pod exists but its Spark container is not running yet.
	PhaseSubmitted ApplicationPhase = "Submitted"
	// PhaseRunning: the driver is running.
	PhaseRunning ApplicationPhase = "Running"
	// PhaseRetrying: an attempt ended and the next starts after the backoff.
	PhaseRetrying ApplicationPhase = "Retrying"
	// PhaseSucceeded: the driver completed with exit code 0 and no further attempt follows.
	PhaseSucceeded ApplicationPhase = "Succeeded"
	// PhaseFailed: the application failed for good (see the Failed condition's reason).
	PhaseFailed ApplicationPhase = "Failed"
	// PhaseSuspended: spec.suspend is true and no pod of the application runs.
	PhaseSuspended ApplicationPhase = "Suspended"
	// PhaseQueued: the next attempt waits to be admitted by its SparkQueue, or for room in the namespace's
	// ResourceQuota (the Queued condition says for what); nothing of it exists yet.
	PhaseQueued ApplicationPhase = "Queued"
)

// Condition types of a SparkApplication. The reasons each can carry are listed in docs/conditions.md.
const (
	// ConditionSubmitted is True while the current attempt's driver pod exists.
	ConditionSubmitted = "Submitted"
	// ConditionDriverReady is True while the driver pod is Ready.
	ConditionDriverReady = "DriverReady"
	// ConditionRunning is True while the driver's Spark container runs.
	ConditionRunning = "Running"
	// ConditionSucceeded is True once the application completed successfully for good.
	ConditionSucceeded = "Succeeded"
	// ConditionFailed is True once the application failed for good.
	ConditionFailed = "Failed"
	// ConditionSuspended is True while the application is suspended.
	ConditionSuspended = "Suspended"
	// ConditionRetrying is True between attempts, while the backoff runs.
	ConditionRetrying = "Retrying"
	// ConditionWaiting is True while a new attempt cannot create its driver for a cause that can be fixed
	// without changing the spec: a service account or priority class that does not exist yet, exhausted
	// quota, or the operator's own permissions. The reason says which and the message quotes the API server;
	// Stoke looks again with backoff (at most a minute apart).
	ConditionWaiting = "Waiting"
	// ConditionQueued is True while the next attempt waits to be admitted: by its SparkQueue (the message
	// names the queue, the position and what is missing), or for room in a ResourceQuota of the namespace.
	// It turns False (reason Admitted) when the attempt is admitted.
	ConditionQueued = "Queued"
)

// AttemptOutcome is how an attempt ended.
type AttemptOutcome string

const (
	OutcomeSucceeded AttemptOutcome = "Succeeded"
	// OutcomeApplicationFailure: the driver exited non-zero.
	OutcomeApplicationFailure AttemptOutcome = "ApplicationFailure"
	// OutcomeInfrastructureFailure: the driver could not start or was lost (reason says which).
	OutcomeInfrastructureFailure AttemptOutcome = "InfrastructureFailure"
	// OutcomeSuperseded: the spec changed and a new attempt replaced this one.
	OutcomeSuperseded AttemptOutcome = "Superseded"
	// OutcomeSuspended: the application was suspended during this attempt.
	OutcomeSuspended AttemptOutcome = "Suspended"
	// OutcomePreempted: a sibling queue took its room back (SparkQueue spec.preemption); not a failure: the
	// application waits in its queue for a new attempt.
	OutcomePreempted AttemptOutcome = "Preempted"
)

// Attempt records one run of the application's driver.
type Attempt struct {
	// Number counts attempts from 1.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2147483647
	Number int32 `json:"number"`
	// SpecHash identifies the spec the attempt was built from; a different hash starts a new attempt.
	// +optional
	SpecHash string `json:"specHash,omitempty"`
	// SparkApplicationID is spark.app.id of the attempt.
	// +optional
	SparkApplicationID string `json:"sparkApplicationID,omitempty"`
	// DriverPodName is the attempt's driver pod.
	// +optional
	DriverPodName string `json:"driverPodName,omitempty"`
	// SubmissionTime is when the driver pod was created.
	// +optional
	SubmissionTime *metav1.Time `json:"submissionTime,omitempty"`
	// DriverStartTime is when the driver's Spark container was first seen running.
	// +optional
	DriverStartTime *metav1.Time `json:"driverStartTime,omitempty"`
	// FirstExecutorTime is when an executor of the attempt was first seen running.
	// +optional
	FirstExecutorTime *metav1.Time `json:"firstExecutorTime,omitempty"`
	// EndTime is when the attempt ended.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`
	// Outcome is how the attempt ended; empty while it runs.
	// +optional
	Outcome AttemptOutcome `json:"outcome,omitempty"`
	// ExitCode of the driver's Spark container, when it terminated.
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	ExitCode *int32 `json:"exitCode,omitempty"`
	// Result is what the driver's Spark container wrote to its termination message (/dev/termination-log)
	// before it ended, at most 1024 bytes (longer messages are cut, with a marker): a short output a
	// workflow's later steps can read as {{ .Steps.STEP.Result }}.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Result string `json:"result,omitempty"`
	// Reason is a CamelCase word for why the attempt ended.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
	// Message explains the ending for people; long messages are cut, with a marker, to at most 4096
	// bytes.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`
	// Usage is what the attempt's pods reserved. While the attempt runs it counts the pods that have ended;
	// the pods still running are listed in usageLedger and counted when they end.
	// +optional
	Usage *Usage `json:"usage,omitempty"`

	// Queue is where the application stands in its SparkQueue: waiting (with its position) or admitted.
	// Unset for an application that uses no queue, and once its attempt ended.
	// +optional
	Queue *QueueStanding `json:"queue,omitempty"`
	// UsageLedger lists the attempt's started pods that Usage has not counted yet, and its ended pods that
	// still exist (so that each pod is counted once): about 150 bytes per pod the attempt runs at once. It
	// is empty once the attempt ends.
	// +optional
	// +listType=atomic
	UsageLedger []PodUsage `json:"usageLedger,omitempty"`
}

// Usage is what pods reserved on the cluster: each pod's resource requests (what the scheduler set aside
// for it: the larger of its containers' sum and its largest init container, plus the pod overhead) times
// how long it held them, from the pod's start (status.startTime) until its last container ended. It is the
// basis of what a cluster charges for, not what the JVMs used. Each pod's share is rounded to whole units.
type Usage struct {
	// DriverCoreSeconds is the driver pods' CPU requests in cores times seconds.
	// +kubebuilder:validation:Minimum=0
	DriverCoreSeconds int64 `json:"driverCoreSeconds"`
	// DriverMemoryGiBSeconds is the driver pods' memory requests in GiB times seconds.
	// +kubebuilder:validation:Minimum=0
	DriverMemoryGiBSeconds int64 `json:"driverMemoryGiBSeconds"`
	// ExecutorCoreSeconds is the executor pods' CPU requests in cores times seconds, executors that
	// dynamic allocation added and removed included.
	// +kubebuilder:validation:Minimum=0
	ExecutorCoreSeconds int64 `json:"executorCoreSeconds"`
	// ExecutorMemoryGiBSeconds is the executor pods' memory requests in GiB times seconds.
	// +kubebuilder:validation:Minimum=0
	ExecutorMemoryGiBSeconds int64 `json:"executorMemoryGiBSeconds"`
	// Executors is how many executor pods are counted.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Executors int32 `json:"executors"`
}

// PodUsage is one pod of the running attempt in its usage ledger.
type PodUsage struct {
	// Name of the pod.
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// UID of the pod: a pod re-created under the same name is another pod.
	// +kubebuilder:validation:MaxLength=64
	UID string `json:"uid"`
	// Role is driver or executor.
	// +kubebuilder:validation:Enum=driver;executor
	Role string `json:"role"`
	// Start is the pod's status.startTime.
	Start metav1.Time `json:"start"`
	// End is when its last container ended, once it has: the pod is counted in Usage then, and stays
	// listed only while it still exists.
	// +optional
	End *metav1.Time `json:"end,omitempty"`
	// MilliCPU is the pod's CPU request in thousandths of a core.
	// +kubebuilder:validation:Minimum=0
	MilliCPU int64 `json:"milliCPU"`
	// MemoryMiB is the pod's memory request in MiB.
	// +kubebuilder:validation:Minimum=0
	MemoryMiB int64 `json:"memoryMiB"`
}

// ExecutorCounts counts the current attempt's executor pods as last observed.
type ExecutorCounts struct {
	// Requested is the number of executors the spec asks for at start.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Requested int32 `json:"requested"`
	// Pending executors are created but not running.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Pending int32 `json:"pending"`
	// Running executors.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Running int32 `json:"running"`
	// Succeeded executors ended with exit code 0.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Succeeded int32 `json:"succeeded"`
	// Failed executors ended otherwise.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Failed int32 `json:"failed"`
}

// FailureCounts counts failed attempts, by kind, over the application's life.
type FailureCounts struct {
	// Application failures: the driver exited non-zero.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Application int32 `json:"application"`
	// Infrastructure failures: scheduling, image pull, eviction, start timeouts, lost drivers.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Infrastructure int32 `json:"infrastructure"`
}

// SparkApplicationStatus is what Stoke observed. Conditions are the truth; phase is derived from them.
type SparkApplicationStatus struct {
	// ObservedGeneration is the spec generation this status was computed for.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=9007199254740992
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises the conditions.
	// +optional
	Phase ApplicationPhase `json:"phase,omitempty"`
	// Conditions: Submitted, DriverReady, Running, Retrying, Waiting, Succeeded, Failed, Suspended.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// CurrentAttempt is the attempt running now, or the last one.
	// +optional
	CurrentAttempt *Attempt `json:"currentAttempt,omitempty"`
	// PastAttempts are the most recent ended attempts before the current one, oldest first (at most 10).
	// +optional
	// +listType=atomic
	PastAttempts []Attempt `json:"pastAttempts,omitempty"`
	// Failures counts failed attempts by kind.
	// +optional
	Failures FailureCounts `json:"failures,omitempty"`
	// NextAttemptTime is when the next attempt starts, while retrying.
	// +optional
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`
	// Executors counts the current attempt's executor pods.
	// +optional
	Executors ExecutorCounts `json:"executors,omitempty"`
	// UIAddress is the in-cluster address of the current driver's Spark UI.
	// +optional
	UIAddress string `json:"uiAddress,omitempty"`
	// UIURL is where spec.ui.ingress serves the current driver's Spark UI: https://host/path/ with a TLS
	// secret, http://host/path/ with a host, else the path alone (on whatever host your ingress controller
	// answers). Empty while no driver runs.
	// +optional
	UIURL string `json:"uiURL,omitempty"`
	// Usage is what the pods of every attempt reserved, in total (the attempts' own usage, including
	// attempts pastAttempts no longer lists).
	// +optional
	Usage *Usage `json:"usage,omitempty"`

	// Queue is where the application stands in its SparkQueue: waiting (with its position) or admitted.
	// Unset for an application that uses no queue, and once its attempt ended.
	// +optional
	Queue *QueueStanding `json:"queue,omitempty"`
	// TerminationTime is when the application succeeded or failed for good; the TTL counts from it.
	// +optional
	TerminationTime *metav1.Time `json:"terminationTime,omitempty"`
}

// SparkApplication is one Spark job.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sparkapp;sparkapps,categories=stoke
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Attempt",type=integer,JSONPath=`.status.currentAttempt.number`
// +kubebuilder:printcolumn:name="Driver",type=string,JSONPath=`.status.currentAttempt.driverPodName`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SparkApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SparkApplicationSpec   `json:"spec"`
	Status SparkApplicationStatus `json:"status,omitempty"`

	// DecodeError is set, instead of failing the whole list or watch, when the stored object could not be
	// decoded into these types; only metadata and status are then filled in. It is never serialised.
	DecodeError string `json:"-"`
}

// SparkApplicationList is a list of SparkApplications.
//
// +kubebuilder:object:root=true
type SparkApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SparkApplication `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SparkApplication{}, &SparkApplicationList{})
}

// QueueStanding is an application's place in its SparkQueue.
type QueueStanding struct {
	// Name is the SparkQueue.
	Name string `json:"name"`
	// Attempt is the number of the attempt that waits or is admitted.
	Attempt int32 `json:"attempt"`
	// Footprint is what the next attempt holds of the queue's quota once admitted: its driver pod's and its
	// initial executor pods' requests.
	Footprint Footprint `json:"footprint"`
	// Position is the application's place among those waiting in the queue when Stoke last looked (1: next
	// to be admitted); 0 once admitted.
	// +optional
	Position int32 `json:"position,omitempty"`
	// AdmittedTime is when the attempt was admitted; unset while it waits. An admitted attempt holds its
	// footprint of the queue until it ends.
	// +optional
	AdmittedTime *metav1.Time `json:"admittedTime,omitempty"`
	// MaxExecutors, set at admission for an application with dynamic allocation, is the most executors
	// that fit beside its driver within the queue's (and its parents') limits: the attempt's
	// spark.dynamicAllocation.maxExecutors is capped to it, so a running job cannot outgrow its queue.
	// +optional
	MaxExecutors *int32 `json:"maxExecutors,omitempty"`
	// Preemption, set on an admitted attempt whose room a sibling queue takes back: the driver pod is
	// deleted with the grace period, the attempt holds its footprint until the pod is gone (or the grace
	// period has passed), then ends with the outcome Preempted and the application waits in its queue again.
	// +optional
	Preemption *PreemptionNotice `json:"preemption,omitempty"`
}

// PreemptionNotice records why and when an admitted attempt is being stopped to give room back.
type PreemptionNotice struct {
	// Time is when the driver pod was asked to stop.
	Time metav1.Time `json:"time"`
	// Queue is the SparkQueue that takes its room back.
	// +kubebuilder:validation:MaxLength=253
	Queue string `json:"queue"`
	// For is the application (namespace/name) the room is taken for.
	// +kubebuilder:validation:MaxLength=317
	For string `json:"for"`
	// GracePeriodSeconds is the grace period the driver pod was deleted with.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	GracePeriodSeconds int64 `json:"gracePeriodSeconds"`
}

// Footprint is what pods reserve: the sum of their requests.
type Footprint struct {
	// Cores is the CPU requested.
	Cores resource.Quantity `json:"cores"`
	// Memory is the memory requested.
	Memory resource.Quantity `json:"memory"`
	// GPUs is the number of GPUs requested (any extended resource named <vendor>/gpu).
	// +optional
	GPUs int64 `json:"gpus,omitempty"`
	// Pods is the number of pods.
	Pods int32 `json:"pods"`
}
