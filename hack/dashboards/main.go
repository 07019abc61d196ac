// Command dashboards writes Stoke's Grafana dashboards (internal/dashboards) as JSON into
// charts/stoke/dashboards; `make generate` runs it from the repository root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/stokehq/stoke/internal/dashboards"
)

func main() {
	files, err := dashboards.Files()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboards:", err)
		os.Exit(1)
	}
	if err := os.MkdirAll(dashboards.Dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "dashboards:", err)
		os.Exit(1)
	}
	old, _ := filepath.Glob(filepath.Join(dashboards.Dir, "*.json"))
	for _, f := range old {
		if _, keep := files[filepath.Base(f)]; !keep {
			_ = os.Remove(f)
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dashboards.Dir, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "dashboards:", err)
			os.Exit(1)
		}
	}
}
