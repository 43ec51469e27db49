package pipeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/pipeline"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

const (
	streamRecords = 50000
	// inputPartitions of each input topic, as EnsureTopics creates them.
	inputPartitions = 3
	streamPods      = 40
	// streamDeadline bounds every wait of the benchmark.
	streamDeadline = 2 * time.Minute
)

// BenchmarkStreaming measures, on an in-process broker and over the same
// input topics in the same iteration, a bare kafka-go consumer group
// draining the records (the baseline), stage 1 alone draining them (until
// its group has committed the end offsets of every input partition), and
// both stages end to end (until every expected alert has reached the sink
// and stage 1 has committed every input record, whichever is later).
// Group joins are left out: each clock starts at the first record its
// consumer has in hand (for stage 1, when it has counted its first batch)
// and only the records after that are counted. The three runs take turns
// going first.
func BenchmarkStreaming(b *testing.B) {
	brokers := streamtest.Fake(b)
	c := newStreamCorpus(streamRecords, 7)
	b.Logf("corpus: %s", c)
	pol := correlate.DefaultPolicy()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	var bare, stage1, e2e time.Duration
	var bareN, stage1N, e2eN int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		topics := benchTopics()
		ends := benchLoadInputs(b, client, brokers, topics, c)
		b.StartTimer()
		var notes [3]string
		runs := []func(){
			func() { notes[0] = drainBare(b, brokers, topics.Inputs(), c.len(), &bare, &bareN) },
			func() {
				notes[1] = drainStage1(b, client, benchConfig(brokers, topics), pol, c.len(), ends, &stage1, &stage1N)
			},
			func() { notes[2] = drainBoth(b, client, benchConfig(brokers, topics), pol, c, ends, &e2e, &e2eN) },
		}
		for j := range runs {
			runs[(i+j)%len(runs)]()
		}
		b.StopTimer()
		b.Logf("iteration %d: %s; %s; %s", i+1, notes[0], notes[1], notes[2])
		if _, err := client.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: topics.Inputs()}); err != nil {
			b.Logf("deleting the input topics: %v", err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	bareRate := float64(bareN) / bare.Seconds()
	stage1Rate := float64(stage1N) / stage1.Seconds()
	e2eRate := float64(e2eN) / e2e.Seconds()
	b.ReportMetric(bareRate, "baseline-rec/s")
	b.ReportMetric(stage1Rate, "stage1-rec/s")
	b.ReportMetric(e2eRate, "e2e-rec/s")
	b.ReportMetric(stage1Rate/bareRate, "stage1/baseline")
	b.ReportMetric(e2eRate/bareRate, "e2e/baseline")
}

func benchTopics() pipeline.Topics {
	return pipeline.Topics{
		Audit:   streamtest.Unique("bench-audit"),
		Runtime: streamtest.Unique("bench-runtime"),
		Syscall: streamtest.Unique("bench-syscall"),
	}
}

// benchConfig is a pipeline over the given input topics with its own
// groups and output topics, and the short timings of the tests.
func benchConfig(brokers []string, in pipeline.Topics) pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.Brokers = brokers
	cfg.Topics = in
	cfg.Topics.Keyed = streamtest.Unique("bench-keyed")
	cfg.Topics.Alerts = streamtest.Unique("bench-alerts")
	cfg.Topics.DeadLetter = streamtest.Unique("bench-dlq")
	cfg.NormalizeGroup = streamtest.Unique("bench-normalize")
	cfg.CorrelateGroup = streamtest.Unique("bench-correlate")
	cfg.KeyedPartitions = 4
	cfg.ReorderDelay = 100 * time.Millisecond
	cfg.IdleFlush = 100 * time.Millisecond
	cfg.CommitInterval = 100 * time.Millisecond
	cfg.SessionTimeout = 6 * time.Second
	cfg.HeartbeatInterval = 500 * time.Millisecond
	cfg.MaxWait = 100 * time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// benchLoadInputs creates the input topics, writes the corpus to them and
// returns the end offset of every input partition.
func benchLoadInputs(b *testing.B, client *kafka.Client, brokers []string, topics pipeline.Topics, c *streamCorpus) map[string]map[int]int64 {
	b.Helper()
	for _, t := range topics.Inputs() {
		streamtest.CreateTopic(b, brokers, t, inputPartitions)
	}
	streamtest.Produce(b, brokers, topics.Audit, c.audit...)
	streamtest.Produce(b, brokers, topics.Runtime, c.runtime...)
	streamtest.Produce(b, brokers, topics.Syscall, c.syscall...)
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range topics.Inputs() {
		for p := 0; p < inputPartitions; p++ {
			req.Topics[t] = append(req.Topics[t], kafka.LastOffsetOf(p))
		}
	}
	resp, err := client.ListOffsets(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	ends := map[string]map[int]int64{}
	total := int64(0)
	for t, ps := range resp.Topics {
		ends[t] = map[int]int64{}
		for _, p := range ps {
			if p.Error != nil {
				b.Fatal(p.Error)
			}
			ends[t][p.Partition] = p.LastOffset
			total += p.LastOffset
		}
	}
	if total != int64(c.len()) {
		b.Fatalf("the input topics hold %d records, want %d", total, c.len())
	}
	return ends
}

// benchFirstRecords returns when stage 1 has counted its first input
// records, and how many it had counted then.
func benchFirstRecords(b *testing.B, reg *prometheus.Registry) (time.Time, int) {
	b.Helper()
	deadline := time.Now().Add(streamDeadline)
	for time.Now().Before(deadline) {
		if n := benchCounter(reg, "escapewatch_input_records_total"); n > 0 {
			return time.Now(), n
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatalf("stage 1 read nothing within %s", streamDeadline)
	return time.Time{}, 0
}

// drainBare is the baseline: a kafka-go group reader configured like stage
// 1's, fetching every record and doing nothing with it.
func drainBare(b *testing.B, brokers, topics []string, n int, total *time.Duration, counted *int) string {
	b.Helper()
	group := streamtest.Unique("bench-bare")
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: brokers, GroupID: group, GroupTopics: topics,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond, ReadBatchTimeout: 100 * time.Millisecond,
		StartOffset: kafka.FirstOffset, HeartbeatInterval: 500 * time.Millisecond, SessionTimeout: 6 * time.Second,
		RebalanceTimeout: 6 * time.Second, JoinGroupBackoff: 500 * time.Millisecond,
		ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: 500 * time.Millisecond,
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), streamDeadline)
	defer cancel()
	var t0 time.Time
	for i := 0; i < n; i++ {
		if _, err := r.FetchMessage(ctx); err != nil {
			b.Fatalf("baseline read %d of %d records: %v", i, n, err)
		}
		if i == 0 {
			t0 = time.Now()
		}
	}
	d := time.Since(t0)
	*total += d
	*counted += n - 1
	return fmt.Sprintf("baseline %s", d.Round(time.Millisecond))
}

// drainStage1 runs stage 1 alone until its group has committed every input
// record.
func drainStage1(b *testing.B, client *kafka.Client, cfg pipeline.Config, pol *correlate.Policy, n int, ends map[string]map[int]int64, total *time.Duration, counted *int) string {
	b.Helper()
	if _, err := pipeline.EnsureTopics(context.Background(), cfg, true); err != nil {
		b.Fatal(err)
	}
	defer benchDeleteTopics(client, cfg)
	reg := prometheus.NewRegistry()
	stop := startStage(pipeline.NewNormalizer(cfg, pol, pipeline.NewMetrics(reg), benchLog()).Run)
	defer stop()
	t0, before := benchFirstRecords(b, reg)
	end, err := benchWaitCommitted(client, cfg.NormalizeGroup, ends)
	if err != nil {
		b.Fatal(err)
	}
	d := end.Sub(t0)
	got := benchCounter(reg, "escapewatch_input_records_total")
	if got < n {
		b.Fatalf("stage 1 committed everything after reading %d of %d records", got, n)
	}
	*total += d
	*counted += got - before
	return fmt.Sprintf("stage 1 %s (clock started at record %d; %d keyed records written)", d.Round(time.Millisecond), before, benchCounter(reg, "escapewatch_forwarded_total"))
}

// drainBoth starts stage 2, waits until it is ready, then starts stage 1
// and measures until every expected alert has reached the sink and stage 1
// has committed every input record, whichever is later.
func drainBoth(b *testing.B, client *kafka.Client, cfg pipeline.Config, pol *correlate.Policy, c *streamCorpus, ends map[string]map[int]int64, total *time.Duration, counted *int) string {
	b.Helper()
	parts, err := pipeline.EnsureTopics(context.Background(), cfg, true)
	if err != nil {
		b.Fatal(err)
	}
	defer benchDeleteTopics(client, cfg)
	sink := newBenchSink(c)
	corr := pipeline.NewCorrelator(cfg, pol, correlate.NewMetrics(nil), pipeline.NewMetrics(nil), sink, parts[cfg.Topics.Keyed], benchLog())
	stop2 := startStage(corr.Run)
	defer stop2()
	deadline := time.Now().Add(streamDeadline)
	for !corr.Ready() {
		if time.Now().After(deadline) {
			b.Fatalf("stage 2 not ready within %s", streamDeadline)
		}
		time.Sleep(2 * time.Millisecond)
	}
	reg := prometheus.NewRegistry()
	stop1 := startStage(pipeline.NewNormalizer(cfg, pol, pipeline.NewMetrics(reg), benchLog()).Run)
	defer stop1()
	t0, before := benchFirstRecords(b, reg)
	committed := benchWatch(func() (time.Time, error) { return benchWaitCommitted(client, cfg.NormalizeGroup, ends) })
	var alerted time.Time
	select {
	case alerted = <-sink.done:
	case <-time.After(streamDeadline):
		b.Fatalf("missing alerts after %s: %s", streamDeadline, sink.missing())
	}
	if bad := sink.unexpected(); bad != "" {
		b.Fatal(bad)
	}
	drained := committed.get(b)
	d := max(alerted.Sub(t0), drained.Sub(t0))
	*total += d
	*counted += c.len() - before
	return fmt.Sprintf("both stages %s (stage 1 committed after %s, last expected alert after %s; %d alerts, %d versions)",
		d.Round(time.Millisecond), drained.Sub(t0).Round(time.Millisecond), alerted.Sub(t0).Round(time.Millisecond), sink.count(), sink.sends())
}

// benchWaitCommitted returns when the group's committed offsets have reached
// ends on every partition.
func benchWaitCommitted(client *kafka.Client, group string, ends map[string]map[int]int64) (time.Time, error) {
	req := &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{}}
	for t, ps := range ends {
		for p := range ps {
			req.Topics[t] = append(req.Topics[t], p)
		}
	}
	deadline := time.Now().Add(streamDeadline)
	for {
		resp, err := client.OffsetFetch(context.Background(), req)
		done := err == nil && resp.Error == nil
		if done {
			for t, ps := range ends {
				got := map[int]int64{}
				for _, p := range resp.Topics[t] {
					got[p.Partition] = p.CommittedOffset
				}
				for p, end := range ps {
					if got[p] < end {
						done = false
					}
				}
			}
		}
		if done {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("group %s has not committed every input record within %s", group, streamDeadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// benchInstant is a time that a goroutine finds out.
type benchInstant struct {
	ch chan benchInstantResult
}

type benchInstantResult struct {
	at  time.Time
	err error
}

func benchWatch(f func() (time.Time, error)) benchInstant {
	w := benchInstant{ch: make(chan benchInstantResult, 1)}
	go func() {
		at, err := f()
		w.ch <- benchInstantResult{at, err}
	}()
	return w
}

func (w benchInstant) get(b *testing.B) time.Time {
	b.Helper()
	r := <-w.ch
	if r.err != nil {
		b.Fatal(r.err)
	}
	return r.at
}

func benchDeleteTopics(client *kafka.Client, cfg pipeline.Config) {
	_, _ = client.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{cfg.Topics.Keyed, cfg.Topics.Alerts, cfg.Topics.DeadLetter}})
}

// startStage runs a stage and returns a function that stops it and waits.
func startStage(run func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func benchLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func benchCounter(reg *prometheus.Registry, name string) int {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return int(sum)
}

// benchSink collects alerts by pod and rule and closes done, with the time,
// once every expected alert has arrived: ESC-C01 for each privileged pod
// running nsenter, ESC-A01 for each plain pod running it.
type benchSink struct {
	mu     sync.Mutex
	c      *streamCorpus
	seen   map[string]map[string]bool // pod -> rule -> seen
	ids    map[string]bool
	n      int
	closed bool
	done   chan time.Time
}

func newBenchSink(c *streamCorpus) *benchSink {
	return &benchSink{c: c, seen: map[string]map[string]bool{}, ids: map[string]bool{}, done: make(chan time.Time, 1)}
}

func (s *benchSink) Send(_ context.Context, a *schemas.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.ids[a.ID] = true
	if a.Kubernetes != nil {
		pod := a.Kubernetes.Namespace + "/" + a.Kubernetes.Pod
		if s.seen[pod] == nil {
			s.seen[pod] = map[string]bool{}
		}
		s.seen[pod][a.Rule.ID] = true
	}
	if !s.closed && s.missingLocked() == "" {
		s.closed = true
		s.done <- time.Now()
	}
	return nil
}

func (s *benchSink) missingLocked() string {
	for pod := range s.c.chains {
		if !s.seen[pod]["ESC-C01"] {
			return "ESC-C01 for " + pod
		}
	}
	for pod := range s.c.plain {
		if !s.seen[pod]["ESC-A01"] {
			return "ESC-A01 for " + pod
		}
	}
	return ""
}

func (s *benchSink) missing() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.missingLocked()
}

// unexpected reports an escape chain on a pod that was not set up risky.
func (s *benchSink) unexpected() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pod, rules := range s.seen {
		if rules["ESC-C01"] && !s.c.chains[pod] {
			return "unexpected ESC-C01 for " + pod
		}
	}
	return ""
}

func (s *benchSink) sends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *benchSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// streamCorpus is the benchmark's input: mostly routine Tetragon
// process_exec records of a few dozen pods, with API reads and Docker
// health events, and about one record in a hundred that detection needs
// (pod creates, kubelet status patches, nsenter into the host). Every
// fifth pod is created privileged; each of those and as many plain pods
// later run nsenter -t 1, the last one as the corpus's last record.
type streamCorpus struct {
	audit, runtime, syscall [][]byte
	bytes, relevant         int
	// chains are the pods (namespace/name) that must raise ESC-C01; plain
	// run nsenter without a risky start and raise ESC-A01 only.
	chains, plain map[string]bool
}

type streamPod struct {
	ns, name, uid, ctr, image, node string
	privileged                      bool
}

func (c *streamCorpus) len() int { return len(c.audit) + len(c.runtime) + len(c.syscall) }

func (c *streamCorpus) String() string {
	return fmt.Sprintf("%d records (audit %d, runtime %d, syscall %d), %d relevant, %.0f B average, %d escape chains expected",
		c.len(), len(c.audit), len(c.runtime), len(c.syscall), c.relevant, float64(c.bytes)/float64(c.len()), len(c.chains))
}

func newStreamCorpus(n int, seed uint64) *streamCorpus {
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	hex := func(k int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, k)
		for i := range b {
			b[i] = digits[r.IntN(16)]
		}
		return string(b)
	}
	uuid := func() string { return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) }
	images := []string{"ghcr.io/example/payments-api:1.4.2", "docker.io/library/nginx:1.27", "docker.io/library/postgres:16", "registry.example.com/shop/frontend:3.2.0"}
	pods := make([]streamPod, streamPods)
	for i := range pods {
		pods[i] = streamPod{
			ns:         []string{"payments", "shop", "data", "default"}[i%4],
			name:       fmt.Sprintf("app-%02d-%s", i, hex(5)),
			uid:        uuid(),
			ctr:        hex(64),
			image:      images[i%len(images)],
			node:       fmt.Sprintf("ip-10-0-%d-%d.eu-west-1.compute.internal", i%3, 10+i%5),
			privileged: i%5 == 0,
		}
	}
	// nsenter runs in every privileged pod and in the plain pod after it,
	// spread over the second half of the corpus, the last at its end.
	var actors []int
	for i, p := range pods {
		if p.privileged {
			actors = append(actors, i, i+1)
		}
	}
	nsenterAt := map[int]int{}
	for k, p := range actors {
		nsenterAt[n-1-k*(n/2/len(actors))] = p
	}
	c := &streamCorpus{chains: map[string]bool{}, plain: map[string]bool{}}
	add := func(dst *[][]byte, rec string, relevant bool) {
		*dst = append(*dst, []byte(rec))
		c.bytes += len(rec)
		if relevant {
			c.relevant++
		}
	}
	t := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		t = t.Add(time.Duration(r.IntN(2000)) * time.Microsecond)
		ts := t.Format(time.RFC3339Nano)
		exec := func(p streamPod, binary, args string) string {
			return fmt.Sprintf(`{"process_exec":{"process":{"exec_id":"%s","pid":%d,"uid":0,"cwd":"/app","binary":"%s","arguments":"%s","flags":"execve clone","start_time":"%s","auid":4294967295,"pod":{"namespace":"%s","name":"%s","uid":"%s","container":{"id":"containerd://%s","name":"app","image":{"id":"%s@sha256:%s","name":"%s"},"start_time":"2026-11-30T07:58:00Z","pid":%d},"pod_labels":{"app":"%s"},"workload":"%s","workload_kind":"Deployment"},"docker":"%s","parent_exec_id":"%s","tid":%d},"parent":{"exec_id":"%s","pid":%d,"uid":0,"cwd":"/app","binary":"/bin/sh","arguments":"-c /app/entrypoint.sh","flags":"execve clone","start_time":"%s","tid":%d}},"node_name":"%s","time":"%s"}`,
				hex(40), 20000+r.IntN(9000), binary, args, ts, p.ns, p.name, p.uid, p.ctr, p.image, hex(64), p.image, 10+r.IntN(90), p.name, p.name, p.ctr[:31], hex(40), 20000+r.IntN(9000), hex(40), 19000+r.IntN(900), ts, 19000+r.IntN(900), p.node, ts)
		}
		if i < len(pods) {
			p := pods[i]
			add(&c.audit, fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"%s","name":"%s","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"spec":{"containers":[{"name":"app","image":"%s","securityContext":{"privileged":%t}}]}},"responseObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s","uid":"%s"}},"requestReceivedTimestamp":"%s","stageTimestamp":"%s"}`,
				uuid(), p.ns, p.ns, p.name, p.name, p.ns, p.image, p.privileged, p.name, p.ns, p.uid, ts, ts), true)
			continue
		}
		if k, ok := nsenterAt[i]; ok {
			p := pods[k]
			add(&c.syscall, exec(p, "/usr/bin/nsenter", "-t 1 -m -u -n -i -p sh"), true)
			if p.privileged {
				c.chains[p.ns+"/"+p.name] = true
			} else {
				c.plain[p.ns+"/"+p.name] = true
			}
			continue
		}
		p := pods[r.IntN(len(pods))]
		switch k := r.IntN(100); {
		case k < 1:
			add(&c.audit, fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/pods/%s/status","verb":"patch","user":{"username":"system:node:%s","groups":["system:nodes","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"%s","name":"%s","apiVersion":"v1","subresource":"status"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"status":{"containerStatuses":[{"name":"app","containerID":"containerd://%s","ready":true,"started":true}]}},"requestReceivedTimestamp":"%s","stageTimestamp":"%s"}`,
				uuid(), p.ns, p.name, p.node, p.ns, p.name, p.ctr, ts, ts), true)
		case k < 86:
			bins := []string{"/usr/sbin/nginx", "/usr/local/bin/python3", "/bin/sh", "/usr/bin/curl", "/app/server"}
			add(&c.syscall, exec(p, bins[r.IntN(len(bins))], "-c /etc/app/config.yaml --log-level=info"), false)
		case k < 96:
			add(&c.audit, fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/endpoints?resourceVersion=%d&watch=true","verb":"watch","user":{"username":"system:serviceaccount:kube-system:endpoint-controller","uid":"%s","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.1.%d"],"userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505","objectRef":{"resource":"endpoints","namespace":"%s","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"%s","stageTimestamp":"%s","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:endpoint-controller\""}}`,
				uuid(), p.ns, 1000000+r.IntN(900000), uuid(), r.IntN(250), p.ns, ts, ts), false)
		default:
			add(&c.runtime, fmt.Sprintf(`{"status":"health_status: healthy","id":"%s","from":"%s","Type":"container","Action":"health_status: healthy","Actor":{"ID":"%s","Attributes":{"image":"%s","io.kubernetes.container.name":"app","io.kubernetes.pod.name":"%s","io.kubernetes.pod.namespace":"%s","io.kubernetes.pod.uid":"%s","name":"k8s_app_%s_%s_%s_0"}},"scope":"local","time":%d,"timeNano":%d}`,
				p.ctr, p.image, p.ctr, p.image, p.name, p.ns, p.uid, p.name, p.ns, p.uid, t.Unix(), t.UnixNano()), false)
		}
	}
	return c
}
