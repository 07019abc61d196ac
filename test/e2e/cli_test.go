//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
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
	return stokeAs(t, h.Kubeconfig, args...)
}

// stokeAs runs the CLI with another kubeconfig (another user).
func stokeAs(t *testing.T, kubeconfig string, args ...string) (string, string, error) {
	t.Helper()
	return runStoke(t, nil, kubeconfig, args...)
}

// runStoke runs the CLI with the kubeconfig in the environment env (nil: this process's).
func runStoke(t *testing.T, env []string, kubeconfig string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(h.Binary, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = env
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

// TestCLIUIForwardsToTheSparkUI opens `stoke ui` on a running driver and reads Spark's REST API through it;
// once the application has ended, `stoke ui` opens the History Server's page of it instead (the chart runs
// one, and turns every application's event log on), whose REST API has the finished jobs and stages.
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
		url := openUI(t, ns, "ui", 2*time.Minute)
		// `stoke ui` prints the URL only once Spark's REST API answers: the first request lists the application.
		body := getOK(t, url+"api/v1/applications")
		app := get(t, ns, "ui")
		id := app.Status.CurrentAttempt.SparkApplicationID
		if !strings.Contains(string(body), id) {
			t.Errorf("the Spark UI does not list %s: %s", id, body)
		}
		drivers := pods(t, ns, map[string]string{"spark-role": "driver"})
		if len(drivers) != 1 || drivers[0].Status.Phase != corev1.PodRunning {
			t.Errorf("want the one running driver, got %d pods", len(drivers))
		}

		if h.Chart == nil {
			return // the History Server comes with the chart
		}
		waitPhase(t, ns, "ui", jobTimeout, stokev1.PhaseSucceeded)
		url = openUI(t, ns, "ui", 2*time.Minute)
		base := regexp.MustCompile(`^http://127\.0\.0\.1:\d+/`).FindString(url)
		if url != base+"history/"+id+"/" {
			t.Errorf("stoke ui on the finished application printed %s, want its History Server page %shistory/%s/", url, base, id)
		}
		getOK(t, url)
		var jobs []struct {
			JobID  int    `json:"jobId"`
			Status string `json:"status"`
		}
		decodeJSON(t, getOK(t, base+"api/v1/applications/"+id+"/jobs"), &jobs)
		var stages []struct {
			StageID int    `json:"stageId"`
			Status  string `json:"status"`
		}
		decodeJSON(t, getOK(t, base+"api/v1/applications/"+id+"/stages"), &stages)
		if len(jobs) == 0 || len(stages) == 0 {
			t.Fatalf("the History Server has %d jobs and %d stages of %s, want some", len(jobs), len(stages), id)
		}
		for _, j := range jobs {
			if j.Status != "SUCCEEDED" {
				t.Errorf("job %d is %s in the History Server", j.JobID, j.Status)
			}
		}
		for _, s := range stages {
			if s.Status != "COMPLETE" && s.Status != "SKIPPED" {
				t.Errorf("stage %d is %s in the History Server", s.StageID, s.Status)
			}
		}
		t.Logf("History Server: %d jobs, %d stages of %s", len(jobs), len(stages), id)
	})
}

// openUI runs `stoke ui` on the application, stopped when the test ends, and returns the URL it prints.
func openUI(t *testing.T, ns, name string, wait time.Duration) string {
	t.Helper()
	return openUIAs(t, h.Kubeconfig, ns, name, wait)
}

// openUIAs is openUI with another kubeconfig (another user).
func openUIAs(t *testing.T, kubeconfig, ns, name string, wait time.Duration) string {
	t.Helper()
	cmd := exec.Command(h.Binary, "--kubeconfig", kubeconfig, "ui", "-n", ns, name, "--port", "0", "--wait", wait.String())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stoke ui %s stderr: %s", name, stderr.String())
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\S*`).FindString(sc.Text()); m != "" {
				urls <- m
			}
		}
		close(urls)
	}()
	select {
	case url, ok := <-urls:
		if !ok {
			t.Fatalf("stoke ui exited without a URL; stderr: %s", stderr.String())
		}
		return url
	case <-time.After(wait + 15*time.Second):
		t.Fatalf("stoke ui printed no URL; stderr: %s", stderr.String())
	}
	return ""
}

// getOK reads the URL until it answers 200 (a port-forward's first connection can fail), for up to 30 s.
func getOK(t *testing.T, url string) []byte {
	t.Helper()
	var body []byte
	var last string
	ok := false
	deadline := time.Now().Add(30 * time.Second)
	for !ok && time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err != nil {
			last = err.Error()
			time.Sleep(time.Second)
			continue
		}
		body, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		ok, last = resp.StatusCode == http.StatusOK, resp.Status
		if !ok {
			time.Sleep(time.Second)
		}
	}
	if !ok {
		t.Fatalf("GET %s: %s", url, last)
	}
	return body
}

func decodeJSON(t *testing.T, body []byte, into any) {
	t.Helper()
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("decoding %s: %v", tail(string(body), 5), err)
	}
}
