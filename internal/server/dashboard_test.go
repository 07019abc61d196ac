package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// browser is a headless Debian Chromium driven through the DevTools protocol (chromedp), with the flags
// this machine's closed network needs. hack/chromium.sh installs it; STOKE_CHROMIUM names another binary.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := os.Getenv("STOKE_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("no Chromium at %s: run hack/chromium.sh (make test does) or set STOKE_CHROMIUM", bin)
	}
	// Not t.TempDir: Chromium's helpers may still be writing to the profile for a moment after it exits.
	profile, err := os.MkdirTemp("", "stoke-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 860))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// signIn opens the dashboard's sign-in page and signs in with the token, as a person would.
func signIn(t *testing.T, ctx context.Context, url, token string) {
	t.Helper()
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/signin"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		typeInto("#token", token),
		chromedp.Click("#signin", chromedp.ByID),
	); err != nil {
		t.Fatalf("signing in: %v", err)
	}
}

// typeInto sets a field's value and fires the input event the page listens to (typing a 1,000-character
// token key by key would only be slower).
func typeInto(selector, value string) chromedp.Action {
	js, _ := json.Marshal(value)
	sel, _ := json.Marshal(selector)
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel, js), nil)
}

// screenshot saves the page for docs/dashboard.md when STOKE_UPDATE_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("STOKE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(testenv.RepoRoot(), "docs", "images", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDashboard: in a real browser, the applications list, a status change reaching the open page, the
// application's page with its attempts, conditions and log panel, and a rerun from its button.
func TestDashboard(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	for _, name := range []string{"pi", "etl-daily", "report"} {
		mustCreate(t, pi(ns, name, nil))
	}
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pi"}}
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, DriverPodName: "pi-1-driver", SparkApplicationID: "spark-1"})
	failed := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "report"}}
	code := int32(1)
	setPhase(t, failed, stokev1.PhaseFailed, &stokev1.Attempt{Number: 1, Outcome: stokev1.OutcomeApplicationFailure, ExitCode: &code, Reason: "DriverFailed"})

	ctx := browser(t)
	signIn(t, ctx, url, alice.token)
	row := func(name string) string { return `tr[data-app="` + name + `"]` }
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/ns/"+ns+"/apps"),
		chromedp.WaitVisible(row("pi")), chromedp.WaitVisible(row("etl-daily")), chromedp.WaitVisible(row("report")),
		chromedp.WaitVisible(row("pi")+` [data-phase="Running"]`),
	); err != nil {
		t.Fatalf("the applications list: %v", err)
	}
	screenshot(t, ctx, "dashboard-apps.png")

	// Status changes reach the open page: the median of three under a second (each is logged).
	var lags []time.Duration
	for i, phase := range []stokev1.ApplicationPhase{stokev1.PhaseRetrying, stokev1.PhaseRunning, stokev1.PhaseSucceeded} {
		setPhase(t, app, phase, &stokev1.Attempt{Number: int32(1 + i/2), DriverPodName: "pi-1-driver"})
		changed := time.Now()
		if err := chromedp.Run(ctx, chromedp.WaitVisible(row("pi")+` [data-phase="`+string(phase)+`"]`)); err != nil {
			t.Fatalf("the page never showed %s: %v", phase, err)
		}
		lags = append(lags, time.Since(changed))
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	t.Logf("status change → page: %v", lags)
	if lags[1] > time.Second {
		t.Errorf("status changes took %v to reach the page (median over a second)", lags)
	}

	// The filter narrows the list on the server.
	if err := chromedp.Run(ctx,
		chromedp.SendKeys("#filter", "etl", chromedp.ByID),
		chromedp.WaitNotPresent(row("pi")), chromedp.WaitVisible(row("etl-daily")),
		typeInto("#filter", ""),
		chromedp.WaitVisible(row("report")),
	); err != nil {
		t.Fatalf("filtering: %v", err)
	}

	// The failed application's page: attempt with exit code, conditions, the log panel's reason.
	var attempts, logProblem string
	if err := chromedp.Run(ctx,
		chromedp.Click(row("report")+" a"),
		chromedp.WaitVisible(`main.detail[data-app="report"]`),
		chromedp.WaitVisible(`#attempts tr[data-attempt="1"]`),
		chromedp.Text(`#attempts tr[data-attempt="1"]`, &attempts),
		chromedp.WaitVisible(`#log-problem`, chromedp.ByID),
		chromedp.Text(`#log-problem`, &logProblem, chromedp.ByID),
	); err != nil {
		t.Fatalf("the application's page: %v", err)
	}
	if !strings.Contains(attempts, "ApplicationFailure") || !strings.Contains(attempts, "DriverFailed") || !strings.Contains(attempts, "1") {
		t.Errorf("attempt row: %q", attempts)
	}
	// No kubelet here: the attempt has no driver pod, which the panel says (e2e reads real logs).
	if !strings.Contains(logProblem, "no driver pod") {
		t.Errorf("log panel: %q", logProblem)
	}
	screenshot(t, ctx, "dashboard-app.png")

	// Rerun, as alice, from the button of the failed application.
	if err := chromedp.Run(ctx, chromedp.Click("#rerun", chromedp.ByID)); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	eventually(t, "the rerun to reach the spec", func() bool {
		got := &stokev1.SparkApplication{}
		return env.Client.Get(context.Background(), client.ObjectKeyFromObject(failed), got) == nil && got.Spec.RunToken != ""
	})
}

// TestDashboardRefusals: a namespace the user may not read shows the server's 403 and none of its
// applications; a token the API server does not accept leads back to the sign-in page.
func TestDashboardRefusals(t *testing.T) {
	mine, theirs, state := env.Namespace(t), env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	bob := newUser(t, mine, "bob", map[string][]rbacv1.PolicyRule{mine: viewRules})
	mustCreate(t, pi(theirs, "their-secret-job", nil))
	ctx := browser(t)
	signIn(t, ctx, url, bob.token)
	var body string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/ns/"+theirs+"/apps"),
		chromedp.WaitVisible(`.problem[data-status="403"]`),
		chromedp.Text("body", &body),
	); err != nil {
		t.Fatalf("the forbidden namespace: %v", err)
	}
	if strings.Contains(body, "their-secret-job") || !strings.Contains(body, "Forbidden") {
		t.Errorf("the page shows: %q", body)
	}
	screenshot(t, ctx, "dashboard-forbidden.png")

	signIn(t, ctx, url, "not-a-token")
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/ns/"+mine+"/apps"),
		chromedp.WaitVisible("#token", chromedp.ByID),
	); err != nil {
		t.Fatalf("a bad token did not lead back to sign-in: %v", err)
	}
}

// TestDashboardPipelinesAndSubmit: a workflow's DAG graph with its step states, a schedule's run-now and
// backfill buttons, and the submit form starting a new application from an existing one.
func TestDashboardPipelinesAndSubmit(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	ctx := context.Background()

	template := pi(ns, "pi", map[string]string{"team": "a", stokev1.LabelSchedule: "another-schedule"})
	args := []string{"1000"}
	template.Spec.Arguments = args
	// What the form does not show is kept from the template: the driver's service account (without which
	// Spark cannot create executors), its CPU request, a volume.
	sa, request := "spark", "200m"
	template.Spec.Driver.ServiceAccount, template.Spec.Driver.CoreRequest = &sa, &request
	template.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mustCreate(t, template)
	spec := pi(ns, "x", nil).Spec
	step := func(name string, deps ...string) stokev1.WorkflowStep {
		return stokev1.WorkflowStep{Name: name, Dependencies: deps, Template: stokev1.StepTemplate{Application: spec}}
	}
	transform := step("transform", "extract")
	transform.Items = []string{"eu", "us", "apac"}
	load := step("load")
	load.Depends = "transform && extract.Succeeded"
	wf := &stokev1.SparkWorkflow{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "etl"},
		Spec: stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("extract"), transform, load}}}
	if err := env.Client.Create(ctx, wf); err != nil {
		t.Fatal(err)
	}
	wf.Status = stokev1.SparkWorkflowStatus{Phase: stokev1.WorkflowPhaseRunning, Steps: []stokev1.WorkflowStepStatus{
		{Name: "extract", Phase: stokev1.StepSucceeded, Application: "etl-extract", Attempt: 1},
		{Name: "transform-0", Step: "transform", Phase: stokev1.StepSucceeded, Application: "etl-transform-0", Attempt: 1},
		{Name: "transform-1", Step: "transform", Phase: stokev1.StepRunning, Application: "etl-transform-1", Attempt: 1},
		{Name: "transform-2", Step: "transform", Phase: stokev1.StepRunning, Application: "etl-transform-2", Attempt: 1},
		{Name: "load", Phase: stokev1.StepPending},
	}}
	if err := env.Client.Status().Update(ctx, wf); err != nil {
		t.Fatal(err)
	}
	sched := &stokev1.ScheduledSparkApplication{}
	if err := yaml.UnmarshalStrict([]byte(nightly), sched); err != nil {
		t.Fatal(err)
	}
	sched.Namespace = ns
	if err := env.Client.Create(ctx, sched); err != nil {
		t.Fatal(err)
	}

	b := browser(t)
	signIn(t, b, url, alice.token)
	node := func(step, phase string) string { return `g[data-step="` + step + `"][data-phase="` + phase + `"]` }
	var transformText string
	if err := chromedp.Run(b,
		chromedp.Navigate(url+"/#/ns/"+ns+"/workflows"),
		chromedp.WaitVisible(`tr[data-workflow="etl"] a`),
		chromedp.Click(`tr[data-workflow="etl"] a`),
		chromedp.WaitVisible(node("extract", "Succeeded")),
		chromedp.WaitVisible(node("transform", "Running")),
		chromedp.WaitVisible(node("load", "Pending")),
		chromedp.WaitReady(`path[data-edge="extract->transform"]`),
		chromedp.WaitReady(`path[data-edge="transform->load"]`),
		chromedp.WaitReady(`path[data-edge="extract->load"]`),
		chromedp.TextContent(`g[data-step="transform"]`, &transformText),
		chromedp.WaitVisible(`#steps tr[data-step="transform-1"]`),
	); err != nil {
		t.Fatalf("the workflow's graph: %v", err)
	}
	if !strings.Contains(transformText, "1/3 items") {
		t.Errorf("the fan-out node says %q", transformText)
	}
	screenshot(t, b, "dashboard-workflow.png")

	var result string
	if err := chromedp.Run(b,
		chromedp.Navigate(url+"/#/ns/"+ns+"/schedules"),
		chromedp.WaitVisible(`tr[data-schedule="nightly"] a`),
		chromedp.Click(`tr[data-schedule="nightly"] a`),
		chromedp.WaitVisible("#run-now", chromedp.ByID),
		chromedp.Click("#run-now", chromedp.ByID),
		chromedp.WaitVisible("#result", chromedp.ByID),
		typeInto("#from", "2026-11-01"), typeInto("#to", "2026-11-03"),
		chromedp.Click(`#backfill button`),
		chromedp.Poll(`document.getElementById("result").textContent.includes("backfill of 3 fire times")`, nil),
		chromedp.Text("#result", &result, chromedp.ByID),
	); err != nil {
		t.Fatalf("the schedule's buttons: %v", err)
	}
	stored := &stokev1.ScheduledSparkApplication{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(sched), stored); err != nil || stored.Annotations[stokev1.AnnotationRunNow] == "" || stored.Spec.Backfill == nil {
		t.Errorf("run-now and backfill did not reach the schedule: %v %v (%v)", stored.Annotations, stored.Spec.Backfill, err)
	}
	screenshot(t, b, "dashboard-schedule.png")

	var file string
	if err := chromedp.Run(b,
		chromedp.Navigate(url+"/#/ns/"+ns+"/apps/pi"),
		chromedp.WaitVisible("#new-from", chromedp.ByID),
		chromedp.Click("#new-from", chromedp.ByID),
		chromedp.WaitVisible("#f-file", chromedp.ByID),
		chromedp.Value("#f-file", &file, chromedp.ByID),
		typeInto("#f-name", "pi-from-form"), typeInto("#f-numExecutors", "3"), typeInto("#f-args", "2000"),
	); err != nil {
		t.Fatalf("the submit form: %v", err)
	}
	if file != *template.Spec.MainApplicationFile {
		t.Errorf("the form did not start from the template: file %q", file)
	}
	screenshot(t, b, "dashboard-submit.png")
	if err := chromedp.Run(b,
		chromedp.Click("#submit", chromedp.ByID),
		chromedp.WaitVisible(`main.detail[data-app="pi-from-form"]`),
	); err != nil {
		t.Fatalf("submitting: %v", err)
	}
	created := &stokev1.SparkApplication{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "pi-from-form"}, created); err != nil {
		t.Fatal(err)
	}
	if *created.Spec.Executor.Instances != 3 || *created.Spec.MainClass != *template.Spec.MainClass || created.Spec.Image != template.Spec.Image ||
		created.Spec.Arguments[0] != "2000" {
		t.Errorf("the submitted application: %+v", created.Spec)
	}
	if d := created.Spec.Driver; d.ServiceAccount == nil || *d.ServiceAccount != sa || d.CoreRequest == nil || *d.CoreRequest != request ||
		len(created.Spec.Volumes) != 1 || created.Labels["team"] != "a" || created.Labels[stokev1.LabelSchedule] != "" {
		t.Errorf("the new application lost the template's driver %+v, volumes %v or labels %v (or kept Stoke's own)", d, created.Spec.Volumes, created.Labels)
	}
}

// TestDashboardOpensTheSparkUI: the running application's "Open the Spark UI" button opens its driver's UI
// through the server in a new tab, which holds none of the dashboard's session (no token, no opener).
func TestDashboardOpensTheSparkUI(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	proxyRule := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/proxy"}, Verbs: []string{"get"}}
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: append(append([]rbacv1.PolicyRule{}, editRules...), proxyRule)})
	driver := httptest.NewServer(&fakeDriverUI{})
	defer driver.Close()
	app := pi(ns, "pi", nil)
	mustCreate(t, app)
	runningDriver(t, app, driver.Listener.Addr().String())

	ctx := browser(t)
	signIn(t, ctx, url, alice.token)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/ns/"+ns+"/apps/pi"),
		chromedp.WaitVisible(`#spark-ui button`),
	); err != nil {
		t.Fatalf("the application's page: %v", err)
	}
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.Type == "page" })
	if err := chromedp.Run(ctx, chromedp.Click(`#spark-ui button`)); err != nil {
		t.Fatalf("clicking the button: %v", err)
	}
	var id target.ID
	select {
	case id = <-opened:
	case <-time.After(30 * time.Second):
		t.Fatal("no tab opened")
	}
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	defer cancel()
	var text, location string
	var token, opener bool
	prefix := "/api/v1/namespaces/" + ns + "/applications/pi/ui"
	if err := chromedp.Run(tab,
		chromedp.WaitVisible(`a[href="`+prefix+`/stages/"]`),
		chromedp.Text("body", &text),
		chromedp.Location(&location),
		chromedp.Evaluate(`!!sessionStorage.getItem("stoke.token")`, &token),
		chromedp.Evaluate(`window.opener !== null`, &opener),
	); err != nil {
		t.Fatalf("the Spark UI tab: %v", err)
	}
	if !strings.HasSuffix(location, prefix+"/jobs/") || !strings.Contains(text, "path=/jobs/") {
		t.Errorf("the tab shows %q at %s", text, location)
	}
	if token || opener {
		t.Errorf("the UI's tab can reach the dashboard's session: token in its storage %v, opener %v", token, opener)
	}
}
