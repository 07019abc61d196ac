package operator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stokehq/stoke/internal/spark"
)

func defaults() Config {
	return Config{
		MetricsAddress:  ":8080",
		HealthAddress:   ":8081",
		LeaderElection:  defaultLease(),
		Workers:         16,
		LostDriverGrace: Duration{30 * time.Second},
		ClientQPS:       500,
		ClientBurst:     1000,
	}
}

func defaultLease() LeaderElection {
	return LeaderElection{ID: "stoke-operator", LeaseDuration: Duration{8 * time.Second},
		RenewDeadline: Duration{6 * time.Second}, RetryPeriod: Duration{time.Second}}
}

// sameConfig compares the file-settable fields (Config holds a func, so it is not comparable with ==).
func sameConfig(t *testing.T, got, want Config) {
	t.Helper()
	type fields struct {
		MetricsAddress, HealthAddress string
		MetricsSecure                 bool
		MetricsCertDir                string
		ApplyCRDs                     bool
		LeaderElection                LeaderElection
		Namespaces                    string
		NamespaceSelector             string
		Workers                       int
		LostDriverGrace               time.Duration
		ClientQPS                     float32
		ClientBurst                   int
		Several                       bool
		Wrap                          bool
	}
	f := func(c Config) fields {
		return fields{c.MetricsAddress, c.HealthAddress, c.MetricsSecure, c.MetricsCertDir, c.ApplyCRDs, c.LeaderElection, strings.Join(c.Namespaces, ","), c.NamespaceSelector,
			c.Workers, c.LostDriverGrace.Duration, c.ClientQPS, c.ClientBurst, c.SeveralManagersPerProcess, c.WrapClient != nil}
	}
	if g, w := f(got), f(want); g != w {
		t.Errorf("config =\n  %+v\nwant\n  %+v", g, w)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig("")
	if err != nil {
		t.Fatalf("LoadConfig(\"\"): %v", err)
	}
	sameConfig(t, c, defaults())
	if c.Namespaces != nil {
		t.Errorf("namespaces = %v, want nil (all)", c.Namespaces)
	}
}

func TestLoadConfigFiles(t *testing.T) {
	tests := []struct {
		desc, name, content string
		want                func() Config
	}{
		{"empty file", "empty.yaml", "", defaults},
		{"comment only", "c.yaml", "# nothing here\n", defaults},
		{"empty object", "e.json", "{}", defaults},
		{"YAML with every field", "full.yaml", `
metricsAddress: "0"
metricsSecure: true
metricsCertDir: /certs
applyCRDs: true
healthAddress: ":9091"
leaderElection:
  enabled: true
  namespace: stoke-system
  id: my-lease
  leaseDuration: 30s
  renewDeadline: 20s
  retryPeriod: 4s
namespaces: [team-a, team-b]
workers: 4
lostDriverGrace: 45s
clientQPS: 50.5
clientBurst: 100
`, func() Config {
			return Config{
				MetricsAddress: "0", HealthAddress: ":9091", MetricsSecure: true, MetricsCertDir: "/certs", ApplyCRDs: true,
				LeaderElection: LeaderElection{Enabled: true, Namespace: "stoke-system", ID: "my-lease",
					LeaseDuration: Duration{30 * time.Second}, RenewDeadline: Duration{20 * time.Second}, RetryPeriod: Duration{4 * time.Second}},
				Namespaces: []string{"team-a", "team-b"},
				Workers:    4, LostDriverGrace: Duration{45 * time.Second}, ClientQPS: 50.5, ClientBurst: 100,
			}
		}},
		{"partial YAML keeps other defaults", "partial.yaml", "lostDriverGrace: 2m30s\nleaderElection:\n  enabled: true\n", func() Config {
			c := defaults()
			c.LostDriverGrace = Duration{150 * time.Second}
			c.LeaderElection.Enabled = true
			return c
		}},
		{"sub-second duration", "ms.yaml", "lostDriverGrace: 1500ms\n", func() Config {
			c := defaults()
			c.LostDriverGrace = Duration{1500 * time.Millisecond}
			return c
		}},
		{"a namespace selector", "sel.yaml", "namespaceSelector: stoke.dev/enabled=true\n", func() Config {
			c := defaults()
			c.NamespaceSelector = "stoke.dev/enabled=true"
			return c
		}},
		{"an event log on a claim", "eventlog.yaml", "eventLog:\n  dir: file:/spark-events\n  volume:\n    persistentVolumeClaim: spark-events\n  sparkConf:\n    spark.eventLog.rolling.enabled: \"true\"\n", func() Config {
			c := defaults()
			c.EventLog = &spark.EventLog{Dir: "file:/spark-events", Volume: &spark.EventLogVolume{PersistentVolumeClaim: "spark-events"},
				SparkConf: map[string]string{"spark.eventLog.rolling.enabled": "true"}}
			return c
		}},
		{"zero values mean the default", "zero.yaml", "workers: 0\nlostDriverGrace: 0s\nclientQPS: 0\n", defaults},
		{"JSON", "config.json", `{"workers": 2, "lostDriverGrace": "10s", "namespaces": ["x"]}`, func() Config {
			c := defaults()
			c.Workers, c.LostDriverGrace, c.Namespaces = 2, Duration{10 * time.Second}, []string{"x"}
			return c
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := LoadConfig(writeFile(t, tc.name, tc.content))
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			sameConfig(t, c, tc.want())
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		desc, content string
		mention       string
	}{
		{"unknown field", "workers: 4\nworker: 5\n", "worker"},
		{"unknown nested field", "leaderElection:\n  enabled: true\n  lease: x\n", "lease"},
		{"field not settable from the file", "severalManagersPerProcess: true\n", "severalManagersPerProcess"},
		{"bad duration", "lostDriverGrace: 45 seconds\n", "lostDriverGrace: "},
		{"bad lease duration", "leaderElection:\n  leaseDuration: soon\n", "leaderElection.leaseDuration: "},
		{"bad retry period", "leaderElection:\n  retryPeriod: 2\n", "leaderElection.retryPeriod: "},
		{"namespaces and a selector", "namespaces: [a]\nnamespaceSelector: team=x\n", "namespaces and namespaceSelector are exclusive"},
		{"bad selector", "namespaceSelector: \"team in (a\"\n", "namespaceSelector \"team in (a\""},
		{"bad namespace name", "namespaces: [Team_A]\n", "\"Team_A\" is not a namespace name"},
		{"renew deadline not shorter than the lease", "leaderElection:\n  leaseDuration: 10s\n  renewDeadline: 10s\n", "renewDeadline (10s) must be shorter than leaseDuration (10s)"},
		{"retry period too long for the deadline", "leaderElection:\n  retryPeriod: 9s\n", "1.2 × retryPeriod"},
		{"negative lease", "leaderElection:\n  leaseDuration: -1s\n", "must be positive"},
		{"cert dir without secure metrics", "metricsCertDir: /certs\n", "metricsSecure"},
		{"event log path without a volume", "eventLog:\n  dir: /spark-events\n", "needs eventLog.volume"},
		{"event log volume of two kinds", "eventLog:\n  dir: /e\n  volume:\n    nfs: s:/x\n    hostPath: /x\n", "exactly one"},
		{"event log volume unknown kind", "eventLog:\n  dir: /e\n  volume:\n    emptyDir: {}\n", "emptyDir"},
		{"duration without a unit", "lostDriverGrace: \"45\"\n", "45"},
		{"duration as a number", "lostDriverGrace: 45\n", "missing unit"},
		{"wrong type", "workers: many\n", "workers"},
		{"not YAML", "workers: [\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			path := writeFile(t, "bad.yaml", tc.content)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatalf("LoadConfig accepted %q", tc.content)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if tc.mention != "" && !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}

	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "reading operator config") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestWithDefaultsKeepsSetFields(t *testing.T) {
	set := Config{MetricsAddress: ":1", HealthAddress: ":2", LeaderElection: LeaderElection{ID: "x", Namespace: "n", Enabled: true,
		LeaseDuration: Duration{time.Minute}, RenewDeadline: Duration{time.Second}, RetryPeriod: Duration{time.Millisecond}},
		Workers: 1, LostDriverGrace: Duration{time.Second}, ClientQPS: 1, ClientBurst: 1, SeveralManagersPerProcess: true}
	sameConfig(t, set.WithDefaults(), set)
}

func TestDurationJSON(t *testing.T) {
	for _, d := range []time.Duration{0, 1500 * time.Millisecond, 45 * time.Second, 2*time.Hour + 3*time.Minute} {
		b, err := json.Marshal(Duration{d})
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + d.String() + `"`; string(b) != want {
			t.Errorf("Marshal(%s) = %s, want %s", d, b, want)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back.Duration != d {
			t.Errorf("Unmarshal(%s) = %s, %v; want %s", b, back.Duration, err, d)
		}
	}
	var d Duration
	for _, bad := range []string{`45`, `"45"`, `"forever"`, `true`, `"-"`, `""`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded with %s", bad, d.Duration)
		}
	}
}

func TestLoadConfigRejectsNegativeValues(t *testing.T) {
	for _, body := range []string{"workers: -3\n", "lostDriverGrace: -5s\n", "clientQPS: -1\n"} {
		path := filepath.Join(t.TempDir(), "operator.yaml")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(path); err == nil {
			t.Errorf("%q accepted", body)
		}
	}
}
