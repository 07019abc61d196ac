package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stokehq/stoke/internal/testenv"
)

// TestCommittedDashboardsAreCurrent: the JSON in charts/stoke/dashboards is what the Go definitions render
// (make generate rewrites it).
func TestCommittedDashboardsAreCurrent(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), Dir, name))
		if err != nil {
			t.Fatalf("%s: %v (run make generate)", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run make generate", name)
		}
	}
}

// TestPanelsQueryBoundedSeries: every panel has queries, on the dashboard's data source, and aggregates
// (sum by, histogram_quantile) instead of drawing one line per pod or per label value it does not choose;
// every variable a query uses is defined.
func TestPanelsQueryBoundedSeries(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	variable := regexp.MustCompile(`\$\{?([a-z_]+)`)
	for name, data := range files {
		var d struct {
			Panels []struct {
				Title      string
				Datasource struct{ UID string }
				Targets    []struct{ Expr string }
			}
			Templating struct{ List []struct{ Name string } }
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defined := map[string]bool{"__rate_interval": true, "__range": true, "__interval": true}
		for _, v := range d.Templating.List {
			defined[v.Name] = true
		}
		if len(d.Panels) < 4 {
			t.Errorf("%s: %d panels", name, len(d.Panels))
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s / %s: %d queries, data source %q", name, p.Title, len(p.Targets), p.Datasource.UID)
			}
			for _, q := range p.Targets {
				if !strings.HasPrefix(q.Expr, "sum") && !strings.HasPrefix(q.Expr, "histogram_quantile") && !strings.HasPrefix(q.Expr, "max") && !strings.HasPrefix(q.Expr, "count") {
					t.Errorf("%s / %s: %s does not aggregate", name, p.Title, q.Expr)
				}
				for _, m := range variable.FindAllStringSubmatch(q.Expr, -1) {
					if !defined[m[1]] {
						t.Errorf("%s / %s: %s uses the undefined variable %s", name, p.Title, q.Expr, m[1])
					}
				}
			}
		}
	}
}
