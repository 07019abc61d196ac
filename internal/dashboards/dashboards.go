// Package dashboards defines Stoke's Grafana dashboards as code, with the Grafana Foundation SDK: one for the
// operator (throughput, latencies, failures by reason, the work queue) and one per Spark application
// (executors, tasks, shuffle, GC, memory), on the metrics docs/metrics.md and docs/observability.md describe.
// `make generate` writes them as JSON into charts/stoke/dashboards, which the chart can ship as ConfigMaps
// for Grafana's dashboard sidecar; `make verify` proves the committed JSON is current, and the e2e suite runs
// every panel's query against a real Prometheus during real Spark jobs.
package dashboards

import (
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Dir is where the generated dashboards live, relative to the repository root.
const Dir = "charts/stoke/dashboards"

// datasource is the dashboards' Prometheus, chosen with the datasource variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// Files renders every dashboard as indented JSON, by file name.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, build := range map[string]func() *dashboard.DashboardBuilder{
		"stoke-operator.json":          Operator,
		"stoke-spark-application.json": SparkApplication,
	} {
		d, err := build().Build()
		if err != nil {
			return nil, fmt.Errorf("building %s: %w", name, err)
		}
		data, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", name, err)
		}
		out[name] = append(data, '\n')
	}
	return out, nil
}

// query is one PromQL query of a panel, with the legend Grafana draws for each of its series.
type query struct{ expr, legend string }

// panel is a time series panel of width w (of 24) with its queries.
func panel(title, description, unit string, w uint32, queries ...query) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Description(description).Unit(unit).Span(w).Height(8).
		Datasource(datasource).Min(0).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	for _, q := range queries {
		p.WithTarget(prometheus.NewDataqueryBuilder().Expr(q.expr).LegendFormat(q.legend))
	}
	return p
}

// newDashboard starts a dashboard with the common variables: the Prometheus data source and the namespaces
// (the values of metric's namespace label).
func newDashboard(uid, title, description string, metric string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).Uid(uid).Description(description).Tags([]string{"stoke", "spark"}).
		Refresh("30s").Time("now-1h", "now").Timezone(common.TimeZoneBrowser).Editable().
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")).
		WithVariable(labelVariable("namespace", "Namespace", metric, "namespace", true))
}

// labelVariable is a variable listing the values of a label of a metric.
func labelVariable(name, label, metric, labelName string, all bool) *dashboard.QueryVariableBuilder {
	q := fmt.Sprintf("label_values(%s, %s)", metric, labelName)
	v := dashboard.NewQueryVariableBuilder(name).Label(label).Datasource(datasource).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).Definition(q).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Sort(dashboard.VariableSortAlphabeticalAsc)
	if all {
		v.IncludeAll(true).Multi(true).AllValue(".+")
	}
	return v
}
