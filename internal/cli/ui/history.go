package ui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// HistoryServerSelector is the label of the Spark History Server's Service that the chart installs.
const HistoryServerSelector = "app.kubernetes.io/component=history-server"

// history forwards to the History Server and prints the page of the application's last attempt, once the
// History Server has loaded its event log.
func (o *Options) history(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, app *stokev1.SparkApplication, out, errOut io.Writer) error {
	cur := app.Status.CurrentAttempt
	if cur.SparkApplicationID == "" {
		return fmt.Errorf("attempt %d of %q ended (%s) before Spark started: there is no Spark UI to look back at", cur.Number, app.Name, cur.Outcome)
	}
	svc, err := o.historyService(ctx, cs)
	if err != nil {
		return err
	}
	pod, port, err := servingPod(ctx, cs, svc)
	if err != nil {
		return err
	}
	id := cur.SparkApplicationID
	return forward(ctx, cfg, cs, pod, port, o.Address, o.Port, errOut, func(base string) (string, error) {
		if err := waitForApplication(ctx, base, id, o.Wait, errOut); err != nil {
			return "", fmt.Errorf("attempt %d of %q ended (%s), and the History Server %s/%s %w", cur.Number, app.Name, cur.Outcome, svc.Namespace, svc.Name, err)
		}
		u := base + "/history/" + id + "/"
		fmt.Fprintf(out, "History Server page of %s (attempt %d, %s): %s (Ctrl-C to stop)\n", app.Name, cur.Number, cur.Outcome, u)
		return u, nil
	}, o.Ready)
}

// historyService is the Service named by --history-server, else the one Service with the chart's label.
func (o *Options) historyService(ctx context.Context, cs kubernetes.Interface) (*corev1.Service, error) {
	if o.HistoryServer != "" {
		ns, name, ok := strings.Cut(o.HistoryServer, "/")
		if !ok || ns == "" || name == "" {
			return nil, cmderr.Usagef("--history-server %q: want namespace/name", o.HistoryServer)
		}
		svc, err := cs.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("the History Server Service %s does not exist", o.HistoryServer)
		}
		if err != nil {
			return nil, cmderr.API(err, "service "+o.HistoryServer)
		}
		return svc, nil
	}
	list, err := cs.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: HistoryServerSelector})
	if err != nil {
		return nil, cmderr.API(err, "services labelled "+HistoryServerSelector+" (name one with --history-server namespace/name)")
	}
	switch len(list.Items) {
	case 0:
		return nil, fmt.Errorf("the application has ended and no Spark History Server was found (no Service labelled %s): install one with the chart's historyServer.enabled and eventLog values, or name yours with --history-server namespace/name", HistoryServerSelector)
	case 1:
		return &list.Items[0], nil
	}
	var names []string
	for _, s := range list.Items {
		names = append(names, s.Namespace+"/"+s.Name)
	}
	return nil, cmderr.Usagef("%d History Servers (%s): choose one with --history-server", len(names), strings.Join(names, ", "))
}

// servingPod is a ready pod behind the Service, and the container port its first port targets.
func servingPod(ctx context.Context, cs kubernetes.Interface, svc *corev1.Service) (*corev1.Pod, int32, error) {
	where := svc.Namespace + "/" + svc.Name
	if len(svc.Spec.Selector) == 0 || len(svc.Spec.Ports) == 0 {
		return nil, 0, fmt.Errorf("the History Server Service %s has no selector or no port", where)
	}
	pods, err := cs.CoreV1().Pods(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return nil, 0, cmderr.API(err, "the pods of "+where)
	}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !podReady(pod) {
			continue
		}
		if port, ok := targetPort(pod, svc.Spec.Ports[0]); ok {
			return pod, port, nil
		}
	}
	return nil, 0, fmt.Errorf("no ready pod serves the History Server Service %s (%d pods)", where, len(pods.Items))
}

func podReady(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning || pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// targetPort resolves a Service port's target on the pod: a number, or the name of a container port.
func targetPort(pod *corev1.Pod, sp corev1.ServicePort) (int32, bool) {
	t := sp.TargetPort
	switch {
	case t.Type == intstr.Int && t.IntVal != 0:
		return t.IntVal, true
	case t.Type == intstr.String && t.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == t.StrVal {
					return p.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	return sp.Port, true
}

// waitForApplication asks the History Server for the application until it knows it: it finds a finished
// event log on its next scan (spark.history.fs.update.interval) and takes a moment to parse it.
func waitForApplication(ctx context.Context, base, id string, wait time.Duration, errOut io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	told := false
	last := ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/applications/"+id, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if !told {
			fmt.Fprintf(errOut, "waiting for the History Server to load %s...\n", id)
			told = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("has not loaded %s within %s (last answer: %s): was its event log on (spec.monitoring.eventLog, the operator's eventLog.dir)?", id, wait, last)
		case <-time.After(time.Second):
		}
	}
}
