package spark

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func ptr[T any](v T) *T { return &v }

const (
	testUID     = "6f1d8e0a-3c2b-4a59-9d7e-0123456789ab"
	examplesJar = "local:///opt/spark/examples/jars/spark-examples.jar"
	piPy        = "local:///opt/spark/examples/src/main/python/pi.py"
)

// scalaApp is the reference case (a): SparkPi on Spark 3.5.9.
func scalaApp() *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-pi", Namespace: "default", UID: testUID},
		Spec: stokev1.SparkApplicationSpec{
			Type:                stokev1.ApplicationTypeScala,
			SparkVersion:        "3.5.9",
			Image:               "spark:test",
			MainClass:           ptr("org.apache.spark.examples.SparkPi"),
			MainApplicationFile: ptr(examplesJar),
			Arguments:           []string{"1000"},
			Executor:            stokev1.ExecutorSpec{Instances: ptr(int32(2))},
		},
	}
}

// pythonApp is the reference case (b).
func pythonApp() *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "pyspark-pi", Namespace: "default", UID: testUID},
		Spec: stokev1.SparkApplicationSpec{
			Type:                stokev1.ApplicationTypePython,
			SparkVersion:        "3.5.9",
			Image:               "spark:test",
			MainApplicationFile: ptr(piPy),
			Arguments:           []string{"10"},
			Deps:                stokev1.Dependencies{PyFiles: []string{"https://example.com/deps/helpers.py"}},
		},
	}
}

// richApp is modelled on the reference case (c).
func richApp() *stokev1.SparkApplication {
	app := scalaApp()
	app.Name, app.Namespace = "rich-app", "spark-ns"
	app.Spec.Arguments = []string{"100"}
	app.Spec.ImagePullPolicy = corev1.PullAlways
	app.Spec.ImagePullSecrets = []string{"regcred"}
	app.Spec.Deps = stokev1.Dependencies{Jars: []string{"https://example.com/a.jar"}, Files: []string{"https://example.com/f.txt"}}
	app.Spec.SparkConf = map[string]string{
		"spark.kubernetes.driverEnv.FOO":                                               "bar",
		"spark.kubernetes.driverEnv.WITH_SPACE":                                        "a b=c",
		"spark.executorEnv.BAZ":                                                        "qux",
		"spark.kubernetes.node.selector.disktype":                                      "ssd",
		"spark.kubernetes.executor.node.selector.pool":                                 "exec",
		"spark.kubernetes.driver.secrets.mysecret":                                     "/etc/secret",
		"spark.kubernetes.driver.secretKeyRef.DB_PASSWORD":                             "dbsecret:password",
		"spark.kubernetes.driver.volumes.hostPath.hostdata.mount.path":                 "/data",
		"spark.kubernetes.driver.volumes.hostPath.hostdata.options.path":               "/mnt/data",
		"spark.kubernetes.driver.volumes.hostPath.hostdata.options.type":               "Directory",
		"spark.kubernetes.driver.volumes.emptyDir.scratch.mount.path":                  "/scratch",
		"spark.kubernetes.driver.volumes.emptyDir.scratch.options.medium":              "Memory",
		"spark.kubernetes.driver.volumes.emptyDir.scratch.options.sizeLimit":           "1Gi",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.path":        "/pvc",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.readOnly":    "true",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.mount.subPath":     "sub",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.data.options.claimName": "my-pvc",
		"spark.kubernetes.executor.volumes.emptyDir.scratch.mount.path":                "/scratch",
		"spark.stoke.escaping":                                                         "k:v=w #h !b \\\\back é tab\tend",
		"spark.kubernetes.driver.annotation.conf-anno":                                 "from-conf-{{APP_ID}}",
		"spark.kubernetes.driver.label.conf-label":                                     "from-conf",
		"spark.kubernetes.driver.service.annotation.conf-svc-anno":                     "svc-{{APP_ID}}",
		"spark.kubernetes.executor.label.team":                                         "data-eng",
		"spark.kubernetes.executor.annotation.owner":                                   "alice",
	}
	app.Spec.Driver = stokev1.DriverSpec{
		SparkPodSpec: stokev1.SparkPodSpec{
			Cores:          ptr(int32(1)),
			CoreRequest:    ptr("500m"),
			CoreLimit:      ptr("2"),
			Memory:         ptr("2g"),
			MemoryOverhead: ptr("512m"),
			Labels:         map[string]string{"team": "data-eng", "tier": "gold"},
			Annotations:    map[string]string{"example.com/trace": "run-{{APP_ID}}", "owner": "alice"},
			NodeSelector:   map[string]string{"zone": "z1"},
			ServiceAccount: ptr("spark"),
		},
		ServiceLabels:      map[string]string{"svc-label": "yes"},
		ServiceAnnotations: map[string]string{"svc-anno": "hello"},
	}
	app.Spec.Executor = stokev1.ExecutorSpec{
		SparkPodSpec: stokev1.SparkPodSpec{
			Cores:          ptr(int32(2)),
			Memory:         ptr("3g"),
			MemoryOverhead: ptr("1g"),
			Tolerations:    []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "spark", Effect: corev1.TaintEffectNoSchedule}},
		},
		Instances: ptr(int32(3)),
	}
	return app
}

func mustBuild(t *testing.T, app *stokev1.SparkApplication) *Objects {
	t.Helper()
	objs, err := Build(app, 1)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return objs
}

func sparkContainer(t *testing.T, pod *corev1.Pod, name string) *corev1.Container {
	t.Helper()
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	t.Fatalf("pod %s has no container %s", pod.Name, name)
	return nil
}

func envNames(c *corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name)
	}
	return out
}

func envVar(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func volumeNames(pod *corev1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		out = append(out, v.Name)
	}
	return out
}

func mountNames(c *corev1.Container) []string {
	var out []string
	for _, m := range c.VolumeMounts {
		out = append(out, m.Name)
	}
	return out
}

func volume(pod *corev1.Pod, name string) *corev1.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return nil
}

func mount(c *corev1.Container, name string) *corev1.VolumeMount {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].Name == name {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

func TestBuildDriverArgs(t *testing.T) {
	javaNoFile := scalaApp()
	javaNoFile.Spec.Type = stokev1.ApplicationTypeJava
	javaNoFile.Spec.MainApplicationFile = nil
	javaNoFile.Spec.Arguments = nil

	noArgs := scalaApp()
	noArgs.Spec.Arguments = nil

	proxy := scalaApp()
	proxy.Spec.SparkConf = map[string]string{"spark.kubernetes.proxyUser": "bob"}

	rApp := pythonApp()
	rApp.Spec.Type = stokev1.ApplicationTypeR
	rApp.Spec.MainApplicationFile = ptr("local:///opt/app/main.R")
	rApp.Spec.Arguments = []string{"a", "b c"}

	pyWithClass := pythonApp()
	pyWithClass.Spec.MainClass = ptr("ignored.for.Python")

	tests := []struct {
		desc string
		app  *stokev1.SparkApplication
		want []string
	}{
		{"Scala with arguments", scalaApp(),
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.examples.SparkPi", examplesJar, "1000"}},
		{"Scala without arguments ends with the resource", noArgs,
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.examples.SparkPi", examplesJar}},
		{"Python runs PythonRunner, no --py-files", pythonApp(),
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.deploy.PythonRunner", piPy, "10"}},
		{"Python ignores mainClass", pyWithClass,
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.deploy.PythonRunner", piPy, "10"}},
		{"R runs RRunner", rApp,
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.deploy.RRunner", "local:///opt/app/main.R", "a", "b c"}},
		{"Java without a main application file", javaNoFile,
			[]string{"driver", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.examples.SparkPi", "spark-internal"}},
		{"proxy user right after driver", proxy,
			[]string{"driver", "--proxy-user", "bob", "--properties-file", "/opt/spark/conf/spark.properties", "--class", "org.apache.spark.examples.SparkPi", examplesJar, "1000"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			c := sparkContainer(t, objs.DriverPod, DriverContainerName)
			if !reflect.DeepEqual(c.Args, tc.want) {
				t.Errorf("args = %q\nwant   %q", c.Args, tc.want)
			}
			if len(c.Command) != 0 {
				t.Errorf("command = %q, want none", c.Command)
			}
		})
	}
}

func TestBuildDriverEnvOrder(t *testing.T) {
	rich := richApp()
	rich.Spec.SparkConf["spark.kubernetes.driver.secretKeyRef.A_TOKEN"] = "tokens:a"
	rich.Spec.Driver.Env = []corev1.EnvVar{
		{Name: "ZED", Value: "z"},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
	}

	py := pythonApp()
	py.Spec.SparkConf = map[string]string{"spark.pyspark.python": "python3", "spark.pyspark.driver.python": "python3.11"}

	hadoop := scalaApp()
	hadoop.Spec.SparkConf = map[string]string{"spark.kubernetes.hadoop.configMapName": "hadoop-conf"}

	proxy := scalaApp()
	proxy.Spec.SparkConf = map[string]string{"spark.kubernetes.proxyUser": "bob"}

	tests := []struct {
		desc string
		app  *stokev1.SparkApplication
		want []string
		user string
	}{
		{"reference case a", scalaApp(),
			[]string{"SPARK_USER", "SPARK_APPLICATION_ID", "SPARK_DRIVER_BIND_ADDRESS", "SPARK_LOCAL_DIRS", "SPARK_CONF_DIR"}, "spark"},
		{"valueFrom env first (as in a template), driverEnv sorted, secret refs sorted", rich,
			[]string{"POD_NAME", "SPARK_USER", "SPARK_APPLICATION_ID", "FOO", "WITH_SPACE", "ZED", "SPARK_DRIVER_BIND_ADDRESS",
				"A_TOKEN", "DB_PASSWORD", "SPARK_LOCAL_DIRS", "SPARK_CONF_DIR"}, "spark"},
		{"Python interpreters after the command step", py,
			[]string{"SPARK_USER", "SPARK_APPLICATION_ID", "SPARK_DRIVER_BIND_ADDRESS", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON",
				"SPARK_LOCAL_DIRS", "SPARK_CONF_DIR"}, "spark"},
		{"Hadoop conf dir", hadoop,
			[]string{"SPARK_USER", "SPARK_APPLICATION_ID", "SPARK_DRIVER_BIND_ADDRESS", "HADOOP_CONF_DIR", "SPARK_LOCAL_DIRS", "SPARK_CONF_DIR"}, "spark"},
		{"proxy user is SPARK_USER", proxy,
			[]string{"SPARK_USER", "SPARK_APPLICATION_ID", "SPARK_DRIVER_BIND_ADDRESS", "SPARK_LOCAL_DIRS", "SPARK_CONF_DIR"}, "bob"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			c := sparkContainer(t, objs.DriverPod, DriverContainerName)
			if got := envNames(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("env names = %q\nwant        %q", got, tc.want)
			}
			if v := envVar(c, "SPARK_USER"); v == nil || v.Value != tc.user {
				t.Errorf("SPARK_USER = %+v, want %q", v, tc.user)
			}
			if v := envVar(c, "SPARK_APPLICATION_ID"); v == nil || v.Value != objs.Names.AppID {
				t.Errorf("SPARK_APPLICATION_ID = %+v, want %q", v, objs.Names.AppID)
			}
			bind := envVar(c, "SPARK_DRIVER_BIND_ADDRESS")
			wantBind := &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}
			if bind == nil || bind.Value != "" || !reflect.DeepEqual(bind.ValueFrom, wantBind) {
				t.Errorf("SPARK_DRIVER_BIND_ADDRESS = %+v, want valueFrom status.podIP", bind)
			}
			if v := envVar(c, "SPARK_CONF_DIR"); v == nil || v.Value != "/opt/spark/conf" {
				t.Errorf("SPARK_CONF_DIR = %+v", v)
			}
			if envVar(c, "BAZ") != nil {
				t.Errorf("spark.executorEnv.BAZ leaked into the driver")
			}
		})
	}

	// Values of the rich case.
	objs := mustBuild(t, rich)
	c := sparkContainer(t, objs.DriverPod, DriverContainerName)
	for name, want := range map[string]string{"FOO": "bar", "WITH_SPACE": "a b=c", "ZED": "z"} {
		if v := envVar(c, name); v == nil || v.Value != want || v.ValueFrom != nil {
			t.Errorf("%s = %+v, want %q", name, v, want)
		}
	}
	for name, ref := range map[string][2]string{"DB_PASSWORD": {"dbsecret", "password"}, "A_TOKEN": {"tokens", "a"}} {
		v := envVar(c, name)
		want := &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref[0]}, Key: ref[1]}}
		if v == nil || !reflect.DeepEqual(v.ValueFrom, want) {
			t.Errorf("%s = %+v, want secretKeyRef %s/%s", name, v, ref[0], ref[1])
		}
	}
	if v := envVar(c, "POD_NAME"); v == nil || v.ValueFrom == nil || v.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("POD_NAME = %+v", v)
	}
	if _, ok := objs.Properties["spark.kubernetes.driverEnv.POD_NAME"]; ok {
		t.Errorf("a valueFrom env became a driverEnv property")
	}
	if objs.Properties["spark.kubernetes.driverEnv.ZED"] != "z" {
		t.Errorf("spark.kubernetes.driverEnv.ZED = %q", objs.Properties["spark.kubernetes.driverEnv.ZED"])
	}
}

func TestBuildLocalDirs(t *testing.T) {
	uuidPath := regexp.MustCompile(`^/var/data/spark-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	objs := mustBuild(t, scalaApp())
	c := sparkContainer(t, objs.DriverPod, DriverContainerName)
	dirs := envVar(c, "SPARK_LOCAL_DIRS")
	if dirs == nil || !uuidPath.MatchString(dirs.Value) {
		t.Fatalf("SPARK_LOCAL_DIRS = %+v, want /var/data/spark-<uuid>", dirs)
	}
	if m := mount(c, LocalDirVolume); m == nil || m.MountPath != dirs.Value {
		t.Errorf("spark-local-dir-1 mount = %+v, want at %s", m, dirs.Value)
	}
	if v := volume(objs.DriverPod, LocalDirVolume); v == nil || !reflect.DeepEqual(v.VolumeSource, corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}) {
		t.Errorf("spark-local-dir-1 volume = %+v, want emptyDir {}", v)
	}
	// Another attempt gets another path; the same attempt the same one.
	other, err := Build(scalaApp(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if envVar(sparkContainer(t, other.DriverPod, DriverContainerName), "SPARK_LOCAL_DIRS").Value == dirs.Value {
		t.Errorf("attempts 1 and 2 share the local dir %s", dirs.Value)
	}

	// spark.local.dir with two directories and tmpfs.
	app := scalaApp()
	app.Spec.SparkConf = map[string]string{"spark.local.dir": "/tmp/a, /tmp/b", "spark.kubernetes.local.dirs.tmpfs": "true"}
	objs = mustBuild(t, app)
	c = sparkContainer(t, objs.DriverPod, DriverContainerName)
	if v := envVar(c, "SPARK_LOCAL_DIRS"); v == nil || v.Value != "/tmp/a,/tmp/b" {
		t.Errorf("SPARK_LOCAL_DIRS = %+v, want /tmp/a,/tmp/b", v)
	}
	for i, path := range []string{"/tmp/a", "/tmp/b"} {
		name := []string{"spark-local-dir-1", "spark-local-dir-2"}[i]
		if m := mount(c, name); m == nil || m.MountPath != path {
			t.Errorf("%s mount = %+v, want %s", name, m, path)
		}
		if v := volume(objs.DriverPod, name); v == nil || v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory {
			t.Errorf("%s volume = %+v, want emptyDir Memory", name, v)
		}
	}
}

func TestBuildDriverResources(t *testing.T) {
	gpu := scalaApp()
	gpu.Spec.Driver.GPU = &stokev1.GPUSpec{Name: "nvidia.com/gpu", Quantity: 2}

	pyFactor := pythonApp()
	pyFactor.Spec.SparkConf = map[string]string{"spark.kubernetes.memoryOverheadFactor": "0.1"}

	spark4Min := scalaApp()
	spark4Min.Spec.SparkVersion = "4.3.0"
	spark4Min.Spec.SparkConf = map[string]string{"spark.driver.minMemoryOverhead": "512m"}

	spark35Min := scalaApp()
	spark35Min.Spec.SparkConf = map[string]string{"spark.driver.minMemoryOverhead": "512m"}

	roleFactor := scalaApp()
	roleFactor.Spec.Driver.Memory = ptr("2g")
	roleFactor.Spec.Driver.MemoryOverheadFactor = ptr("0.2")

	cores := scalaApp()
	cores.Spec.Driver.Cores = ptr(int32(3))

	confMemory := scalaApp()
	confMemory.Spec.SparkConf = map[string]string{"spark.driver.memory": "4g", "spark.driver.memoryOverhead": "1g", "spark.driver.cores": "2"}

	tests := []struct {
		desc     string
		app      *stokev1.SparkApplication
		requests map[corev1.ResourceName]string
		limits   map[corev1.ResourceName]string
	}{
		{"reference a: 1g JVM", scalaApp(),
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1408Mi"}, map[corev1.ResourceName]string{"memory": "1408Mi"}},
		{"reference b: 1g Python", pythonApp(),
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1433Mi"}, map[corev1.ResourceName]string{"memory": "1433Mi"}},
		{"reference c: 2g + 512m, request 500m, limit 2", richApp(),
			map[corev1.ResourceName]string{"cpu": "500m", "memory": "2560Mi"}, map[corev1.ResourceName]string{"cpu": "2", "memory": "2560Mi"}},
		{"cores as CPU request", cores,
			map[corev1.ResourceName]string{"cpu": "3", "memory": "1408Mi"}, map[corev1.ResourceName]string{"memory": "1408Mi"}},
		{"GPU with vendor", gpu,
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1408Mi"}, map[corev1.ResourceName]string{"memory": "1408Mi", "nvidia.com/gpu": "2"}},
		{"Python with explicit spark.kubernetes.memoryOverheadFactor", pyFactor,
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1408Mi"}, map[corev1.ResourceName]string{"memory": "1408Mi"}},
		{"Spark 4 minMemoryOverhead", spark4Min,
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1536Mi"}, map[corev1.ResourceName]string{"memory": "1536Mi"}},
		{"Spark 3.5 ignores minMemoryOverhead", spark35Min,
			map[corev1.ResourceName]string{"cpu": "1", "memory": "1408Mi"}, map[corev1.ResourceName]string{"memory": "1408Mi"}},
		{"driver overhead factor field", roleFactor,
			map[corev1.ResourceName]string{"cpu": "1", "memory": "2457Mi"}, map[corev1.ResourceName]string{"memory": "2457Mi"}},
		{"memory, overhead and cores from sparkConf", confMemory,
			map[corev1.ResourceName]string{"cpu": "2", "memory": "5120Mi"}, map[corev1.ResourceName]string{"memory": "5120Mi"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			r := sparkContainer(t, objs.DriverPod, DriverContainerName).Resources
			compareResources(t, "requests", r.Requests, tc.requests)
			compareResources(t, "limits", r.Limits, tc.limits)
		})
	}
}

func compareResources(t *testing.T, what string, got corev1.ResourceList, want map[corev1.ResourceName]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for name, w := range want {
		q, ok := got[name]
		if !ok || q.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("%s[%s] = %s, want %s", what, name, q.String(), w)
		}
	}
}

func TestBuildDriverPodMetadata(t *testing.T) {
	objs := mustBuild(t, richApp())
	pod := objs.DriverPod
	appID := objs.Names.AppID
	if pod.Name != "rich-app-1-driver" || pod.Namespace != "spark-ns" {
		t.Errorf("driver pod is %s/%s, want spark-ns/rich-app-1-driver", pod.Namespace, pod.Name)
	}
	wantLabels := map[string]string{
		"team": "data-eng", "tier": "gold", "conf-label": "from-conf",
		"spark-app-selector": appID, "spark-role": "driver", "spark-version": "3.5.9", "spark-app-name": "rich-app",
		"app.kubernetes.io/managed-by": "stoke", "stoke.dev/attempt": "1",
	}
	if !reflect.DeepEqual(pod.Labels, wantLabels) {
		t.Errorf("labels = %v\nwant     %v", pod.Labels, wantLabels)
	}
	wantAnnotations := map[string]string{
		"example.com/trace": "run-" + appID, "owner": "alice", "conf-anno": "from-conf-" + appID,
		"stoke.dev/application": "rich-app",
	}
	for k, v := range metricsAnnotations {
		wantAnnotations[k] = v
	}
	if !reflect.DeepEqual(pod.Annotations, wantAnnotations) {
		t.Errorf("annotations = %v\nwant          %v", pod.Annotations, wantAnnotations)
	}
	// The spec's own map is not changed by the substitution.
	app := richApp()
	_ = mustBuild(t, app)
	if app.Spec.Driver.Annotations["example.com/trace"] != "run-{{APP_ID}}" {
		t.Errorf("Build changed the spec's annotation to %q", app.Spec.Driver.Annotations["example.com/trace"])
	}

	wantOwner := []metav1.OwnerReference{{
		APIVersion: "stoke.dev/v1alpha1", Kind: "SparkApplication", Name: "rich-app", UID: testUID,
		Controller: ptr(true), BlockOwnerDeletion: ptr(true),
	}}
	if !reflect.DeepEqual(pod.OwnerReferences, wantOwner) {
		t.Errorf("ownerReferences = %+v, want %+v", pod.OwnerReferences, wantOwner)
	}

	ps := pod.Spec
	if ps.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %q", ps.RestartPolicy)
	}
	if ps.EnableServiceLinks == nil || *ps.EnableServiceLinks {
		t.Errorf("enableServiceLinks = %v, want false", ps.EnableServiceLinks)
	}
	if ps.ServiceAccountName != "spark" || ps.DeprecatedServiceAccount != "spark" {
		t.Errorf("service account = %q / %q, want spark / spark", ps.ServiceAccountName, ps.DeprecatedServiceAccount)
	}
	if !reflect.DeepEqual(ps.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "regcred"}}) {
		t.Errorf("imagePullSecrets = %v", ps.ImagePullSecrets)
	}
	if want := map[string]string{"disktype": "ssd", "zone": "z1"}; !reflect.DeepEqual(ps.NodeSelector, want) {
		t.Errorf("nodeSelector = %v, want %v (no executor selector)", ps.NodeSelector, want)
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(ps.Containers))
	}
	c := ps.Containers[0]
	if c.Name != "spark-kubernetes-driver" || c.Image != "spark:test" || c.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("container %s image %s pull %s", c.Name, c.Image, c.ImagePullPolicy)
	}

	// Defaults of the minimal case: no service account, IfNotPresent, no node selector, no annotations but
	// Stoke's and the metrics ones.
	a := mustBuild(t, scalaApp()).DriverPod
	if a.Spec.ServiceAccountName != "" || a.Spec.DeprecatedServiceAccount != "" {
		t.Errorf("service account set without one in the spec: %q", a.Spec.ServiceAccountName)
	}
	if a.Spec.NodeSelector != nil || a.Spec.ImagePullSecrets != nil {
		t.Errorf("nodeSelector %v, imagePullSecrets %v, want none", a.Spec.NodeSelector, a.Spec.ImagePullSecrets)
	}
	if a.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("imagePullPolicy = %q, want IfNotPresent", a.Spec.Containers[0].ImagePullPolicy)
	}
	want := map[string]string{"stoke.dev/application": "spark-pi"}
	for k, v := range metricsAnnotations {
		want[k] = v
	}
	if !reflect.DeepEqual(a.Annotations, want) {
		t.Errorf("annotations = %v, want %v", a.Annotations, want)
	}
}

func TestBuildAppNameLabelAndNames(t *testing.T) {
	tests := []struct{ name, label string }{
		{"spark-pi", "spark-pi"},
		{"my.app", "my-app"},
		{"x" + strings.Repeat("y", 252), "x" + strings.Repeat("y", 62)},
	}
	for _, tc := range tests {
		app := scalaApp()
		app.Name = tc.name
		objs := mustBuild(t, app)
		if got := objs.DriverPod.Labels[LabelAppName]; got != tc.label {
			t.Errorf("%s: spark-app-name = %q, want %q", tc.name, got, tc.label)
		}
		if errs := validation.IsValidLabelValue(objs.DriverPod.Labels[LabelAppName]); len(errs) > 0 {
			t.Errorf("%s: spark-app-name: %v", tc.name, errs)
		}
		if objs.DriverPod.Name != objs.Names.DriverPod || objs.Service.Name != objs.Names.DriverService || objs.ConfigMap.Name != objs.Names.ConfigMap {
			t.Errorf("%s: object names do not follow NamesFor: %s %s %s", tc.name, objs.DriverPod.Name, objs.Service.Name, objs.ConfigMap.Name)
		}
		if objs.DriverPod.Annotations[AnnotationApplication] != tc.name {
			t.Errorf("%s: stoke.dev/application = %q", tc.name, objs.DriverPod.Annotations[AnnotationApplication])
		}
	}
}

func TestBuildVolumeOrder(t *testing.T) {
	rich := richApp()
	rich.Spec.SparkConf["spark.kubernetes.driver.secrets.another"] = "/etc/another"
	rich.Spec.Volumes = []corev1.Volume{
		{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "unused", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	rich.Spec.Driver.VolumeMounts = []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}}

	hadoop := scalaApp()
	hadoop.Spec.SparkConf = map[string]string{"spark.kubernetes.hadoop.configMapName": "hadoop-conf"}

	tpl := scalaApp()
	tpl.Spec.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Volumes:    []corev1.Volume{{Name: "from-template", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		Containers: []corev1.Container{{Name: DriverContainerName, VolumeMounts: []corev1.VolumeMount{{Name: "from-template", MountPath: "/t"}}}},
	}}

	tests := []struct {
		desc            string
		app             *stokev1.SparkApplication
		volumes, mounts []string
	}{
		{"reference a", scalaApp(),
			[]string{"pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"},
			[]string{"pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"}},
		{"mounted app volumes first (as in a template), secrets, conf volumes by type and name, Spark's", rich,
			[]string{"shared", "another-volume", "mysecret-volume", "scratch", "hostdata", "data",
				"pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"},
			[]string{"shared", "another-volume", "mysecret-volume", "scratch", "hostdata", "data",
				"pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"}},
		{"Hadoop conf before the pod template", hadoop,
			[]string{"hadoop-properties", "pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"},
			[]string{"hadoop-properties", "pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"}},
		{"template volumes first", tpl,
			[]string{"from-template", "pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"},
			[]string{"from-template", "pod-template-volume", "spark-local-dir-1", "spark-conf-volume-driver"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			if got := volumeNames(objs.DriverPod); !reflect.DeepEqual(got, tc.volumes) {
				t.Errorf("volumes = %q\nwant      %q", got, tc.volumes)
			}
			if got := mountNames(sparkContainer(t, objs.DriverPod, DriverContainerName)); !reflect.DeepEqual(got, tc.mounts) {
				t.Errorf("mounts = %q\nwant     %q", got, tc.mounts)
			}
		})
	}
}

func TestBuildVolumeContents(t *testing.T) {
	objs := mustBuild(t, richApp())
	pod := objs.DriverPod
	c := sparkContainer(t, pod, DriverContainerName)
	cm := objs.Names.ConfigMap
	sizeLimit := resource.MustParse("1Gi")
	wantVolumes := map[string]corev1.VolumeSource{
		"mysecret-volume": {Secret: &corev1.SecretVolumeSource{SecretName: "mysecret"}},
		"scratch":         {EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &sizeLimit}},
		// spark-submit 3.5 ignores options.type (4.x honours it: TestHostPathTypeByVersion).
		"hostdata": {HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/data", Type: ptr(corev1.HostPathType(""))}},
		"data":     {PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "my-pvc", ReadOnly: true}},
		"pod-template-volume": {ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cm},
			Items:                []corev1.KeyToPath{{Key: "podspec-configmap-key", Path: "pod-spec-template.yml"}},
		}},
		"spark-conf-volume-driver": {ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cm},
			Items:                []corev1.KeyToPath{{Key: "spark.properties", Path: "spark.properties", Mode: ptr(int32(420))}},
		}},
	}
	for name, want := range wantVolumes {
		v := volume(pod, name)
		if v == nil {
			t.Errorf("no volume %s", name)
			continue
		}
		if !reflect.DeepEqual(v.VolumeSource, want) {
			t.Errorf("volume %s = %+v\nwant %+v", name, v.VolumeSource, want)
		}
	}
	wantMounts := map[string]corev1.VolumeMount{
		"mysecret-volume":          {Name: "mysecret-volume", MountPath: "/etc/secret"},
		"scratch":                  {Name: "scratch", MountPath: "/scratch"},
		"hostdata":                 {Name: "hostdata", MountPath: "/data"},
		"data":                     {Name: "data", MountPath: "/pvc", ReadOnly: true, SubPath: "sub"},
		"pod-template-volume":      {Name: "pod-template-volume", MountPath: "/opt/spark/pod-template"},
		"spark-conf-volume-driver": {Name: "spark-conf-volume-driver", MountPath: "/opt/spark/conf"},
	}
	for name, want := range wantMounts {
		m := mount(c, name)
		if m == nil || !reflect.DeepEqual(*m, want) {
			t.Errorf("mount %s = %+v, want %+v", name, m, want)
		}
	}
}

func TestBuildService(t *testing.T) {
	spark4 := richApp()
	spark4.Spec.SparkVersion = "4.3.0"
	basePorts := []corev1.ServicePort{
		{Name: "driver-rpc-port", Port: 7078, TargetPort: intstr.FromInt32(7078), Protocol: corev1.ProtocolTCP},
		{Name: "blockmanager", Port: 7079, TargetPort: intstr.FromInt32(7079), Protocol: corev1.ProtocolTCP},
		{Name: "spark-ui", Port: 4040, TargetPort: intstr.FromInt32(4040), Protocol: corev1.ProtocolTCP},
	}
	connect := corev1.ServicePort{Name: "spark-connect", Port: 15002, TargetPort: intstr.FromInt32(15002), Protocol: corev1.ProtocolTCP, AppProtocol: ptr("grpc")}
	tests := []struct {
		desc    string
		app     *stokev1.SparkApplication
		version string
		ports   []corev1.ServicePort
	}{
		{"Spark 3.5: three ports", richApp(), "3.5.9", basePorts},
		{"Spark 4: spark-connect with appProtocol grpc", spark4, "4.3.0", append(append([]corev1.ServicePort{}, basePorts...), connect)},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			svc := objs.Service
			appID := objs.Names.AppID
			if svc.Name != "rich-app-1-driver-svc" || svc.Namespace != "spark-ns" {
				t.Errorf("service %s/%s", svc.Namespace, svc.Name)
			}
			wantSelector := map[string]string{
				"spark-app-selector": appID, "spark-role": "driver", "spark-version": tc.version, "spark-app-name": "rich-app",
				"team": "data-eng", "tier": "gold", "conf-label": "from-conf",
			}
			if !reflect.DeepEqual(svc.Spec.Selector, wantSelector) {
				t.Errorf("selector = %v\nwant       %v", svc.Spec.Selector, wantSelector)
			}
			for k, v := range svc.Spec.Selector {
				if objs.DriverPod.Labels[k] != v {
					t.Errorf("selector %s=%s does not match the driver pod (%q)", k, v, objs.DriverPod.Labels[k])
				}
			}
			if want := map[string]string{"spark-app-selector": appID, "svc-label": "yes"}; !reflect.DeepEqual(svc.Labels, want) {
				t.Errorf("labels = %v, want %v", svc.Labels, want)
			}
			// Spark substitutes {{APP_ID}} in pod annotations only, not in the Service's.
			if want := map[string]string{"svc-anno": "hello", "conf-svc-anno": "svc-{{APP_ID}}"}; !reflect.DeepEqual(svc.Annotations, want) {
				t.Errorf("annotations = %v, want %v", svc.Annotations, want)
			}
			if svc.Spec.ClusterIP != "None" {
				t.Errorf("clusterIP = %q, want None", svc.Spec.ClusterIP)
			}
			if !reflect.DeepEqual(svc.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) ||
				svc.Spec.IPFamilyPolicy == nil || *svc.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
				t.Errorf("ipFamilies %v policy %v", svc.Spec.IPFamilies, svc.Spec.IPFamilyPolicy)
			}
			if !reflect.DeepEqual(svc.Spec.Ports, tc.ports) {
				t.Errorf("ports = %+v\nwant    %+v", svc.Spec.Ports, tc.ports)
			}
			// The container exposes the same ports.
			c := sparkContainer(t, objs.DriverPod, DriverContainerName)
			if len(c.Ports) != len(tc.ports) {
				t.Fatalf("container ports = %+v", c.Ports)
			}
			for i, p := range tc.ports {
				want := corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: corev1.ProtocolTCP}
				if c.Ports[i] != want {
					t.Errorf("container port %d = %+v, want %+v", i, c.Ports[i], want)
				}
			}
		})
	}

	// No service annotations: none at all.
	if a := mustBuild(t, scalaApp()).Service.Annotations; a != nil {
		t.Errorf("annotations = %v, want nil", a)
	}
}

func TestBuildSecurityContext(t *testing.T) {
	spark4 := scalaApp()
	spark4.Spec.SparkVersion = "4.3.0"
	spark4Allowed := scalaApp()
	spark4Allowed.Spec.SparkVersion = "4.0.1"
	spark4Allowed.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.securityContext.allowPrivilegeEscalation": "true"}
	spark4Template := scalaApp()
	spark4Template.Spec.SparkVersion = "4.3.0"
	spark4Template.Spec.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: DriverContainerName, SecurityContext: &corev1.SecurityContext{RunAsUser: ptr(int64(185))},
	}}}}

	tests := []struct {
		desc string
		app  *stokev1.SparkApplication
		want *corev1.SecurityContext
	}{
		{"Spark 3.5: none", scalaApp(), nil},
		{"Spark 4: no privilege escalation", spark4, &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false)}},
		{"Spark 4 allowed by conf", spark4Allowed, &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(true)}},
		{"Spark 4 keeps the template's context", spark4Template, &corev1.SecurityContext{RunAsUser: ptr(int64(185)), AllowPrivilegeEscalation: ptr(false)}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := sparkContainer(t, mustBuild(t, tc.app).DriverPod, DriverContainerName)
			if !reflect.DeepEqual(c.SecurityContext, tc.want) {
				t.Errorf("securityContext = %+v, want %+v", c.SecurityContext, tc.want)
			}
		})
	}
}

func TestBuildProperties(t *testing.T) {
	objs := mustBuild(t, scalaApp())
	p := objs.Properties
	n := objs.Names
	want := map[string]string{
		"spark.app.name":                            "spark-pi",
		"spark.app.id":                              n.AppID,
		"spark.master":                              "k8s://https://kubernetes.default.svc:443",
		"spark.submit.deployMode":                   "cluster",
		"spark.submit.pyFiles":                      "",
		"spark.jars":                                examplesJar,
		"spark.kubernetes.namespace":                "default",
		"spark.kubernetes.container.image":          "spark:test",
		"spark.kubernetes.driver.pod.name":          "spark-pi-1-driver",
		"spark.kubernetes.executor.podNamePrefix":   "spark-pi-1",
		"spark.kubernetes.submitInDriver":           "true",
		"spark.kubernetes.resource.type":            "java",
		"spark.kubernetes.memoryOverheadFactor":     "0.1",
		"spark.driver.host":                         "spark-pi-1-driver-svc.default.svc",
		"spark.driver.port":                         "7078",
		"spark.driver.blockManager.port":            "7079",
		"spark.kubernetes.executor.podTemplateFile": "/opt/spark/pod-template/pod-spec-template.yml",
		"spark.executor.instances":                  "2",
	}
	for k, v := range metricsProps {
		want[k] = v
	}
	if !reflect.DeepEqual(p, want) {
		for k, v := range want {
			if got, ok := p[k]; !ok || got != v {
				t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
			}
		}
		for k, v := range p {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected property %s=%q", k, v)
			}
		}
	}
}

func TestBuildPropertiesByCase(t *testing.T) {
	javaNoFile := scalaApp()
	javaNoFile.Spec.Type = stokev1.ApplicationTypeJava
	javaNoFile.Spec.MainApplicationFile = nil

	pyNoDeps := pythonApp()
	pyNoDeps.Spec.Deps = stokev1.Dependencies{}

	// The same values in sparkConf and in the spec agree: nothing is replaced, so nothing is refused.
	agree := scalaApp()
	agree.Spec.SparkConf = map[string]string{
		"spark.app.name": "spark-pi", "spark.driver.memory": "2g", "spark.kubernetes.container.image": "spark:test",
		"spark.jars": "https://example.com/field.jar", "spark.some.other": "kept",
	}
	agree.Spec.Driver.Memory = ptr("2g")
	agree.Spec.Deps = stokev1.Dependencies{Jars: []string{"https://example.com/field.jar"}}

	dyn := scalaApp()
	dyn.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, InitialExecutors: ptr(int32(2)), MinExecutors: ptr(int32(1)),
		MaxExecutors: ptr(int32(10)), ShuffleTrackingTimeoutSeconds: ptr(int64(600)), ExecutorIdleTimeoutSeconds: ptr(int64(60))}
	dynOff := scalaApp()
	dynOff.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: false, MaxExecutors: ptr(int32(10))}
	dynNoTracking := scalaApp()
	dynNoTracking.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, ShuffleTrackingEnabled: ptr(false)}

	roles := scalaApp()
	roles.Spec.HadoopConf = map[string]string{"fs.s3a.endpoint": "http://minio:9000"}
	roles.Spec.Driver.JavaOptions = ptr("-Dx=y")
	roles.Spec.Driver.Image = ptr("driver:img")
	roles.Spec.Driver.SchedulerName = ptr("volcano")
	roles.Spec.Executor.Memory = ptr("3g")
	roles.Spec.Executor.Cores = ptr(int32(2))
	roles.Spec.Executor.Env = []corev1.EnvVar{{Name: "E", Value: "e"}}
	roles.Spec.Executor.NodeSelector = map[string]string{"pool": "exec"}
	roles.Spec.Executor.DeleteOnTermination = ptr(false)
	roles.Spec.Executor.GPU = &stokev1.GPUSpec{Name: "nvidia.com/gpu", Quantity: 1}
	roles.Spec.Deps.Archives = []string{"https://example.com/env.tar.gz#env"}

	absent := "<absent>"
	tests := []struct {
		desc string
		app  *stokev1.SparkApplication
		want map[string]string
	}{
		{"Python: pyFiles, no spark.jars, python resource type, 0.4 factor", pythonApp(), map[string]string{
			"spark.submit.pyFiles": "https://example.com/deps/helpers.py", "spark.jars": absent,
			"spark.kubernetes.resource.type": "python", "spark.kubernetes.memoryOverheadFactor": "0.4",
			"spark.driver.host": "pyspark-pi-1-driver-svc.default.svc",
		}},
		{"Python without deps still writes pyFiles", pyNoDeps, map[string]string{"spark.submit.pyFiles": "", "spark.jars": absent}},
		{"Java without a main file: no spark.jars", javaNoFile, map[string]string{"spark.jars": absent, "spark.submit.pyFiles": ""}},
		{"jars list then the primary jar", richApp(), map[string]string{
			"spark.jars":  "https://example.com/a.jar," + examplesJar,
			"spark.files": "https://example.com/f.txt",
			"spark.kubernetes.container.image.pullPolicy":             "Always",
			"spark.kubernetes.container.image.pullSecrets":            "regcred",
			"spark.kubernetes.namespace":                              "spark-ns",
			"spark.driver.host":                                       "rich-app-1-driver-svc.spark-ns.svc",
			"spark.kubernetes.driver.request.cores":                   "500m",
			"spark.kubernetes.driver.limit.cores":                     "2",
			"spark.driver.memory":                                     "2g",
			"spark.driver.memoryOverhead":                             "512m",
			"spark.executor.memory":                                   "3g",
			"spark.executor.memoryOverhead":                           "1g",
			"spark.executor.cores":                                    "2",
			"spark.executor.instances":                                "3",
			"spark.kubernetes.driver.label.team":                      "data-eng",
			"spark.kubernetes.driver.annotation.example.com/trace":    "run-{{APP_ID}}",
			"spark.kubernetes.driver.node.selector.zone":              "z1",
			"spark.kubernetes.driver.service.label.svc-label":         "yes",
			"spark.kubernetes.driver.service.annotation.svc-anno":     "hello",
			"spark.kubernetes.authenticate.driver.serviceAccountName": "spark",
			"spark.stoke.escaping":                                    "k:v=w #h !b \\\\back é tab\tend",
		}},
		{"sparkConf agreeing with the spec", agree, map[string]string{
			"spark.app.name": "spark-pi", "spark.driver.memory": "2g", "spark.kubernetes.container.image": "spark:test",
			"spark.jars": "https://example.com/field.jar," + examplesJar, "spark.some.other": "kept",
		}},
		{"dynamic allocation", dyn, map[string]string{
			"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "true",
			"spark.dynamicAllocation.initialExecutors": "2", "spark.dynamicAllocation.minExecutors": "1",
			"spark.dynamicAllocation.maxExecutors": "10", "spark.dynamicAllocation.shuffleTracking.timeout": "600s",
			"spark.dynamicAllocation.executorIdleTimeout": "60s",
		}},
		{"dynamic allocation off", dynOff, map[string]string{
			"spark.dynamicAllocation.enabled": "false", "spark.dynamicAllocation.maxExecutors": absent,
			"spark.dynamicAllocation.shuffleTracking.enabled": absent,
		}},
		{"dynamic allocation without shuffle tracking", dynNoTracking, map[string]string{
			"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "false",
			"spark.dynamicAllocation.initialExecutors": absent,
		}},
		{"role fields and Hadoop conf", roles, map[string]string{
			"spark.hadoop.fs.s3a.endpoint":                       "http://minio:9000",
			"spark.driver.extraJavaOptions":                      "-Dx=y",
			"spark.kubernetes.driver.container.image":            "driver:img",
			"spark.kubernetes.driver.scheduler.name":             "volcano",
			"spark.executor.memory":                              "3g",
			"spark.executor.cores":                               "2",
			"spark.executorEnv.E":                                "e",
			"spark.kubernetes.executor.node.selector.pool":       "exec",
			"spark.kubernetes.executor.deleteOnTermination":      "false",
			"spark.executor.resource.gpu.amount":                 "1",
			"spark.executor.resource.gpu.vendor":                 "nvidia.com",
			"spark.archives":                                     "https://example.com/env.tar.gz#env",
			"spark.kubernetes.executor.podTemplateContainerName": absent,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			p := mustBuild(t, tc.app).Properties
			for k, want := range tc.want {
				got, ok := p[k]
				switch {
				case want == absent && ok:
					t.Errorf("%s = %q, want it absent", k, got)
				case want != absent && !ok:
					t.Errorf("%s is absent, want %q", k, want)
				case want != absent && got != want:
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}

	// The driver pod follows the properties: role image and scheduler.
	pod := mustBuild(t, roles).DriverPod
	if c := sparkContainer(t, pod, DriverContainerName); c.Image != "driver:img" {
		t.Errorf("driver image = %q, want driver:img", c.Image)
	}
	if pod.Spec.SchedulerName != "volcano" {
		t.Errorf("schedulerName = %q, want volcano", pod.Spec.SchedulerName)
	}
}

func TestBuildConfigMap(t *testing.T) {
	objs := mustBuild(t, richApp())
	cm := objs.ConfigMap
	if cm.Name != "rich-app-1-driver-conf-map" || cm.Namespace != "spark-ns" {
		t.Errorf("configmap %s/%s", cm.Namespace, cm.Name)
	}
	if cm.Immutable == nil || !*cm.Immutable {
		t.Errorf("immutable = %v, want true", cm.Immutable)
	}
	if len(cm.Labels) != 0 {
		t.Errorf("labels = %v, want none (spark-submit's conf map has none)", cm.Labels)
	}
	keys := sortedKeys(cm.Data)
	if want := []string{"podspec-configmap-key", "spark.kubernetes.namespace", "spark.properties"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("data keys = %q, want %q", keys, want)
	}
	if cm.Data["spark.kubernetes.namespace"] != "spark-ns" {
		t.Errorf("spark.kubernetes.namespace = %q", cm.Data["spark.kubernetes.namespace"])
	}
	wantProps := "#Java properties built from Kubernetes config map with name: rich-app-1-driver-conf-map\n" + EncodeProperties(objs.Properties)
	if cm.Data["spark.properties"] != wantProps {
		t.Errorf("spark.properties =\n%s\nwant\n%s", cm.Data["spark.properties"], wantProps)
	}
	var tpl corev1.Pod
	if err := yaml.UnmarshalStrict([]byte(cm.Data["podspec-configmap-key"]), &tpl); err != nil {
		t.Fatalf("executor template does not decode: %v", err)
	}
	if !reflect.DeepEqual(&tpl, objs.ExecutorTemplate) {
		t.Errorf("stored executor template differs from Objects.ExecutorTemplate:\n%s", cm.Data["podspec-configmap-key"])
	}
}

func TestBuildExecutorTemplate(t *testing.T) {
	tolerations := []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "spark", Effect: corev1.TaintEffectNoSchedule}}

	withSidecar := richApp()
	withSidecar.Spec.Executor.Sidecars = []corev1.Container{{Name: "logger", Image: "fluent-bit"}}
	withSidecar.Spec.Executor.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
	withSidecar.Spec.Volumes = []corev1.Volume{
		{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "driver-only", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	withSidecar.Spec.Executor.VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}
	withSidecar.Spec.Executor.Template = &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"from": "template"}},
		Spec: corev1.PodSpec{
			EnableServiceLinks: ptr(true),
			Containers: []corev1.Container{
				{Name: "helper", Image: "helper"},
				{Name: ExecutorContainerName, Env: []corev1.EnvVar{{Name: "T", Value: "t"}}},
			},
		},
	}

	tests := []struct {
		desc       string
		app        *stokev1.SparkApplication
		containers []string
		volumes    []string
		labels     map[string]string
		annotation string
	}{
		{"plain", richApp(), []string{"spark-kubernetes-executor"}, nil,
			map[string]string{"app.kubernetes.io/managed-by": "stoke"}, ""},
		{"template, sidecars, init containers and volumes", withSidecar, []string{"helper", "spark-kubernetes-executor", "logger"}, []string{"cache"},
			map[string]string{"app.kubernetes.io/managed-by": "stoke", "from": "template"}, ExecutorContainerName},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			objs := mustBuild(t, tc.app)
			tpl := objs.ExecutorTemplate
			if tpl.APIVersion != "v1" || tpl.Kind != "Pod" {
				t.Errorf("apiVersion/kind = %q/%q", tpl.APIVersion, tpl.Kind)
			}
			if tpl.Spec.EnableServiceLinks == nil || *tpl.Spec.EnableServiceLinks {
				t.Errorf("enableServiceLinks = %v, want false", tpl.Spec.EnableServiceLinks)
			}
			if !reflect.DeepEqual(tpl.Spec.Tolerations, tolerations) {
				t.Errorf("tolerations = %+v, want %+v", tpl.Spec.Tolerations, tolerations)
			}
			var names []string
			for _, c := range tpl.Spec.Containers {
				names = append(names, c.Name)
			}
			if !reflect.DeepEqual(names, tc.containers) {
				t.Errorf("containers = %q, want %q", names, tc.containers)
			}
			if got := volumeNames(tpl); !reflect.DeepEqual(got, tc.volumes) {
				t.Errorf("volumes = %q, want %q", got, tc.volumes)
			}
			if !reflect.DeepEqual(tpl.Labels, tc.labels) {
				t.Errorf("labels = %v, want %v", tpl.Labels, tc.labels)
			}
			if tpl.Annotations[AnnotationApplication] != "rich-app" {
				t.Errorf("stoke.dev/application = %q", tpl.Annotations[AnnotationApplication])
			}
			if got := tpl.Annotations["kubectl.kubernetes.io/default-container"]; got != tc.annotation {
				t.Errorf("default-container = %q, want %q", got, tc.annotation)
			}
			wantName := ""
			if len(tc.containers) > 1 {
				wantName = ExecutorContainerName
			}
			if got := objs.Properties["spark.kubernetes.executor.podTemplateContainerName"]; got != wantName {
				t.Errorf("podTemplateContainerName = %q, want %q", got, wantName)
			}
			// Executor-only settings do not reach the driver.
			driverTolerations := objs.DriverPod.Spec.Tolerations
			if len(driverTolerations) != 0 {
				t.Errorf("driver got the executor's tolerations: %+v", driverTolerations)
			}
		})
	}

	objs := mustBuild(t, withSidecar)
	exec := sparkContainer(t, objs.ExecutorTemplate, ExecutorContainerName)
	if !reflect.DeepEqual(exec.Env, []corev1.EnvVar{{Name: "T", Value: "t"}}) {
		t.Errorf("executor container env = %+v, want the template's only", exec.Env)
	}
	if len(objs.ExecutorTemplate.Spec.InitContainers) != 1 || objs.ExecutorTemplate.Spec.InitContainers[0].Name != "init" {
		t.Errorf("initContainers = %+v", objs.ExecutorTemplate.Spec.InitContainers)
	}
	if volume(objs.DriverPod, "cache") != nil || volume(objs.ExecutorTemplate, "driver-only") != nil {
		t.Errorf("a volume went to a pod that does not mount it")
	}
}

func TestBuildDriverTemplateAndSidecars(t *testing.T) {
	app := scalaApp()
	app.Spec.Driver.Template = &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"from": "template"}, Annotations: map[string]string{"t": "a"}},
		Spec: corev1.PodSpec{
			EnableServiceLinks: ptr(true),
			Containers: []corev1.Container{
				{Name: "helper", Image: "helper"},
				{Name: DriverContainerName, Env: []corev1.EnvVar{{Name: "FROM_TEMPLATE", Value: "1"}}},
			},
		},
	}
	app.Spec.Driver.Sidecars = []corev1.Container{{Name: "proxy", Image: "envoy"}}
	app.Spec.Driver.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	app.Spec.Driver.PriorityClassName = ptr("high")
	app.Spec.Driver.TerminationGracePeriodSeconds = ptr(int64(5))

	objs := mustBuild(t, app)
	pod := objs.DriverPod
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	if want := []string{"helper", DriverContainerName, "proxy"}; !reflect.DeepEqual(names, want) {
		t.Errorf("containers = %q, want %q", names, want)
	}
	if got := pod.Annotations["kubectl.kubernetes.io/default-container"]; got != DriverContainerName {
		t.Errorf("default-container = %q", got)
	}
	if pod.Annotations["t"] != "a" || pod.Labels["from"] != "template" {
		t.Errorf("template metadata lost: %v %v", pod.Labels, pod.Annotations)
	}
	if pod.Labels["spark-role"] != "driver" {
		t.Errorf("spark-role = %q, want driver", pod.Labels["spark-role"])
	}
	if objs.Service.Spec.Selector["from"] != "" {
		t.Errorf("template labels must not enter the service selector: %v", objs.Service.Spec.Selector)
	}
	if *pod.Spec.EnableServiceLinks {
		t.Errorf("enableServiceLinks from the template was kept")
	}
	c := sparkContainer(t, pod, DriverContainerName)
	if got := envNames(c); len(got) == 0 || got[0] != "FROM_TEMPLATE" {
		t.Errorf("env = %q, want the template's first", got)
	}
	if !reflect.DeepEqual(pod.Spec.Tolerations, app.Spec.Driver.Tolerations) || pod.Spec.PriorityClassName != "high" ||
		pod.Spec.TerminationGracePeriodSeconds == nil || *pod.Spec.TerminationGracePeriodSeconds != 5 {
		t.Errorf("role fields not applied: %+v", pod.Spec)
	}
	// The template in the spec is not modified.
	if len(app.Spec.Driver.Template.Spec.Containers) != 2 || len(app.Spec.Driver.Template.Spec.Containers[1].Env) != 1 {
		t.Errorf("Build modified the spec's template: %+v", app.Spec.Driver.Template.Spec.Containers)
	}
}

func TestBuildInvalidSpecs(t *testing.T) {
	tests := []struct {
		desc   string
		change func(*stokev1.SparkApplication)
	}{
		{"app volume named spark-conf-volume-driver mounted by the driver", func(a *stokev1.SparkApplication) {
			a.Spec.Volumes = []corev1.Volume{{Name: SparkConfVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
			a.Spec.Driver.VolumeMounts = []corev1.VolumeMount{{Name: SparkConfVolume, MountPath: "/x"}}
		}},
		{"app volume named pod-template-volume mounted by the driver", func(a *stokev1.SparkApplication) {
			a.Spec.Volumes = []corev1.Volume{{Name: PodTemplateVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
			a.Spec.Driver.VolumeMounts = []corev1.VolumeMount{{Name: PodTemplateVolume, MountPath: "/x"}}
		}},
		{"driver GPU without a vendor", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.GPU = &stokev1.GPUSpec{Name: "gpu", Quantity: 1}
		}},
		{"bad driver memory", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.driver.memory": "lots"}
		}},
		{"bad driver overhead", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.MemoryOverhead = ptr("1.5g")
		}},
		{"bad overhead factor", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.MemoryOverheadFactor = ptr("0")
		}},
		{"bad CPU request", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.request.cores": "lots"}
		}},
		{"bad CPU limit", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.CoreLimit = ptr("two")
		}},
		{"sidecar named like the Spark container", func(a *stokev1.SparkApplication) {
			a.Spec.Driver.Sidecars = []corev1.Container{{Name: DriverContainerName}}
		}},
		{"executor sidecar named like the Spark container", func(a *stokev1.SparkApplication) {
			a.Spec.Executor.Sidecars = []corev1.Container{{Name: ExecutorContainerName}}
		}},
		{"conf volume without a mount path", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.volumes.emptyDir.x.options.medium": "Memory"}
		}},
		{"conf volume of an unknown type", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.volumes.configMap.x.mount.path": "/x"}
		}},
		{"PVC without a claim name", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.volumes.persistentVolumeClaim.x.mount.path": "/x"}
		}},
		{"conf volume key too short", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{"spark.kubernetes.driver.volumes.emptyDir.x": "/x"}
		}},
		{"bad emptyDir size", func(a *stokev1.SparkApplication) {
			a.Spec.SparkConf = map[string]string{
				"spark.kubernetes.driver.volumes.emptyDir.x.mount.path":        "/x",
				"spark.kubernetes.driver.volumes.emptyDir.x.options.sizeLimit": "big",
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			app := scalaApp()
			tc.change(app)
			objs, err := Build(app, 1)
			if err == nil {
				t.Fatalf("Build succeeded, want an InvalidSpecError (driver volumes %q)", volumeNames(objs.DriverPod))
			}
			var invalid *InvalidSpecError
			if !errors.As(err, &invalid) {
				t.Errorf("error %v (%T) is not an *InvalidSpecError", err, err)
			}
			if objs != nil {
				t.Errorf("objects returned with the error")
			}
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	for _, mk := range []func() *stokev1.SparkApplication{scalaApp, pythonApp, richApp} {
		a, err := Build(mk(), 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			b, err := Build(mk(), 3)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: two builds differ", a.Names.Prefix)
			}
			if a.ConfigMap.Data["spark.properties"] != b.ConfigMap.Data["spark.properties"] ||
				a.ConfigMap.Data["podspec-configmap-key"] != b.ConfigMap.Data["podspec-configmap-key"] {
				t.Fatalf("%s: ConfigMap bytes differ", a.Names.Prefix)
			}
		}
	}
}

func TestBuildDoesNotModifyTheApplication(t *testing.T) {
	app := richApp()
	app.Spec.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	app.Spec.Driver.VolumeMounts = []corev1.VolumeMount{{Name: "shared", MountPath: "/s"}}
	before := app.DeepCopy()
	_ = mustBuild(t, app)
	if !reflect.DeepEqual(app, before) {
		t.Errorf("Build modified the application")
	}
}

func TestAtLeast(t *testing.T) {
	tests := []struct {
		v     string
		major int
		want  bool
	}{
		{"3.5.9", 4, false}, {"4.0.0", 4, true}, {"4.3.0", 4, true}, {"10.0", 4, true}, {"4", 4, true},
		{"", 4, false}, {"x.y", 4, false}, {"3.5.9", 3, true},
	}
	for _, tc := range tests {
		if got := AtLeast(tc.v, tc.major); got != tc.want {
			t.Errorf("AtLeast(%q, %d) = %v, want %v", tc.v, tc.major, got, tc.want)
		}
	}
}

func TestHostPathTypeByVersion(t *testing.T) {
	for version, want := range map[string]corev1.HostPathType{"3.5.9": "", "4.3.0": corev1.HostPathDirectory} {
		app := richApp()
		app.Spec.SparkVersion = version
		v := volume(mustBuild(t, app).DriverPod, "hostdata")
		if v == nil || v.HostPath == nil || v.HostPath.Type == nil || *v.HostPath.Type != want {
			t.Errorf("%s: hostPath = %+v, want type %q", version, v, want)
		}
	}
}

// TestSparkConfReplacedBySpecIsRefused: spark-submit lets its flags win over --conf without a word; Stoke
// refuses a sparkConf value that a spec field would replace with another, naming both.
func TestSparkConfReplacedBySpecIsRefused(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkConf = map[string]string{
		"spark.driver.memory":              "4g",
		"spark.executor.instances":         "5",
		"spark.kubernetes.container.image": "other:image",
		"spark.jars":                       "https://example.com/conf.jar",
		"spark.files":                      "https://example.com/conf.txt",
		"spark.driver.cores":               "4",
		"spark.kubernetes.driverEnv.X":     "conf",
		"spark.kubernetes.resource.type":   "python",
		"spark.some.other":                 "kept",
	}
	app.Spec.Driver.Memory = ptr("2g")
	app.Spec.Driver.Cores = ptr(int32(3))
	app.Spec.Driver.Env = []corev1.EnvVar{{Name: "X", Value: "field"}}
	app.Spec.Deps = stokev1.Dependencies{Jars: []string{"https://example.com/field.jar"}, Files: []string{"https://example.com/field.txt"}}
	_, err := Build(app, 1)
	var invalid *InvalidSpecError
	if !errors.As(err, &invalid) {
		t.Fatalf("want an InvalidSpecError, got %v", err)
	}
	for _, want := range []string{
		`spec.sparkConf[spark.driver.memory]: Invalid value: "4g": the spec (spec.driver) makes it "2g"`,
		`spec.sparkConf[spark.executor.instances]`, `spec.sparkConf[spark.kubernetes.container.image]`,
		`spec.sparkConf[spark.jars]: Invalid value: "https://example.com/conf.jar": spec.deps makes it`,
		`spec.sparkConf[spark.files]`, `spec.sparkConf[spark.driver.cores]`, `spec.sparkConf[spark.kubernetes.driverEnv.X]`,
		`spec.sparkConf[spark.kubernetes.resource.type]: Invalid value: "python": the spec (spec.type) makes it "java"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "spark.some.other") {
		t.Errorf("a key the spec does not set was refused: %v", err)
	}
}
