package spark

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// podFromTemplate starts a pod from the role's template, as Spark does with a pod template file: the
// container with the Spark container's name (else the first one) is taken out to become the Spark
// container; the rest of the template stays.
func podFromTemplate(tpl *corev1.PodTemplateSpec, containerName string) (*corev1.Pod, *corev1.Container) {
	pod := &corev1.Pod{}
	container := &corev1.Container{}
	if tpl == nil {
		return pod, container
	}
	t := tpl.DeepCopy()
	pod.ObjectMeta = t.ObjectMeta
	pod.Spec = t.Spec
	idx := -1
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == containerName {
			idx = i
			break
		}
	}
	if idx < 0 && len(pod.Spec.Containers) > 0 {
		idx = 0
	}
	if idx >= 0 {
		*container = pod.Spec.Containers[idx]
		pod.Spec.Containers = append(pod.Spec.Containers[:idx:idx], pod.Spec.Containers[idx+1:]...)
	}
	return pod, container
}

// containerResources is the Spark container's requests and limits as Spark computes them: CPU request from
// request.cores or cores (default 1), optional CPU limit, memory request = limit = heap plus overhead, and
// extended resources from spark.<role>.resource.<name>.{amount,vendor}.
func containerResources(p map[string]string, role string, memoryMiB int64) (corev1.ResourceRequirements, error) {
	cpu := first(p["spark.kubernetes."+role+".request.cores"], p["spark."+role+".cores"], "1")
	cpuQ, err := resource.ParseQuantity(cpu)
	if err != nil {
		return corev1.ResourceRequirements{}, invalid("%s CPU request %q: %w", role, cpu, err)
	}
	mem := resource.MustParse(fmt.Sprintf("%dMi", memoryMiB))
	r := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: cpuQ, corev1.ResourceMemory: mem},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: mem},
	}
	if limit := p["spark.kubernetes."+role+".limit.cores"]; limit != "" {
		q, err := resource.ParseQuantity(limit)
		if err != nil {
			return r, invalid("%s CPU limit %q: %w", role, limit, err)
		}
		r.Limits[corev1.ResourceCPU] = q
	}
	for key, amount := range withPrefix(p, "spark."+role+".resource.") {
		name, ok := strings.CutSuffix(key, ".amount")
		if !ok {
			continue
		}
		vendor := p["spark."+role+".resource."+name+".vendor"]
		if vendor == "" {
			return r, invalid("resource %s was requested for the %s without spark.%s.resource.%s.vendor", name, role, role, name)
		}
		q, err := resource.ParseQuantity(amount)
		if err != nil {
			return r, invalid("%s resource %s amount %q: %w", role, name, amount, err)
		}
		r.Limits[corev1.ResourceName(vendor+"/"+name)] = q
	}
	return r, nil
}

// applyTemplateFields merges the role fields that Spark has no properties for into the template pod and its
// Spark container, as if the user had written them into the pod template file: Spark's feature steps then
// add their own environment, mounts and volumes after them, as they do after a template's.
func applyTemplateFields(pod *corev1.Pod, c *corev1.Container, role *stokev1.SparkPodSpec, appVolumes []corev1.Volume) {
	ps := &pod.Spec
	ps.Tolerations = append(ps.Tolerations, role.Tolerations...)
	if role.Affinity != nil {
		ps.Affinity = role.Affinity.DeepCopy()
	}
	if role.PodSecurityContext != nil {
		ps.SecurityContext = role.PodSecurityContext.DeepCopy()
	}
	if role.SecurityContext != nil {
		c.SecurityContext = role.SecurityContext.DeepCopy()
	}
	if role.PriorityClassName != nil {
		ps.PriorityClassName = *role.PriorityClassName
	}
	if role.TerminationGracePeriodSeconds != nil {
		ps.TerminationGracePeriodSeconds = ptrTo(*role.TerminationGracePeriodSeconds)
	}
	for _, e := range role.Env {
		if e.ValueFrom != nil {
			c.Env = append(c.Env, *e.DeepCopy())
		}
	}
	c.EnvFrom = append(c.EnvFrom, role.EnvFrom...)
	c.VolumeMounts = append(c.VolumeMounts, role.VolumeMounts...)
	for i := range role.InitContainers {
		ps.InitContainers = append(ps.InitContainers, *role.InitContainers[i].DeepCopy())
	}
	// The application volumes that the template's containers, the Spark container or the sidecars mount.
	mounted := map[string]bool{}
	for _, list := range [][]corev1.Container{ps.InitContainers, ps.Containers, {*c}, role.Sidecars} {
		for _, ct := range list {
			for _, m := range ct.VolumeMounts {
				mounted[m.Name] = true
			}
		}
	}
	for _, v := range appVolumes {
		if mounted[v.Name] {
			ps.Volumes = append(ps.Volumes, *v.DeepCopy())
		}
	}
}

// finishPod places the Spark container after the template's other containers (as Spark does) and before
// the sidecars, and refuses names used twice.
func finishPod(pod *corev1.Pod, c *corev1.Container, role *stokev1.SparkPodSpec) error {
	ps := &pod.Spec
	ps.Containers = append(ps.Containers, *c)
	for i := range role.Sidecars {
		ps.Containers = append(ps.Containers, *role.Sidecars[i].DeepCopy())
	}
	if len(ps.Containers) > 1 {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations["kubectl.kubernetes.io/default-container"] = c.Name
	}
	return checkUniqueNames(ps)
}

func checkUniqueNames(ps *corev1.PodSpec) error {
	seen := map[string]bool{}
	for _, v := range ps.Volumes {
		if seen[v.Name] {
			return invalid("volume name %q is used twice in the %s pod (Stoke reserves %s, %s and spark-local-dir-*)", v.Name, podRole(ps), SparkConfVolume, PodTemplateVolume)
		}
		seen[v.Name] = true
	}
	containers := map[string]bool{}
	for _, list := range [][]corev1.Container{ps.InitContainers, ps.Containers} {
		for _, c := range list {
			if containers[c.Name] {
				return invalid("container name %q is used twice in the %s pod", c.Name, podRole(ps))
			}
			containers[c.Name] = true
		}
	}
	return nil
}

func podRole(ps *corev1.PodSpec) string {
	for _, c := range ps.Containers {
		if c.Name == ExecutorContainerName {
			return RoleExecutor
		}
	}
	return RoleDriver
}

// buildExecutorTemplate renders the pod template the driver creates executors from: the user's executor
// template plus the executor fields Spark has no properties for. Spark itself adds the container's image,
// resources, ports, labels and environment from spark.properties.
func buildExecutorTemplate(app *stokev1.SparkApplication) (*corev1.Pod, error) {
	role := &app.Spec.Executor.SparkPodSpec
	pod, container := podFromTemplate(role.Template, ExecutorContainerName)
	pod.APIVersion, pod.Kind = "v1", "Pod"
	container.Name = ExecutorContainerName
	pod.Labels = merge(pod.Labels, map[string]string{LabelManagedBy: ManagedByStoke})
	pod.Annotations = merge(pod.Annotations, map[string]string{AnnotationApplication: app.Name})
	pod.Spec.EnableServiceLinks = ptrTo(false)
	applyTemplateFields(pod, container, role, app.Spec.Volumes)
	if err := finishPod(pod, container, role); err != nil {
		return nil, err
	}
	return pod, nil
}
