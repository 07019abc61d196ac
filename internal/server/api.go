package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/logs"
	"github.com/stokehq/stoke/internal/cli/rerun"
	"github.com/stokehq/stoke/internal/cli/schedule"
	"github.com/stokehq/stoke/internal/cli/suspend"
	"github.com/stokehq/stoke/internal/cli/workflow"
)

// The API group and resources requests are authorised against.
const (
	group             = "stoke.dev"
	resApplications   = "sparkapplications"
	resWorkflows      = "sparkworkflows"
	resSchedules      = "scheduledsparkapplications"
	defaultPageSize   = 50
	maxPageSize       = 500
	nativeAPIBasePath = "/api/v1/namespaces/{ns}"
)

func (s *Server) routes() {
	base := nativeAPIBasePath
	s.route("/api/v1/whoami", nativeErrors, map[string]endpoint{http.MethodGet: {h: whoami}})
	s.route("/api/v1/features", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.features}})
	s.route(base+"/applications", nativeErrors, map[string]endpoint{
		http.MethodGet:  {h: s.listHandler(kindApplications), streams: true},
		http.MethodPost: {h: s.createApplication},
	})
	s.route(base+"/submissions", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.submit}})
	s.route(base+"/applications/{name}", nativeErrors, map[string]endpoint{
		http.MethodGet:    {h: s.getHandler(kindApplications)},
		http.MethodDelete: {h: s.deleteHandler(kindApplications)},
	})
	s.route(base+"/applications/{name}/suspend", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.suspendApplication(true)}})
	s.route(base+"/applications/{name}/resume", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.suspendApplication(false)}})
	s.route(base+"/applications/{name}/rerun", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.rerunApplication}})
	s.route(base+"/applications/{name}/events", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.applicationEvents}})
	s.route(base+"/applications/{name}/logs", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.applicationLogs, streams: true}})
	s.route(base+"/applications/{name}/ui-session", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.openUISession, public: true}})
	s.route(base+"/applications/{name}/ui/{path...}", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.proxyUI, public: true}})
	s.route(base+"/applications/{name}/history/{path...}", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.proxyHistory, public: true}})

	for _, k := range []*kind{kindWorkflows, kindSchedules} {
		s.route(base+"/"+k.path, nativeErrors, map[string]endpoint{http.MethodGet: {h: s.listHandler(k), streams: true}})
		s.route(base+"/"+k.path+"/{name}", nativeErrors, map[string]endpoint{
			http.MethodGet:    {h: s.getHandler(k)},
			http.MethodDelete: {h: s.deleteHandler(k)},
		})
		s.route(base+"/"+k.path+"/{name}/suspend", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.suspendOther(k, true)}})
		s.route(base+"/"+k.path+"/{name}/resume", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.suspendOther(k, false)}})
	}
	s.route(base+"/schedules/{name}/run-now", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.runNow}})
	s.route(base+"/schedules/{name}/backfill", nativeErrors, map[string]endpoint{http.MethodPost: {h: s.backfill}})
	s.route(triggerPath, nativeErrors, map[string]endpoint{http.MethodPost: {h: s.deliver, public: true}})
	s.route(base+"/workflows/{name}/steps/{step}/logs", nativeErrors, map[string]endpoint{http.MethodGet: {h: s.stepLogs, streams: true}})
	if s.opts.LivyPrefix != "" {
		s.livyRoutes(strings.TrimRight(s.opts.LivyPrefix, "/"))
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-s.synced:
			_, _ = w.Write([]byte("ok\n"))
		default:
			http.Error(w, "the informer cache has not synced", http.StatusServiceUnavailable)
		}
	})
	s.serveDashboard()
}

// whoami answers who the server takes the caller to be (the dashboard's header shows it).
func whoami(w http.ResponseWriter, _ *http.Request, c *Caller) error {
	groups := c.Groups
	if groups == nil {
		groups = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": c.Name, "groups": groups})
	return nil
}

// features tells clients (the dashboard) what this server offers beyond the API every server has.
func (s *Server) features(w http.ResponseWriter, _ *http.Request, _ *Caller) error {
	writeJSON(w, http.StatusOK, map[string]any{"historyServer": s.history != nil, "livyPrefix": s.opts.LivyPrefix})
	return nil
}

// kind is what the generic handlers need to know about one of Stoke's kinds.
type kind struct {
	path, resource, noun string
	newObject            func() client.Object
	newList              func() client.ObjectList
	items                func(client.ObjectList) []client.Object
	phase                func(client.Object) string
	// text is what the free-text filter q searches besides the name.
	text func(client.Object) []string
}

var kindApplications = &kind{
	path: "applications", resource: resApplications, noun: "application",
	newObject: func() client.Object { return &stokev1.SparkApplication{} },
	newList:   func() client.ObjectList { return &stokev1.SparkApplicationList{} },
	items:     func(l client.ObjectList) []client.Object { return objects(l.(*stokev1.SparkApplicationList).Items) },
	phase:     func(o client.Object) string { return apps.Phase(o.(*stokev1.SparkApplication)) },
	text: func(o client.Object) []string {
		a := o.(*stokev1.SparkApplication)
		t := []string{a.Spec.Image, string(a.Spec.Type)}
		if a.Spec.MainClass != nil {
			t = append(t, *a.Spec.MainClass)
		}
		if a.Spec.MainApplicationFile != nil {
			t = append(t, *a.Spec.MainApplicationFile)
		}
		return t
	},
}

var kindWorkflows = &kind{
	path: "workflows", resource: resWorkflows, noun: "workflow",
	newObject: func() client.Object { return &stokev1.SparkWorkflow{} },
	newList:   func() client.ObjectList { return &stokev1.SparkWorkflowList{} },
	items:     func(l client.ObjectList) []client.Object { return objects(l.(*stokev1.SparkWorkflowList).Items) },
	phase:     func(o client.Object) string { return workflow.Phase(o.(*stokev1.SparkWorkflow)) },
	text:      func(client.Object) []string { return nil },
}

var kindSchedules = &kind{
	path: "schedules", resource: resSchedules, noun: "schedule",
	newObject: func() client.Object { return &stokev1.ScheduledSparkApplication{} },
	newList:   func() client.ObjectList { return &stokev1.ScheduledSparkApplicationList{} },
	items: func(l client.ObjectList) []client.Object {
		return objects(l.(*stokev1.ScheduledSparkApplicationList).Items)
	},
	phase: func(o client.Object) string {
		if o.(*stokev1.ScheduledSparkApplication).Spec.Suspend {
			return "Suspended"
		}
		return "Active"
	},
	text: func(o client.Object) []string {
		spec := o.(*stokev1.ScheduledSparkApplication).Spec
		return append([]string{spec.Schedule}, spec.AdditionalSchedules...)
	},
}

// objects are pointers to a typed list's items.
func objects[T any, PT interface {
	*T
	client.Object
}](items []T) []client.Object {
	out := make([]client.Object, len(items))
	for i := range items {
		out[i] = PT(&items[i])
	}
	return out
}

// authorize answers 403 unless the caller may do verb on one of Stoke's resources in the request's
// namespace.
func (s *Server) authorize(ctx context.Context, c *Caller, r *http.Request, verb, resource, subresource, name string) error {
	return s.authorizeIn(ctx, c, r, group, verb, resource, subresource, name)
}

// authorizeIn is authorize for a resource of any API group.
func (s *Server) authorizeIn(ctx context.Context, c *Caller, r *http.Request, apiGroup, verb, resource, subresource, name string) error {
	ns := r.PathValue("ns")
	ok, reason, err := s.authz.allowed(ctx, c, access{namespace: ns, verb: verb, group: apiGroup, resource: resource, subresource: subresource, name: name})
	if err != nil {
		return err
	}
	if !ok {
		res := resource
		if subresource != "" {
			res += "/" + subresource
		}
		msg := fmt.Sprintf("%s may not %s %s in namespace %q", c.Name, verb, res, ns)
		if reason != "" {
			msg += ": " + reason
		}
		return errorf(http.StatusForbidden, "Forbidden", "%s", msg)
	}
	return nil
}

// cached reads one object of a kind from the informer cache after checking the caller may get it.
func (s *Server) cached(ctx context.Context, c *Caller, r *http.Request, k *kind) (client.Object, error) {
	name := r.PathValue("name")
	if err := s.authorize(ctx, c, r, "get", k.resource, "", name); err != nil {
		return nil, err
	}
	obj := k.newObject()
	if err := s.getFresh(ctx, client.ObjectKey{Namespace: r.PathValue("ns"), Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, notFound("%s %q not found in namespace %q", k.noun, name, r.PathValue("ns"))
		}
		return nil, err
	}
	setKind(obj)
	return obj, nil
}

// getFresh reads an object from the informer cache and, when the cache does not have it, from the API
// server: a client that created an object and reads it back at once (a Livy client polls its batch right
// after the POST) must find it, so a 404 is never concluded from a cache that has not seen the create yet.
func (s *Server) getFresh(ctx context.Context, key client.ObjectKey, obj client.Object) error {
	err := s.cache.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		err = s.own.Get(ctx, key, obj)
	}
	return err
}

// setKind fills in kind and apiVersion, which typed objects from a cache leave empty.
func setKind(obj client.Object) {
	var kind string
	switch obj.(type) {
	case *stokev1.SparkApplication:
		kind = "SparkApplication"
	case *stokev1.SparkWorkflow:
		kind = "SparkWorkflow"
	case *stokev1.ScheduledSparkApplication:
		kind = "ScheduledSparkApplication"
	}
	obj.GetObjectKind().SetGroupVersionKind(stokev1.GroupVersion.WithKind(kind))
}

// page is a list response.
type page struct {
	Items []client.Object `json:"items"`
	// Total is how many objects match the filters, over all pages.
	Total int `json:"total"`
	// Continue, when not empty, fetches the next page (?continue=...).
	Continue string `json:"continue,omitempty"`
}

// listQuery is a list request's filters and page.
type listQuery struct {
	phases   map[string]bool
	selector labels.Selector
	text     string
	limit    int
	after    *cursor
}

// cursor is the position after the last object of a page, in the list's order: newest first, then by name.
type cursor struct {
	created time.Time
	name    string
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.created.UTC().Format(time.RFC3339Nano) + "|" + c.name))
}

func decodeCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, badRequest("continue %q is not a token this server gave out", s)
	}
	ts, name, ok := strings.Cut(string(raw), "|")
	t, terr := time.Parse(time.RFC3339Nano, ts)
	if !ok || terr != nil {
		return nil, badRequest("continue %q is not a token this server gave out", s)
	}
	return &cursor{created: t, name: name}, nil
}

func parseListQuery(r *http.Request) (*listQuery, error) {
	q := r.URL.Query()
	lq := &listQuery{limit: defaultPageSize, selector: labels.Everything(), text: strings.ToLower(q.Get("q"))}
	if v := q.Get("phase"); v != "" {
		lq.phases = map[string]bool{}
		for _, p := range strings.Split(v, ",") {
			lq.phases[strings.ToLower(strings.TrimSpace(p))] = true
		}
	}
	if v := q.Get("labelSelector"); v != "" {
		sel, err := labels.Parse(v)
		if err != nil {
			return nil, badRequest("labelSelector: %v", err)
		}
		lq.selector = sel
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, badRequest("limit %q: want a whole number from 1 to %d", v, maxPageSize)
		}
		lq.limit = n
	}
	if v := q.Get("continue"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			return nil, err
		}
		lq.after = c
	}
	return lq, nil
}

// before orders a list: newest first, then by name.
func before(a, b client.Object) bool {
	ta, tb := a.GetCreationTimestamp().Time, b.GetCreationTimestamp().Time
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.GetName() < b.GetName()
}

func (lq *listQuery) matches(k *kind, o client.Object) bool {
	if lq.phases != nil && !lq.phases[strings.ToLower(k.phase(o))] {
		return false
	}
	if !lq.selector.Matches(labels.Set(o.GetLabels())) {
		return false
	}
	if lq.text == "" {
		return true
	}
	for _, t := range append(k.text(o), o.GetName()) {
		if strings.Contains(strings.ToLower(t), lq.text) {
			return true
		}
	}
	return false
}

// filterPage filters, orders and cuts one page out of objs.
func filterPage(k *kind, objs []client.Object, lq *listQuery) page {
	matched := objs[:0:0]
	for _, o := range objs {
		if lq.matches(k, o) {
			matched = append(matched, o)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return before(matched[i], matched[j]) })
	start := 0
	if lq.after != nil {
		mark := &stokev1.SparkApplication{}
		mark.CreationTimestamp.Time, mark.Name = lq.after.created, lq.after.name
		start = sort.Search(len(matched), func(i int) bool { return before(mark, matched[i]) })
	}
	end := min(start+lq.limit, len(matched))
	p := page{Items: matched[start:end], Total: len(matched)}
	if end < len(matched) && end > start {
		last := matched[end-1]
		p.Continue = cursor{created: last.GetCreationTimestamp().Time, name: last.GetName()}.encode()
	}
	return p
}

func (s *Server) listHandler(k *kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		lq, err := parseListQuery(r)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("watch") == "true" {
			return s.watchHandler(k, w, r, c, lq)
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout) // only a watch streams
		defer cancel()
		r = r.WithContext(ctx)
		if err := s.authorize(r.Context(), c, r, "list", k.resource, "", ""); err != nil {
			return err
		}
		// The cache's own objects, not copies (10,000 deep copies per page were most of its time): they are
		// only read here, and only the page's objects are copied before anything is set on them.
		list := k.newList()
		if err := s.cache.List(r.Context(), list, client.InNamespace(r.PathValue("ns")), client.UnsafeDisableDeepCopy); err != nil {
			return err
		}
		p := filterPage(k, k.items(list), lq)
		for i, o := range p.Items {
			p.Items[i] = o.DeepCopyObject().(client.Object)
			setKind(p.Items[i])
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func (s *Server) getHandler(k *kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		obj, err := s.cached(r.Context(), c, r, k)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, obj)
		return nil
	}
}

// deleteHandler deletes as the caller, in the background: its owned objects go with it.
func (s *Server) deleteHandler(k *kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		cc, err := s.im.clientsFor(c)
		if err != nil {
			return err
		}
		obj := k.newObject()
		obj.SetNamespace(r.PathValue("ns"))
		obj.SetName(r.PathValue("name"))
		if err := cc.client.Delete(r.Context(), obj, client.PropagationPolicy("Background")); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("%s %q deleted", k.noun, obj.GetName())})
		return nil
	}
}

// createApplication creates a SparkApplication from a manifest (JSON or YAML; unknown fields refused) as
// the caller. ?dryRun=true has the API server validate it without storing it.
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request, c *Caller) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return badRequest("the request body is empty: a SparkApplication manifest is expected")
	}
	app := &stokev1.SparkApplication{}
	if err := stokev1.UnmarshalStrict(body, app); err != nil {
		return badRequest("the manifest is not a valid SparkApplication: %v", err)
	}
	if app.Kind != "" && app.Kind != "SparkApplication" || app.APIVersion != "" && app.APIVersion != stokev1.GroupVersion.String() {
		return badRequest("the manifest is a %s %s; this endpoint takes %s SparkApplication", app.APIVersion, app.Kind, stokev1.GroupVersion)
	}
	ns := r.PathValue("ns")
	if app.Namespace != "" && app.Namespace != ns {
		return badRequest("the manifest's namespace %q is not the namespace of the path, %q", app.Namespace, ns)
	}
	app.Namespace = ns
	return s.createAs(w, r, c, app)
}

// createAs creates app as the caller and answers 201 with the stored object and its Location.
func (s *Server) createAs(w http.ResponseWriter, r *http.Request, c *Caller, app *stokev1.SparkApplication) error {
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	var opts []client.CreateOption
	if dry := r.URL.Query().Get("dryRun"); dry == "true" || dry == "All" {
		opts = append(opts, client.DryRunAll)
	}
	if err := cc.client.Create(r.Context(), app, opts...); err != nil {
		return err
	}
	setKind(app)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/namespaces/%s/applications/%s", app.Namespace, app.Name))
	writeJSON(w, http.StatusCreated, app)
	return nil
}

// submit creates an application from spark-submit-like fields (the same fields as a Livy batch, plus the
// image), as the caller.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, c *Caller) error {
	var req submission
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	app, err := req.application(r.PathValue("ns"), s.opts.DefaultImage)
	if err != nil {
		return err
	}
	return s.createAs(w, r, c, app)
}

// patchAs reads an object as the caller (so the state the rules check is current) and applies the patch
// the rules give, as the caller.
func (s *Server) patchAs(w http.ResponseWriter, r *http.Request, c *Caller, k *kind,
	rules func(client.Object) ([]byte, error), done func() string) error {
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	obj := k.newObject()
	key := client.ObjectKey{Namespace: r.PathValue("ns"), Name: r.PathValue("name")}
	if err := cc.client.Get(r.Context(), key, obj); err != nil {
		return err
	}
	patch, err := rules(obj)
	if err != nil {
		return err
	}
	if patch != nil {
		if err := cc.client.Patch(r.Context(), obj, client.RawPatch("application/merge-patch+json", patch)); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": fmt.Sprintf("%s %q %s", k.noun, key.Name, done()), "changed": patch != nil})
	return nil
}

func (s *Server) suspendApplication(suspended bool) handlerFunc {
	done := map[bool]string{true: "suspended", false: "resumed"}[suspended]
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		return s.patchAs(w, r, c, kindApplications, func(o client.Object) ([]byte, error) {
			return suspend.Patch(o.(*stokev1.SparkApplication), suspended)
		}, func() string { return done })
	}
}

// suspendOther suspends or resumes a workflow (no new steps start) or a schedule (no new runs start).
func (s *Server) suspendOther(k *kind, suspended bool) handlerFunc {
	done := map[bool]string{true: "suspended", false: "resumed"}[suspended]
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		return s.patchAs(w, r, c, k, func(o client.Object) ([]byte, error) {
			current := false
			switch obj := o.(type) {
			case *stokev1.SparkWorkflow:
				current = obj.Spec.Suspend
			case *stokev1.ScheduledSparkApplication:
				current = obj.Spec.Suspend
			}
			if current == suspended {
				return nil, nil
			}
			return []byte(fmt.Sprintf(`{"spec":{"suspend":%t}}`, suspended)), nil
		}, func() string { return done })
	}
}

// runNow asks a schedule for one run now, with the current time as its logical time (stoke schedule
// run-now's rules).
func (s *Server) runNow(w http.ResponseWriter, r *http.Request, c *Caller) error {
	var run string
	err := s.patchAs(w, r, c, kindSchedules, func(o client.Object) ([]byte, error) {
		patch, name, err := schedule.RunNowPatch(o.(*stokev1.ScheduledSparkApplication), s.opts.Clock.Now())
		run = name
		return patch, err
	}, func() string { return "runs now as " + run })
	return err
}

// backfillRequest is the body of POST schedules/{name}/backfill.
type backfillRequest struct {
	// From and To are RFC 3339 times, or a date or minute in the schedule's time zone (to: a date means
	// the end of that day).
	From        string `json:"from"`
	To          string `json:"to"`
	Parallelism int32  `json:"parallelism,omitempty"`
}

// backfill asks a schedule to run its past fire times in a range (stoke schedule backfill's rules).
func (s *Server) backfill(w http.ResponseWriter, r *http.Request, c *Caller) error {
	var req backfillRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.From == "" || req.To == "" {
		return badRequest(`a backfill needs "from" and "to"`)
	}
	if req.Parallelism == 0 {
		req.Parallelism = 1
	}
	var summary string
	return s.patchAs(w, r, c, kindSchedules, func(o client.Object) ([]byte, error) {
		patch, sum, err := schedule.BackfillPatch(o.(*stokev1.ScheduledSparkApplication), req.From, req.To, req.Parallelism)
		if cmderr.IsUsage(err) {
			return nil, badRequest("%s", jsonWords(err.Error()))
		}
		summary = sum
		return patch, err
	}, func() string { return "asked for a " + summary })
}

// rerunApplication starts the next attempt of a finished application (?force=true: also of a running one).
func (s *Server) rerunApplication(w http.ResponseWriter, r *http.Request, c *Caller) error {
	force := r.URL.Query().Get("force") == "true"
	return s.patchAs(w, r, c, kindApplications, func(o client.Object) ([]byte, error) {
		return rerun.Patch(o.(*stokev1.SparkApplication), force, s.opts.Clock.Now())
	}, func() string { return "reruns as its next attempt" })
}

// applicationEvents lists the events of the application and its pods, oldest first, read as the caller.
func (s *Server) applicationEvents(w http.ResponseWriter, r *http.Request, c *Caller) error {
	obj, err := s.cached(r.Context(), c, r, kindApplications)
	if err != nil {
		return err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	events, err := apps.Events(r.Context(), cc.client, obj.(*stokev1.SparkApplication), true)
	if err != nil {
		return err
	}
	if events == nil {
		events = []corev1.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": events})
	return nil
}

// applicationLogs streams the log of the application's driver (or ?executor=ID), of the current attempt
// (or ?attempt=N, ?previous=true); ?follow=true keeps streaming, ?tail=N starts N lines from the end.
func (s *Server) applicationLogs(w http.ResponseWriter, r *http.Request, c *Caller) error {
	obj, err := s.cached(r.Context(), c, r, kindApplications)
	if err != nil {
		return err
	}
	return s.streamLogs(w, r, c, obj.(*stokev1.SparkApplication))
}

// stepLogs streams the log of the application a workflow's step runs as, with the same parameters.
func (s *Server) stepLogs(w http.ResponseWriter, r *http.Request, c *Caller) error {
	obj, err := s.cached(r.Context(), c, r, kindWorkflows)
	if err != nil {
		return err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	app, err := workflow.StepApplication(r.Context(), cc.client, obj.(*stokev1.SparkWorkflow), r.PathValue("step"))
	if err != nil {
		return notFoundUnlessAPI(err)
	}
	return s.streamLogs(w, r, c, app)
}

func (s *Server) streamLogs(w http.ResponseWriter, r *http.Request, c *Caller, app *stokev1.SparkApplication) error {
	q := r.URL.Query()
	target := logs.Target{Executor: q.Get("executor"), Previous: q.Get("previous") == "true"}
	if v := q.Get("attempt"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 {
			return badRequest("attempt %q: want an attempt number from 1", v)
		}
		target.Attempt = int32(n)
	}
	opts := &corev1.PodLogOptions{Follow: q.Get("follow") == "true"}
	if v := q.Get("tail"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return badRequest("tail %q: want a number of lines", v)
		}
		opts.TailLines = &n
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	pod, container, err := logs.Select(r.Context(), cc.client, app, target)
	if err != nil {
		return notFoundUnlessAPI(err)
	}
	opts.Container = container
	stream, err := cc.clientset.CoreV1().Pods(app.Namespace).GetLogs(pod, opts).Stream(r.Context())
	if err != nil {
		return err
	}
	defer stream.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(flushingWriter{w}, stream)
	return nil
}

// notFoundUnlessAPI: what the log selection reports without an API error (no attempt yet, no such
// executor, the pod is gone) is something that does not exist, a 404 carrying its message.
func notFoundUnlessAPI(err error) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	return notFound("%s", err.Error())
}

// flushingWriter sends every chunk at once, so a followed log reaches the reader line by line.
type flushingWriter struct{ w http.ResponseWriter }

func (f flushingWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}
