package schedule

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestTriggeredRunName(t *testing.T) {
	long := strings.Repeat("nightly-", 10)
	tests := []struct {
		name, schedule, trigger, key string
		wantPrefix                   string
	}{
		{"plain", "ingest", "upload", "d-1", "ingest-"},
		{"unclean schedule", "Ingest.Orders", "upload", "d-1", "ingest-orders-"},
		{"long schedule", long, "upload", "d-1", long[:52]},
		{"empty key", "ingest", "upload", "", "ingest-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TriggeredRunName(tt.schedule, tt.trigger, tt.key)
			if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
				t.Fatalf("%q is not a DNS-1123 label: %v", got, errs)
			}
			if !strings.HasPrefix(got, strings.TrimRight(tt.wantPrefix, "-")) {
				t.Errorf("got %q, want prefix %q", got, tt.wantPrefix)
			}
			if again := TriggeredRunName(tt.schedule, tt.trigger, tt.key); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
		})
	}
	// Every input takes part in the name.
	base := TriggeredRunName("ingest", "upload", "d-1")
	for _, other := range []string{
		TriggeredRunName("ingest", "upload", "d-2"),
		TriggeredRunName("ingest", "upload2", "d-1"),
		TriggeredRunName("ingest2", "upload", "d-1"),
		// The separator keeps ("a", "bc") and ("ab", "c") apart.
		TriggeredRunName("ingest", "uploa", "dd-1"),
	} {
		if other == base {
			t.Errorf("%q names two different deliveries", base)
		}
	}
}

func TestReleaseWaiting(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 12, 3, 10, min, 0, 0, time.UTC) }
	active := []ActiveRun{{Name: "a1", ScheduledTime: at(0)}, {Name: "a2", ScheduledTime: at(1)}}
	waiting := []ActiveRun{{Name: "w1", ScheduledTime: at(2)}, {Name: "w2", ScheduledTime: at(3)}, {Name: "w3", ScheduledTime: at(4)}}
	tests := []struct {
		name            string
		policy          ConcurrencyPolicy
		active, waiting []ActiveRun
		want            Release
	}{
		{"nothing waits", Forbid, active, nil, Release{}},
		{"allow starts all", Allow, active, waiting, Release{Start: []string{"w1", "w2", "w3"}}},
		{"empty policy is allow", "", nil, waiting[:1], Release{Start: []string{"w1"}}},
		{"forbid waits for active", Forbid, active, waiting, Release{}},
		{"forbid starts the oldest", Forbid, nil, waiting, Release{Start: []string{"w1"}}},
		{"replace starts the newest", Replace, active, waiting, Release{Start: []string{"w3"}, Replace: []string{"a1", "a2"}, Supersede: []string{"w1", "w2"}}},
		{"replace with nothing active", Replace, nil, waiting[:1], Release{Start: []string{"w1"}}},
		{"unknown policy starts nothing", "Sometimes", nil, waiting, Release{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReleaseWaiting(tt.policy, tt.active, tt.waiting); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
