package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/pipeline"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

// onePartition sends every record to partition 0.
type onePartition struct{}

func (onePartition) Balance(kafka.Message, ...int) int { return 0 }

// BenchmarkRebuild measures how long a partition takes to rebuild its state
// when it is assigned with a full lookback of history behind its commit:
// the committed offset is the end of the partition and its rebuild offset
// the start, so every record is re-read and correlated without emitting.
// Reported: records rebuilt per second, and the rebuild time of the
// history, next to the time a bare reader takes to fetch the same records
// (the baseline, measured in the same iteration).
func BenchmarkRebuild(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) { benchRebuild(b, n) })
	}
}

func benchRebuild(b *testing.B, n int) {
	brokers := streamtest.Fake(b)
	pol := correlate.DefaultPolicy()
	lookback := pipeline.DefaultLookback(pol)
	var rebuild, fetch time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := pipeline.DefaultConfig()
		cfg.Brokers = brokers
		cfg.Topics.Keyed = streamtest.Unique("keyed")
		cfg.Topics.Alerts = streamtest.Unique("alerts")
		cfg.CorrelateGroup = streamtest.Unique("correlate")
		cfg.KeyedPartitions = 1
		cfg.MaxWait = 100 * time.Millisecond
		cfg.IdleFlush = 100 * time.Millisecond
		cfg.CommitInterval = 100 * time.Millisecond
		cfg.SessionTimeout = 6 * time.Second
		cfg.HeartbeatInterval = 500 * time.Millisecond
		streamtest.CreateTopic(b, brokers, cfg.Topics.Keyed, 1)
		wm := writeHistory(b, cfg, n, lookback)
		commitHistory(b, cfg, int64(n), wm)

		t0 := time.Now()
		fetchAll(b, cfg, n)
		fetch += time.Since(t0)

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		c := pipeline.NewCorrelator(cfg, pol, correlate.NewMetrics(nil), pipeline.NewMetrics(nil), discard{}, 1, log)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = c.Run(ctx); close(done) }()
		for !c.Joined() {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
		t0 = time.Now()
		if !streamtest.WaitFor(2*time.Minute, func() bool { return c.Ready() && c.Owned() == 1 }) {
			b.Fatal("the partition did not finish rebuilding")
		}
		rebuild += time.Since(t0)
		b.StopTimer()
		cancel()
		<-done
	}
	b.ReportMetric(float64(n)*float64(b.N)/rebuild.Seconds(), "records/s")
	b.ReportMetric(rebuild.Seconds()/float64(b.N), "rebuild-s")
	b.ReportMetric(fetch.Seconds()/rebuild.Seconds(), "rebuild/fetch-speed")
}

type discard struct{}

func (discard) Send(context.Context, *schemas.Alert) error { return nil }

// writeHistory writes n keyed records spanning the lookback of event time:
// pods started privileged and their processes, some of them host-level
// actions, as stage 1 forwards them. It returns the newest event time.
func writeHistory(b *testing.B, cfg pipeline.Config, n int, lookback time.Duration) time.Time {
	b.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: cfg.Topics.Keyed, Balancer: onePartition{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1000, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	step := lookback / time.Duration(n)
	const pods = 500
	msgs := make([]kafka.Message, 0, 1000)
	var at time.Time
	for i := 0; i < n; i++ {
		at = start.Add(time.Duration(i) * step)
		pod := i % pods
		ev := &schemas.Event{Time: at, Source: schemas.SourceSyscall, Producer: schemas.ProducerTetragon, Kind: schemas.KindProcess,
			NativeID: fmt.Sprintf("ev-%d", i), Cluster: "prod", Node: fmt.Sprintf("node-%d", pod%20),
			Pod:       schemas.Pod{Namespace: "team-" + fmt.Sprint(pod%7), Name: fmt.Sprintf("worker-%d", pod), UID: fmt.Sprintf("uid-%d", pod)},
			Container: schemas.Container{ID: fmt.Sprintf("%064x", pod+1), Name: "app", Image: "registry.example/app:1"},
			Process:   schemas.Process{PID: int64(1000 + i), Name: "unshare", Args: "-r -m sh", UID: 0},
		}
		if i < pods {
			ev.Source, ev.Producer, ev.Kind, ev.Process = schemas.SourceK8sAudit, schemas.ProducerAPIServer, schemas.KindPodSpec, schemas.Process{}
			ev.Spec = &schemas.PodSpec{Containers: []schemas.ContainerSpec{{Name: "app", Image: "registry.example/app:1", Privileged: pod%2 == 0}}}
		}
		m, err := pipeline.KeyedEventMessage(ev)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
		if len(msgs) == cap(msgs) || i == n-1 {
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				b.Fatal(err)
			}
			msgs = msgs[:0]
		}
	}
	return at
}

// commitHistory commits the end of the partition with the whole history
// inside the lookback, as the previous owner would have.
func commitHistory(b *testing.B, cfg pipeline.Config, end int64, wm time.Time) {
	b.Helper()
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: cfg.CorrelateGroup, Brokers: cfg.Brokers,
		Topics: []string{cfg.Topics.Keyed}, HeartbeatInterval: cfg.HeartbeatInterval, SessionTimeout: cfg.SessionTimeout,
		RebalanceTimeout: cfg.SessionTimeout})
	if err != nil {
		b.Fatal(err)
	}
	defer group.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gen, err := group.Next(ctx)
	if err != nil {
		b.Fatal(err)
	}
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	_, err = client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: cfg.CorrelateGroup, GenerationID: int(gen.ID), MemberID: gen.MemberID,
		Topics: map[string][]kafka.OffsetCommit{cfg.Topics.Keyed: {{Partition: 0, Offset: end, Metadata: pipeline.CommitMetadata(wm, 0)}}}})
	if err != nil {
		b.Fatal(err)
	}
}

// fetchAll reads the partition's n records with a bare reader.
func fetchAll(b *testing.B, cfg pipeline.Config, n int) {
	b.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: cfg.Topics.Keyed, Partition: 0, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: cfg.MaxWait})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		if _, err := r.FetchMessage(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
