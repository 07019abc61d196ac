package spark

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
)

// Volcano's and YuniKorn's names on the pods of an application they schedule.
const (
	// VolcanoGroupAnnotation names a pod's Volcano PodGroup.
	VolcanoGroupAnnotation = "scheduling.k8s.io/group-name"
	// VolcanoSchedulerName is Volcano's default scheduler name.
	VolcanoSchedulerName = "volcano"

	// YuniKornSchedulerName is YuniKorn's default scheduler name.
	YuniKornSchedulerName = "yunikorn"
	// YuniKornQueueLabel is the pod label YuniKorn reads the queue from.
	YuniKornQueueLabel = "queue"
	// YuniKornTaskGroupsAnnotation holds, on the application's first pod (the driver), the task groups
	// YuniKorn reserves with placeholders before it schedules the gang.
	YuniKornTaskGroupsAnnotation = "yunikorn.apache.org/task-groups"
	// YuniKornTaskGroupNameAnnotation names a pod's task group.
	YuniKornTaskGroupNameAnnotation = "yunikorn.apache.org/task-group-name"
	// YuniKornPolicyAnnotation holds YuniKorn's schedulingPolicyParameters.
	YuniKornPolicyAnnotation = "yunikorn.apache.org/schedulingPolicyParameters"
	// YuniKornDriverTaskGroup and YuniKornExecutorTaskGroup are the task groups' names.
	YuniKornDriverTaskGroup   = "spark-driver"
	YuniKornExecutorTaskGroup = "spark-executor"
)

// PodGroupGVK is the Volcano PodGroup's kind; Stoke writes it as an unstructured object, so the operator
// neither links Volcano's types nor needs its CRD unless an application asks for Volcano.
var PodGroupGVK = schema.GroupVersionKind{Group: "scheduling.volcano.sh", Version: "v1beta1", Kind: "PodGroup"}

// PodGroupName is the Volcano PodGroup of an attempt, named as Spark's own Volcano feature step names it.
func PodGroupName(names Names) string { return names.AppID + podGroupSuffix }

const podGroupSuffix = "-podgroup"

// batchSchedulerName is the scheduler an application's batchScheduler names, or "" without one.
func batchSchedulerName(b *stokev1.BatchScheduler) string {
	switch {
	case b == nil:
		return ""
	case b.Volcano != nil:
		return firstNonEmpty(b.Volcano.SchedulerName, VolcanoSchedulerName)
	case b.YuniKorn != nil:
		return firstNonEmpty(b.YuniKorn.SchedulerName, YuniKornSchedulerName)
	}
	return ""
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// batchSchedulerProperties are the Spark properties a batch scheduler needs on the driver and, through the
// driver, on every executor: the scheduler's name, and Volcano's group annotation or YuniKorn's queue label
// and task group names. What depends on the pods' resources is added by batchSchedulerObjects.
func batchSchedulerProperties(p map[string]string, b *stokev1.BatchScheduler) {
	name := batchSchedulerName(b)
	if name == "" {
		return
	}
	for _, role := range []string{RoleDriver, RoleExecutor} {
		k8s := "spark.kubernetes." + role + "."
		p[k8s+"scheduler.name"] = name
		switch {
		case b.Volcano != nil:
			// Spark replaces {{APP_ID}} in the driver's and executors' annotation values.
			p[k8s+"annotation."+VolcanoGroupAnnotation] = "{{APP_ID}}" + podGroupSuffix
		case b.YuniKorn != nil:
			if q := b.YuniKorn.Queue; q != "" {
				p[k8s+"label."+YuniKornQueueLabel] = q
			}
			group := YuniKornDriverTaskGroup
			if role == RoleExecutor {
				group = YuniKornExecutorTaskGroup
			}
			p[k8s+"annotation."+YuniKornTaskGroupNameAnnotation] = group
		}
	}
	if y := b.YuniKorn; y != nil {
		var params []string
		if y.PlaceholderTimeoutSeconds != nil {
			params = append(params, "placeholderTimeoutInSeconds="+strconv.Itoa(int(*y.PlaceholderTimeoutSeconds)))
		}
		if y.GangSchedulingStyle != "" {
			params = append(params, "gangSchedulingStyle="+y.GangSchedulingStyle)
		}
		if len(params) > 0 {
			p["spark.kubernetes.driver.annotation."+YuniKornPolicyAnnotation] = strings.Join(params, " ")
		}
	}
}

// validateBatchScheduler refuses a spec that names the pods' scheduler, or sets the batch scheduler's
// labels and annotations, differently elsewhere (a role's schedulerName, its labels or annotations, or
// sparkConf): one of the two would be silently dropped.
func validateBatchScheduler(app *stokev1.SparkApplication) field.ErrorList {
	b := app.Spec.BatchScheduler
	if b == nil {
		return nil
	}
	path := field.NewPath("spec", "batchScheduler")
	want := map[string]string{}
	batchSchedulerProperties(want, b)
	// What the user set for the same keys, through fields or sparkConf.
	user := map[string]string{}
	for k, v := range app.Spec.SparkConf {
		user[k] = v
	}
	roleProperties(user, RoleDriver, &app.Spec.Driver.SparkPodSpec)
	roleProperties(user, RoleExecutor, &app.Spec.Executor.SparkPodSpec)
	if v := user["spark.kubernetes.scheduler.name"]; v != "" && v != batchSchedulerName(b) {
		user["spark.kubernetes.driver.scheduler.name"] = firstNonEmpty(user["spark.kubernetes.driver.scheduler.name"], v)
		user["spark.kubernetes.executor.scheduler.name"] = firstNonEmpty(user["spark.kubernetes.executor.scheduler.name"], v)
	}
	var errs field.ErrorList
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := user[k]
		switch {
		case !ok:
		case strings.HasSuffix(k, "."+VolcanoGroupAnnotation):
			errs = append(errs, field.Invalid(path, k, "the PodGroup is Stoke's, one per attempt: remove this annotation"))
		case v != want[k]:
			errs = append(errs, field.Invalid(path, k+"="+v, fmt.Sprintf("the batch scheduler sets %s to %q: remove the other setting or change batchScheduler", k, want[k])))
		}
	}
	return errs
}

// yuniKornTaskGroup is one task group of YuniKorn's task-groups annotation.
type yuniKornTaskGroup struct {
	Name         string              `json:"name"`
	MinMember    int32               `json:"minMember"`
	MinResource  map[string]string   `json:"minResource"`
	NodeSelector map[string]string   `json:"nodeSelector,omitempty"`
	Tolerations  []corev1.Toleration `json:"tolerations,omitempty"`
	Affinity     *corev1.Affinity    `json:"affinity,omitempty"`
}

// batchSchedulerObjects finishes what needs the rendered pods: Volcano's PodGroup, whose minResources is
// the attempt's starting footprint, or YuniKorn's task groups on the driver (the driver, and the initial
// executors with the executor pod's resources and placement; no executor group when none start). It sets
// the driver pod's annotation and the matching Spark property.
func batchSchedulerObjects(app *stokev1.SparkApplication, objs *Objects) (*unstructured.Unstructured, error) {
	b := app.Spec.BatchScheduler
	if b == nil {
		return nil, nil
	}
	executor, err := ExecutorPod(app, objs)
	if err != nil {
		return nil, err
	}
	driver := objs.DriverPod
	initial := InitialExecutors(&app.Spec)
	if b.Volcano != nil {
		return volcanoPodGroup(app, objs.Names, driver, executor, initial), nil
	}
	groups := []yuniKornTaskGroup{taskGroupOf(YuniKornDriverTaskGroup, 1, driver)}
	if initial > 0 {
		groups = append(groups, taskGroupOf(YuniKornExecutorTaskGroup, initial, executor))
	}
	data, err := json.Marshal(groups)
	if err != nil {
		return nil, fmt.Errorf("encoding YuniKorn's task groups: %w", err)
	}
	objs.Properties["spark.kubernetes.driver.annotation."+YuniKornTaskGroupsAnnotation] = string(data)
	driver.Annotations[YuniKornTaskGroupsAnnotation] = string(data)
	return nil, nil
}

func taskGroupOf(name string, members int32, pod *corev1.Pod) yuniKornTaskGroup {
	min := map[string]string{}
	for res, q := range admission.PodRequests(pod) {
		min[string(res)] = q.String()
	}
	return yuniKornTaskGroup{
		Name: name, MinMember: members, MinResource: min,
		NodeSelector: pod.Spec.NodeSelector, Tolerations: pod.Spec.Tolerations, Affinity: pod.Spec.Affinity,
	}
}

func volcanoPodGroup(app *stokev1.SparkApplication, names Names, driver, executor *corev1.Pod, initial int32) *unstructured.Unstructured {
	min := admission.SumRequests([]corev1.ResourceList{admission.PodRequests(driver), admission.PodRequests(executor)}, []int64{1, int64(initial)})
	minResources := map[string]any{}
	for res, q := range min {
		minResources[string(res)] = q.String()
	}
	spec := map[string]any{"minMember": int64(1), "minResources": minResources}
	if q := app.Spec.BatchScheduler.Volcano.Queue; q != "" {
		spec["queue"] = q
	}
	if pc := firstNonEmpty(app.Spec.BatchScheduler.Volcano.PriorityClassName, driver.Spec.PriorityClassName); pc != "" {
		spec["priorityClassName"] = pc
	}
	pg := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	pg.SetGroupVersionKind(PodGroupGVK)
	pg.SetName(PodGroupName(names))
	pg.SetNamespace(app.Namespace)
	pg.SetLabels(map[string]string{LabelAppSelector: names.AppID, LabelManagedBy: ManagedByStoke})
	return pg
}

// InitialExecutors is how many executors the spec starts with: spec.executor.instances (Spark's default
// is 2), or with dynamic allocation its initial, else its minimum, count.
func InitialExecutors(spec *stokev1.SparkApplicationSpec) int32 {
	if d := spec.DynamicAllocation; d != nil && d.Enabled {
		switch {
		case d.InitialExecutors != nil:
			return *d.InitialExecutors
		case d.MinExecutors != nil:
			return *d.MinExecutors
		}
		return 0
	}
	if spec.Executor.Instances != nil {
		return *spec.Executor.Instances
	}
	return 2
}
