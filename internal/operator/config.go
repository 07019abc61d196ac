// Package operator assembles the controller manager that `stoke operator` runs: its configuration file,
// the cache limited to Stoke's own objects, the reconcilers, metrics and health endpoints, and leader
// election.
package operator

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stokehq/stoke/internal/spark"
)

// Config is the operator's configuration file. Every field has a default, so an empty file (or none) runs
// an operator watching all namespaces.
type Config struct {
	// MetricsAddress serves Prometheus metrics at /metrics ("0" turns it off). Default ":8080".
	MetricsAddress string `json:"metricsAddress,omitempty"`
	// MetricsSecure serves /metrics over HTTPS and answers only callers that the Kubernetes API server
	// authenticates (TokenReview) and authorises for GET on the non-resource URL /metrics
	// (SubjectAccessReview). The Helm chart turns it on; off by default so a host-run operator serves plain
	// HTTP.
	MetricsSecure bool `json:"metricsSecure,omitempty"`
	// MetricsCertDir holds tls.crt and tls.key for the HTTPS metrics endpoint (for example a cert-manager
	// Secret mounted there); without them the operator serves a self-signed certificate it generates in
	// memory.
	MetricsCertDir string `json:"metricsCertDir,omitempty"`
	// HealthAddress serves /healthz and /readyz. Default ":8081".
	HealthAddress string `json:"healthAddress,omitempty"`
	// PprofAddress serves Go's profiler (/debug/pprof/, for example the heap profile) on this address; empty
	// (the default) serves nothing. Unauthenticated: bind it to loopback.
	PprofAddress string `json:"pprofAddress,omitempty"`
	// LeaderElection makes one of several replicas active at a time.
	LeaderElection LeaderElection `json:"leaderElection,omitempty"`
	// Namespaces limits the operator to these namespaces; empty means all.
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector limits the operator to namespaces whose labels match this label selector
	// (for example "stoke.dev/enabled=true"); it is read continuously, so labelling a namespace enables it.
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
	// Workers is the number of concurrent reconciles of each kind (SparkApplications, schedules, workflows).
	// Default 16: a reconcile mostly waits on the API server, whose answers slow down as it holds more
	// objects, so throughput at scale follows the requests in flight, not the operator's CPU.
	Workers int `json:"workers,omitempty"`
	// LostDriverGrace is how long after submission a missing driver pod is awaited before the attempt is
	// declared lost, as a duration ("30s"). Default 30s.
	LostDriverGrace Duration `json:"lostDriverGrace,omitempty"`
	// ClientQPS and ClientBurst bound the operator's request rate to the API server. Defaults 500 and 1000:
	// a burst of applications costs about eight requests each; the API server's own priority and fairness
	// (APF) is what shares it between clients.
	ClientQPS   float32 `json:"clientQPS,omitempty"`
	ClientBurst int     `json:"clientBurst,omitempty"`
	// ApplyCRDs makes the operator server-side apply the CustomResourceDefinitions built into its binary at
	// start-up, so that upgrading the operator upgrades its CRDs (Helm installs a chart's CRDs but never
	// upgrades them). Needs get and patch on those CRDs.
	ApplyCRDs bool `json:"applyCRDs,omitempty"`
	// EventLog, when its dir is set, turns Spark's event log on for every application (unless the application
	// turns it off with spec.monitoring.eventLog: false, or sets spark.eventLog.* itself), written where a
	// Spark History Server reads it: an object store or HDFS URI, or a path on a shared volume every driver
	// mounts (docs/observability.md).
	EventLog *spark.EventLog `json:"eventLog,omitempty"`

	// SeveralManagersPerProcess allows more than one manager in a process (integration tests run one per
	// test); not settable from the file.
	SeveralManagersPerProcess bool `json:"-"`
	// WrapClient, when set, wraps the client the reconcilers write through (fault injection in tests); not
	// settable from the file.
	WrapClient func(client.Client) client.Client `json:"-"`
}

// LeaderElection configures the lease that elects the active replica.
type LeaderElection struct {
	Enabled bool `json:"enabled,omitempty"`
	// Namespace of the Lease; defaults to the operator's own namespace when running in a pod.
	Namespace string `json:"namespace,omitempty"`
	// ID is the Lease name. Default "stoke-operator".
	ID string `json:"id,omitempty"`
	// LeaseDuration is how long standby replicas wait after the last renewal before they take the lease
	// over: with RetryPeriod, the bound of a failover when the leader dies without releasing it. Default 8s.
	LeaseDuration Duration `json:"leaseDuration,omitempty"`
	// RenewDeadline is how long the leader keeps retrying to renew before it gives up leadership (and
	// exits); must be shorter than LeaseDuration. Default 6s.
	RenewDeadline Duration `json:"renewDeadline,omitempty"`
	// RetryPeriod is how often every replica tries to acquire or renew the lease. Default 1s.
	RetryPeriod Duration `json:"retryPeriod,omitempty"`
}

// Duration is a time.Duration written as a string such as "30s" or "2m".
type Duration struct{ time.Duration }

// UnmarshalJSON reads "30s"-style durations.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// LoadConfig reads a configuration file (YAML or JSON), rejecting unknown fields, fills in defaults and
// checks the result (Validate). An empty path gives the defaults. Every error names the file and fits on
// one line, since `stoke operator` prints it and exits.
func LoadConfig(path string) (Config, error) {
	var c Config
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("reading operator config: %w", err)
		}
		if err := yaml.UnmarshalStrict(data, &c); err != nil {
			if field := badDurationField(data); field != "" {
				return c, fmt.Errorf("operator config %s: %s: %w", path, field, err)
			}
			return c, fmt.Errorf("operator config %s: %w", path, err)
		}
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("operator config %s: %w", path, err)
	}
	return c, nil
}

// Validate reports the first setting the operator cannot run with. It expects defaults to be filled in.
func (c Config) Validate() error {
	if c.Workers < 0 || c.LostDriverGrace.Duration < 0 || c.ClientQPS < 0 || c.ClientBurst < 0 {
		return errors.New("workers, lostDriverGrace, clientQPS and clientBurst must not be negative")
	}
	if len(c.Namespaces) > 0 && c.NamespaceSelector != "" {
		return errors.New("namespaces and namespaceSelector are exclusive: set one of them")
	}
	for _, ns := range c.Namespaces {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("namespaces: %q is not a namespace name: %s", ns, strings.Join(errs, "; "))
		}
	}
	if c.NamespaceSelector != "" {
		if _, err := labels.Parse(c.NamespaceSelector); err != nil {
			return fmt.Errorf("namespaceSelector %q: %w", c.NamespaceSelector, err)
		}
	}
	le := c.LeaderElection
	if le.LeaseDuration.Duration <= 0 || le.RenewDeadline.Duration <= 0 || le.RetryPeriod.Duration <= 0 {
		return errors.New("leaderElection: leaseDuration, renewDeadline and retryPeriod must be positive")
	}
	if le.RenewDeadline.Duration >= le.LeaseDuration.Duration {
		return fmt.Errorf("leaderElection: renewDeadline (%s) must be shorter than leaseDuration (%s)", le.RenewDeadline.Duration, le.LeaseDuration.Duration)
	}
	// client-go's own rule: the leader must be able to retry at least once, with jitter, before its deadline.
	if float64(le.RenewDeadline.Duration) <= 1.2*float64(le.RetryPeriod.Duration) {
		return fmt.Errorf("leaderElection: renewDeadline (%s) must be longer than 1.2 × retryPeriod (%s)", le.RenewDeadline.Duration, le.RetryPeriod.Duration)
	}
	if c.MetricsCertDir != "" && !c.MetricsSecure {
		return errors.New("metricsCertDir is set but metricsSecure is not: the certificate would not be used")
	}
	if err := c.EventLog.Validate(); err != nil {
		return err
	}
	return nil
}

// durationFields are the file's duration settings, by path.
var durationFields = [][]string{{"lostDriverGrace"}, {"leaderElection", "leaseDuration"},
	{"leaderElection", "renewDeadline"}, {"leaderElection", "retryPeriod"}}

// badDurationField names the first duration setting in a config file that does not parse, so the error says
// which field is wrong (the JSON decoder does not say it for values it hands to UnmarshalJSON).
func badDurationField(data []byte) string {
	var doc map[string]any
	if yaml.Unmarshal(data, &doc) != nil {
		return ""
	}
	for _, path := range durationFields {
		var v any = doc
		for _, key := range path {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[key]
		}
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if _, err := time.ParseDuration(s); !ok || err != nil {
			return strings.Join(path, ".")
		}
	}
	return ""
}

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if c.MetricsAddress == "" {
		c.MetricsAddress = ":8080"
	}
	if c.HealthAddress == "" {
		c.HealthAddress = ":8081"
	}
	if c.LeaderElection.ID == "" {
		c.LeaderElection.ID = "stoke-operator"
	}
	if c.LeaderElection.LeaseDuration.Duration == 0 {
		c.LeaderElection.LeaseDuration.Duration = 8 * time.Second
	}
	if c.LeaderElection.RenewDeadline.Duration == 0 {
		c.LeaderElection.RenewDeadline.Duration = 6 * time.Second
	}
	if c.LeaderElection.RetryPeriod.Duration == 0 {
		c.LeaderElection.RetryPeriod.Duration = time.Second
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.LostDriverGrace.Duration == 0 {
		c.LostDriverGrace.Duration = 30 * time.Second
	}
	if c.ClientQPS == 0 {
		c.ClientQPS = 500
	}
	if c.ClientBurst == 0 {
		c.ClientBurst = 1000
	}
	return c
}
