package operator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
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

// NewManager builds the controller manager with every Stoke reconciler registered. Its caches hold only pods
// labelled as Stoke's, so unrelated pods in the cluster cost the operator no memory, and of those only what
// the reconcilers read (podForCache). Driver pods are cached only while they have not ended (see
// NewDriverCache): a cluster retains a finished driver pod for every finished application, and the
// operator never reads one from its cache. ConfigMaps and Services are never cached (the operator only
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
			&corev1.Pod{}:               {Label: stokePods(selection.NotEquals), Transform: podForCache},
			&stokev1.SparkApplication{}: {Transform: applicationForCache},
		},
		DefaultNamespaces: namespaceConfigs(cfg.Namespaces),
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
	drivers, err := NewDriverCache(mgr, cfg.Namespaces...)
	if err != nil {
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
		Drivers:   drivers,
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

// stokePods selects the pods labelled as Stoke's whose Spark role is (selection.Equals) or is not
// (selection.NotEquals) the driver's.
func stokePods(driverRole selection.Operator) labels.Selector {
	managed, _ := labels.NewRequirement(spark.LabelManagedBy, selection.Equals, []string{spark.ManagedByStoke})
	role, _ := labels.NewRequirement(spark.LabelRole, driverRole, []string{spark.RoleDriver})
	return labels.NewSelector().Add(*managed, *role)
}

// runningPhases selects the pods that have not ended. A pod that ends leaves a cache watching with it: the
// watch reports it deleted.
var runningPhases = fields.AndSelectors(
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)))

// NewDriverCache adds to the manager the cache of Stoke's driver pods that have not ended, in the given
// namespaces (all when none), apart from the manager's own cache, which holds every other Stoke pod,
// executors included, ended or not: the executor counts and the usage ledger read ended executors, and
// Spark deletes its executors when the application ends. The reconciler reads a driver pod that has ended
// from the API server, once, when its attempt ends. Caching ended drivers cost a retained finished
// application its driver pod besides itself: about half of what the operator held per application.
func NewDriverCache(mgr ctrl.Manager, namespaces ...string) (cache.Cache, error) {
	opts := cache.Options{
		HTTPClient: mgr.GetHTTPClient(),
		Scheme:     mgr.GetScheme(),
		Mapper:     mgr.GetRESTMapper(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: {Label: stokePods(selection.Equals), Field: runningPhases, Transform: podForCache},
		},
		DefaultNamespaces: namespaceConfigs(namespaces),
	}
	drivers, err := cache.New(mgr.GetConfig(), opts)
	if err != nil {
		return nil, fmt.Errorf("creating the driver pod cache: %w", err)
	}
	if err := mgr.Add(drivers); err != nil {
		return nil, fmt.Errorf("adding the driver pod cache: %w", err)
	}
	return drivers, nil
}

// namespaceConfigs limits a cache to the namespaces; nil (every namespace) when there are none.
func namespaceConfigs(namespaces []string) map[string]cache.Config {
	if len(namespaces) == 0 {
		return nil
	}
	out := make(map[string]cache.Config, len(namespaces))
	for _, ns := range namespaces {
		out[ns] = cache.Config{}
	}
	return out
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
