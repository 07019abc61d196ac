package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/server"
)

// sseEvent is one server-sent event of a watch stream.
type sseEvent struct {
	kind string
	obj  stokev1.SparkApplication
	at   time.Time
}

// openWatch opens a watch stream and delivers its events on a channel until the test ends.
func openWatch(t *testing.T, url, token string) (<-chan sseEvent, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	events := make(chan sseEvent, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = sseEvent{kind: strings.TrimPrefix(line, "event: ")}
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.obj)
			case line == "" && ev.kind != "":
				ev.at = time.Now()
				events <- ev
				ev = sseEvent{}
			}
		}
	}()
	return events, 200
}

func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
		return sseEvent{}
	}
}

// TestWatchStream: a filtered snapshot, SYNCED, then each status change within a second, objects leaving
// the filter as DELETED; a user who may not watch gets a 403 and no stream.
func TestWatchStream(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	nobody := newUser(t, ns, "nobody", nil)
	for _, name := range []string{"a", "b"} {
		mustCreate(t, pi(ns, name, map[string]string{"team": "x"}))
	}
	mustCreate(t, pi(ns, "other", map[string]string{"team": "y"}))
	eventually(t, "the cache to hold 3 applications", func() bool {
		var l struct{ Total int }
		call(t, "GET", url+"/api/v1/namespaces/"+ns+"/applications", alice.token, nil, &l)
		return l.Total == 3
	})
	stream := url + "/api/v1/namespaces/" + ns + "/applications?watch=true&labelSelector=team%3Dx&phase=Pending,Running"
	if _, code := openWatch(t, stream, nobody.token); code != http.StatusForbidden {
		t.Errorf("a user without watch got %d", code)
	}
	events, _ := openWatch(t, stream, alice.token)
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		ev := next(t, events)
		if ev.kind != "ADDED" || ev.obj.Kind != "SparkApplication" {
			t.Fatalf("snapshot event %d: %s %s", i, ev.kind, ev.obj.Name)
		}
		got[ev.obj.Name] = true
	}
	if !got["a"] || !got["b"] {
		t.Errorf("snapshot %v, want a and b", got)
	}
	if ev := next(t, events); ev.kind != "SYNCED" {
		t.Fatalf("after the snapshot: %s", ev.kind)
	}
	// A status change reaches the stream within a second.
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a"}}
	changed := time.Now()
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1})
	ev := next(t, events)
	if ev.kind != "MODIFIED" || ev.obj.Name != "a" || ev.obj.Status.Phase != stokev1.PhaseRunning {
		t.Fatalf("after the status change: %s %s %s", ev.kind, ev.obj.Name, ev.obj.Status.Phase)
	}
	if lag := ev.at.Sub(changed); lag > time.Second {
		t.Errorf("the change took %v to reach the stream", lag)
	}
	// Leaving the filter is a deletion for the stream; other namespaces' and filtered-out objects never show.
	setPhase(t, app, stokev1.PhaseSucceeded, &stokev1.Attempt{Number: 1})
	if ev := next(t, events); ev.kind != "DELETED" || ev.obj.Name != "a" {
		t.Fatalf("after leaving the filter: %s %s", ev.kind, ev.obj.Name)
	}
	if err := env.Client.Delete(context.Background(), &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"}}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(context.Background(), &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "b"}}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.kind != "DELETED" || ev.obj.Name != "b" {
		t.Fatalf("after deleting b: %s %s", ev.kind, ev.obj.Name)
	}
}

const nightly = `apiVersion: stoke.dev/v1alpha1
kind: ScheduledSparkApplication
metadata:
  name: nightly
spec:
  schedule: "30 2 * * *"
  timeZone: Europe/Berlin
  template:
    application:
      type: Python
      sparkVersion: "3.5.7"
      image: spark:3.5.7
      mainApplicationFile: local:///opt/jobs/daily.py
`

// TestScheduleRunNowAndBackfill: the CLI's rules, through the server, as the caller.
func TestScheduleRunNowAndBackfill(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	s := &stokev1.ScheduledSparkApplication{}
	if err := yaml.UnmarshalStrict([]byte(nightly), s); err != nil {
		t.Fatal(err)
	}
	s.Namespace = ns
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	api := url + "/api/v1/namespaces/" + ns + "/schedules/nightly"
	var msg struct{ Message string }
	if code, _, body := call(t, "POST", api+"/run-now", alice.token, nil, &msg); code != 200 || !strings.Contains(msg.Message, "runs now as nightly-") {
		t.Fatalf("run-now: %d %s", code, body)
	}
	stored := &stokev1.ScheduledSparkApplication{}
	_ = env.Client.Get(context.Background(), client.ObjectKeyFromObject(s), stored)
	if stored.Annotations[stokev1.AnnotationRunNow] == "" {
		t.Error("run-now wrote no annotation")
	}
	for _, tc := range []struct {
		body any
		code int
		says string
	}{
		{map[string]any{"from": "2026-11-01"}, 400, `"from" and "to"`},
		{map[string]any{"from": "yesterday", "to": "2026-11-02"}, 400, `"from": "yesterday" is not a time`},
		{map[string]any{"from": "2026-11-03", "to": "2026-11-02"}, 400, `"from" 2026-11-03 is after "to"`},
		{map[string]any{"from": "2026-11-01", "to": "2026-11-02", "parallelism": 500}, 400, `"parallelism" 500`},
		{map[string]any{"from": "2026-11-01", "to": "2026-11-03", "parallelism": 2}, 200, "backfill of 3 fire times"},
	} {
		code, _, body := call(t, "POST", api+"/backfill", alice.token, tc.body, nil)
		if code != tc.code || !strings.Contains(message(body), tc.says) {
			t.Errorf("backfill %v: %d %s, want %d saying %q", tc.body, code, body, tc.code, tc.says)
		}
	}
	_ = env.Client.Get(context.Background(), client.ObjectKeyFromObject(s), stored)
	if stored.Spec.Backfill == nil || stored.Spec.Backfill.Parallelism != 2 {
		t.Errorf("spec.backfill: %+v", stored.Spec.Backfill)
	}
	if code, _, _ := call(t, "POST", api+"/suspend", alice.token, nil, nil); code != 200 {
		t.Fatalf("suspend: %d", code)
	}
	if code, _, body := call(t, "POST", api+"/run-now", alice.token, nil, nil); code != http.StatusConflict || !strings.Contains(body, "suspended") {
		t.Errorf("run-now of a suspended schedule: %d %s", code, body)
	}
}

// TestWatchEndsWhenTheRightIsRevoked: a stream's access is reviewed again while it is open, so removing the
// caller's RoleBinding ends it with an ERROR event.
func TestWatchEndsWhenTheRightIsRevoked(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state, func(o *server.Options) { o.WatchReauthorize = 200 * time.Millisecond })
	carol := newUser(t, ns, "carol", map[string][]rbacv1.PolicyRule{ns: viewRules})
	mustCreate(t, pi(ns, "a", nil))
	events, code := openWatch(t, url+"/api/v1/namespaces/"+ns+"/applications?watch=true", carol.token)
	if code != http.StatusOK {
		t.Fatalf("opening the stream: %d", code)
	}
	for ev := next(t, events); ev.kind != "SYNCED"; ev = next(t, events) {
	}
	// Still allowed: the reviews pass and nothing but changes arrives.
	select {
	case ev := <-events:
		t.Fatalf("unexpected %s while still allowed", ev.kind)
	case <-time.After(time.Second):
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "carol"}}
	if err := env.Client.Delete(context.Background(), binding); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.kind != "ERROR" {
		t.Fatalf("after the RoleBinding was removed: %s, want ERROR", ev.kind)
	}
}
