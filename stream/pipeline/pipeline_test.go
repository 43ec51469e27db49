package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/files"
	"github.com/escapewatch/escapewatch/stream/pipeline"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

// collector is an AlertSink that keeps the latest version of each alert.
type collector struct {
	mu     sync.Mutex
	alerts map[string]*schemas.Alert
	sends  int
}

func newCollector() *collector { return &collector{alerts: map[string]*schemas.Alert{}} }

func (c *collector) Send(_ context.Context, a *schemas.Alert) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts[a.ID] = a
	c.sends++
	return nil
}

func (c *collector) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.alerts))
	for id := range c.alerts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// scenarioRecords splits a scenario's files into records exactly as scan
// does, and says which input topic each file goes to.
func scenarioRecords(t *testing.T, dir string, topics pipeline.Topics) map[string][][]byte {
	t.Helper()
	ins, err := files.Collect([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	for _, in := range ins {
		topic := topics.Syscall
		name := strings.ToLower(filepath.Base(in.Name))
		switch {
		case strings.Contains(name, "audit") && !strings.Contains(name, "auditd") && !strings.Contains(name, "auditbeat"):
			topic = topics.Audit
		case strings.Contains(name, "docker"), strings.Contains(name, "containerd"), strings.Contains(name, "crio"), strings.Contains(name, "cri-o"), strings.Contains(name, "runtime"):
			topic = topics.Runtime
		}
		rc, err := in.Open()
		if err != nil {
			t.Fatal(err)
		}
		err = files.Records(rc, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			if r.Err == nil {
				out[topic] = append(out[topic], slices.Clone(r.Value))
			}
			return nil
		})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// scanIDs runs the offline path over the scenario and returns its alert ids.
func scanIDs(t *testing.T, dir string, pol *correlate.Policy) []string {
	t.Helper()
	ins, err := files.Collect([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := correlate.NewEngine(correlate.Config{Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	out := func(o correlate.Output) {
		if o.Alert != nil {
			ids = append(ids, o.Alert.ID)
		}
	}
	produce := func(ctx context.Context, i int, emit func(*schemas.Event) error) error {
		rc, err := ins[i].Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		norm := stream.NewNormalizer(decode.Options{}, func(ev *schemas.Event) bool { return correlate.Relevant(ev, pol) })
		err = files.Records(rc, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			_ = norm.Normalize(decode.Record{Value: r.Value}, emit)
			return nil
		})
		if err != nil {
			return err
		}
		return norm.Flush(emit)
	}
	if err := files.Merge(context.Background(), len(ins), 0, produce, func(ev *schemas.Event) error {
		_ = eng.Process(ev, out)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eng.Flush(out)
	sort.Strings(ids)
	return ids
}

func testConfig(brokers []string) pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.Brokers = brokers
	cfg.Topics = pipeline.Topics{
		Audit:      streamtest.Unique("audit"),
		Runtime:    streamtest.Unique("runtime"),
		Syscall:    streamtest.Unique("syscall"),
		Keyed:      streamtest.Unique("keyed"),
		Alerts:     streamtest.Unique("alerts"),
		DeadLetter: streamtest.Unique("dlq"),
	}
	cfg.NormalizeGroup = streamtest.Unique("normalize")
	cfg.CorrelateGroup = streamtest.Unique("correlate")
	cfg.KeyedPartitions = 4
	// Everything is produced at once: hold events until the burst is in
	// (IdleFlush releases it), so they are correlated in event-time order
	// as scan does, however long a span of event time a scenario covers.
	cfg.ReorderDelay = 10 * 365 * 24 * time.Hour
	cfg.IdleFlush = time.Second
	cfg.CommitInterval = 100 * time.Millisecond
	cfg.SessionTimeout = 6 * time.Second
	cfg.HeartbeatInterval = 500 * time.Millisecond
	cfg.MaxWait = 100 * time.Millisecond
	return cfg
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// run starts both stages and returns a stop function that waits for them.
func run(t *testing.T, cfg pipeline.Config, pol *correlate.Policy, sink pipeline.AlertSink) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	parts, err := pipeline.EnsureTopics(ctx, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	log := quietLog()
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	n := pipeline.NewNormalizer(cfg, pol, pipeline.NewMetrics(nil), log)
	c := pipeline.NewCorrelator(cfg, pol, correlate.NewMetrics(nil), pipeline.NewMetrics(nil), sink, parts[cfg.Topics.Keyed], log)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = n.Run(ctx) }()
	go func() { defer wg.Done(); _ = c.Run(ctx) }()
	return func() {
		cancel()
		wg.Wait()
	}
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// TestScenariosThroughPipeline sends every scenario of the suite through
// both stages on an in-process broker and expects exactly the alert ids
// scan produces for the same files.
func TestScenariosThroughPipeline(t *testing.T) {
	brokers := streamtest.Fake(t)
	dirs, err := filepath.Glob("../../testdata/scenarios/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			pol := scenarioPolicy(t, dir)
			want := scanIDs(t, dir, pol)
			cfg := testConfig(brokers)
			sink := newCollector()
			stop := run(t, cfg, pol, sink)
			defer stop()
			for topic, recs := range scenarioRecords(t, dir, cfg.Topics) {
				streamtest.Produce(t, brokers, topic, recs...)
			}
			waitFor(t, 30*time.Second, func() bool { return slices.Equal(sink.ids(), want) })
			if got := sink.ids(); !slices.Equal(got, want) {
				t.Fatalf("pipeline alert ids\n got  %v\n want %v", got, want)
			}
		})
	}
}

// scenarioPolicy loads the scenario's own policy.yml, if it has one.
func scenarioPolicy(t *testing.T, dir string) *correlate.Policy {
	t.Helper()
	p := filepath.Join(dir, "policy.yml")
	if _, err := os.Stat(p); err != nil {
		return correlate.DefaultPolicy()
	}
	pol, err := correlate.LoadPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
