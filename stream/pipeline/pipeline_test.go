package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/pipeline"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

const scenarioRoot = "../../testdata/scenarios"

// mixedScenarios are attack scenarios on the built-in policy whose pods do
// not meet, so that together they raise exactly the union of their alerts
// (TestMixedScenariosAreIndependent keeps that true).
var mixedScenarios = []string{
	"01-privileged-hostpid-nsenter", "02-session-escape-release-agent", "03-host-disk-takeover-nvme",
	"06-kernel-module-sys-module", "09-hostpid-ptrace-injection", "12-kubelet-api-hostnetwork",
	"19-docker-exec-session-plain", "21-containerd-exec-keyctl", "22-benign-cni-csi-infrastructure",
}

func scenarioDirs(names ...string) []string {
	dirs := make([]string, len(names))
	for i, n := range names {
		dirs[i] = filepath.Join(scenarioRoot, n)
	}
	return dirs
}

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

func (c *collector) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.alerts[id] != nil
}

func testConfig(brokers []string) pipeline.Config {
	cfg := streamtest.Config(brokers)
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

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// instance is one escapewatch process's worth of pipeline: both stages,
// with a sink of its own.
type instance struct {
	corr *pipeline.Correlator
	sink *collector
	stop func()
}

// start runs both stages until the returned instance is stopped (or the
// test ends).
func start(t *testing.T, cfg pipeline.Config, pol *correlate.Policy) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	parts, err := pipeline.EnsureTopics(ctx, cfg, true)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	log := testLog()
	in := &instance{sink: newCollector()}
	n := pipeline.NewNormalizer(cfg, pol, pipeline.NewMetrics(nil), log)
	in.corr = pipeline.NewCorrelator(cfg, pol, correlate.NewMetrics(nil), pipeline.NewMetrics(nil), in.sink, parts[cfg.Topics.Keyed], log)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = n.Run(ctx) }()
	go func() { defer wg.Done(); _ = in.corr.Run(ctx) }()
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) ready() bool { return in.corr.Ready() && in.corr.Owned() > 0 }

// waitIDs waits until the union of the instances' alert ids is want, and
// fails the test with the difference otherwise.
func waitIDs(t *testing.T, timeout time.Duration, want []string, ins ...*instance) {
	t.Helper()
	union := func() []string {
		var all []string
		for _, in := range ins {
			all = append(all, in.sink.ids()...)
		}
		slices.Sort(all)
		return slices.Compact(all)
	}
	if !streamtest.WaitFor(timeout, func() bool { return slices.Equal(union(), want) }) {
		t.Fatalf("pipeline alert ids\n got  %v\n want %v", union(), want)
	}
}

// TestScenariosThroughPipeline sends every scenario of the suite through
// both stages and expects exactly the alert ids scan produces for the same
// files.
func TestScenariosThroughPipeline(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(scenarioRoot, "*"))
	if err != nil || len(dirs) < 25 {
		t.Fatalf("scenarios: %d found, %v", len(dirs), err)
	}
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		for _, dir := range dirs {
			t.Run(filepath.Base(dir), func(t *testing.T) {
				pol := streamtest.ScenarioPolicy(t, dir)
				want := streamtest.IDs(streamtest.ScanAlerts(t, []string{dir}, pol))
				cfg := testConfig(brokers)
				in := start(t, cfg, pol)
				streamtest.ProduceRecords(t, brokers, streamtest.ScenarioRecords(t, []string{dir}, cfg.Topics.ForFile))
				waitIDs(t, 30*time.Second, want, in)
			})
		}
	})
}

// TestMixedScenariosAreIndependent keeps mixedScenarios honest: scanned
// together they raise exactly what they raise one by one.
func TestMixedScenariosAreIndependent(t *testing.T) {
	pol := correlate.DefaultPolicy()
	var each []string
	for _, dir := range scenarioDirs(mixedScenarios...) {
		each = append(each, streamtest.IDs(streamtest.ScanAlerts(t, []string{dir}, pol))...)
	}
	slices.Sort(each)
	together := streamtest.IDs(streamtest.ScanAlerts(t, scenarioDirs(mixedScenarios...), pol))
	if !slices.Equal(each, together) {
		t.Fatalf("the mixed scenarios interfere:\n one by one %v\n together   %v", each, together)
	}
	if len(together) < 20 {
		t.Fatalf("only %d alerts; the mix should exercise many rules", len(together))
	}
}

// TestTwoInstancesSplitPartitions runs two instances in one pair of
// consumer groups: they split the keyed partitions, and together raise
// exactly the alerts one instance (and scan) raises, each alert by one of
// them only.
func TestTwoInstancesSplitPartitions(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dirs := scenarioDirs(mixedScenarios...)
	want := streamtest.IDs(streamtest.ScanAlerts(t, dirs, pol))
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		a := start(t, cfg, pol)
		b := start(t, cfg, pol)
		if !streamtest.WaitFor(30*time.Second, func() bool {
			return a.ready() && b.ready() && a.corr.Owned()+b.corr.Owned() == cfg.KeyedPartitions
		}) {
			t.Fatalf("the instances did not split the %d partitions: %d and %d", cfg.KeyedPartitions, a.corr.Owned(), b.corr.Owned())
		}
		streamtest.ProduceRecords(t, brokers, streamtest.ScenarioRecords(t, dirs, cfg.Topics.ForFile))
		waitIDs(t, 60*time.Second, want, a, b)
		ia, ib := a.sink.ids(), b.sink.ids()
		if len(ia) == 0 || len(ib) == 0 {
			t.Errorf("one instance raised everything: %d and %d alerts", len(ia), len(ib))
		}
		for _, id := range ia {
			if slices.Contains(ib, id) {
				t.Errorf("alert %s raised by both instances", id)
			}
		}
		t.Logf("partitions %d + %d, alerts %d + %d", a.corr.Owned(), b.corr.Owned(), len(ia), len(ib))
	})
}

// TestPartitionMovesMidWindow stops the only instance between a pod's risky
// start and its host action: the next owner rebuilds the partition's state
// from the keyed topic and still raises the chain.
func TestPartitionMovesMidWindow(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dir := filepath.Join(scenarioRoot, "01-privileged-hostpid-nsenter")
	alerts := streamtest.ScanAlerts(t, []string{dir}, pol)
	chain := chainAlert(t, alerts)
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		recs := streamtest.ScenarioRecords(t, []string{dir}, cfg.Topics.ForFile)
		before, after := splitBeforeAction(t, recs, chain)

		first := start(t, cfg, pol)
		streamtest.ProduceRecords(t, brokers, before)
		if !streamtest.WaitFor(30*time.Second, func() bool { return len(first.sink.ids()) > 0 && committedAll(t, brokers, cfg) }) {
			t.Fatal("the first instance raised nothing for the risky start, or did not commit it")
		}
		first.stop()

		next := start(t, cfg, pol)
		if !streamtest.WaitFor(30*time.Second, next.ready) {
			t.Fatal("the next instance did not take the partitions over")
		}
		streamtest.ProduceRecords(t, brokers, after)
		waitIDs(t, 30*time.Second, streamtest.IDs(alerts), first, next)
		if !next.sink.has(chain.ID) {
			t.Errorf("the chain %s was raised by the first instance, not by the one that rebuilt the state", chain.ID)
		}
		if first.sink.has(chain.ID) {
			t.Errorf("the first instance raised the chain before its action was produced")
		}
	})
}

// chainAlert returns the ESC-C01 among alerts.
func chainAlert(t *testing.T, alerts []*schemas.Alert) *schemas.Alert {
	t.Helper()
	for _, a := range alerts {
		if a.Rule.ID == "ESC-C01" {
			return a
		}
	}
	t.Fatal("the scenario raises no ESC-C01")
	return nil
}

// splitBeforeAction splits a scenario's records at the action that
// completes a chain (the chain's newest evidence).
func splitBeforeAction(t *testing.T, recs []streamtest.Record, chain *schemas.Alert) (before, after []streamtest.Record) {
	t.Helper()
	last, err := time.Parse(time.RFC3339Nano, chain.Evidence[len(chain.Evidence)-1].Time)
	if err != nil {
		t.Fatal(err)
	}
	before, after = streamtest.SplitAt(recs, last)
	if len(before) == 0 || len(after) == 0 {
		t.Fatalf("cannot split the scenario at %s: %d and %d records", last, len(before), len(after))
	}
	return before, after
}

// committedAll reports whether stage 2 has committed every keyed record.
func committedAll(t *testing.T, brokers []string, cfg pipeline.Config) bool {
	committed, end := streamtest.Progress(t, brokers, cfg.CorrelateGroup, cfg.Topics.Keyed)
	total := int64(0)
	for _, e := range end {
		total += e
	}
	return total > 0 && caughtUp(committed, end)
}

// TestReplayEqualsLive runs the live pipeline over a mix of scenarios, then
// replays the input topics' time range into another sink: the replayed
// alerts equal the live ones, id for id.
func TestReplayEqualsLive(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dirs := scenarioDirs(mixedScenarios...)
	want := streamtest.IDs(streamtest.ScanAlerts(t, dirs, pol))
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		from := time.Now().Add(-time.Minute)
		live := start(t, cfg, pol)
		streamtest.ProduceRecords(t, brokers, streamtest.ScenarioRecords(t, dirs, cfg.Topics.ForFile))
		waitIDs(t, 60*time.Second, want, live)
		live.stop()

		replayed := newCollector()
		var fractions []float64
		res, err := pipeline.Replay(context.Background(), cfg, pol, correlate.NewMetrics(nil),
			pipeline.ReplayRange{From: from, To: time.Now().Add(time.Minute)}, replayed,
			func(p pipeline.Progress) { fractions = append(fractions, p.Fraction()) }, testLog())
		if err != nil {
			t.Fatal(err)
		}
		if got := replayed.ids(); !slices.Equal(got, live.sink.ids()) {
			t.Fatalf("replayed alert ids\n got  %v\n live %v", got, live.sink.ids())
		}
		if len(fractions) == 0 || fractions[len(fractions)-1] != 1 || res.Done != res.Total || res.Total == 0 {
			t.Errorf("replay progress ended at %v with %d of %d records", fractions, res.Done, res.Total)
		}
	})
}

// TestDeadLetters mixes malformed, unrecognised and oversized records into a
// scenario: each lands in the dead-letter topic with its reason and source
// position, nothing else is lost, and the scenario still raises its alerts.
func TestDeadLetters(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dir := filepath.Join(scenarioRoot, "01-privileged-hostpid-nsenter")
	want := streamtest.IDs(streamtest.ScanAlerts(t, []string{dir}, pol))
	bad := map[string]string{
		"not an event at all":                            "unrecognized",
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1"`: "invalid_json",
		`{"hello":"world"}`:                              "unrecognized",
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods"},"pad":"` + strings.Repeat("x", 8<<10) + `"}`: "too_large",
	}
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		cfg.MaxRecordBytes = 4 << 10
		recs := streamtest.ScenarioRecords(t, []string{dir}, cfg.Topics.ForFile)
		for v := range bad {
			recs = append(recs, streamtest.Record{Topic: cfg.Topics.Syscall, Value: []byte(v)})
		}
		in := start(t, cfg, pol)
		streamtest.ProduceRecords(t, brokers, recs)
		waitIDs(t, 30*time.Second, want, in)

		var dead []kafka.Message
		streamtest.WaitFor(20*time.Second, func() bool {
			dead = streamtest.ReadAll(t, brokers, cfg.Topics.DeadLetter, 300*time.Millisecond)
			return len(dead) >= len(bad)
		})
		if len(dead) != len(bad) {
			t.Fatalf("%d dead letters, want %d", len(dead), len(bad))
		}
		for _, m := range dead {
			h := headers(m)
			value := string(m.Value)
			if h[pipeline.HeaderTruncated] != "" {
				t.Errorf("a dead letter under the size limit was truncated: %v", h)
			}
			reason, ok := bad[value]
			if !ok {
				t.Errorf("unexpected dead letter %.80q", value)
				continue
			}
			if h[pipeline.HeaderErrorReason] != reason || h[pipeline.HeaderError] == "" {
				t.Errorf("dead letter %.40q: reason %q (%q), want %q", value, h[pipeline.HeaderErrorReason], h[pipeline.HeaderError], reason)
			}
			if got := sourceValue(t, brokers, h); got != value {
				t.Errorf("dead letter %.40q points at %s/%s/%s, which holds %.40q", value,
					h[pipeline.HeaderSourceTopic], h[pipeline.HeaderSourcePartition], h[pipeline.HeaderSourceOffset], got)
			}
		}
		var committed, end map[int]int64
		if !streamtest.WaitFor(10*time.Second, func() bool {
			committed, end = streamtest.Progress(t, brokers, cfg.NormalizeGroup, cfg.Topics.Syscall)
			return caughtUp(committed, end)
		}) {
			t.Errorf("stage 1 did not commit past the bad records: committed %v, end %v", committed, end)
		}
	})
}

// caughtUp reports whether every non-empty partition is committed to its
// end.
func caughtUp(committed, end map[int]int64) bool {
	for p, e := range end {
		if e > 0 && committed[p] != e {
			return false
		}
	}
	return true
}

func headers(m kafka.Message) map[string]string {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}

// sourceValue reads the record a dead letter's headers point at.
func sourceValue(t *testing.T, brokers []string, h map[string]string) string {
	t.Helper()
	partition, err1 := strconv.Atoi(h[pipeline.HeaderSourcePartition])
	offset, err2 := strconv.ParseInt(h[pipeline.HeaderSourceOffset], 10, 64)
	if err1 != nil || err2 != nil {
		t.Errorf("bad source headers %v", h)
		return ""
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: h[pipeline.HeaderSourceTopic], Partition: partition, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := r.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("reading the source record: %v", err)
	}
	return string(m.Value)
}

// TestQuietInputFlushesHeldAuditdEvent sends the records of an auditd
// event whose closing record never comes, and nothing after them: stage 1
// must still finish the event once the input is quiet and commit past it,
// rather than hold the partition until more traffic arrives.
func TestQuietInputFlushesHeldAuditdEvent(t *testing.T) {
	records := []string{
		`type=SYSCALL msg=audit(1764579600.123:4711): arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=100 pid=101 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="nsenter" exe="/usr/bin/nsenter" key="escape"`,
		`type=EXECVE msg=audit(1764579600.123:4711): argc=3 a0="nsenter" a1="-t" a2="1"`,
	}
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		start(t, cfg, correlate.DefaultPolicy())
		streamtest.Produce(t, brokers, cfg.Topics.Syscall, []byte(records[0]+"\n"+records[1]))
		var committed, end map[int]int64
		if !streamtest.WaitFor(20*time.Second, func() bool {
			committed, end = streamtest.Progress(t, brokers, cfg.NormalizeGroup, cfg.Topics.Syscall)
			return caughtUp(committed, end)
		}) {
			t.Fatalf("stage 1 holds the input: committed %v, end %v", committed, end)
		}
	})
}

// TestOldRiskyPodSurvivesRestart creates a privileged pod, lets two hours
// of other traffic pass on its partition, and replaces the instance before
// someone execs into the pod and enters the host's namespaces. The new
// instance rebuilds only the lookback (23.5 minutes) of the keyed topic,
// which no longer holds the pod's creation nor its container ids; the
// refreshes the first instance wrote back carry both, so the session
// escape is still raised.
func TestOldRiskyPodSurvivesRestart(t *testing.T) {
	pol := correlate.DefaultPolicy()
	src := filepath.Join(scenarioRoot, "01-privileged-hostpid-nsenter")
	created := time.Date(2026, 11, 30, 9, 14, 2, 0, time.UTC)
	session := created.Add(2 * time.Hour)
	dir := t.TempDir()
	audit, err := os.ReadFile(filepath.Join(src, "k8s-audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	lines = append(lines, strings.TrimSpace(string(audit)))
	for i, at := 0, created.Add(time.Minute); at.Before(session); i, at = i+1, at.Add(15*time.Second) {
		lines = append(lines, fillerStatus(i, at))
	}
	lines = append(lines, execRecord("payments", "api-debug-x2k4q", "api", "mallory@example.com", session))
	writeLines(t, filepath.Join(dir, "k8s-audit.jsonl"), lines...)
	// The pod's Falco record, two hours later: it names only the container.
	falco, err := os.ReadFile(filepath.Join(src, "falco.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	nsenter := strings.SplitN(string(falco), "\n", 2)[0]
	nsenter = strings.Replace(nsenter, `"time":"2026-11-30T09:14:41.502311984Z"`, `"time":"`+session.Add(30*time.Second).Format(time.RFC3339Nano)+`"`, 1)
	writeLines(t, filepath.Join(dir, "falco.jsonl"), nsenter)

	alerts := streamtest.ScanAlerts(t, []string{dir}, pol)
	var escape *schemas.Alert
	for _, a := range alerts {
		if a.Rule.ID == "ESC-C02" {
			escape = a
		}
	}
	if escape == nil {
		t.Fatalf("scan raises no ESC-C02 for the late session: %v", streamtest.IDs(alerts))
	}
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		cfg := testConfig(brokers)
		cfg.KeyedPartitions = 1 // the filler shares the pod's partition
		before, after := streamtest.SplitAt(streamtest.ScenarioRecords(t, []string{dir}, cfg.Topics.ForFile), session)
		first := start(t, cfg, pol)
		streamtest.ProduceRecords(t, brokers, before)
		if !streamtest.WaitFor(30*time.Second, func() bool { return len(first.sink.ids()) > 0 && committedAll(t, brokers, cfg) }) {
			t.Fatal("the first instance raised nothing for the pod, or did not commit")
		}
		first.stop()

		next := start(t, cfg, pol)
		if !streamtest.WaitFor(30*time.Second, next.ready) {
			t.Fatal("the next instance did not take the partition over")
		}
		streamtest.ProduceRecords(t, brokers, after)
		waitIDs(t, 30*time.Second, streamtest.IDs(alerts), first, next)
		if !next.sink.has(escape.ID) {
			t.Error("the session escape was not raised by the instance that rebuilt the state")
		}
	})
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fillerStatus is a kubelet status patch of an unrelated pod, as an audit
// record.
func fillerStatus(i int, at time.Time) string {
	ts := at.UTC().Format(time.RFC3339Nano)
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"filler-` + strconv.Itoa(i) +
		`","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/batch/pods/report-7f9c/status","verb":"patch",` +
		`"user":{"username":"system:node:ip-10-0-1-9.eu-west-1.compute.internal","groups":["system:nodes"]},` +
		`"objectRef":{"resource":"pods","namespace":"batch","name":"report-7f9c","apiVersion":"v1","subresource":"status"},` +
		`"responseStatus":{"metadata":{},"code":200},"requestObject":{"metadata":{"uid":"5b0c2f1e-0000-4000-8000-000000000001"},` +
		`"status":{"containerStatuses":[{"containerID":"containerd://` + strings.Repeat("ab", 32) + `","name":"report","ready":true}]}},` +
		`"requestReceivedTimestamp":"` + ts + `","stageTimestamp":"` + ts + `"}`
}

// execRecord is the audit record of a kubectl exec into a pod.
func execRecord(namespace, pod, container, user string, at time.Time) string {
	ts := at.UTC().Format(time.RFC3339Nano)
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"exec-late-1","stage":"ResponseStarted",` +
		`"requestURI":"/api/v1/namespaces/` + namespace + `/pods/` + pod + `/exec?command=sh&container=` + container + `&stdin=true&stdout=true&tty=true",` +
		`"verb":"get","user":{"username":"` + user + `","groups":["system:authenticated"]},` +
		`"objectRef":{"resource":"pods","namespace":"` + namespace + `","name":"` + pod + `","apiVersion":"v1","subresource":"exec"},` +
		`"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"` + ts + `","stageTimestamp":"` + ts + `"}`
}
