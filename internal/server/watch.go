package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// watchBuffer is how many changes a watch stream may fall behind before it is ended (the client then
// reconnects and gets a fresh snapshot); a stuck client never holds the informer back.
const watchBuffer = 512

// watchKeepAlive is how often a comment line keeps proxies from closing an idle stream (the caller's access
// is reviewed again every Options.WatchReauthorize).
const watchKeepAlive = 15 * time.Second

// change is one event of a watch stream.
type change struct {
	kind string // ADDED, MODIFIED, DELETED
	obj  client.Object
}

// watchHandler streams a kind's changes in a namespace as server-sent events (?watch=true on a list),
// filtered like the list: first every matching object as ADDED, then an event SYNCED, then ADDED,
// MODIFIED and DELETED as they happen (an object that stops matching the filter is DELETED from the
// stream's point of view). The informer feeds it: no request reaches the API server per change.
func (s *Server) watchHandler(k *kind, w http.ResponseWriter, r *http.Request, c *Caller, lq *listQuery) error {
	if err := s.authorize(r.Context(), c, r, "watch", k.resource, "", ""); err != nil {
		return err
	}
	informer, err := s.cache.GetInformer(r.Context(), k.newObject())
	if err != nil {
		return err
	}
	ns := r.PathValue("ns")
	changes := make(chan change, watchBuffer)
	overflow := make(chan struct{})
	send := func(kind string, obj any) {
		o, ok := obj.(client.Object)
		if !ok {
			if tomb, isTomb := obj.(toolscache.DeletedFinalStateUnknown); isTomb {
				o, ok = tomb.Obj.(client.Object)
			}
		}
		if !ok || o.GetNamespace() != ns {
			return
		}
		select {
		case changes <- change{kind: kind, obj: o}:
		default:
			select {
			case <-overflow:
			default:
				close(overflow)
			}
		}
	}
	reg, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { send("ADDED", obj) },
		UpdateFunc: func(_, obj any) { send("MODIFIED", obj) },
		DeleteFunc: func(obj any) { send("DELETED", obj) },
	})
	if err != nil {
		return fmt.Errorf("watching %s: %w", k.resource, err)
	}
	defer func() { _ = informer.RemoveEventHandler(reg) }()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := flushingWriter{w}
	event := func(name string, body any) error {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "event: %s\ndata: %s\n\n", name, data)
		return err
	}

	shown := map[string]bool{} // names the client holds
	forward := func(ch change) error {
		name := ch.obj.GetName()
		kind := ch.kind
		switch {
		case kind == "DELETED" || !lq.matches(k, ch.obj):
			if !shown[name] {
				return nil
			}
			delete(shown, name)
			kind = "DELETED"
		case !shown[name]:
			shown[name] = true
			kind = "ADDED"
		default:
			kind = "MODIFIED"
		}
		obj := ch.obj.DeepCopyObject().(client.Object) // the informer's copy is shared
		setKind(obj)
		return event(kind, obj)
	}
	synced := false
	syncCheck := time.NewTicker(10 * time.Millisecond)
	defer syncCheck.Stop()
	keepAlive := time.NewTicker(watchKeepAlive)
	defer keepAlive.Stop()
	reauthz := time.NewTicker(s.opts.WatchReauthorize)
	defer reauthz.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-overflow:
			return event("ERROR", map[string]string{"message": "the stream fell behind; reconnect for a fresh snapshot"})
		case <-keepAlive.C:
			if _, err := fmt.Fprint(out, ": keep-alive\n\n"); err != nil {
				return nil
			}
		case <-reauthz.C:
			if err := s.authorize(r.Context(), c, r, "watch", k.resource, "", ""); err != nil {
				return event("ERROR", map[string]string{"message": asHTTPError(err).message})
			}
		case <-syncCheck.C:
			if synced || !reg.HasSynced() {
				continue
			}
			synced = true
			syncCheck.Stop()
			// The snapshot is in the buffer by now: it goes out before SYNCED.
			for n := len(changes); n > 0; n-- {
				if err := forward(<-changes); err != nil {
					return nil
				}
			}
			if err := event("SYNCED", map[string]any{}); err != nil {
				return nil
			}
		case ch := <-changes:
			if err := forward(ch); err != nil {
				return nil
			}
		}
	}
}
