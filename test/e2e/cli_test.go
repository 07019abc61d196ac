//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// stoke runs the CLI against the local cluster and returns stdout and stderr.
func stoke(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(h.Binary, append([]string{"--kubeconfig", h.Kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// submitArgs is a spark-submit style `stoke submit` of LoadJob; flags must come before the application file,
// everything after it belongs to the application.
func submitArgs(ns, name, version string, flags []string, app ...string) []string {
	return append(append(append([]string{"submit", "-n", ns, "--name", name, "--image", "stoke.local/spark:" + version,
		"--class", loadJob, "--num-executors", "2", "--driver-memory", "512m", "--executor-memory", "512m",
		"--service-account", "spark",
		"--conf", "spark.kubernetes.driver.request.cores=100m", "--conf", "spark.kubernetes.executor.request.cores=100m"},
		flags...), examplesJar), app...)
}

// TestCLISubmitWaitShowsSparkProgress submits with spark-submit flags and --wait: the one-line progress
// carries the executor counts and the Spark job/stage/task progress read through the API server's pod proxy,
// and `stoke logs` then reads the driver's and an executor's log.
func TestCLISubmitWaitShowsSparkProgress(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		// Two rounds of 6 three-second tasks: long enough for several progress readings.
		out, stderr, err := stoke(t, submitArgs(ns, "cli", version, []string{"--wait"}, "2", "6", "3")...)
		if err != nil {
			t.Fatalf("stoke submit --wait: %v\n%s%s", err, out, tail(strings.ReplaceAll(stderr, "\r", "\n"), 10))
		}
		progress := strings.ReplaceAll(stderr, "\r", "\n")
		if !regexp.MustCompile(`executors 2/2 .*tasks \d+/12`).MatchString(progress) {
			t.Errorf("no Spark task progress in the --wait line:\n%s", tail(progress, 15))
		}
		if !strings.Contains(progress, "Succeeded") {
			t.Errorf("--wait did not report success:\n%s", tail(progress, 5))
		}
		logs, _, err := stoke(t, "logs", "-n", ns, "cli")
		if err != nil || !strings.Contains(logs, "LoadJob done") {
			t.Errorf("stoke logs: %v\n%s", err, tail(logs, 10))
		}
		describe, _, err := stoke(t, "describe", "app", "-n", ns, "cli")
		if err != nil || !strings.Contains(describe, "Succeeded") || !strings.Contains(describe, "Spark app id:") {
			t.Errorf("stoke describe: %v\n%s", err, describe)
		}
	})
}

// TestCLIUIForwardsToTheSparkUI opens `stoke ui` on a running driver and reads Spark's REST API through it.
func TestCLIUIForwardsToTheSparkUI(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		// One round of 2 one-second tasks, then 40 idle seconds with the UI up.
		if _, stderr, err := stoke(t, submitArgs(ns, "ui", version, nil, "1", "2", "1", "40")...); err != nil {
			t.Fatalf("stoke submit: %v\n%s", err, stderr)
		}
		waitPhase(t, ns, "ui", 3*time.Minute, stokev1.PhaseRunning)
		eventually(t, time.Minute, "driver ready", func() (bool, error) {
			app := get(t, ns, "ui")
			for _, c := range app.Status.Conditions {
				if c.Type == stokev1.ConditionDriverReady && c.Status == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		// Spark serves "Spark is starting up" until the SparkContext is initialised, which includes waiting for
		// executors to register (up to 30 s): on a loaded machine the UI opens well after the driver is Ready.
		const uiWait = 2 * time.Minute
		cmd := exec.Command(h.Binary, "--kubeconfig", h.Kubeconfig, "ui", "-n", ns, "ui", "--port", "0",
			"--wait", uiWait.String())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		urls := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(sc.Text()); m != "" {
					urls <- m
				}
			}
			close(urls)
		}()
		var url string
		select {
		case url = <-urls:
		case <-time.After(uiWait + 15*time.Second):
			t.Fatalf("stoke ui printed no URL; stderr: %s", stderr.String())
		}
		var body []byte
		var lastErr error
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("stoke ui at %s: last error %v; stderr: %s", url, lastErr, stderr.String())
			}
		})
		eventually(t, 30*time.Second, "the Spark UI answering through the forward", func() (bool, error) {
			resp, err := http.Get(url + "/api/v1/applications")
			if lastErr = err; err != nil {
				return false, nil
			}
			defer resp.Body.Close()
			body, _ = io.ReadAll(resp.Body)
			return resp.StatusCode == http.StatusOK, nil
		})
		// `stoke ui` prints the URL only once Spark's REST API answers: the first request lists the application.
		app := get(t, ns, "ui")
		if !strings.Contains(string(body), app.Status.CurrentAttempt.SparkApplicationID) {
			t.Errorf("the Spark UI does not list %s: %s", app.Status.CurrentAttempt.SparkApplicationID, body)
		}
		drivers := pods(t, ns, map[string]string{"spark-role": "driver"})
		if len(drivers) != 1 || drivers[0].Status.Phase != corev1.PodRunning {
			t.Errorf("want the one running driver, got %d pods", len(drivers))
		}
	})
}
