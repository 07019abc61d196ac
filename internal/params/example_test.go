package params_test

import (
	"fmt"
	"time"

	"github.com/stokehq/stoke/internal/params"
)

func ExampleExpand() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	values := params.Values{
		params.ScheduledTime:  params.Time(time.Date(2026, 12, 2, 0, 30, 0, 0, berlin)),
		params.Param("table"): "orders",
	}
	out, err := params.Expand(`--date={{ .ScheduledTime | addDays -1 | date "2006-01-02" }} --table={{ .Params.table }}`, values)
	fmt.Println(out, err)
	// Output: --date=2026-12-01 --table=orders <nil>
}
