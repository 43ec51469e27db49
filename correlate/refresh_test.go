package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// feed processes events in order on an engine, numbering those without a
// native id, and collects alerts (every version) and refreshes.
type feed struct {
	t         *testing.T
	name      string
	e         *Engine
	n         int
	alerts    map[string]*schemas.Alert
	refreshed []*schemas.Event
}

// newFeed names its events' native ids after the feed, as distinct
// records have distinct ids.
func newFeed(t *testing.T, name string, every time.Duration) *feed {
	t.Helper()
	e, err := NewEngine(Config{Mode: EmitEager, RefreshEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	return &feed{t: t, name: name, e: e, alerts: map[string]*schemas.Alert{}}
}

func (f *feed) out(o Output) {
	if o.Alert != nil {
		f.alerts[o.Alert.ID] = o.Alert
	}
	f.refreshed = append(f.refreshed, o.Refresh...)
}

func (f *feed) process(evs ...*schemas.Event) {
	for _, ev := range evs {
		f.n++
		if ev.NativeID == "" {
			ev.NativeID = fmt.Sprintf("%s-%d", f.name, f.n)
		}
		if err := f.e.Process(ev, f.out); err != nil {
			f.t.Fatalf("event %d: %v", f.n, err)
		}
	}
}

func (f *feed) rules() map[string]int {
	n := map[string]int{}
	for _, a := range f.alerts {
		n[a.Rule.ID]++
	}
	return n
}

// TestRefreshCarriesOldPodThroughRebuild starts a privileged pod, lets two
// hours of other traffic pass, and hands the refreshes the engine wrote to
// a new engine (a partition rebuilt from a lookback that no longer holds
// the pod's creation): an exec into the pod and a host action still raise
// the session escape there, and restoring raised nothing by itself.
func TestRefreshCarriesOldPodThroughRebuild(t *testing.T) {
	every := 10 * time.Minute
	first := newFeed(t, "first", every)
	spec := schemas.PodSpec{Containers: []schemas.ContainerSpec{ctr("app", "example/trainer:1", true)}}
	first.process(
		podCreate(0, "ml", "trainer", "u1", "dev@example.com", spec),
		podStatus(2, "ml", "trainer", "u1", status("app")),
	)
	for sec := 600.0; sec <= 7200; sec += 600 {
		first.process(podStatus(sec, "ml", fmt.Sprintf("batch-%d", int(sec)), fmt.Sprintf("b%d", int(sec)), status(fmt.Sprint("job", sec))))
	}
	if len(first.refreshed) < 2 {
		t.Fatalf("%d events refreshed over two hours, want the pod's spec and status again and again", len(first.refreshed))
	}
	var sawSpec, sawStatus bool
	for _, ev := range first.refreshed {
		if ev.Pod.Name != "trainer" {
			t.Errorf("refreshed %s/%s, which carries no risk", ev.Pod.Namespace, ev.Pod.Name)
		}
		sawSpec = sawSpec || ev.Kind == schemas.KindPodSpec
		sawStatus = sawStatus || ev.Kind == schemas.KindPodStatus
	}
	if !sawSpec || !sawStatus {
		t.Fatalf("refreshes lack the spec (%v) or the container ids (%v)", sawSpec, sawStatus)
	}

	attack := func(f *feed) {
		f.process(
			execInto(7300, "ml", "trainer", "app", "mallory@example.com", "sh"),
			inPod(falcoExec(7310, cid("app"), "node-1", "nsenter", "-t 1 -m sh"), "ml", "trainer", "app"),
		)
	}
	rebuilt := newFeed(t, "rebuilt", every)
	for _, ev := range first.refreshed {
		rebuilt.e.Restore(ev, rebuilt.out)
	}
	if len(rebuilt.alerts) != 0 {
		t.Fatalf("restoring raised %v", rebuilt.rules())
	}
	attack(rebuilt)
	if got := rebuilt.rules(); got["ESC-S07"] != 1 || got["ESC-C02"] != 1 {
		t.Errorf("after restoring: %v, want ESC-S07 and ESC-C02", got)
	}

	blind := newFeed(t, "blind", every)
	attack(blind)
	if got := blind.rules(); got["ESC-C02"] != 0 {
		t.Errorf("without the refreshes the pod is not known as risky, yet %v", got)
	}
}

// TestRestoreIgnoresWhatTheUnitKeeps reads an engine's own refresh back:
// nothing changes, and a risky pod that ended is no longer refreshed.
func TestRestoreIgnoresWhatTheUnitKeeps(t *testing.T) {
	f := newFeed(t, "own", 10*time.Minute)
	spec := schemas.PodSpec{HostPID: true, Containers: []schemas.ContainerSpec{ctr("app", "example/tool:1", true)}}
	f.process(podCreate(0, "ops", "tool", "u9", "ops@example.com", spec))
	f.process(podStatus(700, "ops", "other", "u8", status("x")))
	if len(f.refreshed) != 1 {
		t.Fatalf("%d refreshed events, want the pod's spec", len(f.refreshed))
	}
	before := len(f.alerts)
	for _, ev := range f.refreshed {
		f.e.Restore(ev, f.out)
	}
	if len(f.alerts) != before {
		t.Errorf("reading its own refresh back raised %d alerts", len(f.alerts)-before)
	}
	f.refreshed = nil
	f.process(podDelete(800, "ops", "tool", "u9"), podStatus(2100, "ops", "other", "u8", status("x")))
	if len(f.refreshed) != 0 {
		t.Errorf("a deleted pod was refreshed: %d events", len(f.refreshed))
	}
}
