package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
	"github.com/escapewatch/escapewatch/stream/files"
)

// ReplayRange is a span of the input topics to re-run detection over.
type ReplayRange struct {
	From, To time.Time
}

// Progress is reported while a replay runs.
type Progress struct {
	Done, Total int64 // input records
	Events      int64 // events kept for correlation
	Alerts      int64
	Elapsed     time.Duration
}

// Fraction is the share of the range read so far.
func (p Progress) Fraction() float64 {
	if p.Total == 0 {
		return 1
	}
	return float64(p.Done) / float64(p.Total)
}

// ETA estimates the time left from the rate so far.
func (p Progress) ETA() time.Duration {
	if p.Done == 0 {
		return 0
	}
	left := float64(p.Total-p.Done) * float64(p.Elapsed) / float64(p.Done)
	return time.Duration(left)
}

// ReplayResult sums up a replay.
type ReplayResult struct {
	Progress
	Failed   map[parse.Reason]int
	Late     int64
	Segments int // input partitions read
}

// Replay re-runs detection over the records of the input topics whose
// broker timestamps fall in r: the same normalizer and correlator as the
// live pipeline, fresh state, the input partitions merged in event time
// (each reordered within a bounded window, as scan does), alerts handed to
// sink in their final state. It reads a range bounded when it starts and
// returns when it has read it. progress (may be nil) is called about once a
// second and at the end.
func Replay(ctx context.Context, cfg Config, pol *correlate.Policy, cm *correlate.Metrics, r ReplayRange, sink AlertSink,
	progress func(Progress), log *slog.Logger) (ReplayResult, error) {
	var res ReplayResult
	if !r.To.After(r.From) {
		return res, fmt.Errorf("replay range: --to (%s) must be after --from (%s)", r.To.Format(time.RFC3339), r.From.Format(time.RFC3339))
	}
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	segs, err := replaySegments(ctx, client, cfg.Topics.Inputs(), r)
	if err != nil {
		return res, err
	}
	res.Segments = len(segs)
	for _, s := range segs {
		res.Total += s.end - s.start
	}
	engine, err := correlate.NewEngine(correlate.Config{Policy: pol, Mode: correlate.EmitFinal, Metrics: cm})
	if err != nil {
		return res, err
	}
	defer engine.Close()

	var done, kept atomic.Int64
	failed := make([]map[parse.Reason]int, len(segs))
	began := time.Now()
	report := func() {
		if progress != nil {
			progress(Progress{Done: done.Load(), Total: res.Total, Events: kept.Load(), Alerts: res.Alerts, Elapsed: time.Since(began)})
		}
	}
	var sendErr error
	out := func(o correlate.Output) {
		if o.Alert == nil || sendErr != nil {
			return
		}
		if sendErr = sink.Send(ctx, o.Alert); sendErr == nil {
			res.Alerts++
		}
	}
	produce := func(ctx context.Context, i int, emit func(*schemas.Event) error) error {
		s := segs[i]
		norm := stream.NewNormalizer(decode.Options{MaxRecordBytes: cfg.MaxRecordBytes}, func(ev *schemas.Event) bool {
			return correlate.Relevant(ev, pol)
		})
		defer func() { failed[i] = norm.Stats().Failed }()
		if s.end <= s.start {
			return nil
		}
		rd := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: s.topic, Partition: s.partition,
			MinBytes: 1, MaxBytes: 16 << 20, MaxWait: cfg.MaxWait, ReadBatchTimeout: cfg.MaxWait})
		defer closeWithin(cfg.ShutdownTimeout, rd)
		if err := rd.SetOffset(s.start); err != nil {
			return err
		}
		keep := func(ev *schemas.Event) error {
			kept.Add(1)
			return emit(ev)
		}
		for {
			msg, err := rd.FetchMessage(ctx)
			if err != nil {
				return fmt.Errorf("reading %s/%d: %w", s.topic, s.partition, err)
			}
			rec := decode.Record{Value: msg.Value, Ref: schemas.Ref{Topic: msg.Topic, Partition: int32(msg.Partition), Offset: msg.Offset}, Time: msg.Time}
			if err := norm.Normalize(rec, keep); err != nil {
				var pe *parse.Error
				if !errors.As(err, &pe) {
					return err
				}
			}
			done.Add(1)
			if msg.Offset+1 >= s.end {
				return norm.Flush(keep)
			}
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-tick.C:
				report()
			case <-stop:
				return
			}
		}
	}()
	err = files.Merge(ctx, len(segs), files.DefaultReorder, produce, func(ev *schemas.Event) error {
		if err := engine.Process(ev, out); errors.Is(err, correlate.ErrLate) {
			res.Late++
		}
		return sendErr
	})
	close(stop)
	if err == nil {
		engine.Flush(out)
		err = sendErr
	}
	res.Done, res.Events, res.Elapsed = done.Load(), kept.Load(), time.Since(began)
	res.Failed = map[parse.Reason]int{}
	for _, f := range failed {
		for k, v := range f {
			res.Failed[k] += v
		}
	}
	report()
	if err != nil {
		return res, err
	}
	log.Info("replay finished", "records", res.Done, "events", res.Events, "alerts", res.Alerts, "took", res.Elapsed.Round(time.Millisecond))
	return res, nil
}

type segment struct {
	topic      string
	partition  int
	start, end int64
}

// replaySegments finds, per input partition, the offsets of the first
// record at or after r.From and the first at or after r.To (or the end of
// the partition now), so the replay reads a fixed range.
func replaySegments(ctx context.Context, client *kafka.Client, topics []string, r ReplayRange) ([]segment, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("reading topic metadata: %w", err)
	}
	parts := map[string][]int{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("topic %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
		}
	}
	starts, err := offsetsAt(ctx, client, parts, r.From)
	if err != nil {
		return nil, err
	}
	ends, err := offsetsAt(ctx, client, parts, r.To)
	if err != nil {
		return nil, err
	}
	var segs []segment
	for key, start := range starts {
		segs = append(segs, segment{topic: key.topic, partition: key.partition, start: start, end: max(ends[key], start)})
	}
	sort.Slice(segs, func(i, j int) bool {
		if segs[i].topic != segs[j].topic {
			return segs[i].topic < segs[j].topic
		}
		return segs[i].partition < segs[j].partition
	})
	return segs, nil
}

// offsetsAt returns, per partition, the offset of the first record whose
// timestamp is at or after t, or the end of the partition when there is
// none.
func offsetsAt(ctx context.Context, client *kafka.Client, parts map[string][]int, t time.Time) (map[topicPartition]int64, error) {
	byTime := map[string][]kafka.OffsetRequest{}
	for topic, ps := range parts {
		for _, p := range ps {
			byTime[topic] = append(byTime[topic], kafka.TimeOffsetOf(p, t))
		}
	}
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: byTime})
	if err != nil {
		return nil, fmt.Errorf("listing offsets at %s: %w", t.Format(time.RFC3339), err)
	}
	out := map[topicPartition]int64{}
	atEnd := map[string][]kafka.OffsetRequest{}
	for topic, pos := range resp.Topics {
		for _, po := range pos {
			if po.Error != nil {
				return nil, fmt.Errorf("listing offsets of %s/%d: %w", topic, po.Partition, po.Error)
			}
			best := int64(-1)
			for off := range po.Offsets {
				if off >= 0 && (best < 0 || off < best) {
					best = off
				}
			}
			if best >= 0 {
				out[topicPartition{topic, po.Partition}] = best
			} else {
				atEnd[topic] = append(atEnd[topic], kafka.LastOffsetOf(po.Partition))
			}
		}
	}
	if len(atEnd) == 0 {
		return out, nil
	}
	resp, err = client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: atEnd})
	if err != nil {
		return nil, fmt.Errorf("listing end offsets: %w", err)
	}
	for topic, pos := range resp.Topics {
		for _, po := range pos {
			if po.Error != nil {
				return nil, fmt.Errorf("listing offsets of %s/%d: %w", topic, po.Partition, po.Error)
			}
			out[topicPartition{topic, po.Partition}] = po.LastOffset
		}
	}
	return out, nil
}
