package convert

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// sparkConfDir is where kubeflow mounts spec.sparkConfigMap, and the SPARK_CONF_DIR it sets.
const sparkConfDir = "/etc/spark/conf"

func convertSpec(f *fields, app *stokev1.SparkApplication) error {
	spec := &app.Spec
	r := f.r
	conf := map[string]string{}
	var typ string
	if !f.into("type", &typ) {
		return fmt.Errorf("spec.type is missing")
	}
	spec.Type = stokev1.ApplicationType(typ)
	f.into("sparkVersion", &spec.SparkVersion)
	if spec.SparkVersion == "" {
		return fmt.Errorf("spec.sparkVersion is missing; Stoke needs it to build the driver")
	}
	var mode string
	if f.into("mode", &mode) && mode != "cluster" {
		r.drop(f.at("mode"), fmt.Sprintf("%q: Stoke always runs the driver in cluster mode", mode))
	}
	var proxyUser string
	if f.into("proxyUser", &proxyUser) {
		conf["spark.kubernetes.proxyUser"] = proxyUser
		r.note(f.at("proxyUser"), "sparkConf spark.kubernetes.proxyUser")
	}
	f.into("image", &spec.Image)
	var pullPolicy string
	if f.into("imagePullPolicy", &pullPolicy) {
		spec.ImagePullPolicy = corev1.PullPolicy(pullPolicy)
	}
	f.into("imagePullSecrets", &spec.ImagePullSecrets)
	f.into("mainClass", &spec.MainClass)
	f.into("mainApplicationFile", &spec.MainApplicationFile)
	f.into("arguments", &spec.Arguments)
	var userConf map[string]string
	f.into("sparkConf", &userConf)
	f.into("hadoopConf", &spec.HadoopConf)
	var sparkConfigMap, hadoopConfigMap string
	f.into("sparkConfigMap", &sparkConfigMap)
	if f.into("hadoopConfigMap", &hadoopConfigMap) {
		conf["spark.kubernetes.hadoop.configMapName"] = hadoopConfigMap
		r.note(f.at("hadoopConfigMap"), "sparkConf spark.kubernetes.hadoop.configMapName (mounted with HADOOP_CONF_DIR, as Spark does)")
	}
	f.into("volumes", &spec.Volumes)

	var nodeSelector map[string]string
	f.into("nodeSelector", &nodeSelector)
	var batchScheduler string
	f.into("batchScheduler", &batchScheduler)

	convertDriver(f.child("driver"), spec, conf)
	convertExecutor(f.child("executor"), spec, conf)
	for _, role := range []*stokev1.SparkPodSpec{&spec.Driver.SparkPodSpec, &spec.Executor.SparkPodSpec} {
		if len(nodeSelector) > 0 {
			if role.NodeSelector == nil {
				role.NodeSelector = map[string]string{}
			}
			for k, v := range nodeSelector {
				if _, set := role.NodeSelector[k]; !set {
					role.NodeSelector[k] = v
				}
			}
		}
		if batchScheduler != "" && !gangScheduler(batchScheduler) && role.SchedulerName == nil {
			role.SchedulerName = &batchScheduler
		}
	}
	if len(nodeSelector) > 0 {
		r.note(f.at("nodeSelector"), "driver.nodeSelector and executor.nodeSelector")
	}
	convertBatchScheduler(f, spec, batchScheduler)
	if sparkConfigMap != "" {
		addConfigMapVolume(spec, "spark-configmap", sparkConfigMap, sparkConfDir)
		for _, role := range []*stokev1.SparkPodSpec{&spec.Driver.SparkPodSpec, &spec.Executor.SparkPodSpec} {
			role.Env = append(role.Env, corev1.EnvVar{Name: "SPARK_CONF_DIR", Value: sparkConfDir})
		}
		r.note(f.at("sparkConfigMap"), "a ConfigMap volume mounted at "+sparkConfDir+" in the driver and executors, with SPARK_CONF_DIR")
	}

	deps := f.child("deps")
	deps.into("jars", &spec.Deps.Jars)
	deps.into("files", &spec.Deps.Files)
	deps.into("pyFiles", &spec.Deps.PyFiles)
	deps.into("archives", &spec.Deps.Archives)
	for _, kp := range [][2]string{{"packages", "spark.jars.packages"}, {"excludePackages", "spark.jars.excludes"}, {"repositories", "spark.jars.repositories"}} {
		key, prop := kp[0], kp[1]
		var list []string
		if deps.into(key, &list) && len(list) > 0 {
			conf[prop] = joinComma(list)
			r.note(deps.at(key), "sparkConf "+prop)
		}
	}
	deps.dropRest(nil)

	convertRestart(f, spec)

	var factor string
	if f.into("memoryOverheadFactor", &factor) {
		for _, role := range []*stokev1.SparkPodSpec{&spec.Driver.SparkPodSpec, &spec.Executor.SparkPodSpec} {
			if role.MemoryOverheadFactor == nil {
				role.MemoryOverheadFactor = &factor
			}
		}
		r.note(f.at("memoryOverheadFactor"), "driver.memoryOverheadFactor and executor.memoryOverheadFactor")
	}
	f.into("timeToLiveSeconds", &spec.TimeToLiveSeconds)
	convertDynamicAllocation(f.child("dynamicAllocation"), spec)
	convertMonitoring(f.child("monitoring"), spec)
	convertUI(f.child("sparkUIOptions"), spec)

	for k, v := range userConf {
		conf[k] = v // the user's own sparkConf wins over what other fields translated to
	}
	if img, ok := conf["spark.kubernetes.container.image"]; ok && spec.Image == "" {
		spec.Image = img
		delete(conf, "spark.kubernetes.container.image")
		r.note("spec.sparkConf[spark.kubernetes.container.image]", "spec.image")
	}
	if spec.Image == "" && spec.Driver.Image != nil {
		spec.Image = *spec.Driver.Image
		r.note("spec.driver.image", "spec.image (Stoke requires an application image)")
	}
	if spec.Image == "" {
		return fmt.Errorf("no image: set spec.image (Stoke requires the application's image)")
	}
	for _, owned := range []string{"spark.master", "spark.submit.deployMode", "spark.kubernetes.namespace", "spark.kubernetes.driver.pod.name",
		"spark.app.id", "spark.driver.host", "spark.driver.bindAddress", "spark.kubernetes.driver.podTemplateFile",
		"spark.kubernetes.executor.podTemplateFile", "spark.kubernetes.executor.podNamePrefix", "spark.kubernetes.driver.master",
		"spark.kubernetes.submitInDriver"} {
		if _, ok := conf[owned]; ok {
			delete(conf, owned)
			r.drop("spec.sparkConf["+owned+"]", "Stoke sets this property itself")
		}
	}
	if len(conf) > 0 {
		spec.SparkConf = conf
	}
	f.dropRest(map[string]string{
		"failureRetries":        "deprecated in kubeflow; use restartPolicy.onFailureRetries",
		"retryInterval":         "deprecated in kubeflow; use restartPolicy.onFailureRetryInterval",
		"pythonVersion":         "Spark 3 and later use the image's Python; there is no setting",
		"batchSchedulerOptions": "only used with batchScheduler volcano or yunikorn",
		"driverIngressOptions":  "Stoke creates no Ingress for driver ports",
	})
	return nil
}

// convertUI maps kubeflow's sparkUIOptions onto spec.ui: its Service type and annotations, and an Ingress
// when it has ingress annotations or TLS. kubeflow's Ingress host and path come from the operator's
// ingress-url-format flag, which the application does not carry: the path becomes Stoke's default
// (/<namespace>/<name>) and a host is taken from the TLS section only.
func convertUI(f *fields, spec *stokev1.SparkApplicationSpec) {
	if len(f.m) == 0 {
		return
	}
	ui := &stokev1.SparkUI{Service: &stokev1.UIService{}}
	var typ string
	if f.into("serviceType", &typ) {
		ui.Service.Type = corev1.ServiceType(typ)
	}
	f.into("serviceAnnotations", &ui.Service.Annotations)
	var annotations map[string]string
	var tls []networkingv1.IngressTLS
	f.into("ingressAnnotations", &annotations)
	f.into("ingressTLS", &tls)
	if len(annotations) > 0 || len(tls) > 0 {
		ui.Ingress = &stokev1.UIIngress{Annotations: annotations}
		if len(tls) > 0 && len(tls[0].Hosts) > 0 {
			ui.Ingress.Host, ui.Ingress.TLSSecretName = tls[0].Hosts[0], tls[0].SecretName
		}
		f.r.note(f.path, "spec.ui.ingress at Stoke's path /<namespace>/<name> (kubeflow's comes from the operator's ingress-url-format); the ingress controller must strip it (docs/observability.md)")
	}
	spec.UI = ui
	f.dropRest(map[string]string{
		"servicePort":     "the UI Service uses the driver's UI port (sparkConf spark.ui.port)",
		"servicePortName": "the UI Service's port is named spark-ui",
		"serviceLabels":   "the UI Service carries spark-app-selector only",
	})
}

func convertRestart(f *fields, spec *stokev1.SparkApplicationSpec) {
	rp := f.child("restartPolicy")
	var typ string
	if rp.into("type", &typ) {
		spec.RestartPolicy.Type = stokev1.RestartPolicyType(typ)
	}
	rp.into("onFailureRetries", &spec.RestartPolicy.OnFailureRetries)
	if rp.into("onSubmissionFailureRetries", &spec.RestartPolicy.OnInfrastructureFailureRetries) {
		f.r.note(rp.at("onSubmissionFailureRetries"), "restartPolicy.onInfrastructureFailureRetries (Stoke has no submission step that can fail; failures to start the driver count as infrastructure failures)")
	}
	var interval int64
	if rp.into("onFailureRetryInterval", &interval) {
		v := int32(min(interval, 1<<31-1))
		spec.RestartPolicy.BackoffSeconds = &v
		f.r.note(rp.at("onFailureRetryInterval"), "restartPolicy.backoffSeconds (Stoke doubles the wait after each failure, up to maxBackoffSeconds)")
	}
	rp.dropRest(map[string]string{
		"onSubmissionFailureRetryInterval": "Stoke has one backoff for every failure (restartPolicy.backoffSeconds)",
	})
}

// convertMonitoring maps kubeflow's JMX-exporter monitoring onto Stoke's: Spark's native Prometheus
// endpoints, which are on unless neither the driver's nor the executors' metrics were asked for.
func convertMonitoring(f *fields, spec *stokev1.SparkApplicationSpec) {
	if len(f.m) == 0 {
		return
	}
	var driver, executors bool
	f.into("exposeDriverMetrics", &driver)
	f.into("exposeExecutorMetrics", &executors)
	if driver || executors {
		f.r.note(f.path, "Stoke's default spec.monitoring.metrics: Spark's own Prometheus endpoints on the driver's UI port (/metrics/prometheus and /metrics/executors/prometheus), no JMX exporter agent")
	} else {
		off := false
		spec.Monitoring.Metrics = &off
		f.r.note(f.path, "spec.monitoring.metrics: false (neither driver nor executor metrics were exposed)")
	}
	f.dropRest(map[string]string{
		"prometheus":            "Stoke needs no JMX exporter agent: Spark serves Prometheus metrics itself (docs/observability.md)",
		"metricsProperties":     "Stoke configures Spark's metrics in sparkConf (spark.metrics.conf.*)",
		"metricsPropertiesFile": "Stoke configures Spark's metrics in sparkConf (spark.metrics.conf)",
	})
}

func convertDynamicAllocation(f *fields, spec *stokev1.SparkApplicationSpec) {
	if len(f.m) == 0 {
		return
	}
	da := &stokev1.DynamicAllocation{}
	f.into("enabled", &da.Enabled)
	f.into("initialExecutors", &da.InitialExecutors)
	f.into("minExecutors", &da.MinExecutors)
	f.into("maxExecutors", &da.MaxExecutors)
	var ms int64
	if f.into("shuffleTrackingTimeout", &ms) {
		s := (ms + 999) / 1000
		da.ShuffleTrackingTimeoutSeconds = &s
		f.r.note(f.at("shuffleTrackingTimeout"), fmt.Sprintf("dynamicAllocation.shuffleTrackingTimeoutSeconds (%d ms rounded up to %d s)", ms, s))
	}
	f.dropRest(nil)
	spec.DynamicAllocation = da
}

func convertDriver(f *fields, spec *stokev1.SparkApplicationSpec, conf map[string]string) {
	d := &spec.Driver
	convertPod(f, spec, &d.SparkPodSpec, "driver", conf)
	var podName string
	if f.into("podName", &podName) {
		f.r.drop(f.at("podName"), "only for kubeflow's in-cluster-client mode; Stoke names the driver pod <name>-<attempt>-driver")
	}
	f.into("coreRequest", &d.CoreRequest)
	f.into("javaOptions", &d.JavaOptions)
	f.into("serviceAnnotations", &d.ServiceAnnotations)
	f.into("serviceLabels", &d.ServiceLabels)
	f.into("priorityClassName", &d.PriorityClassName)
	convertContainerExtras(f, &d.SparkPodSpec, "spark-kubernetes-driver")
	completeTemplate(f, &d.SparkPodSpec, "spark-kubernetes-driver")
	f.dropRest(map[string]string{
		"kubernetesMaster": "Stoke sets the driver's API server address (spark.kubernetes.driver.master) itself",
	})
}

func convertExecutor(f *fields, spec *stokev1.SparkApplicationSpec, conf map[string]string) {
	e := &spec.Executor
	convertPod(f, spec, &e.SparkPodSpec, "executor", conf)
	f.into("instances", &e.Instances)
	f.into("coreRequest", &e.CoreRequest)
	f.into("javaOptions", &e.JavaOptions)
	f.into("deleteOnTermination", &e.DeleteOnTermination)
	f.into("priorityClassName", &e.PriorityClassName)
	convertContainerExtras(f, &e.SparkPodSpec, "spark-kubernetes-executor")
	completeTemplate(f, &e.SparkPodSpec, "spark-kubernetes-executor")
	f.dropRest(nil)
}

// convertPod converts the fields kubeflow's driver and executor share.
func convertPod(f *fields, spec *stokev1.SparkApplicationSpec, p *stokev1.SparkPodSpec, role string, conf map[string]string) {
	r := f.r
	f.into("template", &p.Template)
	f.into("cores", &p.Cores)
	f.into("coreLimit", &p.CoreLimit)
	f.into("memory", &p.Memory)
	f.into("memoryOverhead", &p.MemoryOverhead)
	f.into("gpu", &p.GPU)
	f.into("image", &p.Image)
	f.into("env", &p.Env)
	f.into("envFrom", &p.EnvFrom)
	f.into("labels", &p.Labels)
	f.into("annotations", &p.Annotations)
	f.into("volumeMounts", &p.VolumeMounts)
	f.into("affinity", &p.Affinity)
	f.into("tolerations", &p.Tolerations)
	f.into("podSecurityContext", &p.PodSecurityContext)
	f.into("securityContext", &p.SecurityContext)
	f.into("schedulerName", &p.SchedulerName)
	f.into("sidecars", &p.Sidecars)
	f.into("initContainers", &p.InitContainers)
	f.into("nodeSelector", &p.NodeSelector)
	f.into("terminationGracePeriodSeconds", &p.TerminationGracePeriodSeconds)
	f.into("serviceAccount", &p.ServiceAccount)

	var envVars map[string]string
	if f.into("envVars", &envVars) {
		for _, k := range sortedKeys(envVars) {
			p.Env = append(p.Env, corev1.EnvVar{Name: k, Value: envVars[k]})
		}
		r.note(f.at("envVars"), role+".env")
	}
	var secretRefs map[string]struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	}
	if f.into("envSecretKeyRefs", &secretRefs) {
		for _, k := range sortedKeys(secretRefs) {
			ref := secretRefs[k]
			p.Env = append(p.Env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}})
		}
		r.note(f.at("envSecretKeyRefs"), role+".env with secretKeyRef")
	}
	var configMaps []struct {
		Name string `json:"name"`
		Path string `json:"path"`
	}
	if f.into("configMaps", &configMaps) {
		for _, cm := range configMaps {
			vol := role + "-configmap-" + cm.Name
			addConfigMapVolume(spec, vol, cm.Name, "")
			p.VolumeMounts = append(p.VolumeMounts, corev1.VolumeMount{Name: vol, MountPath: cm.Path})
		}
		r.note(f.at("configMaps"), "ConfigMap volumes in spec.volumes mounted by "+role+".volumeMounts")
	}
	var secrets []struct {
		Name string `json:"name"`
		Path string `json:"path"`
		Type string `json:"secretType"`
	}
	if f.into("secrets", &secrets) {
		for _, s := range secrets {
			conf[fmt.Sprintf("spark.kubernetes.%s.secrets.%s", role, s.Name)] = s.Path
			switch s.Type {
			case "GCPServiceAccount":
				p.Env = append(p.Env, corev1.EnvVar{Name: "GOOGLE_APPLICATION_CREDENTIALS", Value: s.Path + "/key.json"})
			case "HadoopDelegationToken":
				p.Env = append(p.Env, corev1.EnvVar{Name: "HADOOP_TOKEN_FILE_LOCATION", Value: s.Path + "/hadoop.token"})
			}
		}
		r.note(f.at("secrets"), fmt.Sprintf("sparkConf spark.kubernetes.%s.secrets.<name> (Spark mounts them), with the environment kubeflow sets for GCPServiceAccount and HadoopDelegationToken", role))
	}
	if tmpl := podSpecExtras(f); tmpl != nil {
		mergeTemplate(p, tmpl)
	}
}

// podSpecExtras takes the pod-level fields Stoke has no field for; they go into the pod template.
func podSpecExtras(f *fields) *corev1.PodSpec {
	var ps corev1.PodSpec
	var notes []string
	if f.into("hostNetwork", &ps.HostNetwork) {
		notes = append(notes, "hostNetwork")
	}
	if f.into("dnsConfig", &ps.DNSConfig) {
		notes = append(notes, "dnsConfig")
	}
	if f.into("hostAliases", &ps.HostAliases) {
		notes = append(notes, "hostAliases")
	}
	if f.into("shareProcessNamespace", &ps.ShareProcessNamespace) {
		notes = append(notes, "shareProcessNamespace")
	}
	if len(notes) == 0 {
		return nil
	}
	for _, n := range notes {
		f.r.note(f.at(n), "template.spec."+n)
	}
	return &ps
}

func mergeTemplate(p *stokev1.SparkPodSpec, extra *corev1.PodSpec) {
	if p.Template == nil {
		p.Template = &corev1.PodTemplateSpec{}
	}
	ps := &p.Template.Spec
	if extra.HostNetwork {
		ps.HostNetwork = true
	}
	if extra.DNSConfig != nil {
		ps.DNSConfig = extra.DNSConfig
	}
	ps.HostAliases = append(ps.HostAliases, extra.HostAliases...)
	if extra.ShareProcessNamespace != nil {
		ps.ShareProcessNamespace = extra.ShareProcessNamespace
	}
}

// convertContainerExtras moves lifecycle and ports, which Stoke has no field for, into the Spark container
// of the role's pod template.
func convertContainerExtras(f *fields, p *stokev1.SparkPodSpec, container string) {
	var lifecycle *corev1.Lifecycle
	var ports []struct {
		Name          string `json:"name"`
		Protocol      string `json:"protocol"`
		ContainerPort int32  `json:"containerPort"`
	}
	hasLifecycle := f.into("lifecycle", &lifecycle)
	hasPorts := f.into("ports", &ports)
	if !hasLifecycle && !hasPorts {
		return
	}
	if p.Template == nil {
		p.Template = &corev1.PodTemplateSpec{}
	}
	spec := &p.Template.Spec
	idx := -1
	for i := range spec.Containers {
		if spec.Containers[i].Name == container {
			idx = i
		}
	}
	if idx < 0 {
		spec.Containers = append(spec.Containers, corev1.Container{Name: container})
		idx = len(spec.Containers) - 1
	}
	c := &spec.Containers[idx]
	if hasLifecycle {
		c.Lifecycle = lifecycle
		f.r.note(f.at("lifecycle"), "template container "+container+" lifecycle")
	}
	if hasPorts {
		for _, port := range ports {
			c.Ports = append(c.Ports, corev1.ContainerPort{Name: port.Name, Protocol: corev1.Protocol(port.Protocol), ContainerPort: port.ContainerPort})
		}
		f.r.note(f.at("ports"), "template container "+container+" ports")
	}
}

func addConfigMapVolume(spec *stokev1.SparkApplicationSpec, volume, configMap, mountAll string) {
	for _, v := range spec.Volumes {
		if v.Name == volume {
			return
		}
	}
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMap}}}})
	if mountAll != "" {
		for _, role := range []*stokev1.SparkPodSpec{&spec.Driver.SparkPodSpec, &spec.Executor.SparkPodSpec} {
			role.VolumeMounts = append(role.VolumeMounts, corev1.VolumeMount{Name: volume, MountPath: mountAll})
		}
	}
}

// completeTemplate makes a pod template valid for Stoke: its labels and annotations move to the role's
// labels and annotations (the role's own win), and a template without containers gets the Spark container,
// which Stoke's schema requires and kubeflow's schemaless template did not.
func completeTemplate(f *fields, p *stokev1.SparkPodSpec, container string) {
	t := p.Template
	if t == nil {
		return
	}
	if len(t.Labels) > 0 || len(t.Annotations) > 0 {
		for _, kv := range []struct {
			from map[string]string
			to   *map[string]string
		}{{t.Labels, &p.Labels}, {t.Annotations, &p.Annotations}} {
			for k, v := range kv.from {
				if *kv.to == nil {
					*kv.to = map[string]string{}
				}
				if _, set := (*kv.to)[k]; !set {
					(*kv.to)[k] = v
				}
			}
		}
		f.r.note(f.at("template.metadata"), "labels and annotations moved to the role's labels and annotations")
	}
	t.ObjectMeta = metav1.ObjectMeta{}
	if len(t.Spec.Containers) == 0 {
		t.Spec.Containers = []corev1.Container{{Name: container}}
	}
}

// gangScheduler reports the batch schedulers Stoke gang-schedules for (spec.batchScheduler).
func gangScheduler(name string) bool { return name == "volcano" || name == "yunikorn" }

// convertBatchScheduler maps kubeflow's batchScheduler volcano or yunikorn, with its options' queue and
// priority class, onto spec.batchScheduler; another scheduler name is the pods' schedulerName.
func convertBatchScheduler(f *fields, spec *stokev1.SparkApplicationSpec, name string) {
	r := f.r
	if name == "" {
		return
	}
	if !gangScheduler(name) {
		r.note(f.at("batchScheduler"), fmt.Sprintf("driver and executor schedulerName %q", name))
		return
	}
	opts := f.child("batchSchedulerOptions")
	var queue, priorityClass string
	opts.into("queue", &queue)
	opts.into("priorityClassName", &priorityClass)
	if name == "volcano" {
		spec.BatchScheduler = &stokev1.BatchScheduler{Volcano: &stokev1.VolcanoScheduling{Queue: queue, PriorityClassName: priorityClass}}
		r.note(f.at("batchScheduler"), "batchScheduler.volcano: Stoke creates the PodGroup, with the starting footprint as minResources")
	} else {
		spec.BatchScheduler = &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{Queue: queue}}
		r.note(f.at("batchScheduler"), "batchScheduler.yunikorn: the driver carries the task groups of the starting footprint")
		if priorityClass != "" {
			r.drop(opts.at("priorityClassName"), "YuniKorn takes priority from the pods' priorityClassName (driver and executor templates)")
		}
	}
	opts.dropRest(map[string]string{"resources": "Stoke computes the gang's resources from the driver and the initial executors"})
}
