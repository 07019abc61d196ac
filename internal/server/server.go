// Package server is `stoke server`: Stoke's REST API (/api/v1), Livy-compatible batches and their
// authentication. Every request carries a Kubernetes bearer token, which the API server reviews
// (TokenReview); reads come from the server's informer cache after a SubjectAccessReview for the caller;
// writes are made as the caller (impersonation), so RBAC and admission apply exactly as with kubectl and
// nobody gets a right through Stoke that kubectl would not give them.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Options configure the server.
type Options struct {
	// Config is the server's own identity: it reads through informers, reviews tokens and access, keeps the
	// Livy batch counter, and impersonates callers for their writes.
	Config *rest.Config
	Scheme *runtime.Scheme
	// Namespace holds the server's own state (the Livy batch id counter).
	Namespace string
	// LivyPrefix is where the Livy-compatible API is served: PREFIX/{namespace}/batches. Empty turns it off.
	LivyPrefix string
	// LivyCSRF requires the X-Requested-By header on Livy's POST and DELETE, as Livy does with
	// livy.server.csrf-protection.enabled.
	LivyCSRF bool
	// DefaultImage is the Spark image of submissions that name none (Livy's have no image field).
	DefaultImage string
	// MaxBodyBytes bounds a request body; RequestTimeout bounds a request that does not stream.
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// FrontProxy, when set, accepts the identity a trusted authenticating proxy passes in headers (only over
	// TLS, from a client certificate it signed).
	FrontProxy *FrontProxy
	// TokenReviewTTL is how long an accepted token's review is reused.
	TokenReviewTTL time.Duration
	// HistoryServerURL is the Spark History Server the server shows finished applications' pages from
	// (http://host:port, reachable from the server); empty: none.
	HistoryServerURL string
	// WatchReauthorize is how often a watch stream's access is reviewed again (default a minute), so that a
	// revoked right ends the stream.
	WatchReauthorize time.Duration
	Clock            clock.PassiveClock
	Log              logr.Logger
}

func (o *Options) defaults() {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.TokenReviewTTL == 0 {
		o.TokenReviewTTL = 10 * time.Second
	}
	if o.WatchReauthorize == 0 {
		o.WatchReauthorize = time.Minute
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
}

// Server serves the API. Create it with New and start its cache with Start before serving.
type Server struct {
	opts  Options
	cache cache.Cache
	own   client.Client
	authn *authenticator
	authz *authorizer
	im    *impersonation
	ids   *batchIDs
	ui    *uiSessions
	// history is the Spark History Server, when one is configured.
	history *url.URL
	mux     *http.ServeMux
	synced  chan struct{}
	// endpoints are the "METHOD /path" pairs served (Endpoints).
	endpoints []string
}

// New builds a server; its informer cache starts with Start.
func New(opts Options) (*Server, error) {
	opts.defaults()
	cs, err := kubernetes.NewForConfig(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("a clientset for the server: %w", err)
	}
	// Managed fields are most of a stored object's size and no reader of the server needs them.
	c, err := cache.New(opts.Config, cache.Options{Scheme: opts.Scheme, DefaultTransform: cache.TransformStripManagedFields(), ByObject: map[client.Object]cache.ByObject{
		&stokev1.SparkApplication{}: {}, &stokev1.SparkWorkflow{}: {}, &stokev1.ScheduledSparkApplication{}: {},
	}})
	if err != nil {
		return nil, fmt.Errorf("the server's informer cache: %w", err)
	}
	own, err := client.New(opts.Config, client.Options{Scheme: opts.Scheme})
	if err != nil {
		return nil, fmt.Errorf("the server's client: %w", err)
	}
	s := &Server{
		opts:   opts,
		cache:  c,
		own:    own,
		authn:  &authenticator{clientset: cs, proxy: opts.FrontProxy, ttl: opts.TokenReviewTTL, now: opts.Clock.Now, reviews: map[[32]byte]cachedReview{}},
		authz:  &authorizer{clientset: cs},
		im:     &impersonation{base: opts.Config, scheme: client.Options{Scheme: opts.Scheme}, clients: map[string]*callerClients{}},
		ids:    &batchIDs{client: own, namespace: opts.Namespace},
		ui:     &uiSessions{now: opts.Clock.Now},
		mux:    http.NewServeMux(),
		synced: make(chan struct{}),
	}
	if opts.HistoryServerURL != "" {
		u, err := url.Parse(opts.HistoryServerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("the History Server URL %q: want http(s)://host:port", opts.HistoryServerURL)
		}
		s.history = u
	}
	s.routes()
	if err := s.serveOpenAPI(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start runs the informer cache until ctx ends and returns once it has synced.
func (s *Server) Start(ctx context.Context) error {
	for _, obj := range []client.Object{&stokev1.SparkApplication{}, &stokev1.SparkWorkflow{}, &stokev1.ScheduledSparkApplication{}} {
		if _, err := s.cache.GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("an informer for %T: %w", obj, err)
		}
	}
	go func() { _ = s.cache.Start(ctx) }()
	if !s.cache.WaitForCacheSync(ctx) {
		return errors.New("the server's informer cache did not sync")
	}
	close(s.synced)
	return nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// TLSConfig is the server's TLS configuration: TLS 1.2 or later, and, with a front proxy, its client
// certificates verified when presented.
func (s *Server) TLSConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if p := s.opts.FrontProxy; p != nil {
		cfg.ClientAuth, cfg.ClientCAs = tls.VerifyClientCertIfGiven, p.CAs
	}
	return cfg
}

// Serve serves on l until ctx ends, with TLS when certFile and keyFile are given.
func (s *Server) Serve(ctx context.Context, l net.Listener, certFile, keyFile string) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         s.TLSConfig(),
	}
	done := make(chan error, 1)
	go func() {
		if certFile != "" {
			done <- srv.ServeTLS(l, certFile, keyFile)
		} else {
			done <- srv.Serve(l)
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}
