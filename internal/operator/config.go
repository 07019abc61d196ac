// Package operator assembles the controller manager that `stoke operator` runs: its configuration file,
// the cache limited to Stoke's own objects, the reconcilers, metrics and health endpoints, and leader
// election.
package operator

import (
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Config is the operator's configuration file. Every field has a default, so an empty file (or none) runs
// an operator watching all namespaces.
type Config struct {
	// MetricsAddress serves Prometheus metrics at /metrics ("0" turns it off). Default ":8080".
	MetricsAddress string `json:"metricsAddress,omitempty"`
	// HealthAddress serves /healthz and /readyz. Default ":8081".
	HealthAddress string `json:"healthAddress,omitempty"`
	// LeaderElection makes one of several replicas active at a time.
	LeaderElection LeaderElection `json:"leaderElection,omitempty"`
	// Namespaces limits the operator to these namespaces; empty means all.
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector limits the operator to namespaces whose labels match this label selector
	// (for example "stoke.dev/enabled=true"); it is read continuously, so labelling a namespace enables it.
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
	// Workers is the number of concurrent reconciles of SparkApplications. Default 8.
	Workers int `json:"workers,omitempty"`
	// LostDriverGrace is how long after submission a missing driver pod is awaited before the attempt is
	// declared lost, as a duration ("30s"). Default 30s.
	LostDriverGrace Duration `json:"lostDriverGrace,omitempty"`
	// ClientQPS and ClientBurst bound the operator's request rate to the API server. Defaults 200 and 400.
	ClientQPS   float32 `json:"clientQPS,omitempty"`
	ClientBurst int     `json:"clientBurst,omitempty"`

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

// LoadConfig reads a configuration file (YAML or JSON), rejecting unknown fields, and fills in defaults.
// An empty path gives the defaults.
func LoadConfig(path string) (Config, error) {
	var c Config
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("reading operator config: %w", err)
		}
		if err := yaml.UnmarshalStrict(data, &c); err != nil {
			return c, fmt.Errorf("operator config %s: %w", path, err)
		}
	}
	if c.Workers < 0 || c.LostDriverGrace.Duration < 0 || c.ClientQPS < 0 || c.ClientBurst < 0 {
		return c, fmt.Errorf("operator config %s: workers, lostDriverGrace, clientQPS and clientBurst must not be negative", path)
	}
	return c.WithDefaults(), nil
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
	if c.Workers == 0 {
		c.Workers = 8
	}
	if c.LostDriverGrace.Duration == 0 {
		c.LostDriverGrace.Duration = 30 * time.Second
	}
	if c.ClientQPS == 0 {
		c.ClientQPS = 200
	}
	if c.ClientBurst == 0 {
		c.ClientBurst = 400
	}
	return c
}
