//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"k8s.io/utils/ptr"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// Report collects the timing comparison and writes it as markdown.
type Report struct {
	mu          sync.Mutex
	rows        []TimingRow
	submissions []SubmissionRow
	failovers   []time.Duration
}

// SubmissionRow is how long after a submitting command started its driver pod was created.
type SubmissionRow struct {
	Version, Path string
	ToDriverPod   time.Duration
}

func (r *Report) AddSubmission(row SubmissionRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submissions = append(r.submissions, row)
}

// AddFailovers records leader failover times (SIGKILL of the leader to the new leader's first reconcile).
func (r *Report) AddFailovers(d []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failovers = append(r.failovers, d...)
}

// TimingRow is one submission path's latencies, measured from the moment the submission started.
type TimingRow struct {
	Version, Path                  string
	DriverRunning, ExecutorRunning time.Duration
}

func (r *Report) Add(row TimingRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, row)
}

func (r *Report) Markdown() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows := append([]TimingRow(nil), r.rows...)
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].Version+rows[i].Path < rows[j].Version+rows[j].Path
	})
	var b strings.Builder
	if len(rows) > 0 {
		b.WriteString("| Spark | submitted with | apply → driver Running | apply → first executor Running |\n|---|---|---|---|\n")
		for _, row := range rows {
			fmt.Fprintf(&b, "| %s | %s | %.1f s | %.1f s |\n", row.Version, row.Path, row.DriverRunning.Seconds(), row.ExecutorRunning.Seconds())
		}
	}
	if len(r.submissions) > 0 {
		b.WriteString(r.submissionsMarkdown())
	}
	if len(r.failovers) > 0 {
		b.WriteString("\nLeader failover (leader SIGKILLed → the new leader's first reconcile):")
		for _, d := range r.failovers {
			fmt.Fprintf(&b, " %.1f s", d.Seconds())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// submissionsMarkdown is the table of submission times, each path's ratio to stoke submit --direct's.
func (r *Report) submissionsMarkdown() string {
	rows := append([]SubmissionRow(nil), r.submissions...)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Version+rows[i].Path < rows[j].Version+rows[j].Path })
	direct := map[string]time.Duration{}
	for _, row := range rows {
		if row.Path == "stoke submit --direct" {
			direct[row.Version] = row.ToDriverPod
		}
	}
	var b strings.Builder
	b.WriteString("\n| Spark | submitted with (no operator) | command start → driver pod created | × stoke submit --direct |\n|---|---|---|---|\n")
	for _, row := range rows {
		ratio := "—"
		if d := direct[row.Version]; d > 0 {
			ratio = fmt.Sprintf("%.1f×", row.ToDriverPod.Seconds()/d.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %.3f s | %s |\n", row.Version, row.Path, row.ToDriverPod.Seconds(), ratio)
	}
	return b.String()
}

func (r *Report) Write(path string) error {
	if path == "" || (len(r.rows) == 0 && len(r.submissions) == 0 && len(r.failovers) == 0) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	body := "# e2e timing (same run, same cluster)\n\n" + r.Markdown()
	fmt.Println("e2e: timing\n" + body)
	return os.WriteFile(path, []byte(body), 0o644)
}

// podClock records, by polling the API server every 100 ms, when the first driver and the first executor
// pod of a namespace were seen Running.
type podClock struct {
	start            time.Time
	driver, executor time.Duration
	stop             chan struct{}
	done             chan struct{}
}

func startPodClock(ns string) *podClock {
	c := &podClock{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			var list corev1.PodList
			if err := h.Client.List(context.Background(), &list, client.InNamespace(ns)); err == nil {
				for _, p := range list.Items {
					if p.Status.Phase != corev1.PodRunning {
						continue
					}
					since := time.Since(c.start)
					switch p.Labels["spark-role"] {
					case "driver":
						if c.driver == 0 {
							c.driver = since
						}
					case "executor":
						if c.executor == 0 {
							c.executor = since
						}
					}
				}
			}
			if c.driver != 0 && c.executor != 0 {
				return
			}
			select {
			case <-c.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return c
}

func (c *podClock) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		close(c.stop)
		<-c.done
		t.Fatalf("driver Running after %s, executor Running after %s: not both within %s", c.driver, c.executor, timeout)
	}
}

// TestTimingAgainstSparkSubmit submits the same SparkPi once through Stoke and once with real spark-submit
// in cluster mode, one after the other on the same cluster, and records how long each takes to get the
// driver and the first executor running.
func TestTimingAgainstSparkSubmit(t *testing.T) {
	for _, version := range h.Versions {
		t.Run(version, func(t *testing.T) {
			home := sparkHome(t, version)

			ns := Namespace(t)
			clock := startPodClock(ns)
			timed := App(ns, "timed", version, sparkPi, "4")
			// spark-submit below writes no event log, so neither does this one: both start alike.
			timed.Spec.Monitoring.EventLog = ptr.To(false)
			create(t, timed)
			clock.wait(t, 5*time.Minute)
			waitPhase(t, ns, "timed", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
			h.report.Add(TimingRow{Version: version, Path: "Stoke", DriverRunning: clock.driver, ExecutorRunning: clock.executor})
			t.Logf("Stoke: driver Running after %s, first executor after %s", clock.driver, clock.executor)

			ns2 := Namespace(t)
			tls := h.Config.TLSClientConfig
			args := []string{
				"--master", "k8s://" + h.Config.Host, "--deploy-mode", "cluster", "--name", "timed",
				"--class", sparkPi,
				"--conf", "spark.kubernetes.namespace=" + ns2,
				"--conf", "spark.kubernetes.container.image=stoke.local/spark:" + version,
				"--conf", "spark.kubernetes.container.image.pullPolicy=IfNotPresent",
				"--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
				"--conf", "spark.kubernetes.authenticate.submission.caCertFile=" + tls.CAFile,
				"--conf", "spark.kubernetes.authenticate.submission.clientCertFile=" + tls.CertFile,
				"--conf", "spark.kubernetes.authenticate.submission.clientKeyFile=" + tls.KeyFile,
				"--conf", "spark.kubernetes.submission.waitAppCompletion=false",
				"--conf", "spark.kubernetes.driver.request.cores=100m",
				"--conf", "spark.kubernetes.executor.request.cores=100m",
				"--conf", "spark.driver.memory=512m", "--conf", "spark.executor.memory=512m",
				"--conf", "spark.executor.instances=2", "--conf", "spark.ui.showConsoleProgress=false",
				// The same JVM options as the Stoke path's application (App), so that both start alike.
				"--conf", "spark.driver.extraJavaOptions=" + shortJVM, "--conf", "spark.executor.extraJavaOptions=" + shortJVM,
				examplesJar, "4",
			}
			clock2 := startPodClock(ns2)
			cmd := exec.Command(filepath.Join(home, "bin", "spark-submit"), args...)
			cmd.Env = append(os.Environ(), "SPARK_HOME="+home)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("spark-submit: %v\n%s", err, tail(string(out), 30))
			}
			clock2.wait(t, 5*time.Minute)
			h.report.Add(TimingRow{Version: version, Path: "spark-submit", DriverRunning: clock2.driver, ExecutorRunning: clock2.executor})
			t.Logf("spark-submit: driver Running after %s, first executor after %s", clock2.driver, clock2.executor)
			eventually(t, jobTimeout, "the spark-submit driver finishing", func() (bool, error) {
				for _, p := range pods(t, ns2, map[string]string{"spark-role": "driver"}) {
					if p.Status.Phase == corev1.PodSucceeded {
						return true, nil
					}
					if p.Status.Phase == corev1.PodFailed {
						return false, fmt.Errorf("the spark-submit driver failed:\n%s", podLog(ns2, p.Name, 20))
					}
				}
				return false, nil
			})
		})
	}
}

// sparkHome is the cached distribution hack/spark.sh installed for the version.
func sparkHome(t *testing.T, version string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "spark.sh"), "home", version).Output()
	if err != nil {
		t.Fatalf("hack/spark.sh home %s: %v", version, err)
	}
	return strings.TrimSpace(string(out))
}
