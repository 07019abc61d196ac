package schedule_test

import (
	"fmt"
	"time"

	"github.com/stokehq/stoke/internal/schedule"
)

func ExampleSchedule_Due() {
	s, err := schedule.Parse([]string{"0 2 * * *"}, "Europe/Berlin")
	if err != nil {
		panic(err)
	}
	deadline := 6 * time.Hour
	last := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC) // the run for 28 November, 02:00 in Berlin
	now := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)   // the operator was down for four days
	decision := s.Due(last, now, schedule.DueOptions{StartingDeadline: &deadline})
	for _, t := range decision.Run {
		fmt.Println(schedule.RunName("nightly", t), t.In(s.Location()))
	}
	fmt.Println("next:", decision.Next.In(s.Location()))
	// Output:
	// nightly-29936220 2026-12-02 02:00:00 +0100 CET
	// next: 2026-12-03 02:00:00 +0100 CET
}
