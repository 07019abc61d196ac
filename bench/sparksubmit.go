package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// jvmResult is the per-application cost of real spark-submit in cluster mode.
type jvmResult struct {
	SparkHome       string  `json:"sparkHome"`
	Runs            int     `json:"runs"`
	WallSeconds     float64 `json:"wallSecondsPerApp"`
	CPUSeconds      float64 `json:"cpuSecondsPerApp"`
	PeakRSSBytes    int64   `json:"peakRSSBytes"`
	SkippedBecause  string  `json:"skippedBecause,omitempty"`
	SubmittedDriver int     `json:"submittedDrivers"`
}

// cachedSparkHome finds a Spark 3.5 distribution installed by hack/spark.sh, without installing one.
func cachedSparkHome() string {
	cache := os.Getenv("STOKE_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "stoke")
	}
	matches, _ := filepath.Glob(filepath.Join(cache, "spark", "3.5.*", "pyspark", "bin", "spark-submit"))
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(filepath.Dir(matches[len(matches)-1]))
}

// runSparkSubmit runs spark-submit --deploy-mode cluster with waitAppCompletion=false `runs` times, one
// after the other, and reports the mean wall and CPU time (user+system of the whole process tree: the
// launcher JVM and the submitting JVM) and the peak RSS.
func runSparkSubmit(ctx context.Context, home, host, ns, kubeconfig, dir string, runs int) (jvmResult, error) {
	r := jvmResult{SparkHome: home, Runs: runs}
	confDir := filepath.Join(dir, "spark-conf")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return r, err
	}
	var wall, cpu float64
	for i := 0; i < runs; i++ {
		args := []string{"--master", "k8s://" + host, "--deploy-mode", "cluster",
			"--name", fmt.Sprintf("jvm-%d", i), "--class", "org.apache.spark.examples.SparkPi",
			"--conf", "spark.kubernetes.namespace=" + ns,
			"--conf", "spark.kubernetes.container.image=spark:3.5.7",
			"--conf", "spark.executor.instances=1",
			"--conf", "spark.kubernetes.submission.waitAppCompletion=false",
			"local:///opt/spark/examples/jars/spark-examples.jar", "1000"}
		cmd := exec.CommandContext(ctx, filepath.Join(home, "bin", "spark-submit"), args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "SPARK_HOME="+home, "SPARK_CONF_DIR="+confDir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return r, fmt.Errorf("spark-submit: %w\n%s", err, tail(out.String(), 2000))
		}
		wall += time.Since(start).Seconds()
		st := cmd.ProcessState
		cpu += (st.UserTime() + st.SystemTime()).Seconds()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > r.PeakRSSBytes {
			r.PeakRSSBytes = ru.Maxrss * 1024
		}
		r.SubmittedDriver++
	}
	r.WallSeconds, r.CPUSeconds = wall/float64(runs), cpu/float64(runs)
	return r, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
