// Package direct submits a Spark application without Stoke's CRD or operator: it renders the driver pod,
// its Service and spark.properties ConfigMap (and the NetworkPolicy and volume claims where Spark creates
// them) with the same builder the operator uses, and creates them in the namespace the way spark-submit does,
// the driver pod owning the rest. It needs only the rights spark-submit needs there (SubmitterRules).
//
// A submission is named by its submission id: the same id always renders the same object names, so running
// the same submission again (after a crash of the submitting process, say) adopts what the first run created
// and never starts a second driver.
package direct

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

const (
	// LabelDirect marks the driver pod of a direct submission: there is no SparkApplication object, no retry
	// and no status beyond the pod's own.
	LabelDirect = "stoke.dev/direct"
	// AnnotationSubmissionID is the submission id the driver pod was rendered from.
	AnnotationSubmissionID = "stoke.dev/submission-id"
	// AnnotationName is the name the application was submitted under (its objects carry a suffix of the
	// submission id).
	AnnotationName = "stoke.dev/direct-name"
)

// SubmitterRules are what a direct submission needs in its namespace: the objects it creates (and reads
// back when they exist already), the deletes that undo a half-made submission, and reading pods to follow
// the driver. spark-submit in cluster mode needs the same. docs/direct-submission.md has them as a Role.
var SubmitterRules = []rbacv1.PolicyRule{
	// list and watch: following the driver and counting its executors (stoke submit --direct --wait).
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "create", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"services", "configmaps", "persistentvolumeclaims"}, Verbs: []string{"get", "create", "delete"}},
	{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: []string{"get", "create"}},
	// spec.batchScheduler.volcano: the attempt's PodGroup.
	{APIGroups: []string{"scheduling.volcano.sh"}, Resources: []string{"podgroups"}, Verbs: []string{"get", "create"}},
}

// FollowerRules are what the CLI's other commands need on a direct submission beyond SubmitterRules: the
// driver's and executors' logs (stoke logs), Spark's UI through the API server (stoke ui, and the job
// progress of stoke submit --wait) and the namespace's events (stoke events, describe). spark-submit has no
// such commands; kubectl logs and port-forward need the same.
var FollowerRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods/log", "pods/proxy"}, Verbs: []string{"get"}},
	{APIGroups: []string{""}, Resources: []string{"pods/portforward"}, Verbs: []string{"create"}},
	{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list", "watch"}},
}

// Render builds the objects of a direct submission of the application under the submission id: the
// operator path's validation and builder (the same refusals with the same messages), with object names
// <name>-<8 hex digits of the id>-1 and spark.app.name the application's own name.
func Render(app *stokev1.SparkApplication, submissionID string) (*spark.Objects, error) {
	if submissionID == "" {
		return nil, errors.New("a direct submission needs a submission id")
	}
	if app.Spec.Submission.Mode == stokev1.SubmissionSparkSubmitPod {
		return nil, &spark.InvalidSpecError{Err: errors.New("spec.submission.mode SparkSubmitPod needs the operator: a direct submission builds the driver itself")}
	}
	name := app.Name
	sum := sha256.Sum256([]byte(submissionID))
	a := app.DeepCopy()
	a.Name = name + "-" + hex.EncodeToString(sum[:4])
	a.UID = types.UID(submissionID)
	conf := make(map[string]string, len(app.Spec.SparkConf)+1)
	for k, v := range app.Spec.SparkConf {
		conf[k] = v
	}
	if _, set := conf["spark.app.name"]; !set {
		conf["spark.app.name"] = name
	}
	a.Spec.SparkConf = conf
	objs, err := spark.Build(a, 1)
	if err != nil {
		return nil, err
	}
	if err := spark.CheckNativeDependencies(a); err != nil {
		return nil, err
	}
	pod := objs.DriverPod
	// No SparkApplication owns it: like spark-submit's, the driver pod is the root of what it runs.
	pod.OwnerReferences = nil
	pod.Labels[LabelDirect] = "true"
	pod.Annotations[AnnotationSubmissionID] = submissionID
	pod.Annotations[AnnotationName] = name
	return objs, nil
}

// Result is what Submit did.
type Result struct {
	Driver *corev1.Pod
	// Adopted is true when the driver pod of this submission existed already (the submission ran before).
	Adopted bool
}

// Submit creates the rendered objects: the driver pod first, then the objects it owns. An object of the
// same name that this submission made before is adopted; one of another submission is an error. When an
// owned object is refused, the driver pod is deleted again (taking whatever it owns with it), so nothing is
// left half created.
func Submit(ctx context.Context, c client.Client, objs *spark.Objects) (*Result, error) {
	want := objs.DriverPod
	id := want.Annotations[AnnotationSubmissionID]
	res := &Result{}
	pod := want.DeepCopy()
	err := c.Create(ctx, pod)
	if apierrors.IsAlreadyExists(err) {
		pod = &corev1.Pod{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(want), pod); err != nil {
			return nil, fmt.Errorf("reading the existing driver pod %s: %w", want.Name, err)
		}
		if pod.Annotations[AnnotationSubmissionID] != id {
			return nil, fmt.Errorf("a pod named %s exists and is not the driver of submission %s: choose another name", want.Name, id)
		}
		res.Adopted = true
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating the driver pod %s: %w", want.Name, err)
	}
	res.Driver = pod
	for _, obj := range objs.Owned() {
		obj = obj.DeepCopyObject().(client.Object)
		spark.OwnedByDriver(obj, pod)
		if err := createOrAdopt(ctx, c, obj, pod); err != nil {
			err = fmt.Errorf("creating %s %s: %w", spark.KindOf(obj), obj.GetName(), err)
			if derr := rollBack(ctx, c, pod); derr != nil {
				return nil, fmt.Errorf("%w; and deleting the driver pod again failed: %v", err, derr)
			}
			return nil, err
		}
	}
	return res, nil
}

// createOrAdopt creates an owned object, or accepts the one of that name the same driver pod owns.
func createOrAdopt(ctx context.Context, c client.Client, obj client.Object, pod *corev1.Pod) error {
	err := c.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing := obj.DeepCopyObject().(client.Object)
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return err
	}
	if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == pod.UID {
		return nil
	}
	return fmt.Errorf("it exists and does not belong to driver pod %s", pod.Name)
}

// rollBack deletes the driver pod of a submission that could not be completed; the garbage collector
// deletes what it owns.
func rollBack(ctx context.Context, c client.Client, pod *corev1.Pod) error {
	uid := pod.UID
	err := c.Delete(ctx, pod, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}
