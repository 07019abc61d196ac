package spark

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// MaxPodMemoryMiB bounds a Spark pod's memory (heap plus overhead): 64 TiB, more than any node Kubernetes
// runs on. Larger values are refused before any pod exists instead of making a pod no node can ever run
// (or one whose size overflows).
const MaxPodMemoryMiB = 64 << 20

// maxCPU bounds a Spark container's CPU request and limit: more cores than any node has.
var maxCPU = resource.MustParse("65536")

// Labels Spark and Stoke set on the pods themselves. A user value for one of them would be overwritten, so
// it is refused, as spark-submit refuses the ones it reserves.
var (
	reservedDriverLabels   = []string{LabelAppSelector, LabelRole, LabelVersion, LabelAppName, LabelManagedBy, LabelAttempt}
	reservedExecutorLabels = []string{LabelAppSelector, LabelRole, LabelVersion, LabelAppName, LabelExecutorID, LabelResourceProfileID, LabelManagedBy}
	reservedAnnotations    = []string{AnnotationApplication, AnnotationSpecHash}
)

// Labels Spark puts on executor pods.
const (
	LabelExecutorID        = "spark-exec-id"
	LabelResourceProfileID = "spark-exec-resourceprofile-id"
)

// AnnotationSpecHash records on the driver pod the spec hash it was built from, so that a pod adopted after
// a crash is attributed to the right spec.
const AnnotationSpecHash = "stoke.dev/spec-hash"

// Validate checks what the API server would only refuse once a pod is created (an executor pod, long
// after the driver started) and what Spark would only fail on at start-up. It runs before anything is
// created; every error names the field of the spec, and quotes the user's value.
func Validate(app *stokev1.SparkApplication, p map[string]string) error {
	var errs field.ErrorList
	errs = append(errs, validateOverrides(app, p)...)
	errs = append(errs, validateIntegerConf(app.Spec.SparkConf)...)
	errs = append(errs, validateURIs(&app.Spec)...)
	errs = append(errs, validateMonitoring(app)...)
	errs = append(errs, validateUI(app)...)
	errs = append(errs, validateBatchScheduler(app)...)
	for _, role := range []string{RoleDriver, RoleExecutor} {
		errs = append(errs, validateRoleMetadata(app, p, role)...)
		errs = append(errs, validateRoleResources(app, p, role)...)
	}
	ports, err := ResolveDriverPorts(app.Spec.SparkConf)
	if err != nil {
		return err
	}
	errs = append(errs, validateSidecarPorts(&app.Spec, ports)...)
	if len(errs) == 0 {
		return nil
	}
	return &InvalidSpecError{Err: errs.ToAggregate()}
}

// validateURIs parses every URI the driver will fetch, as Spark's java.net.URI would.
func validateURIs(spec *stokev1.SparkApplicationSpec) field.ErrorList {
	var errs field.ErrorList
	check := func(path *field.Path, uri string) {
		if u, err := url.Parse(uri); err != nil {
			errs = append(errs, field.Invalid(path, uri, "not a valid URI: "+strings.TrimPrefix(err.Error(), fmt.Sprintf("parse %q: ", uri))))
		} else if u.Scheme != "" && u.Scheme != "local" && u.Scheme != "file" && u.Host == "" && u.Opaque == "" {
			errs = append(errs, field.Invalid(path, uri, "a "+u.Scheme+":// URI needs a host"))
		}
	}
	specPath := field.NewPath("spec")
	if spec.MainApplicationFile != nil {
		check(specPath.Child("mainApplicationFile"), *spec.MainApplicationFile)
	}
	for _, l := range []struct {
		name string
		uris []string
	}{{"jars", spec.Deps.Jars}, {"files", spec.Deps.Files}, {"pyFiles", spec.Deps.PyFiles}, {"archives", spec.Deps.Archives}} {
		for i, u := range l.uris {
			check(specPath.Child("deps", l.name).Index(i), u)
		}
	}
	return errs
}

// roleSpec is the spec of a role, with the path of its fields.
func roleSpec(spec *stokev1.SparkApplicationSpec, role string) (*stokev1.SparkPodSpec, *field.Path) {
	if role == RoleDriver {
		return &spec.Driver.SparkPodSpec, field.NewPath("spec", "driver")
	}
	return &spec.Executor.SparkPodSpec, field.NewPath("spec", "executor")
}

// confOrigin is the path of the spec field a Spark property of a role came from: the role's own field
// when the spec sets it (spec fields win), else sparkConf.
func confOrigin(set bool, rolePath *field.Path, specField, key string) *field.Path {
	if set {
		return rolePath.Child(specField)
	}
	return field.NewPath("spec", "sparkConf").Key(key)
}

// validateRoleMetadata refuses reserved labels and annotations and the label and annotation keys and
// values the API server would refuse on the role's pods, wherever in the spec they come from.
func validateRoleMetadata(app *stokev1.SparkApplication, p map[string]string, role string) field.ErrorList {
	s, rolePath := roleSpec(&app.Spec, role)
	reserved := reservedDriverLabels
	if role == RoleExecutor {
		reserved = reservedExecutorLabels
	}
	var errs field.ErrorList
	checkLabel := func(path *field.Path, key, value string) {
		for _, r := range reserved {
			if key == r {
				errs = append(errs, field.Forbidden(path, fmt.Sprintf("the label %s is set by Spark or Stoke on every %s pod and cannot be set", key, role)))
				return
			}
		}
		errs = append(errs, metav1validation.ValidateLabelName(key, path)...)
		if AtLeast(app.Spec.SparkVersion, 4) {
			value = strings.NewReplacer("{{APP_ID}}", AppID(app.UID, 1), "{{EXECUTOR_ID}}", "1").Replace(value)
		}
		for _, msg := range validation.IsValidLabelValue(value) {
			errs = append(errs, field.Invalid(path, value, msg))
		}
	}
	prefix := "spark.kubernetes." + role + ".label."
	for _, key := range sortedKeys(withPrefix(p, prefix)) {
		_, set := s.Labels[key]
		path := field.NewPath("spec", "sparkConf").Key(prefix + key)
		if set {
			path = rolePath.Child("labels").Key(key)
		}
		checkLabel(path, key, p[prefix+key])
	}
	annotations := withPrefix(p, "spark.kubernetes."+role+".annotation.")
	if t := s.Template; t != nil {
		metaPath := rolePath.Child("template", "metadata")
		for _, key := range sortedKeys(t.Labels) {
			checkLabel(metaPath.Child("labels").Key(key), key, t.Labels[key])
		}
		for k, v := range t.Annotations {
			annotations[k] = v
		}
	}
	for _, key := range sortedKeys(annotations) {
		for _, r := range reservedAnnotations {
			if key == r {
				errs = append(errs, field.Forbidden(rolePath.Child("annotations").Key(key), "the annotation "+key+" is set by Stoke and cannot be set"))
			}
		}
	}
	errs = append(errs, apivalidation.ValidateAnnotations(annotations, rolePath.Child("annotations"))...)
	return errs
}

// validateRoleResources checks the role's CPU and memory as Spark will turn them into the pod's resources.
func validateRoleResources(app *stokev1.SparkApplication, p map[string]string, role string) field.ErrorList {
	s, rolePath := roleSpec(&app.Spec, role)
	var errs field.ErrorList
	requestKey := "spark.kubernetes." + role + ".request.cores"
	requestPath := confOrigin(s.CoreRequest != nil, rolePath, "coreRequest", requestKey)
	request := p[requestKey]
	if request == "" {
		requestKey = "spark." + role + ".cores"
		requestPath, request = confOrigin(s.Cores != nil, rolePath, "cores", requestKey), first(p[requestKey], "1")
	}
	requestQ, err := resource.ParseQuantity(request)
	switch {
	case err != nil || requestQ.Sign() <= 0:
		errs = append(errs, field.Invalid(requestPath, request, "not a positive CPU quantity"))
	case requestQ.Cmp(maxCPU) > 0:
		errs = append(errs, field.Invalid(requestPath, request, "more CPU than the "+maxCPU.String()+" cores Stoke accepts"))
	}
	limitKey := "spark.kubernetes." + role + ".limit.cores"
	if limit, ok := p[limitKey]; ok {
		limitPath := confOrigin(s.CoreLimit != nil, rolePath, "coreLimit", limitKey)
		limitQ, err := resource.ParseQuantity(limit)
		switch {
		case err != nil || limitQ.Sign() <= 0:
			errs = append(errs, field.Invalid(limitPath, limit, "not a positive CPU quantity"))
		case limitQ.Cmp(maxCPU) > 0:
			errs = append(errs, field.Invalid(limitPath, limit, "more CPU than the "+maxCPU.String()+" cores Stoke accepts"))
		case requestQ.Sign() > 0 && limitQ.Cmp(requestQ) < 0:
			errs = append(errs, field.Invalid(limitPath, limit, fmt.Sprintf("the CPU limit is below the CPU request %s (%s)", request, requestPath)))
		}
	}
	if _, err := RoleMemoryMiB(app, p, role); err != nil {
		errs = append(errs, err.(*field.Error))
	}
	return errs
}

// RoleMemoryMiB is the memory request and limit of the role's Spark container (heap plus overhead), checked
// against MaxPodMemoryMiB. The error is a *field.Error naming the field the heap came from.
func RoleMemoryMiB(app *stokev1.SparkApplication, p map[string]string, role string) (int64, error) {
	s, rolePath := roleSpec(&app.Spec, role)
	heapKey, overheadKey := "spark."+role+".memory", "spark."+role+".memoryOverhead"
	heapPath := confOrigin(s.Memory != nil, rolePath, "memory", heapKey)
	if heap, ok := p[heapKey]; ok {
		mib, err := ParseMiB(heap)
		if err != nil {
			return 0, field.Invalid(heapPath, heap, err.Error())
		}
		if mib < 1 {
			return 0, field.Invalid(heapPath, heap, "the heap must be at least 1m")
		}
	}
	total, err := PodMemoryMiB(p[heapKey], optional(p, overheadKey),
		first(p["spark."+role+".memoryOverheadFactor"], p["spark.kubernetes.memoryOverheadFactor"]),
		minOverhead(app.Spec.SparkVersion, p["spark."+role+".minMemoryOverhead"]))
	if err != nil {
		path := heapPath
		if _, ok := p[overheadKey]; ok {
			path = confOrigin(s.MemoryOverhead != nil, rolePath, "memoryOverhead", overheadKey)
		}
		return 0, field.Invalid(path, first(p[overheadKey], p[heapKey]), err.Error())
	}
	if total > MaxPodMemoryMiB {
		return 0, field.Invalid(heapPath, first(p[heapKey], "1g"), fmt.Sprintf("with its overhead the %s pod would need %d MiB, more than the %d MiB (64 TiB) Stoke accepts", role, total, int64(MaxPodMemoryMiB)))
	}
	return total, nil
}

// validateSidecarPorts refuses other containers of the driver pod that declare one of the Spark
// container's ports: they share its network namespace, so the driver could never bind it.
func validateSidecarPorts(spec *stokev1.SparkApplicationSpec, ports DriverPorts) field.ErrorList {
	taken := map[int32]bool{}
	for _, cp := range ports.containerPorts(spec.SparkVersion) {
		taken[cp.ContainerPort] = true
	}
	var errs field.ErrorList
	check := func(path *field.Path, c corev1.Container) {
		for j, port := range c.Ports {
			if taken[port.ContainerPort] {
				errs = append(errs, field.Invalid(path.Child("ports").Index(j).Child("containerPort"), port.ContainerPort,
					fmt.Sprintf("the Spark driver listens on this port (its ports are %s)", ports.describe(spec.SparkVersion))))
			}
		}
	}
	rolePath := field.NewPath("spec", "driver")
	for i, c := range spec.Driver.Sidecars {
		check(rolePath.Child("sidecars").Index(i), c)
	}
	if t := spec.Driver.Template; t != nil {
		spark := 0 // the Spark container: the one with its name, else the first (podFromTemplate)
		for i, c := range t.Spec.Containers {
			if c.Name == DriverContainerName {
				spark = i
				break
			}
		}
		for i, c := range t.Spec.Containers {
			if i != spark {
				check(rolePath.Child("template", "spec", "containers").Index(i), c)
			}
		}
	}
	return errs
}

// additiveKeys are properties the spec adds to rather than replaces: the primary jar is appended to
// spark.jars, and deps lists replace their sparkConf key only when they are set.
var additiveKeys = map[string]func(*stokev1.Dependencies) []string{
	"spark.jars":           func(d *stokev1.Dependencies) []string { return d.Jars },
	"spark.files":          func(d *stokev1.Dependencies) []string { return d.Files },
	"spark.submit.pyFiles": func(d *stokev1.Dependencies) []string { return d.PyFiles },
	"spark.archives":       func(d *stokev1.Dependencies) []string { return d.Archives },
}

// validateOverrides refuses a sparkConf value that a spec field would replace with another: spark-submit
// lets its flags win over --conf silently, Stoke says so instead of running with a value the user did not
// write.
func validateOverrides(app *stokev1.SparkApplication, p map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, r := range replacedConf(app, p) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "sparkConf").Key(r.key), app.Spec.SparkConf[r.key],
			fmt.Sprintf("%s makes it %q; set it in one place", r.source, r.value)))
	}
	return errs
}

type replacement struct{ key, value, source string }

// ownedConf are the keys the schema refuses in sparkConf because Stoke sets them (see SparkApplicationSpec).
var ownedConf = map[string]bool{
	"spark.master": true, "spark.submit.deployMode": true, "spark.kubernetes.namespace": true,
	"spark.kubernetes.driver.pod.name": true, "spark.app.id": true, "spark.driver.host": true,
	"spark.driver.bindAddress": true, "spark.kubernetes.driver.podTemplateFile": true,
	"spark.kubernetes.executor.podTemplateFile": true, "spark.kubernetes.executor.podNamePrefix": true,
	"spark.kubernetes.driver.master": true, "spark.kubernetes.submitInDriver": true,
}

// replacedConf lists the sparkConf keys whose value a spec field replaces, in key order. Keys Stoke owns are
// left to the schema, which refuses them.
func replacedConf(app *stokev1.SparkApplication, p map[string]string) []replacement {
	var out []replacement
	for _, key := range sortedKeys(app.Spec.SparkConf) {
		if ownedConf[key] {
			continue
		}
		user := app.Spec.SparkConf[key]
		if deps, ok := additiveKeys[key]; ok {
			if list := deps(&app.Spec.Deps); len(list) > 0 && strings.Join(list, ",") != user {
				out = append(out, replacement{key, strings.Join(list, ","), "spec.deps"})
			}
			continue
		}
		if got, ok := p[key]; ok && got != user {
			out = append(out, replacement{key, got, "the spec (" + specSourceOf(key) + ")"})
		}
	}
	return out
}

// ConfReplacedBySpec lists the sparkConf keys whose value a spec field replaces with another (which Build
// refuses). A spark-submit-like front end drops them to give its flags spark-submit's precedence.
func ConfReplacedBySpec(app *stokev1.SparkApplication) []string {
	var keys []string
	for _, r := range replacedConf(app, Properties(app, NamesFor(app.Name, app.UID, 1))) {
		keys = append(keys, r.key)
	}
	return keys
}

// specSourceOf names, for messages, what in the spec sets a Spark property.
func specSourceOf(key string) string {
	switch {
	case key == "spark.kubernetes.container.image" || strings.HasPrefix(key, "spark.kubernetes.container.image."):
		return "spec.image, spec.imagePullPolicy or spec.imagePullSecrets"
	case key == "spark.kubernetes.resource.type":
		return "spec.type"
	case strings.HasPrefix(key, "spark.dynamicAllocation."):
		return "spec.dynamicAllocation"
	case strings.Contains(key, ".driver") || strings.HasPrefix(key, "spark.kubernetes.driverEnv."):
		return "spec.driver"
	case strings.Contains(key, ".executor"):
		return "spec.executor"
	}
	return "the spec"
}

// integerConf are Spark properties Spark reads as integers at start-up, with the range Stoke accepts.
var integerConf = map[string][2]int64{
	"spark.executor.instances":                   {0, 100000},
	"spark.executor.cores":                       {1, 1024},
	"spark.driver.cores":                         {1, 1024},
	"spark.dynamicAllocation.minExecutors":       {0, 100000},
	"spark.dynamicAllocation.maxExecutors":       {0, 100000},
	"spark.dynamicAllocation.initialExecutors":   {0, 100000},
	"spark.kubernetes.allocation.batch.size":     {1, 100000},
	"spark.kubernetes.allocation.maxPendingPods": {1, 2147483647},
}

// validateIntegerConf refuses integer Spark properties in sparkConf that Spark would fail to read at
// start-up (a driver that dies with a NumberFormatException), or that are beyond sensible bounds.
func validateIntegerConf(conf map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, key := range sortedKeys(conf) {
		bounds, ok := integerConf[key]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(conf[key]), 10, 64)
		if err != nil || n < bounds[0] || n > bounds[1] {
			errs = append(errs, field.Invalid(field.NewPath("spec", "sparkConf").Key(key), conf[key],
				fmt.Sprintf("must be a whole number from %d to %d", bounds[0], bounds[1])))
		}
	}
	return errs
}
