package operator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/controller/sparkqueue"
	"github.com/stokehq/stoke/internal/controller/sparkworkflow"
	stokemetrics "github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/spark"
)

// Scheme knows the Kubernetes built-in kinds and Stoke's.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration; cannot fail at run time
	}
	if err := stokev1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// Leader election (client-go's LeaseLock) reads, creates and renews its Lease; the chart grants this in the
// operator's namespace only.
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// NewManager builds the controller manager with every Stoke reconciler registered. Its pod cache holds only
// pods labelled as Stoke's, so unrelated pods in the cluster cost the operator no memory, and of those only
// what the reconcilers read (podForCache); ConfigMaps and Services are never cached (the operator only
// creates and deletes them). Every request the clients send is counted in stoke_operator_api_requests_total.
func NewManager(restConfig *rest.Config, cfg Config) (ctrl.Manager, error) {
	cfg = cfg.WithDefaults()
	restConfig = rest.CopyConfig(restConfig)
	restConfig.QPS, restConfig.Burst = cfg.ClientQPS, cfg.ClientBurst
	WaitForAPIServer(restConfig)
	stokemetrics.CountRequests(restConfig)

	cacheOptions := cache.Options{
		// managedFields are never read and are often the largest part of an object.
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: {
				Label:     labels.SelectorFromSet(labels.Set{spark.LabelManagedBy: spark.ManagedByStoke}),
				Transform: podForCache,
			},
			&stokev1.SparkApplication{}: {Transform: applicationForCache},
		},
	}
	if len(cfg.Namespaces) > 0 {
		cacheOptions.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range cfg.Namespaces {
			cacheOptions.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	var nsSelector labels.Selector
	if cfg.NamespaceSelector != "" {
		var err error
		if nsSelector, err = labels.Parse(cfg.NamespaceSelector); err != nil {
			return nil, fmt.Errorf("namespaceSelector %q: %w", cfg.NamespaceSelector, err)
		}
	}

	metrics := metricsserver.Options{BindAddress: cfg.MetricsAddress}
	if cfg.MetricsSecure {
		// Who may read /metrics is decided by the API server: TokenReview for the caller's bearer token,
		// SubjectAccessReview for GET on the non-resource URL /metrics.
		metrics.SecureServing = true
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
		metrics.CertDir = cfg.MetricsCertDir
	}

	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                        Scheme(),
		Cache:                         cacheOptions,
		Client:                        client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.ConfigMap{}, &corev1.Service{}}}},
		Metrics:                       metrics,
		HealthProbeBindAddress:        cfg.HealthAddress,
		PprofBindAddress:              cfg.PprofAddress,
		LeaderElection:                cfg.LeaderElection.Enabled,
		LeaderElectionID:              cfg.LeaderElection.ID,
		LeaderElectionNamespace:       cfg.LeaderElection.Namespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &cfg.LeaderElection.LeaseDuration.Duration,
		RenewDeadline:                 &cfg.LeaderElection.RenewDeadline.Duration,
		RetryPeriod:                   &cfg.LeaderElection.RetryPeriod.Duration,
		Controller:                    config.Controller{SkipNameValidation: &cfg.SeveralManagersPerProcess},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	writer := mgr.GetClient()
	if cfg.WrapClient != nil {
		writer = cfg.WrapClient(writer)
	}
	// One admission manager for the applications' reconciler, which asks it, and the queues', which reports it.
	admissions := admission.NewManager(mgr.GetAPIReader(), cfg.Namespaces...)
	r := &sparkapplication.Reconciler{
		Client:    writer,
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorderFor("stoke-operator"),
		Options: sparkapplication.Options{
			LostDriverGrace:         cfg.LostDriverGrace.Duration,
			MaxConcurrentReconciles: cfg.Workers,
			EventLog:                cfg.EventLog,
			Admission:               admissions,
		},
	}
	if nsSelector != nil {
		r.Options.NamespaceAllowed = namespaceMatcher(mgr.GetClient(), nsSelector)
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SparkApplication controller: %w", err)
	}
	schedules := &scheduledsparkapplication.Reconciler{Client: writer, APIReader: mgr.GetAPIReader(), Recorder: r.Recorder,
		Options: scheduledsparkapplication.Options{NamespaceAllowed: r.Options.NamespaceAllowed, MaxConcurrentReconciles: cfg.Workers}}
	if err := schedules.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the ScheduledSparkApplication controller: %w", err)
	}
	if err := (&sparkqueue.Reconciler{Client: writer, Admission: admissions}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SparkQueue controller: %w", err)
	}
	workflows := &sparkworkflow.Reconciler{Client: writer, APIReader: mgr.GetAPIReader(), Recorder: r.Recorder,
		Options: sparkworkflow.Options{NamespaceAllowed: r.Options.NamespaceAllowed, MaxConcurrentReconciles: cfg.Workers}}
	if err := workflows.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SparkWorkflow controller: %w", err)
	}
	return mgr, nil
}

// namespaceMatcher answers whether a namespace's labels match the selector, from the cache.
func namespaceMatcher(c client.Reader, selector labels.Selector) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, name string) (bool, error) {
		ns := &corev1.Namespace{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return selector.Matches(labels.Set(ns.Labels)), nil
	}
}
