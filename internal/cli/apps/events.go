package apps

import (
	"context"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// Events lists the Events about the application and, with pods, about its driver and executor pods of
// every recorded attempt, oldest first.
func Events(ctx context.Context, c client.Client, app *stokev1.SparkApplication, pods bool) ([]corev1.Event, error) {
	var prefixes []string
	for _, a := range Attempts(app) {
		if p, ok := strings.CutSuffix(a.DriverPodName, "-driver"); ok {
			prefixes = append(prefixes, p+"-driver", p+"-exec-")
		}
	}
	return EventsAbout(ctx, c, app.Namespace, func(ref corev1.ObjectReference) bool {
		// A direct submission has no object of its own: its events are its pods'.
		return About(ref, Kind, app) || (pods || IsDirect(app)) && ref.Kind == "Pod" && ownedPod(ref.Name, prefixes)
	})
}

// EventsAbout lists the Events of the namespace whose involved object matches, oldest first.
func EventsAbout(ctx context.Context, c client.Client, ns string, match func(corev1.ObjectReference) bool) ([]corev1.Event, error) {
	list := &corev1.EventList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, cmderr.API(err, "listing events")
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if match(e.InvolvedObject) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return EventTime(&out[i]).Before(EventTime(&out[j])) })
	return out, nil
}

// About reports whether an event's object is obj, of the given kind (an event without a UID is taken to be
// about the object of that name; one with another UID is about an earlier object of the same name).
func About(ref corev1.ObjectReference, kind string, obj client.Object) bool {
	return ref.Kind == kind && ref.Name == obj.GetName() && (ref.UID == "" || ref.UID == obj.GetUID())
}

func ownedPod(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if name == p || (strings.HasSuffix(p, "-exec-") && strings.HasPrefix(name, p)) {
			return true
		}
	}
	return false
}

// EventTime is when an event last happened.
func EventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
