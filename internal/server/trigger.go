package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/schedule"
	"github.com/stokehq/stoke/internal/trigger"
)

// triggerPath is where a schedule's HTTP triggers are delivered.
const triggerPath = nativeAPIBasePath + "/schedules/{name}/triggers/{trigger}"

// triggerResponse answers a delivery: the run it started, or the run an earlier delivery with the same
// idempotency key started.
type triggerResponse struct {
	// Run is the name of the run's SparkApplication or SparkWorkflow.
	Run string `json:"run"`
	// Kind is SparkApplication or SparkWorkflow.
	Kind string `json:"kind"`
	// Created is false when the delivery's idempotency key had already started Run.
	Created bool `json:"created"`
	// ScheduledTime is the run's logical time (when the first delivery was received); absent for a run
	// only status.recentRuns still records.
	ScheduledTime string `json:"scheduledTime,omitempty"`
	// Parameters are the values the run received (only for a new run).
	Parameters map[string]string `json:"parameters,omitempty"`
	// Message says what happens next.
	Message string `json:"message"`
}

// deliver starts a run of a schedule for a delivery to one of its HTTP triggers. It is public: a request
// with a bearer token acts as its caller, one without is accepted only by a trigger with a signature, and
// acts as the trigger's service account once the signature matches. The run is created waiting (suspended,
// annotated) for the schedule's reconciler to start it as the concurrency policy allows.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, _ *Caller) error {
	ctx := r.Context()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	caller, err := s.authn.authenticate(ctx, r)
	if err != nil && !errors.Is(err, errUnauthenticated) {
		return err
	}
	ns, name, trigName := r.PathValue("ns"), r.PathValue("name"), r.PathValue("trigger")
	// An unauthenticated sender learns nothing about what exists: every refusal before its signature is
	// checked is the same 401.
	unauthenticated := errorf(http.StatusUnauthorized, "Unauthorized",
		"a valid Kubernetes bearer token, or a delivery signed for a trigger that takes signatures, is required")
	if caller != nil {
		if err := s.authorize(ctx, caller, r, "get", resSchedules, "", name); err != nil {
			return err
		}
	}
	sched := &stokev1.ScheduledSparkApplication{}
	if caller == nil {
		err = s.cache.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, sched) // an unauthenticated delivery never costs the API server a request
	} else {
		err = s.getFresh(ctx, client.ObjectKey{Namespace: ns, Name: name}, sched) // a schedule created a moment ago takes its first delivery
	}
	if err != nil {
		if caller == nil {
			return unauthenticated
		}
		if apierrors.IsNotFound(err) {
			return notFound("schedule %q not found in namespace %q", name, ns)
		}
		return err
	}
	i := slices.IndexFunc(sched.Spec.Triggers, func(t stokev1.HTTPTrigger) bool { return t.Name == trigName })
	switch {
	case i < 0 && caller == nil:
		return unauthenticated
	case i < 0:
		return notFound("schedule %q has no trigger %q", name, trigName)
	}
	t := &sched.Spec.Triggers[i]
	actor := caller
	if t.Signature != nil {
		account := serviceAccountCaller(ns, t.ServiceAccountName)
		if err := s.verifySignature(ctx, account, ns, t, body, r.Header); err != nil {
			return err
		}
		if actor == nil {
			actor = account
		}
	} else if caller == nil {
		return unauthenticated
	}

	d, err := trigger.ParseDelivery(r.Header, body)
	if err != nil {
		return badRequest("%v", err)
	}
	values, err := trigger.Values(sched.Spec.Parameters, t, d)
	if err != nil {
		return badRequest("%v", err)
	}
	key, err := trigger.Key(t, d)
	if err != nil {
		return badRequest("%v", err)
	}
	keyed := key != ""
	if !keyed {
		key = rand.Text() // no key: every delivery is a new run
	}
	runName := schedule.TriggeredRunName(sched.Name, t.Name, key)
	if keyed {
		if earlier := s.earlierRun(ctx, sched, runName); earlier != nil {
			writeJSON(w, http.StatusOK, earlier)
			return nil
		}
	}
	sc, err := schedule.Parse(append([]string{sched.Spec.Schedule}, sched.Spec.AdditionalSchedules...), sched.Spec.TimeZone)
	if err != nil {
		return errorf(http.StatusConflict, "Conflict", "schedule %q is invalid, so it starts no run: %v", name, err)
	}
	logical := s.opts.Clock.Now().Truncate(time.Second)
	runValues := scheduledsparkapplication.RunValues(sched, values)
	obj, err := scheduledsparkapplication.BuildRun(sched, sc.Location(), logical, stokev1.RunTriggerHTTP, runName, runValues)
	if err != nil {
		return badRequest("the run cannot be built from the schedule's template with this delivery's parameters: %v", err)
	}
	scheduledsparkapplication.AwaitSchedule(obj, t.Name)
	cc, err := s.im.clientsFor(actor)
	if err != nil {
		return err
	}
	if err := cc.client.Create(ctx, obj); apierrors.IsAlreadyExists(err) && keyed {
		// A delivery with the same key raced this one, or the cache had not seen its run yet.
		if err := cc.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		if ref := metav1.GetControllerOf(obj); ref == nil || ref.UID != sched.UID {
			return errorf(http.StatusConflict, "Conflict", "run name %q is taken by an object schedule %q does not own", runName, name)
		}
		writeJSON(w, http.StatusOK, replay(obj))
		return nil
	} else if err != nil {
		return err
	}
	kind := runKind(obj)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/namespaces/%s/%s/%s", ns, kindPath(kind), runName))
	message := "created; it starts when the schedule's concurrency policy allows"
	if sched.Spec.Suspend {
		message = "created; it starts when the schedule is resumed and its concurrency policy allows"
	}
	writeJSON(w, http.StatusCreated, triggerResponse{
		Run: runName, Kind: kind, Created: true, ScheduledTime: logical.In(sc.Location()).Format(time.RFC3339),
		Parameters: runValues, Message: message,
	})
	return nil
}

// verifySignature reads the trigger's shared secret as its service account (so RBAC decides whether the
// account may use that Secret) and checks the delivery's signature.
func (s *Server) verifySignature(ctx context.Context, account *Caller, ns string, t *stokev1.HTTPTrigger, body []byte, header http.Header) error {
	cc, err := s.im.clientsFor(account)
	if err != nil {
		return err
	}
	sig := t.Signature
	secret, err := cc.clientset.CoreV1().Secrets(ns).Get(ctx, sig.SecretName, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsForbidden(err) || apierrors.IsNotFound(err) {
			// The trigger is misconfigured; the sender gets no detail of the namespace's Secrets.
			s.opts.Log.Info("trigger signature secret unreadable", "namespace", ns, "trigger", t.Name, "serviceAccount", t.ServiceAccountName, "error", err.Error())
			return errorf(http.StatusForbidden, "Forbidden", "trigger %q cannot check signatures: its service account cannot read its secret (the server's log says why)", t.Name)
		}
		return err
	}
	key := sig.SecretKey
	if key == "" {
		key = "secret"
	}
	shared, ok := secret.Data[key]
	if !ok || len(shared) == 0 {
		return errorf(http.StatusForbidden, "Forbidden", "trigger %q cannot check signatures: its secret has no key %q", t.Name, key)
	}
	if err := trigger.Verify(sig, shared, body, header); err != nil {
		if errors.Is(err, trigger.ErrBadSignature) {
			return errorf(http.StatusUnauthorized, "Unauthorized", "%v", err)
		}
		return badRequest("%v", err)
	}
	return nil
}

// earlierRun is the answer for a delivery whose key already started a run: the run, while it exists, or
// its record in the schedule's recent runs.
func (s *Server) earlierRun(ctx context.Context, sched *stokev1.ScheduledSparkApplication, runName string) *triggerResponse {
	for _, obj := range []client.Object{&stokev1.SparkApplication{}, &stokev1.SparkWorkflow{}} {
		err := s.cache.Get(ctx, client.ObjectKey{Namespace: sched.Namespace, Name: runName}, obj)
		if ref := metav1.GetControllerOf(obj); err == nil && ref != nil && ref.UID == sched.UID {
			r := replay(obj)
			return &r
		}
	}
	for _, recent := range sched.Status.RecentRuns {
		if recent.Name == runName {
			kind := "SparkApplication"
			if sched.Spec.Template.Workflow != nil {
				kind = "SparkWorkflow"
			}
			return &triggerResponse{Run: runName, Kind: kind, ScheduledTime: recent.ScheduledTime.UTC().Format(time.RFC3339),
				Message: fmt.Sprintf("this idempotency key already started run %s, which ended %s", runName, recent.Outcome)}
		}
	}
	return nil
}

func replay(obj client.Object) triggerResponse {
	return triggerResponse{Run: obj.GetName(), Kind: runKind(obj), ScheduledTime: obj.GetAnnotations()[stokev1.AnnotationScheduledTime],
		Message: "this idempotency key already started this run: nothing new was started"}
}

func runKind(obj client.Object) string {
	if _, ok := obj.(*stokev1.SparkWorkflow); ok {
		return "SparkWorkflow"
	}
	return "SparkApplication"
}

func kindPath(kind string) string {
	if kind == "SparkWorkflow" {
		return kindWorkflows.path
	}
	return kindApplications.path
}

// serviceAccountCaller is the identity of a service account, as the API server authenticates its tokens.
func serviceAccountCaller(ns, name string) *Caller {
	groups := append(serviceaccount.MakeGroupNames(ns), user.AllAuthenticated)
	return &Caller{Name: serviceaccount.MakeUsername(ns, name), Groups: groups, Extra: map[string][]string{}}
}
