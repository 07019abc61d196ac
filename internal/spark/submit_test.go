package spark

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestAtLeastMinor(t *testing.T) {
	tests := []struct {
		version      string
		major, minor int
		want         bool
	}{
		{"4.2.0", 4, 2, true}, {"4.3.0", 4, 2, true}, {"4.1.1", 4, 2, false}, {"4.0.1", 4, 2, false},
		{"5.0.0", 4, 2, true}, {"3.5.9", 4, 2, false}, {"4", 4, 2, false}, {"4", 4, 0, true},
		{"4.2.0-preview1", 4, 2, true}, {"x.y", 4, 2, false}, {"4.x", 4, 2, false},
	}
	for _, tc := range tests {
		if got := AtLeastMinor(tc.version, tc.major, tc.minor); got != tc.want {
			t.Errorf("AtLeastMinor(%q, %d, %d) = %v, want %v", tc.version, tc.major, tc.minor, got, tc.want)
		}
	}
}

func TestBuildNetworkPolicy(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    bool
	}{{"3.5.9", false}, {"4.0.1", false}, {"4.1.0", false}, {"4.2.0", true}, {"4.3.0", true}} {
		app := scalaApp()
		app.Spec.SparkVersion = tc.version
		objs := mustBuild(t, app)
		if (objs.NetworkPolicy != nil) != tc.want {
			t.Fatalf("Spark %s: NetworkPolicy = %v, want present %v", tc.version, objs.NetworkPolicy, tc.want)
		}
		if !tc.want {
			continue
		}
		np, id := objs.NetworkPolicy, objs.Names.AppID
		if np.Name != "spark-pi-1-policy" || np.Namespace != "default" || !reflect.DeepEqual(np.Labels, map[string]string{LabelAppSelector: id}) {
			t.Errorf("metadata = %+v", np.ObjectMeta)
		}
		if !reflect.DeepEqual(np.Spec.PodSelector.MatchLabels, map[string]string{LabelRole: RoleExecutor, LabelAppSelector: id}) {
			t.Errorf("podSelector = %v", np.Spec.PodSelector)
		}
		if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 1 ||
			!reflect.DeepEqual(np.Spec.Ingress[0].From[0].PodSelector.MatchLabels, map[string]string{LabelAppSelector: id}) ||
			np.Spec.PolicyTypes != nil || np.Spec.Egress != nil {
			t.Errorf("spec = %+v", np.Spec)
		}
	}
}

func TestCheckNativeDependencies(t *testing.T) {
	tests := []struct {
		desc   string
		change func(*stokev1.SparkApplicationSpec)
		fields []string // nil: supported
	}{
		{"remote and local:// only", func(s *stokev1.SparkApplicationSpec) {
			s.Deps = stokev1.Dependencies{Jars: []string{"https://e.com/a.jar", "local:///opt/b.jar"}, Files: []string{"s3a://b/f"},
				PyFiles: []string{"gs://b/p.py"}, Archives: []string{"hdfs:///a.zip#env"}}
		}, nil},
		{"file:// jar", func(s *stokev1.SparkApplicationSpec) {
			s.Deps.Jars = []string{"https://e.com/a.jar", "file:///tmp/b.jar"}
		},
			[]string{`deps.jars[1] "file:///tmp/b.jar"`}},
		{"schemeless archive with alias", func(s *stokev1.SparkApplicationSpec) { s.Deps.Archives = []string{"/data/env.tgz#env"} },
			[]string{`deps.archives[0] "/data/env.tgz#env"`}},
		{"local main file", func(s *stokev1.SparkApplicationSpec) { s.MainApplicationFile = ptr("target/app.jar") },
			[]string{`mainApplicationFile "target/app.jar"`}},
		{"packages in conf", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.jars.packages": "g:a:1", "spark.kubernetes.file.upload.path": "s3a://b/u"}
		}, []string{"sparkConf[spark.jars.packages]"}},
		{"upload path alone", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.kubernetes.file.upload.path": "s3a://b/u", "spark.jars.ivy": "/tmp/ivy"}
		}, nil},
		{"file in conf list", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.files": "https://e.com/a, file:/x"}
		},
			[]string{`sparkConf[spark.files] "file:/x"`}},
		{"submission packages", func(s *stokev1.SparkApplicationSpec) { s.Submission.Packages = []string{"g:a:1"} }, []string{"submission.packages"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			app := scalaApp()
			tc.change(&app.Spec)
			err := CheckNativeDependencies(app)
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("CheckNativeDependencies = %v, want nil", err)
				}
				return
			}
			var u *UnsupportedDependencyError
			if !errors.As(err, &u) || !reflect.DeepEqual(u.Fields, tc.fields) {
				t.Fatalf("CheckNativeDependencies = %#v, want fields %q", err, tc.fields)
			}
			if !strings.Contains(err.Error(), "SparkSubmitPod") {
				t.Errorf("message %q does not name the way out", err)
			}
		})
	}
}

func TestSubmitter(t *testing.T) {
	app := scalaApp()
	app.Spec.Submission = stokev1.Submission{Mode: stokev1.SubmissionSparkSubmitPod, Packages: []string{"g:a:1", "g:b:2"}}
	app.Spec.Deps.Files = []string{"file:///opt/app/x.conf"}
	app.Spec.Driver.ServiceAccount = ptr("spark")
	app.Spec.Driver.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	app.Spec.ImagePullSecrets = []string{"regcred"}
	objs := mustBuild(t, app)
	cm, pod, err := Submitter(app, objs, 1, "hash1")
	if err != nil {
		t.Fatal(err)
	}
	if pod.Name != "spark-pi-1-submit" || cm.Name != pod.Name || pod.Namespace != "default" {
		t.Errorf("names = %s, %s", pod.Name, cm.Name)
	}
	if len(pod.OwnerReferences) != 1 || pod.OwnerReferences[0].UID != testUID || pod.OwnerReferences[0].Kind != "SparkApplication" {
		t.Errorf("pod owner = %+v", pod.OwnerReferences)
	}
	if pod.Labels[LabelManagedBy] != ManagedByStoke || pod.Annotations[AnnotationApplication] != "spark-pi" {
		t.Errorf("pod metadata = %+v", pod.ObjectMeta)
	}
	if pod.Spec.ServiceAccountName != "spark" || pod.Spec.ImagePullSecrets[0].Name != "regcred" || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod spec = %+v", pod.Spec)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "spark:test" || !reflect.DeepEqual(c.Command, []string{"/opt/spark/bin/spark-submit"}) {
		t.Errorf("container = %+v", c)
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{
		"--master k8s://https://kubernetes.default.svc:443 --deploy-mode cluster --conf spark.kubernetes.driver.pod.name=spark-pi-1-driver",
		"--conf spark.kubernetes.executor.podTemplateFile=/opt/stoke/submit/executor-template.yaml",
		"--files file:///opt/app/x.conf --packages g:a:1,g:b:2 --class org.apache.spark.examples.SparkPi --name spark-pi " + examplesJar + " 1000",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q:\n%s", want, args)
		}
	}
	if strings.Contains(args, "spark.app.id") || strings.Contains(args, "spark.driver.host") {
		t.Errorf("args pass what spark-submit generates:\n%s", args)
	}

	// The driver template carries Stoke's bookkeeping, the owner, and the driver fields.
	var driver corev1.Pod
	if err := yaml.Unmarshal([]byte(cm.Data[SubmitterDriverFile]), &driver); err != nil {
		t.Fatal(err)
	}
	if driver.Labels[LabelManagedBy] != ManagedByStoke || driver.Labels[LabelAttempt] != "1" ||
		driver.Annotations["stoke.dev/spec-hash"] != "hash1" || driver.Annotations[AnnotationApplication] != "spark-pi" {
		t.Errorf("driver template metadata = %+v", driver.ObjectMeta)
	}
	if len(driver.OwnerReferences) != 1 || !metav1.IsControlledBy(&driver, app) || driver.OwnerReferences[0].BlockOwnerDeletion != nil {
		t.Errorf("driver template owner = %+v", driver.OwnerReferences)
	}
	if len(driver.Spec.Tolerations) != 1 || driver.Spec.EnableServiceLinks == nil || *driver.Spec.EnableServiceLinks {
		t.Errorf("driver template spec = %+v", driver.Spec)
	}
	if cm.Data[SubmitterExecutorFile] != objs.ConfigMap.Data[PodTemplateKey] {
		t.Errorf("executor template differs from Build's")
	}
}

func TestBuildDriverClaims(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkConf = map[string]string{
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.a.mount.path":           "/a",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.a.options.claimName":    "fixed",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.b.mount.path":           "/b",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.b.options.claimName":    "OnDemand",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.b.options.storageClass": "fast",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.b.options.sizeLimit":    "5Gi",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.c.mount.path":           "/c",
		"spark.kubernetes.driver.volumes.persistentVolumeClaim.c.options.claimName":    "OnDemand", // no size: no claim
	}
	objs := mustBuild(t, app)
	claimNames := map[string]string{}
	for _, v := range objs.DriverPod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claimNames[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	want := map[string]string{"a": "fixed", "b": "spark-pi-1-driver-pvc-1", "c": "spark-pi-1-driver-pvc-2"}
	if !reflect.DeepEqual(claimNames, want) {
		t.Errorf("claim names = %v, want %v", claimNames, want)
	}
	if len(objs.Claims) != 1 {
		t.Fatalf("claims = %d, want 1", len(objs.Claims))
	}
	c := objs.Claims[0]
	if c.Name != "spark-pi-1-driver-pvc-1" || c.Namespace != "default" || c.Labels[LabelAppSelector] != objs.Names.AppID ||
		*c.Spec.StorageClassName != "fast" || c.Spec.AccessModes[0] != corev1.ReadWriteOnce ||
		c.Spec.Resources.Requests.Storage().String() != "5Gi" {
		t.Errorf("claim = %+v", c)
	}
	app.Spec.SparkVersion = "4.0.1"
	if m := mustBuild(t, app).Claims[0].Spec.AccessModes; m[0] != corev1.ReadWriteOncePod {
		t.Errorf("Spark 4 access modes = %v, want ReadWriteOncePod", m)
	}
}
