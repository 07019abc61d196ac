//go:build conformance

package conformance

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// Case is one application, written once as a Stoke SparkApplication. The equivalent spark-submit command line
// is derived from it (spark.SubmitArgs), so the two sides cannot drift apart.
type Case struct {
	Name string
	// App is the application; the runner sets its namespace, UID and sparkVersion.
	App *stokev1.SparkApplication
	// ServiceAccounts are created in the namespace besides "default" (spark-submit checks nothing, but the
	// apiserver's ServiceAccount admission rejects a pod whose account does not exist).
	ServiceAccounts []string
	// Versions limits the case to these Spark versions (Version.Full); nil: all.
	Versions []string
	// WhyNotAll explains, for the report, why a case with Versions does not run on the other versions.
	WhyNotAll string
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

// eventLogged is the application as the operator builds it with an event log on a volume claim.
func eventLogged(a *stokev1.SparkApplication) *stokev1.SparkApplication {
	out, err := spark.WithEventLog(a, &spark.EventLog{Dir: "file:/spark-events",
		Volume:    &spark.EventLogVolume{PersistentVolumeClaim: "spark-events"},
		SparkConf: map[string]string{"spark.eventLog.rolling.enabled": "true"}})
	if err != nil {
		panic(err)
	}
	return out
}

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
	// Stoke's Prometheus defaults are Spark properties in every other case; off, nothing is added, and with
	// the user's own servlet path and UI port the annotations follow them.
	{Name: "metrics-off", App: app("quiet", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Monitoring.Metrics = ptr(false)
	}))},
	{Name: "metrics-own-path-and-port", App: app("own-metrics", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.metrics.conf.*.sink.prometheusServlet.path": "/prom", "spark.ui.port": "4050",
			"spark.metrics.namespace": "${spark.app.name}"}
	}))},
	// The live UI behind an Ingress: the driver gets spark.ui.proxyBase and spark.ui.proxyRedirectUri, which
	// spark-submit given the same properties renders alike (the UI Service and Ingress are Stoke's own).
	{Name: "ui-ingress", App: app("shown", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{Host: "spark.example.com"}}
	}))},
	// What the operator's eventLog setting adds to every application (spark.WithEventLog): Spark properties,
	// so spark-submit given the same ones creates the same driver.
	{Name: "event-log-operator-default", App: eventLogged(app("logged", sparkPiSpec()))},
	// Spark's own Volcano step needs a -Pvolcano build (PyPI's has none): spark-submit is given the properties
	// Stoke sets for Volcano; the PodGroup is Stoke's and not compared (docs/conformance.md).
	{Name: "batch-scheduler-volcano", App: app("gang", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.BatchScheduler = &stokev1.BatchScheduler{Volcano: &stokev1.VolcanoScheduling{Queue: "team-a"}}
	}))},
	{Name: "batch-scheduler-yunikorn", App: app("gang", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.BatchScheduler = &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{Queue: "root.sandbox", PlaceholderTimeoutSeconds: ptr(int32(120))}}
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
	{Name: "label-app-id", Versions: []string{"4.3.0"}, WhyNotAll: "Spark 3.5 keeps `{{APP_ID}}` literally in driver label values, which the apiserver rejects (`{{` is not valid in a label value): there is no 3.5 output to compare with.", App: app("label-id", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Labels = map[string]string{"run": "r-{{APP_ID}}"}
	}))},
	// The user's driver ports are honoured: container ports, Service ports and the properties the driver reads.
	{Name: "driver-ports", App: app("ports-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.driver.port": "7100", "spark.blockManager.port": "7300", "spark.ui.port": "4050", "spark.connect.grpc.binding.port": "15010"}
	}))},
	{Name: "driver-ports-explicit", App: app("ports-expl", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.driver.port": "7101", "spark.driver.blockManager.port": "7201", "spark.ui.port": "4051"}
	}))},
	// spark.app.name from sparkConf is the Spark application's name (spark-submit's --conf without --name).
	{Name: "app-name-conf", App: app("named-by-conf", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.app.name": "Nightly Report"}
	}))},
	{Name: "long-name", App: app("my-very-long-spark-application-name-with-many-words-that-is-longer-than-kubernetes-allows-for-labels-0123456789", sparkPiSpec())},
	{Name: "scala-no-args", App: app("scala-pi", sparkPiSpec())},
	{Name: "java-many-args", App: app("java-args", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Type = stokev1.ApplicationTypeJava
		s.MainClass = ptr("org.apache.spark.examples.JavaWordCount")
		s.Arguments = []string{"s3a://bucket/in put.txt", "--flag", "a=b,c", ""}
	}))},
	{Name: "jvm-no-main-file", App: app("no-jar", stokev1.SparkApplicationSpec{
		MainClass: ptr(sparkPi),
		Deps:      stokev1.Dependencies{Jars: []string{"https://repo.example.com/app.jar"}},
	})},
	{Name: "python-memory-default-factor", App: app("py-mem", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypePython,
		MainApplicationFile: ptr("local:///opt/spark/examples/src/main/python/pi.py"),
		Driver:              stokev1.DriverSpec{SparkPodSpec: stokev1.SparkPodSpec{Memory: ptr("2g"), Cores: ptr(int32(2))}},
		Executor:            stokev1.ExecutorSpec{SparkPodSpec: stokev1.SparkPodSpec{Memory: ptr("4g")}},
	})},
	{Name: "python-global-factor", App: app("py-factor", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypePython,
		MainApplicationFile: ptr("local:///opt/spark/examples/src/main/python/pi.py"),
		SparkConf:           map[string]string{"spark.kubernetes.memoryOverheadFactor": "0.2"},
		Driver:              stokev1.DriverSpec{SparkPodSpec: stokev1.SparkPodSpec{Memory: ptr("3g")}},
	})},
	{Name: "python-interpreter", App: app("py-interp", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypePython,
		MainApplicationFile: ptr("https://example.com/jobs/etl.py"),
		SparkConf:           map[string]string{"spark.pyspark.python": "/usr/bin/python3", "spark.pyspark.driver.python": "/usr/bin/python3.11"},
	})},
	{Name: "r-application", App: app("r-app", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypeR,
		MainApplicationFile: ptr("local:///opt/spark/examples/src/main/r/dataframe.R"),
		Arguments:           []string{"x"},
	})},
	{Name: "deps-archives", App: app("archives", stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypePython,
		MainApplicationFile: ptr("local:///opt/spark/examples/src/main/python/pi.py"),
		Deps: stokev1.Dependencies{
			// Only schemes spark-submit's own Hadoop can glob: the pyspark wheels carry no s3a/gs connectors.
			Archives: []string{"https://example.com/env.tar.gz#environment", "https://example.com/data.zip"},
			Files:    []string{"https://example.com/a.conf", "http://example.com/b.json"},
			Jars:     []string{"https://example.com/udf.jar"},
			PyFiles:  []string{"https://example.com/lib.egg"},
		},
	})},
	{Name: "driver-sizing", App: app("drv-size", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Cores = ptr(int32(4))
		s.Driver.Memory = ptr("8192m")
	}))},
	{Name: "min-overhead-floor", App: app("small", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Memory = ptr("512m")
		s.Executor.Memory = ptr("600m")
	}))},
	{Name: "executor-overhead-factor", App: app("exec-factor", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Executor.Memory = ptr("10g")
		s.Executor.MemoryOverheadFactor = ptr("0.3")
		s.SparkConf = map[string]string{"spark.kubernetes.memoryOverheadFactor": "0.15"}
	}))},
	{Name: "executor-labels-annotations", App: app("exec-meta", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Executor.Labels = map[string]string{"role-kind": "worker"}
		s.Executor.Annotations = map[string]string{"trace": "{{APP_ID}}-exec", "example.com/x": "y"}
	}))},
	{Name: "node-selector-global", App: app("sel-global", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.node.selector.kubernetes.io/arch": "amd64", "spark.kubernetes.node.selector.zone": "a"}
	}))},
	{Name: "node-selector-driver-wins", App: app("sel-driver", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.node.selector.zone": "global"}
		s.Driver.NodeSelector = map[string]string{"zone": "driver-only"}
	}))},
	{Name: "env-valuefrom", App: app("env-from", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Env = []corev1.EnvVar{{Name: "PLAIN", Value: "v"}, {Name: "NODE", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}}}
		s.Driver.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}}
	}))},
	{Name: "secret-files", App: app("sec-files", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.driver.secrets.tls": "/etc/tls", "spark.kubernetes.executor.secrets.tls": "/etc/tls"}
	}))},
	{Name: "secret-key-ref", App: app("sec-env", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY": "aws:secret"}
	}))},
	{Name: "volume-hostpath", App: app("vol-host", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.hostPath.logs.mount.path":     "/logs",
			"spark.kubernetes.driver.volumes.hostPath.logs.mount.readOnly": "false",
			"spark.kubernetes.driver.volumes.hostPath.logs.options.path":   "/var/log/spark",
		}
	}))},
	{Name: "volume-emptydir-tmpfs", App: app("vol-tmpfs", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.emptyDir.ram.mount.path":       "/ram",
			"spark.kubernetes.driver.volumes.emptyDir.ram.options.medium":   "Memory",
			"spark.kubernetes.driver.volumes.emptyDir.disk.mount.path":      "/disk",
			"spark.kubernetes.driver.volumes.emptyDir.disk.mount.subPath":   "part",
			"spark.kubernetes.executor.volumes.emptyDir.ram.mount.path":     "/ram",
			"spark.kubernetes.executor.volumes.emptyDir.ram.options.medium": "Memory",
		}
	}))},
	{Name: "volume-nfs", App: app("vol-nfs", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.nfs.share.mount.path":     "/share",
			"spark.kubernetes.driver.volumes.nfs.share.mount.readOnly": "true",
			"spark.kubernetes.driver.volumes.nfs.share.options.server": "nfs.example.com",
			"spark.kubernetes.driver.volumes.nfs.share.options.path":   "/exports/share",
		}
	}))},
	{Name: "volume-pvc-ondemand", App: app("vol-ondemand", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spill.mount.path":           "/spill",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spill.options.claimName":    "OnDemand",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spill.options.storageClass": "fast",
			"spark.kubernetes.driver.volumes.persistentVolumeClaim.spill.options.sizeLimit":    "5Gi",
			"spark.kubernetes.executor.volumes.persistentVolumeClaim.spill.mount.path":         "/spill",
			"spark.kubernetes.executor.volumes.persistentVolumeClaim.spill.options.claimName":  "OnDemand",
			"spark.kubernetes.executor.volumes.persistentVolumeClaim.spill.options.sizeLimit":  "10Gi",
		}
	}))},
	{Name: "stoke-volumes", App: app("native-vol", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Volumes = []corev1.Volume{
			{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "unused", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		}
		s.Driver.VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}
		s.Executor.VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}
	}))},
	{Name: "template-tolerations-affinity", App: app("tpl-sched", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Template = &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"from-template": "yes"}, Annotations: map[string]string{"tpl": "1"}},
			Spec: corev1.PodSpec{
				Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "spark", Effect: corev1.TaintEffectNoSchedule}},
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"spark"}}}}}}}},
				PriorityClassName: "",
			},
		}
		s.Executor.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}}}
	}))},
	{Name: "template-sidecar-init", App: app("tpl-side", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "fetch", Image: "busybox", Command: []string{"sh", "-c", "true"}}},
			Containers: []corev1.Container{
				{Name: "spark-kubernetes-driver", Env: []corev1.EnvVar{{Name: "FROM_TEMPLATE", Value: "1"}}},
				{Name: "log-shipper", Image: "fluent-bit:3"},
			},
		}}
	}))},
	{Name: "template-security-context", App: app("tpl-sec", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsUser: ptr(int64(185)), FSGroup: ptr(int64(185)), RunAsNonRoot: ptr(true)},
			Containers: []corev1.Container{{Name: "spark-kubernetes-driver", SecurityContext: &corev1.SecurityContext{
				ReadOnlyRootFilesystem: ptr(true), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
		}}
	}))},
	{Name: "role-fields-scheduling", App: app("role-sched", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		s.Driver.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 50, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"spark-role": "driver"}}}}}}}
		s.Driver.TerminationGracePeriodSeconds = ptr(int64(5))
	}))},
	{Name: "role-fields-security", App: app("role-sec", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.PodSecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), RunAsGroup: ptr(int64(1000))}
		s.Driver.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr(true), AllowPrivilegeEscalation: ptr(true)}
	}))},
	{Name: "role-fields-sidecars", App: app("role-side", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		s.Driver.Sidecars = []corev1.Container{{Name: "proxy", Image: "envoy:1", VolumeMounts: []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}}}}
		s.Driver.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox"}}
	}))},
	{Name: "privilege-escalation-allowed", App: app("ape", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.driver.securityContext.allowPrivilegeEscalation": "true"}
	}))},
	{Name: "service-account", ServiceAccounts: []string{"spark-driver"}, App: app("sa-app", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.ServiceAccount = ptr("spark-driver")
		s.Executor.ServiceAccount = ptr("spark-driver")
	}))},
	{Name: "pull-policy-never", App: app("pull-never", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.ImagePullPolicy = "Never"
		s.Executor.Image = ptr("spark:executor")
	}))},
	{Name: "dynamic-allocation", App: app("dyn", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, InitialExecutors: ptr(int32(2)), MinExecutors: ptr(int32(1)),
			MaxExecutors: ptr(int32(10)), ShuffleTrackingTimeoutSeconds: ptr(int64(600)), ExecutorIdleTimeoutSeconds: ptr(int64(30))}
	}))},
	{Name: "dynamic-allocation-off", App: app("dyn-off", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: false}
		s.Executor.Instances = ptr(int32(4))
		s.Executor.DeleteOnTermination = ptr(false)
	}))},
	{Name: "service-labels-annotations", App: app("svc-meta", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.ServiceLabels = map[string]string{"expose": "true", "team": "ml"}
		s.Driver.ServiceAnnotations = map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "4040"}
	}))},
	{Name: "local-dirs-tmpfs", App: app("tmpfs", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.local.dirs.tmpfs": "true"}
	}))},
	{Name: "local-dirs-custom", App: app("local-dirs", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.local.dir": "/tmp/spark-a,/tmp/spark-b"}
	}))},
	{Name: "proxy-user", App: app("proxied", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.proxyUser": "alice"}
	}))},
	{Name: "hadoop-configmap", App: app("hadoop-cm", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.hadoop.configMapName": "hadoop-site"}
		s.HadoopConf = map[string]string{"fs.s3a.endpoint": "http://minio:9000", "fs.s3a.path.style.access": "true"}
	}))},
	{Name: "gpu-fields", App: app("gpu", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.GPU = &stokev1.GPUSpec{Name: "nvidia.com/gpu", Quantity: 1}
		s.Executor.GPU = &stokev1.GPUSpec{Name: "nvidia.com/gpu", Quantity: 2}
	}))},
	{Name: "gpu-conf", App: app("gpu-conf", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{
			"spark.driver.resource.gpu.amount":            "2",
			"spark.driver.resource.gpu.vendor":            "amd.com",
			"spark.driver.resource.gpu.discoveryScript":   "/opt/spark/bin/getGpus.sh",
			"spark.executor.resource.gpu.amount":          "1",
			"spark.executor.resource.gpu.vendor":          "amd.com",
			"spark.executor.resource.gpu.discoveryScript": "/opt/spark/bin/getGpus.sh",
		}
	}))},
	{Name: "scheduler-name", App: app("sched", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.scheduler.name": "volcano"}
	}))},
	{Name: "scheduler-name-driver", App: app("sched-drv", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.SparkConf = map[string]string{"spark.kubernetes.scheduler.name": "volcano"}
		s.Driver.SchedulerName = ptr("yunikorn")
		s.Executor.SchedulerName = ptr("yunikorn")
	}))},
	{Name: "java-options", App: app("jopts", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.JavaOptions = ptr("-XX:+UseG1GC -Dkey=\"a b\"")
		s.Executor.JavaOptions = ptr("-verbose:gc")
		s.SparkConf = map[string]string{"spark.sql.shuffle.partitions": "7", "spark.eventLog.enabled": "false"}
	}))},
	{Name: "name-dots-digits", App: app("42.etl..daily--run", sparkPiSpec())},
	{Name: "name-exactly-47", App: app("abcdefghij-abcdefghij-abcdefghij-abcdefghij-ab", sparkPiSpec())},
	{Name: "unicode-conf-values", App: app("unicode", with(sparkPiSpec(), func(s *stokev1.SparkApplicationSpec) {
		s.Driver.Annotations = map[string]string{"description": "Größe – naïve ✓ 日本"}
		s.Driver.Env = []corev1.EnvVar{{Name: "GREETING", Value: "héllo wörld = ✓"}}
		s.SparkConf = map[string]string{"spark.myapp.text": "tab\there # not a comment ! also \\ backslash"}
	}))},
}
