// Package ui implements `stoke ui NAME`: forward a local port, through the API server, to the Spark UI of
// the application's running driver, or, once its attempt has ended, to the Spark History Server's page of
// that attempt, and print the local URL.
package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/spark"
)

// Options are the flags and arguments of `stoke ui`.
type Options struct {
	Flags   *kube.Flags
	Name    string
	Address string
	Port    int
	// Wait bounds how long a starting driver is given to run and serve its UI (the pod runs, and is Ready, a
	// few seconds before Spark opens port 4040; a forward to a closed port ends at once).
	Wait time.Duration
	// HistoryServer is the History Server's Service as namespace/name; empty: the one Service labelled
	// app.kubernetes.io/component=history-server (the chart's).
	HistoryServer string
	// Ready is told the local URL once the forward listens (tests and embedders).
	Ready func(url string)
}

// NewCommand builds `stoke ui`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:               "ui NAME",
		Short:             "Open a local port to the Spark UI: the running driver's, or the History Server's once it ended",
		Args:              apps.OneName,
		ValidArgsFunction: apps.CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&o.Address, "address", "127.0.0.1", "local address to listen on")
	cmd.Flags().IntVar(&o.Port, "port", 4040, "local port (0 picks a free one)")
	cmd.Flags().DurationVar(&o.Wait, "wait", 90*time.Second, "how long to wait for a starting driver to run and serve its UI, or for the History Server to load a finished application")
	cmd.Flags().StringVar(&o.HistoryServer, "history-server", "", "the Spark History Server's Service, namespace/name (default: the one labelled app.kubernetes.io/component=history-server)")
	return cmd
}

// Run forwards until ctx ends.
func (o *Options) Run(ctx context.Context, out, errOut io.Writer) error {
	if o.Port < 0 || o.Port > 65535 {
		return cmderr.Usagef("--port %d: not a port", o.Port)
	}
	cfg, err := o.Flags.RESTConfig()
	if err != nil {
		return err
	}
	cs, err := o.Flags.Clientset()
	if err != nil {
		return err
	}
	// A driver still starting (not created yet, Pending) is waited for, within --wait.
	deadline := time.Now().Add(o.Wait)
	var pod *corev1.Pod
	for told := false; ; {
		c, app, err := apps.Lookup(ctx, o.Flags, o.Name)
		if err != nil {
			return err
		}
		if cur := app.Status.CurrentAttempt; cur != nil && cur.Outcome != "" {
			return o.history(ctx, cfg, cs, app, out, errOut)
		}
		if pod, err = DriverPod(ctx, c, app); err == nil {
			break
		}
		if !errors.Is(err, ErrNotRunning) || !time.Now().Before(deadline) {
			return err
		}
		if !told {
			fmt.Fprintf(errOut, "waiting for the driver of %s to run...\n", o.Name)
			told = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if err := waitForUI(ctx, cs, pod, deadline, o.Wait, errOut); err != nil {
		return err
	}
	return forward(ctx, cfg, cs, pod, spark.UIPortOfPod(pod), o.Address, o.Port, errOut, func(base string) (string, error) {
		u := base + "/"
		fmt.Fprintf(out, "Spark UI of %s: %s (Ctrl-C to stop)\n", pod.Name, u)
		return u, nil
	}, o.Ready)
}

// waitForUI asks the Spark UI for its application list through the API server's pod proxy until it answers,
// up to the deadline (the end of --wait, which the error names).
// Without permission to use the pod proxy it does not wait: the forward is tried directly.
func waitForUI(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, deadline time.Time, wait time.Duration, errOut io.Writer) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	told := false
	for {
		body, err := cs.CoreV1().Pods(pod.Namespace).ProxyGet("http", pod.Name, strconv.Itoa(int(spark.UIPortOfPod(pod))), "/api/v1/applications", nil).DoRaw(ctx)
		// While the SparkContext starts, the UI answers 200 with a "Spark is starting up" page instead of the
		// JSON list of applications.
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			return nil
		}
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("the UI is still starting")
		}
		if !told {
			fmt.Fprintf(errOut, "waiting for the Spark UI of %s to open...\n", pod.Name)
			told = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the Spark UI of %s did not answer within %s: %v", pod.Name, wait, err)
		case <-time.After(time.Second):
		}
	}
}

// ErrNotRunning is wrapped by DriverPod's errors while the driver is not running (yet): Run waits for it,
// and stoke server answers 409.
var ErrNotRunning = errors.New("the UI is served once the driver runs")

// DriverPod is the running driver pod of the current attempt, read from the API server (Run sends an
// attempt that has ended to the History Server instead).
func DriverPod(ctx context.Context, c client.Client, app *stokev1.SparkApplication) (*corev1.Pod, error) {
	cur := app.Status.CurrentAttempt
	if cur == nil || cur.DriverPodName == "" {
		return nil, fmt.Errorf("application %q has no driver yet (phase %s): %w", app.Name, apps.Phase(app), ErrNotRunning)
	}
	pod := &corev1.Pod{}
	err := c.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: cur.DriverPodName}, pod)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("the driver pod %s of %q does not exist: %w", cur.DriverPodName, app.Name, ErrNotRunning)
	}
	if err != nil {
		return nil, cmderr.API(err, fmt.Sprintf("pod %q", cur.DriverPodName))
	}
	if pod.Status.Phase != corev1.PodRunning {
		return nil, fmt.Errorf("the driver pod %s is %s, not Running: %w", pod.Name, pod.Status.Phase, ErrNotRunning)
	}
	return pod, nil
}

// forward forwards a local port to the pod's remote port until ctx ends. Once it listens, opened is given
// the local base URL (http://address:port) and returns the URL it told the user, which ready is given.
func forward(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, pod *corev1.Pod, remote int32, address string, port int,
	errOut io.Writer, opened func(base string) (string, error), ready func(string)) error {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return fmt.Errorf("port-forward transport: %w", err)
	}
	req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward")
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, req.URL())
	stop, readyCh := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	fw, err := portforward.NewOnAddresses(dialer, []string{address}, []string{fmt.Sprintf("%d:%d", port, remote)}, stop, readyCh, io.Discard, errOut)
	if err != nil {
		return cmderr.Usagef("port-forward: %v", err)
	}
	errCh := make(chan error, 1)
	go func() { errCh <- fw.ForwardPorts() }()
	select {
	case err := <-errCh:
		return fmt.Errorf("forwarding to pod %s: %v", pod.Name, err)
	case <-readyCh:
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		return fmt.Errorf("port-forward did not report its port: %v", err)
	}
	base := url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", address, ports[0].Local)}
	told, err := opened(base.String())
	if err != nil {
		return err
	}
	if ready != nil {
		ready(told)
	}
	if err := <-errCh; err != nil && ctx.Err() == nil {
		return fmt.Errorf("forwarding to pod %s: %v", pod.Name, err)
	}
	return nil
}
