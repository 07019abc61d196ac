package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/logs"
	"github.com/stokehq/stoke/internal/version"
)

// livyAPIVersion is the Livy release whose batch API the server speaks.
const livyAPIVersion = "0.8.0-incubating"

// LabelLivyBatchID on a SparkApplication is the Livy batch id it was created as.
const LabelLivyBatchID = "stoke.dev/livy-batch-id"

// AnnotationLivyOwner records who created a Livy batch (Livy's "owner").
const AnnotationLivyOwner = "stoke.dev/livy-owner"

// livyErrors: Livy's error body, {"msg": "..."}.
func livyErrors(w http.ResponseWriter, e *httpError) {
	writeJSON(w, e.status, map[string]string{"msg": e.message})
}

// livyRoutes serves Livy's batch API for each namespace at PREFIX/{ns}: a Livy client's URL is
// http(s)://SERVER/PREFIX/NAMESPACE.
func (s *Server) livyRoutes(prefix string) {
	base := prefix + "/{ns}"
	s.route(base+"/version", livyErrors, map[string]endpoint{http.MethodGet: {h: s.livyVersion, public: true}})
	s.route(base+"/batches", livyErrors, map[string]endpoint{
		http.MethodGet:  {h: s.livyList},
		http.MethodPost: {h: s.csrf(s.livyCreate)},
	})
	s.route(base+"/batches/{id}", livyErrors, map[string]endpoint{
		http.MethodGet:    {h: s.livyGet},
		http.MethodDelete: {h: s.csrf(s.livyDelete)},
	})
	s.route(base+"/batches/{id}/state", livyErrors, map[string]endpoint{http.MethodGet: {h: s.livyState}})
	s.route(base+"/batches/{id}/log", livyErrors, map[string]endpoint{http.MethodGet: {h: s.livyLog}})
}

// csrf refuses a state-changing Livy request without X-Requested-By when CSRF protection is on, as Livy
// does.
func (s *Server) csrf(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *Caller) error {
		if s.opts.LivyCSRF && r.Header.Get("X-Requested-By") == "" {
			return badRequest("Missing Required Header for CSRF protection.")
		}
		return h(w, r, c)
	}
}

// batch is Livy's Batch object.
type batch struct {
	ID        int64              `json:"id"`
	Name      *string            `json:"name"`
	Owner     *string            `json:"owner"`
	ProxyUser *string            `json:"proxyUser"`
	State     string             `json:"state"`
	AppID     *string            `json:"appId"`
	AppInfo   map[string]*string `json:"appInfo"`
	Log       []string           `json:"log"`
}

// livyState maps an application's phase onto Livy's batch states, as Livy maps a YARN application's:
// waiting to start (pending, queued, submitted, retrying) is "starting", Running "running", Succeeded
// "success", Failed "dead", and Suspended (stopped by a user) "killed".
func livyState(app *stokev1.SparkApplication) string {
	switch app.Status.Phase {
	case stokev1.PhaseRunning:
		return "running"
	case stokev1.PhaseSucceeded:
		return "success"
	case stokev1.PhaseFailed:
		return "dead"
	case stokev1.PhaseSuspended:
		return "killed"
	default:
		return "starting"
	}
}

func (s *Server) toBatch(r *http.Request, app *stokev1.SparkApplication) batch {
	id, _ := strconv.ParseInt(app.Labels[LabelLivyBatchID], 10, 64)
	b := batch{ID: id, State: livyState(app), Log: []string{}, AppInfo: map[string]*string{"driverLogUrl": nil, "sparkUiUrl": nil}}
	name := app.Name
	b.Name = &name
	if o := app.Annotations[AnnotationLivyOwner]; o != "" {
		b.Owner = &o
	}
	if p := app.Spec.SparkConf["spark.kubernetes.proxyUser"]; p != "" {
		b.ProxyUser = &p
	}
	if cur := app.Status.CurrentAttempt; cur != nil {
		if cur.SparkApplicationID != "" {
			appID := cur.SparkApplicationID
			b.AppID = &appID
		}
		if cur.DriverPodName != "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			u := fmt.Sprintf("%s://%s/api/v1/namespaces/%s/applications/%s/logs", scheme, r.Host, app.Namespace, app.Name)
			b.AppInfo["driverLogUrl"] = &u
			if cur.Outcome == "" {
				// The UI itself needs the caller's identity, which a bare link cannot carry: the dashboard's
				// page of the application opens it (POST ui-session) for whoever signs in.
				ui := fmt.Sprintf("%s://%s/#/ns/%s/apps/%s", scheme, r.Host, app.Namespace, app.Name)
				b.AppInfo["sparkUiUrl"] = &ui
			}
		}
	}
	return b
}

// batchApplications are the namespace's applications created as Livy batches, by id.
func (s *Server) batchApplications(r *http.Request, c *Caller, id string) ([]stokev1.SparkApplication, error) {
	if err := s.authorize(r.Context(), c, r, "list", resApplications, "", ""); err != nil {
		return nil, err
	}
	opts := []client.ListOption{client.InNamespace(r.PathValue("ns")), client.HasLabels{LabelLivyBatchID}}
	if id != "" {
		opts = append(opts, client.MatchingLabels{LabelLivyBatchID: id})
	}
	list := &stokev1.SparkApplicationList{}
	if err := s.cache.List(r.Context(), list, opts...); err != nil {
		return nil, err
	}
	if id != "" && len(list.Items) == 0 {
		// A batch polled right after its POST may not be in the cache yet: absence is asked of the API
		// server before it becomes a 404.
		if err := s.own.List(r.Context(), list, opts...); err != nil {
			return nil, err
		}
	}
	return list.Items, nil
}

// batchByID finds the batch the path names.
func (s *Server) batchByID(r *http.Request, c *Caller) (*stokev1.SparkApplication, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		return nil, badRequest("batch id %q is not a number", raw)
	}
	items, err := s.batchApplications(r, c, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, notFound("Session '%d' not found.", id)
	}
	setKind(&items[0])
	return &items[0], nil
}

func (s *Server) livyVersion(w http.ResponseWriter, _ *http.Request, _ *Caller) error {
	// Clients parse "version" as Livy's release, which decides the API they speak: the batch API is Livy 0.8's.
	writeJSON(w, http.StatusOK, map[string]string{"version": livyAPIVersion, "stokeVersion": version.Version})
	return nil
}

// livyList answers GET /batches?from=N&size=M: the namespace's batches in id order.
func (s *Server) livyList(w http.ResponseWriter, r *http.Request, c *Caller) error {
	from, size, err := fromSize(r, 0, 100)
	if err != nil {
		return err
	}
	items, err := s.batchApplications(r, c, "")
	if err != nil {
		return err
	}
	all := make([]batch, 0, len(items))
	for i := range items {
		all = append(all, s.toBatch(r, &items[i]))
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	start := min(from, len(all))
	end := min(start+size, len(all))
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "total": len(all), "sessions": all[start:end]})
	return nil
}

func fromSize(r *http.Request, defFrom, defSize int) (int, int, error) {
	q := r.URL.Query()
	num := func(key string, def int) (int, error) {
		v := q.Get(key)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, badRequest("%s %q: want a whole number", key, v)
		}
		return n, nil
	}
	from, err := num("from", defFrom)
	if err != nil {
		return 0, 0, err
	}
	size, err := num("size", defSize)
	return from, size, err
}

// livyCreate answers POST /batches: a new id, then the application created as the caller.
func (s *Server) livyCreate(w http.ResponseWriter, r *http.Request, c *Caller) error {
	var req submission
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Image != "" || req.SparkVersion != "" || req.ServiceAccount != "" {
		return badRequest(`"image", "sparkVersion" and "serviceAccount" are not Livy fields: name the image with conf "spark.kubernetes.container.image"`)
	}
	ns := r.PathValue("ns")
	app, err := req.application(ns, s.opts.DefaultImage)
	if err != nil {
		return err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	id, err := s.ids.next(r.Context())
	if err != nil {
		return err
	}
	if app.Labels == nil {
		app.Labels = map[string]string{}
	}
	app.Labels[LabelLivyBatchID] = strconv.FormatInt(id, 10)
	app.Annotations = map[string]string{AnnotationLivyOwner: c.Name}
	if err := cc.client.Create(r.Context(), app); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/%s/batches/%d", strings.TrimRight(s.opts.LivyPrefix, "/"), ns, id))
	writeJSON(w, http.StatusCreated, s.toBatch(r, app))
	return nil
}

func (s *Server) livyGet(w http.ResponseWriter, r *http.Request, c *Caller) error {
	app, err := s.batchByID(r, c)
	if err != nil {
		return err
	}
	b := s.toBatch(r, app)
	// As Livy, one batch carries the last lines of its log, for a caller who may read it.
	if ok, _, err := s.authz.allowed(r.Context(), c, access{namespace: app.Namespace, verb: "get", resource: "pods", subresource: "log"}); err == nil && ok {
		if lines, err := s.driverLogLines(r, c, app); err == nil {
			b.Log = lines[max(len(lines)-batchLogLines, 0):]
		}
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// batchLogLines is how many of the last log lines GET /batches/{id} carries, as Livy's batch view does.
const batchLogLines = 10

func (s *Server) livyState(w http.ResponseWriter, r *http.Request, c *Caller) error {
	app, err := s.batchByID(r, c)
	if err != nil {
		return err
	}
	b := s.toBatch(r, app)
	writeJSON(w, http.StatusOK, map[string]any{"id": b.ID, "state": b.State})
	return nil
}

// livyDelete answers DELETE /batches/{id}: the application is deleted as the caller, its pods with it.
func (s *Server) livyDelete(w http.ResponseWriter, r *http.Request, c *Caller) error {
	app, err := s.batchByID(r, c)
	if err != nil {
		return err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return err
	}
	if err := cc.client.Delete(r.Context(), app, client.PropagationPolicy("Background"),
		client.Preconditions{UID: &app.UID}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"msg": "deleted"})
	return nil
}

// maxLivyLogBytes bounds the driver log read for one /log request.
const maxLivyLogBytes = 8 << 20

// livyLog answers GET /batches/{id}/log?from=N&size=M: lines of the current attempt's driver log, read as
// the caller; without from, the last size lines (100 by default), as Livy does.
func (s *Server) livyLog(w http.ResponseWriter, r *http.Request, c *Caller) error {
	from, size, err := fromSize(r, -1, 100)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("from") == "" {
		from = -1
	}
	app, err := s.batchByID(r, c)
	if err != nil {
		return err
	}
	// Checked before anything is read: a batch that has no driver yet has an empty log, which only a
	// caller who may read its logs is told.
	if err := s.authorizeIn(r.Context(), c, r, "", "get", "pods", "log", ""); err != nil {
		return err
	}
	lines, err := s.driverLogLines(r, c, app)
	if err != nil {
		return err
	}
	total := len(lines)
	if from < 0 {
		from = max(total-size, 0)
	}
	start := min(from, total)
	end := min(start+size, total)
	b := s.toBatch(r, app)
	writeJSON(w, http.StatusOK, map[string]any{"id": b.ID, "from": start, "total": total, "log": lines[start:end]})
	return nil
}

// driverLogLines reads the batch's driver log as the caller (at most maxLivyLogBytes); no driver yet is an
// empty log.
func (s *Server) driverLogLines(r *http.Request, c *Caller, app *stokev1.SparkApplication) ([]string, error) {
	lines := []string{}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return nil, err
	}
	pod, container, serr := logs.Select(r.Context(), cc.client, app, logs.Target{})
	if serr != nil {
		if err := notFoundUnlessAPI(serr); asHTTPError(err).status != http.StatusNotFound {
			return nil, err
		}
		return lines, nil
	}
	limit := int64(maxLivyLogBytes)
	stream, err := cc.clientset.CoreV1().Pods(app.Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, LimitBytes: &limit}).Stream(r.Context())
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(stream)
	stream.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the log of pod %s: %w", pod, err)
	}
	if len(data) > 0 {
		lines = strings.Split(string(bytes.TrimRight(data, "\n")), "\n")
	}
	return lines, nil
}
