package spark

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestVolcanoPodGroup(t *testing.T) {
	tests := []struct {
		name     string
		volcano  stokev1.VolcanoScheduling
		mutate   func(*stokev1.SparkApplication)
		wantSpec map[string]any
		wantName string // scheduler
	}{
		{
			name:    "defaults: the starting footprint of a driver and two executors, Volcano's default queue",
			volcano: stokev1.VolcanoScheduling{},
			// Each pod: 1 core, 1 GiB heap + 384 MiB overhead.
			wantSpec: map[string]any{"minMember": int64(1), "minResources": map[string]any{"cpu": "3", "memory": "4224Mi"}},
			wantName: "volcano",
		},
		{
			name:    "queue, priority class and a scheduler of another name",
			volcano: stokev1.VolcanoScheduling{Queue: "team-a", PriorityClassName: "batch-high", SchedulerName: "volcano-2"},
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.Executor.Instances = ptr(int32(4))
				app.Spec.Executor.Cores = ptr(int32(2))
				app.Spec.Executor.Memory = ptr("2g")
				app.Spec.Executor.GPU = &stokev1.GPUSpec{Name: "nvidia.com/gpu", Quantity: 1}
			},
			// Driver 1 core 1408 MiB; executors 2 cores, 2048+384 MiB, one GPU each.
			wantSpec: map[string]any{"minMember": int64(1), "queue": "team-a", "priorityClassName": "batch-high",
				"minResources": map[string]any{"cpu": "9", "memory": "11136Mi", "nvidia.com/gpu": "4"}},
			wantName: "volcano-2",
		},
		{
			name: "the driver's priority class when none is given; dynamic allocation starts with its minimum",
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.Driver.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{PriorityClassName: "spark-drivers"}}
				app.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, MinExecutors: ptr(int32(1)), MaxExecutors: ptr(int32(10))}
			},
			wantSpec: map[string]any{"minMember": int64(1), "priorityClassName": "spark-drivers",
				"minResources": map[string]any{"cpu": "2", "memory": "2816Mi"}},
			wantName: "volcano",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := scalaApp()
			if tt.mutate != nil {
				tt.mutate(app)
			}
			app.Spec.BatchScheduler = &stokev1.BatchScheduler{Volcano: &tt.volcano}
			objs := mustBuild(t, app)
			pg := objs.PodGroup
			if pg == nil {
				t.Fatal("no PodGroup")
			}
			if got, want := pg.GetName(), objs.Names.AppID+"-podgroup"; got != want {
				t.Errorf("name = %q, want %q", got, want)
			}
			if pg.GetNamespace() != "default" || pg.GetAPIVersion() != "scheduling.volcano.sh/v1beta1" || pg.GetKind() != "PodGroup" {
				t.Errorf("PodGroup is %s %s/%s", pg.GetAPIVersion(), pg.GetNamespace(), pg.GetKind())
			}
			if diff := cmp.Diff(tt.wantSpec, pg.Object["spec"]); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
			if owned := objs.Owned(); owned[len(owned)-1] != pg {
				t.Error("the PodGroup is not among the objects the driver owns")
			}
			executor, err := ExecutorPod(app, objs)
			if err != nil {
				t.Fatal(err)
			}
			for _, pod := range []*corev1.Pod{objs.DriverPod, executor} {
				if pod.Spec.SchedulerName != tt.wantName {
					t.Errorf("%s: schedulerName = %q, want %q", pod.Name, pod.Spec.SchedulerName, tt.wantName)
				}
				if got := pod.Annotations[VolcanoGroupAnnotation]; got != pg.GetName() {
					t.Errorf("%s: %s = %q, want %q", pod.Name, VolcanoGroupAnnotation, got, pg.GetName())
				}
			}
		})
	}
}

func TestYuniKornTaskGroups(t *testing.T) {
	tests := []struct {
		name       string
		yunikorn   stokev1.YuniKornScheduling
		mutate     func(*stokev1.SparkApplication)
		want       []yuniKornTaskGroup
		wantQueue  string
		wantPolicy string
	}{
		{
			name:      "a driver and two executors in a queue",
			yunikorn:  stokev1.YuniKornScheduling{Queue: "root.sandbox"},
			wantQueue: "root.sandbox",
			want: []yuniKornTaskGroup{
				{Name: "spark-driver", MinMember: 1, MinResource: map[string]string{"cpu": "1", "memory": "1408Mi"}},
				{Name: "spark-executor", MinMember: 2, MinResource: map[string]string{"cpu": "1", "memory": "1408Mi"}},
			},
		},
		{
			name:     "placement of each role, and the gang's policy",
			yunikorn: stokev1.YuniKornScheduling{GangSchedulingStyle: "Hard", PlaceholderTimeoutSeconds: ptr(int32(60))},
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.Executor.NodeSelector = map[string]string{"pool": "spot"}
				app.Spec.Executor.Tolerations = []corev1.Toleration{{Key: "spot", Operator: corev1.TolerationOpExists}}
				app.Spec.Driver.CoreRequest = ptr("500m")
			},
			wantPolicy: "placeholderTimeoutInSeconds=60 gangSchedulingStyle=Hard",
			want: []yuniKornTaskGroup{
				{Name: "spark-driver", MinMember: 1, MinResource: map[string]string{"cpu": "500m", "memory": "1408Mi"}},
				{Name: "spark-executor", MinMember: 2, MinResource: map[string]string{"cpu": "1", "memory": "1408Mi"},
					NodeSelector: map[string]string{"pool": "spot"}, Tolerations: []corev1.Toleration{{Key: "spot", Operator: corev1.TolerationOpExists}}},
			},
		},
		{
			name:     "no executor group when dynamic allocation starts with none",
			yunikorn: stokev1.YuniKornScheduling{},
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true}
			},
			want: []yuniKornTaskGroup{{Name: "spark-driver", MinMember: 1, MinResource: map[string]string{"cpu": "1", "memory": "1408Mi"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := scalaApp()
			if tt.mutate != nil {
				tt.mutate(app)
			}
			app.Spec.BatchScheduler = &stokev1.BatchScheduler{YuniKorn: &tt.yunikorn}
			objs := mustBuild(t, app)
			if objs.PodGroup != nil {
				t.Error("YuniKorn needs no PodGroup")
			}
			driver := objs.DriverPod
			var got []yuniKornTaskGroup
			if err := json.Unmarshal([]byte(driver.Annotations[YuniKornTaskGroupsAnnotation]), &got); err != nil {
				t.Fatalf("task groups %q: %v", driver.Annotations[YuniKornTaskGroupsAnnotation], err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("task groups (-want +got):\n%s", diff)
			}
			// The keys of YuniKorn's TaskGroup as its documentation ("Gang Scheduling", app configuration)
			// lists them; name, minMember and minResource are required.
			var raw []map[string]any
			if err := json.Unmarshal([]byte(driver.Annotations[YuniKornTaskGroupsAnnotation]), &raw); err != nil {
				t.Fatal(err)
			}
			documented := map[string]bool{"name": true, "minMember": true, "minResource": true, "nodeSelector": true,
				"tolerations": true, "affinity": true, "topologySpreadConstraints": true, "labels": true, "annotations": true}
			for _, g := range raw {
				for k := range g {
					if !documented[k] {
						t.Errorf("task group key %q is not one of YuniKorn's", k)
					}
				}
				for _, k := range []string{"name", "minMember", "minResource"} {
					if _, ok := g[k]; !ok {
						t.Errorf("task group %v lacks YuniKorn's required %q", g["name"], k)
					}
				}
			}
			if objs.Properties["spark.kubernetes.driver.annotation."+YuniKornTaskGroupsAnnotation] != driver.Annotations[YuniKornTaskGroupsAnnotation] {
				t.Error("spark.properties does not carry the driver's task groups")
			}
			if !strings.Contains(objs.ConfigMap.Data[PropertiesFileKey], "task-groups") {
				t.Error("the ConfigMap's spark.properties was rendered before the task groups")
			}
			if got := driver.Annotations[YuniKornPolicyAnnotation]; got != tt.wantPolicy {
				t.Errorf("policy = %q, want %q", got, tt.wantPolicy)
			}
			executor, err := ExecutorPod(app, objs)
			if err != nil {
				t.Fatal(err)
			}
			for pod, group := range map[*corev1.Pod]string{driver: "spark-driver", executor: "spark-executor"} {
				if pod.Spec.SchedulerName != "yunikorn" {
					t.Errorf("%s: schedulerName = %q", pod.Name, pod.Spec.SchedulerName)
				}
				if got := pod.Annotations[YuniKornTaskGroupNameAnnotation]; got != group {
					t.Errorf("%s: task group = %q, want %q", pod.Name, got, group)
				}
				if got, ok := pod.Labels[YuniKornQueueLabel]; got != tt.wantQueue || ok != (tt.wantQueue != "") {
					t.Errorf("%s: queue label = %q (set %v), want %q", pod.Name, got, ok, tt.wantQueue)
				}
			}
			if _, ok := executor.Annotations[YuniKornTaskGroupsAnnotation]; ok {
				t.Error("executors carry the task groups; only the driver, the application's first pod, should")
			}
		})
	}
}

func TestBatchSchedulerConflicts(t *testing.T) {
	volcano := &stokev1.BatchScheduler{Volcano: &stokev1.VolcanoScheduling{}}
	tests := []struct {
		name    string
		batch   *stokev1.BatchScheduler
		mutate  func(*stokev1.SparkApplication)
		wantErr string // empty: builds
	}{
		{name: "the same scheduler name in sparkConf", batch: volcano, mutate: func(app *stokev1.SparkApplication) {
			app.Spec.SparkConf = map[string]string{"spark.kubernetes.scheduler.name": "volcano"}
		}},
		{name: "another scheduler for the driver", batch: volcano, mutate: func(app *stokev1.SparkApplication) {
			app.Spec.Driver.SchedulerName = ptr("default-scheduler")
		}, wantErr: `spark.kubernetes.driver.scheduler.name=default-scheduler`},
		{name: "another global scheduler in sparkConf", batch: volcano, mutate: func(app *stokev1.SparkApplication) {
			app.Spec.SparkConf = map[string]string{"spark.kubernetes.scheduler.name": "kube-batch"}
		}, wantErr: `spark.kubernetes.executor.scheduler.name=kube-batch`},
		{name: "a PodGroup annotation of the user's", batch: volcano, mutate: func(app *stokev1.SparkApplication) {
			app.Spec.Executor.Annotations = map[string]string{VolcanoGroupAnnotation: "mine"}
		}, wantErr: "the PodGroup is Stoke's"},
		{name: "another YuniKorn queue label", batch: &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{Queue: "root.a"}},
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.Executor.Labels = map[string]string{"queue": "root.b"}
			}, wantErr: `sets spark.kubernetes.executor.label.queue to "root.a"`},
		{name: "the same YuniKorn queue label", batch: &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{Queue: "root.a"}},
			mutate: func(app *stokev1.SparkApplication) {
				app.Spec.Driver.Labels = map[string]string{"queue": "root.a"}
			}},
		{name: "a scheduler name without a batch scheduler is the user's", mutate: func(app *stokev1.SparkApplication) {
			app.Spec.Driver.SchedulerName = ptr("default-scheduler")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := scalaApp()
			app.Spec.BatchScheduler = tt.batch
			tt.mutate(app)
			objs, err := Build(app, 1)
			var invalid *InvalidSpecError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Build: %v", err)
			case tt.wantErr != "" && (err == nil || !errors.As(err, &invalid) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Build error = %v, want an invalid spec naming %q", err, tt.wantErr)
			case tt.batch == nil && (objs.PodGroup != nil || objs.DriverPod.Annotations[YuniKornTaskGroupsAnnotation] != ""):
				t.Error("objects of a batch scheduler without one asked for")
			}
		})
	}
}
