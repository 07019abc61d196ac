//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestSparkUIThroughStokeServer: a real driver's Spark UI through the chart-installed stoke server, as a user
// with a Role in the namespace only: with a token, Spark's redirect and every link stay under the server's
// path (X-Forwarded-Context), its REST API answers there, and a browser's ui-session cookie opens it too.
// Once the application has ended, its pages in the chart's History Server open the same way, and no other
// application's.
func TestSparkUIThroughStokeServer(t *testing.T) {
	if h.Chart == nil {
		t.Skip("stoke server is installed by the chart (STOKE_E2E_OPERATOR=chart)")
	}
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		create(t, App(ns, "live", version, loadJob, "1", "2", "30"))
		token := roleToken(t, ns, "ui-user", []rbacv1.PolicyRule{
			{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"pods/proxy"}, Verbs: []string{"get"}},
		})
		running := waitPhase(t, ns, "live", 3*time.Minute, stokev1.PhaseRunning, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if running.Status.Phase != stokev1.PhaseRunning {
			t.Fatalf("phase %s, want Running", running.Status.Phase)
		}
		server := nodePortURL(t, operatorNS, release+"-server").String()
		prefix := "/api/v1/namespaces/" + ns + "/applications/live/ui"
		bearer := []string{"Authorization", "Bearer " + token}

		page, err := getWith(server+prefix+"/", prefix+"/jobs/", time.Minute, bearer...) // Spark redirects / to /jobs/
		if err != nil {
			t.Fatalf("the Spark UI through stoke server: %v", err)
		}
		if !strings.Contains(page, `href="`+prefix+`/stages/"`) {
			t.Errorf("the jobs page does not link under %s:\n%s", prefix, tail(page, 30))
		}
		id := get(t, ns, "live").Status.CurrentAttempt.SparkApplicationID
		apps, err := getWith(server+prefix+"/api/v1/applications", prefix+"/api/v1/applications", 10*time.Second, bearer...)
		if err != nil || !strings.Contains(apps, `"id" : "`+id+`"`) && !strings.Contains(apps, `"id":"`+id+`"`) {
			t.Errorf("Spark's REST API through the server (want application %s): %v\n%s", id, err, apps)
		}

		// A browser: the token exchanged for the cookie, which alone opens the UI.
		req, _ := http.NewRequest("POST", server+prefix+"-session", strings.NewReader("token="+token))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
			t.Fatalf("ui-session: %s, cookies %v", resp.Status, cookies)
		}
		if page, err := getWith(server+prefix+"/", prefix+"/jobs/", 10*time.Second, "Cookie", cookies[0].Name+"="+cookies[0].Value); err != nil || !strings.Contains(page, prefix+"/stages/") {
			t.Errorf("the UI with the cookie: %v", err)
		}

		// Once it has ended, its pages in the chart's History Server, through the server, and only its own.
		if got := waitPhase(t, ns, "live", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed); got.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("the application ended %s", got.Status.Phase)
		}
		history := "/api/v1/namespaces/" + ns + "/applications/live/history"
		page, err = getWith(server+history+"/", history+"/history/"+id+"/jobs/", 2*time.Minute, bearer...)
		if err != nil {
			t.Fatalf("the History Server through stoke server: %v", err)
		}
		if !strings.Contains(page, history+"/history/"+id+"/stages/") {
			t.Errorf("the History Server's jobs page does not link under %s:\n%s", history, tail(page, 30))
		}
		resp, err = http.DefaultClient.Do(mustRequest(t, server+history+"/api/v1/applications", bearer...))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the History Server's list of every application through the server: %s, want 404", resp.Status)
		}
	})
}

func mustRequest(t *testing.T, url string, headers ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// getWith GETs url with the headers until it answers 200 at the path want (after redirects), and returns
// the body.
func getWith(url, want string, timeout time.Duration, headers ...string) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return "", err
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && resp.Request.URL.Path == want {
				return string(body), nil
			}
			err = fmt.Errorf("%s at %s, want 200 at %s: %s", resp.Status, resp.Request.URL, want, tail(string(body), 5))
		}
		if time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(time.Second)
	}
}
