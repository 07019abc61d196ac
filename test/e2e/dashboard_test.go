//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	rbacv1 "k8s.io/api/rbac/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestDashboardStartsARunAndShowsItsLog is the newcomer's path after `make demo`, in a real Chromium against
// the chart-installed stoke server: sign in with a token of a user who may run jobs in one namespace, open a
// finished SparkPi, start another run of it with "New from this", and read its result in the page's live
// driver log.
func TestDashboardStartsARunAndShowsItsLog(t *testing.T) {
	if h.Chart == nil {
		t.Skip("stoke server is installed by the chart (STOKE_E2E_OPERATOR=chart)")
	}
	bin := os.Getenv("STOKE_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no Chromium at %s: run hack/chromium.sh (make test does) or set STOKE_CHROMIUM", bin)
	}
	ns := Namespace(t)
	version := newestVersion()
	create(t, App(ns, "pi", version, sparkPi, "10"))
	token := roleToken(t, ns, "dashboard-user", []rbacv1.PolicyRule{
		{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"get", "list", "watch", "create"}},
		{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	})
	if app := waitPhase(t, ns, "pi", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed); app.Status.Phase != stokev1.PhaseSucceeded {
		t.Fatalf("the first SparkPi ended %s", app.Status.Phase)
	}
	url := nodePortURL(t, operatorNS, release+"-server").String()

	// Not t.TempDir: Chromium's helpers may still be writing to the profile for a moment after it exits.
	profile, err := os.MkdirTemp("", "stoke-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelTimeout()
	set := func(selector, value string) chromedp.Action {
		js, _ := json.Marshal(value)
		sel, _ := json.Marshal(selector)
		return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = %s;
			e.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel, js), nil)
	}
	var log string
	started := time.Now()
	err = chromedp.Run(ctx,
		chromedp.Navigate(url+"/#/signin"), chromedp.WaitVisible("#token", chromedp.ByID), set("#token", token),
		chromedp.Click("#signin", chromedp.ByID),
		chromedp.Navigate(url+"/#/ns/"+ns+"/apps/pi"), chromedp.WaitVisible("#new-from", chromedp.ByID),
		chromedp.Click("#new-from", chromedp.ByID), chromedp.WaitVisible("#f-file", chromedp.ByID),
		set("#f-name", "pi-again"), set("#f-args", "20"), chromedp.Click("#submit", chromedp.ByID),
		chromedp.WaitVisible(`main.detail[data-app="pi-again"]`),
		chromedp.Poll(`(() => { const l = document.querySelector("#log"); return !!l && l.textContent.includes("Pi is roughly"); })()`, nil,
			chromedp.WithPollingTimeout(3*time.Minute)),
		chromedp.Text("#log", &log, chromedp.ByID),
	)
	if err != nil {
		app := get(t, ns, "pi-again")
		t.Fatalf("the dashboard's run: %v (phase %s)", err, app.Status.Phase)
	}
	t.Logf("form submitted to result in the page: %.1fs", time.Since(started).Seconds())
	if app := get(t, ns, "pi-again"); app.Status.Phase != stokev1.PhaseSucceeded && app.Status.Phase != stokev1.PhaseRunning ||
		len(app.Spec.Arguments) != 1 || app.Spec.Arguments[0] != "20" {
		t.Errorf("the new run: phase %s, arguments %q", app.Status.Phase, app.Spec.Arguments)
	}
	if !strings.Contains(log, "Pi is roughly 3.1") {
		t.Errorf("the page's log: %s", tail(log, 10))
	}
}
