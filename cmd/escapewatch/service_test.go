package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/pipeline"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

// asBinary makes the test binary act as escapewatch itself, so that the
// process tests below run the real command in processes of its own that
// can be killed, without a separate build.
const asBinary = "ESCAPEWATCH_TEST_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// serviceSetup is one deployment of escapewatch under test: its topics and
// groups, shared by every process started on it.
type serviceSetup struct {
	brokers []string
	cfg     pipeline.Config
}

func newServiceSetup(brokers []string) serviceSetup {
	return serviceSetup{brokers: brokers, cfg: streamtest.Config(brokers)}
}

func (s serviceSetup) args() []string {
	t := s.cfg.Topics
	return []string{"run", "--brokers", strings.Join(s.brokers, ","),
		"--topic-audit", t.Audit, "--topic-runtime", t.Runtime, "--topic-syscall", t.Syscall,
		"--topic-keyed", t.Keyed, "--topic-alerts", t.Alerts, "--topic-deadletter", t.DeadLetter,
		"--normalize-group", s.cfg.NormalizeGroup, "--correlate-group", s.cfg.CorrelateGroup,
		"--keyed-partitions", strconv.Itoa(s.cfg.KeyedPartitions), "--session-timeout", "6s", "--heartbeat-interval", "500ms",
		"--commit-interval", "200ms", "--idle-flush", "1s", "--max-wait", "200ms", "--shutdown-timeout", "10s",
		// The scenario arrives as one burst: order it whole (see
		// pipeline_test.go).
		"--reorder-delay", "87600h",
		"--metrics-addr", "127.0.0.1:0", "--log-format", "json"}
}

// proc is one escapewatch process.
type proc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []logLine
	exit chan error
}

// logLine is one structured log record of a process, stamped when read.
type logLine struct {
	at     time.Time
	fields map[string]any
}

func (l logLine) msg() string { s, _ := l.fields["msg"].(string); return s }

func (l logLine) ints(key string) []int {
	raw, _ := l.fields[key].([]any)
	out := make([]int, 0, len(raw))
	for _, v := range raw {
		if f, ok := v.(float64); ok {
			out = append(out, int(f))
		}
	}
	return out
}

func (s serviceSetup) start(t *testing.T, name string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], s.args()...)
	cmd.Env = append(os.Environ(), asBinary+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, cmd: cmd, exit: make(chan error, 1)}
	go p.read(stderr)
	go func() { p.exit <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exit
		p.exit <- nil
		if t.Failed() {
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, l := range p.logs {
				b, _ := json.Marshal(l.fields)
				t.Logf("%s: %s", p.name, b)
			}
		}
	})
	return p
}

func (p *proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var f map[string]any
		if json.Unmarshal(sc.Bytes(), &f) != nil {
			f = map[string]any{"msg": sc.Text()}
		}
		p.mu.Lock()
		p.logs = append(p.logs, logLine{at: time.Now(), fields: f})
		p.mu.Unlock()
	}
}

// last returns the newest log line with this message, if any.
func (p *proc) last(msg string, match func(logLine) bool) (logLine, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.logs) - 1; i >= 0; i-- {
		if l := p.logs[i]; l.msg() == msg && (match == nil || match(l)) {
			return l, true
		}
	}
	return logLine{}, false
}

// partitions returns the keyed partitions of its newest assignment.
func (p *proc) partitions() []int {
	l, _ := p.last("partitions assigned", nil)
	return l.ints("partitions")
}

// serving reports whether every partition of its newest assignment is
// rebuilt (or had nothing to rebuild) since that assignment.
func (p *proc) serving() bool {
	assigned, ok := p.last("partitions assigned", nil)
	if !ok {
		return false
	}
	for _, part := range assigned.ints("partitions") {
		isPart := func(l logLine) bool {
			f, _ := l.fields["partition"].(float64)
			return int(f) == part && !l.at.Before(assigned.at)
		}
		_, rebuilt := p.last("partition rebuilt; serving", isPart)
		_, fresh := p.last("partition serving; nothing to rebuild", isPart)
		if !rebuilt && !fresh {
			return false
		}
	}
	return true
}

func (p *proc) metricsAddr() string {
	l, _ := p.last("escapewatch running", nil)
	s, _ := l.fields["metrics"].(string)
	return s
}

// partitionOf returns the keyed partition of a pod's unit, as stage 1's
// writer picks it.
func partitionOf(namespace, pod string, partitions int) int {
	parts := make([]int, partitions)
	for i := range parts {
		parts[i] = i
	}
	return kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: []byte(correlate.PodKey(namespace, pod))}, parts...)
}

// TestKillOneInstanceMidChain runs two escapewatch processes in one group,
// kills the one that owns an attack chain's pod with SIGKILL between the
// risky start and the host action, and expects the survivor to take the
// partition over, rebuild it and raise the chain: no alert is lost, and any
// alert published twice carries the same id.
func TestKillOneInstanceMidChain(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dir := filepath.Join(scenarioDir, "01-privileged-hostpid-nsenter")
	t.Chdir("../..")
	alerts := streamtest.ScanAlerts(t, []string{dir}, pol)
	want := streamtest.IDs(alerts)
	var chain *schemas.Alert
	for _, a := range alerts {
		if a.Rule.ID == "ESC-C01" {
			chain = a
		}
	}
	if chain == nil || chain.Kubernetes == nil {
		t.Fatal("the scenario raises no ESC-C01 in a pod")
	}
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		s := newServiceSetup(brokers)
		if _, err := pipeline.EnsureTopics(context.Background(), s.cfg, true); err != nil {
			t.Fatal(err)
		}
		procs := []*proc{s.start(t, "a"), s.start(t, "b")}
		split := func() bool {
			a, b := procs[0].partitions(), procs[1].partitions()
			return len(a) > 0 && len(b) > 0 && len(a)+len(b) == s.cfg.KeyedPartitions && procs[0].serving() && procs[1].serving()
		}
		if !streamtest.WaitFor(60*time.Second, split) {
			t.Fatalf("the processes did not split the partitions: %v and %v", procs[0].partitions(), procs[1].partitions())
		}
		part := partitionOf(chain.Kubernetes.Namespace, chain.Kubernetes.Pod, s.cfg.KeyedPartitions)
		victim, survivor := procs[0], procs[1]
		if !slices.Contains(victim.partitions(), part) {
			victim, survivor = survivor, victim
		}

		last, err := time.Parse(time.RFC3339Nano, chain.Evidence[len(chain.Evidence)-1].Time)
		if err != nil {
			t.Fatal(err)
		}
		before, after := streamtest.SplitAt(streamtest.ScenarioRecords(t, []string{dir}, s.cfg.Topics.ForFile), last)
		streamtest.ProduceRecords(t, brokers, before)
		if !streamtest.WaitFor(30*time.Second, func() bool {
			return len(streamtest.ReadAlerts(t, brokers, s.cfg.Topics.Alerts, 200*time.Millisecond)) > 0
		}) {
			t.Fatal("no alert for the risky start")
		}

		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		streamtest.ProduceRecords(t, brokers, after)

		var published []schemas.Alert
		complete := func() bool {
			published = streamtest.ReadAlerts(t, brokers, s.cfg.Topics.Alerts, 200*time.Millisecond)
			ids, _ := streamtest.DistinctIDs(published)
			return slices.Equal(ids, want)
		}
		if !streamtest.WaitFor(90*time.Second, complete) {
			ids, _ := streamtest.DistinctIDs(published)
			t.Fatalf("alerts after the kill\n got  %v\n want %v", ids, want)
		}
		raised := time.Now()
		_, repeats := streamtest.DistinctIDs(published)
		took, ok := survivor.last("partitions assigned", func(l logLine) bool { return slices.Contains(l.ints("partitions"), part) && l.at.After(killed) })
		if !ok {
			t.Fatalf("the survivor never took partition %d over", part)
		}
		t.Logf("failover: partition %d taken over %s after the kill; chain raised %s after it; %d alert records, %d repeated ids",
			part, took.at.Sub(killed).Round(time.Millisecond), raised.Sub(killed).Round(time.Millisecond), len(published), repeats)
	})
}

// TestSIGTERMCommitsAndLeaves stops a running escapewatch with SIGTERM: it
// exits 0 within its shutdown timeout, having committed everything it read
// in both stages and left both consumer groups. On the way it checks the
// health, readiness and metrics endpoints.
func TestSIGTERMCommitsAndLeaves(t *testing.T) {
	pol := correlate.DefaultPolicy()
	dir := filepath.Join(scenarioDir, "01-privileged-hostpid-nsenter")
	t.Chdir("../..")
	want := streamtest.IDs(streamtest.ScanAlerts(t, []string{dir}, pol))
	streamtest.EachBroker(t, func(t *testing.T, brokers []string) {
		s := newServiceSetup(brokers)
		p := s.start(t, "escapewatch")
		if !streamtest.WaitFor(60*time.Second, func() bool { return len(p.partitions()) == s.cfg.KeyedPartitions && p.serving() }) {
			t.Fatal("escapewatch did not start serving")
		}
		streamtest.ProduceRecords(t, brokers, streamtest.ScenarioRecords(t, []string{dir}, s.cfg.Topics.ForFile))
		if !streamtest.WaitFor(30*time.Second, func() bool {
			ids, _ := streamtest.DistinctIDs(streamtest.ReadAlerts(t, brokers, s.cfg.Topics.Alerts, 200*time.Millisecond))
			return slices.Equal(ids, want)
		}) {
			t.Fatal("the scenario's alerts did not arrive")
		}
		checkEndpoints(t, p.metricsAddr())

		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		select {
		case err := <-p.exit:
			p.exit <- err
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("escapewatch did not exit within 15s of SIGTERM (shutdown timeout 10s)")
		}
		t.Logf("stopped %s after SIGTERM", time.Since(sent).Round(time.Millisecond))

		for group, topics := range map[string][]string{s.cfg.NormalizeGroup: s.cfg.Topics.Inputs(), s.cfg.CorrelateGroup: {s.cfg.Topics.Keyed}} {
			for _, topic := range topics {
				committed, end := streamtest.Progress(t, brokers, group, topic)
				for part, e := range end {
					if e > 0 && committed[part] != e {
						t.Errorf("%s left %s/%d at %d of %d", group, topic, part, committed[part], e)
					}
				}
			}
			checkLeft(t, brokers, group)
		}
	})
}

// checkLeft fails unless the group has no members: the process left it
// rather than waiting to be timed out.
func checkLeft(t *testing.T, brokers []string, group string) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil || len(resp.Groups) != 1 {
		t.Fatalf("describing %s: %v", group, err)
	}
	if g := resp.Groups[0]; len(g.Members) > 0 {
		t.Errorf("group %s still has %d member(s) after the stop (state %s)", group, len(g.Members), g.GroupState)
	}
}

func checkEndpoints(t *testing.T, addr string) {
	t.Helper()
	if addr == "" {
		t.Fatal("the process logged no metrics address")
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(path); code != http.StatusOK {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	_, body := get("/metrics")
	for _, m := range []string{"escapewatch_input_records_total", "escapewatch_events_total", "escapewatch_forwarded_total",
		"escapewatch_alerts_total", "escapewatch_alert_latency_seconds", "escapewatch_partitions_owned 4",
		"escapewatch_partitions_restoring 0", "escapewatch_consumer_lag", "escapewatch_tracked_units"} {
		if !strings.Contains(body, m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
