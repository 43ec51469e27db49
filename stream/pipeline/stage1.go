package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Dead-letter headers.
const (
	HeaderErrorReason     = "escapewatch-error-reason"
	HeaderError           = "escapewatch-error"
	HeaderSourceTopic     = "escapewatch-source-topic"
	HeaderSourcePartition = "escapewatch-source-partition"
	HeaderSourceOffset    = "escapewatch-source-offset"
	HeaderTruncated       = "escapewatch-truncated-from"
)

// maxDeadLetterBytes keeps dead letters under the broker's default message
// size; a longer value is cut and the original size put in a header (the
// record itself stays at its source position).
const maxDeadLetterBytes = 512 << 10

// maxKeyedBytes keeps keyed records under the broker's default message
// size (1 MiB), with room for the key and headers. Detached events are
// bounded (schemas.MaxFieldBytes), so only pathological records reach it.
const maxKeyedBytes = 900 << 10

const (
	maxBatch    = 1000
	batchLinger = 20 * time.Millisecond
)

// Normalizer is stage 1: it reads the input topics in a consumer group,
// decodes every record, forwards the events the correlator needs to the
// keyed topic keyed by correlation unit, dead-letters what it cannot
// decode, and commits input offsets only after those writes are
// acknowledged.
type Normalizer struct {
	cfg Config
	pol *correlate.Policy
	m   *Metrics
	log *slog.Logger
}

// NewNormalizer returns stage 1.
func NewNormalizer(cfg Config, pol *correlate.Policy, m *Metrics, log *slog.Logger) *Normalizer {
	return &Normalizer{cfg: cfg, pol: pol, m: m, log: log}
}

type topicPartition struct {
	topic     string
	partition int
}

type inputPartition struct {
	norm *stream.Normalizer
	// next is the offset after the last record read; idle is when it was
	// read (wall clock, only to flush an open auditd event).
	next int64
	read time.Time
	// committed is the offset last committed.
	committed int64
}

// Run consumes until ctx ends. It returns nil on a clean stop.
func (n *Normalizer) Run(ctx context.Context) error {
	cfg := n.cfg
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           cfg.Brokers,
		GroupID:           cfg.NormalizeGroup,
		GroupTopics:       cfg.Topics.Inputs(),
		MinBytes:          1,
		MaxBytes:          max(16<<20, 2*cfg.MaxRecordBytes),
		MaxWait:           cfg.MaxWait,
		ReadBatchTimeout:  cfg.MaxWait,
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.SessionTimeout,
		JoinGroupBackoff:  500 * time.Millisecond,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    500 * time.Millisecond,
	})
	keyed := n.writer(cfg.Topics.Keyed, &kafka.Murmur2Balancer{})
	dead := n.writer(cfg.Topics.DeadLetter, &kafka.Murmur2Balancer{})
	defer func() {
		closeWithin(n.cfg.ShutdownTimeout, keyed, dead, r)
	}()

	parts := map[topicPartition]*inputPartition{}
	var out, dl []kafka.Message
	for {
		batch, err := fetchBatch(ctx, r, cfg.IdleFlush)
		if len(batch) == 0 {
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading input topics: %w", err)
			}
		}
		out, dl = out[:0], dl[:0]
		for _, msg := range batch {
			tp := topicPartition{msg.Topic, msg.Partition}
			p := parts[tp]
			if p == nil {
				p = &inputPartition{norm: stream.NewNormalizer(decode.Options{MaxRecordBytes: n.cfg.MaxRecordBytes}, n.keep), committed: -1}
				parts[tp] = p
			}
			p.next, p.read = msg.Offset+1, time.Now()
			n.m.records.WithLabelValues(msg.Topic).Inc()
			rec := decode.Record{Value: msg.Value, Ref: schemas.Ref{Topic: msg.Topic, Partition: int32(msg.Partition), Offset: msg.Offset}, Time: msg.Time}
			err := p.norm.Normalize(rec, func(ev *schemas.Event) (err error) {
				out, err = n.forward(out, ev)
				return err
			})
			var pe *parse.Error
			if errors.As(err, &pe) {
				n.m.decodeFailures.WithLabelValues(string(pe.Reason)).Inc()
				dl = append(dl, deadLetter(msg, pe))
			} else if err != nil {
				return err
			}
		}
		for _, p := range parts {
			if !p.read.IsZero() && time.Since(p.read) > n.cfg.IdleFlush {
				err := p.norm.Flush(func(ev *schemas.Event) (err error) {
					out, err = n.forward(out, ev)
					return err
				})
				var pe *parse.Error
				if errors.As(err, &pe) {
					n.m.decodeFailures.WithLabelValues(string(pe.Reason)).Inc()
					n.log.Warn("an auditd event is too large to forward", "err", err)
				} else if err != nil {
					return err
				}
			}
		}
		if err := n.deliver(ctx, keyed, dead, out, dl); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := n.commit(ctx, r, parts); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			n.m.commitErrors.Inc()
			n.log.Warn("committing input offsets failed; they are retried", "err", err)
		}
	}
}

func (n *Normalizer) keep(ev *schemas.Event) bool {
	n.m.events.WithLabelValues(ev.Producer.String()).Inc()
	return correlate.Relevant(ev, n.pol)
}

// forward turns a kept event into keyed records: the event under its unit,
// plus a link copy under each container it links to a pod, so that events
// naming only that container find their pod in its partition. An event
// whose record would exceed maxKeyedBytes is refused with a parse error, so
// that its source record is dead-lettered.
func (n *Normalizer) forward(out []kafka.Message, ev *schemas.Event) ([]kafka.Message, error) {
	key := correlate.UnitKey(ev)
	first := len(out)
	recs := []keyedRecord{{key: key, kind: kindEvent, ev: ev}}
	for _, lk := range correlate.LinkKeys(ev) {
		if lk != key {
			recs = append(recs, keyedRecord{key: lk, kind: kindLink, ev: ev})
		}
	}
	for _, r := range recs {
		m, err := r.message()
		switch {
		case err != nil:
			return out[:first], parse.Errorf(parse.ReasonBadValue, "%v", err)
		case len(m.Value) > maxKeyedBytes:
			return out[:first], parse.Errorf(parse.ReasonTooLarge, "normalized event is %d bytes; the keyed topic takes at most %d", len(m.Value), maxKeyedBytes)
		}
		out = append(out, m)
	}
	for _, r := range recs {
		n.m.forwarded.WithLabelValues(r.kind).Inc()
	}
	return out, nil
}

func (n *Normalizer) deliver(ctx context.Context, keyed, dead *kafka.Writer, out, dl []kafka.Message) error {
	if len(out) > 0 {
		if err := keyed.WriteMessages(ctx, out...); err != nil {
			return fmt.Errorf("writing to %s: %w", n.cfg.Topics.Keyed, err)
		}
	}
	if len(dl) > 0 {
		if err := dead.WriteMessages(ctx, dl...); err != nil {
			return fmt.Errorf("writing to %s: %w", n.cfg.Topics.DeadLetter, err)
		}
		n.m.deadLettered.Add(float64(len(dl)))
	}
	return nil
}

// commit commits, per input partition, up to the last record read, but not
// past a record whose auditd event is still held open.
func (n *Normalizer) commit(ctx context.Context, r *kafka.Reader, parts map[topicPartition]*inputPartition) error {
	var msgs []kafka.Message
	for tp, p := range parts {
		upTo := p.next
		if ref, ok := p.norm.Pending(); ok && ref.Offset < upTo {
			upTo = ref.Offset
		}
		if upTo > p.committed && upTo > 0 {
			// CommitMessages commits the offset after the message given.
			msgs = append(msgs, kafka.Message{Topic: tp.topic, Partition: tp.partition, Offset: upTo - 1})
			p.committed = upTo
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return r.CommitMessages(ctx, msgs...)
}

// fetchBatch waits up to idle for one record, then takes whatever else
// arrives within a short linger, up to maxBatch records. A quiet input
// returns an empty batch, so that held auditd events are still flushed.
func fetchBatch(ctx context.Context, r *kafka.Reader, idle time.Duration) ([]kafka.Message, error) {
	wctx, cancel := context.WithTimeout(ctx, idle)
	first, err := r.FetchMessage(wctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, nil
		}
		return nil, err
	}
	batch := []kafka.Message{first}
	lctx, cancel := context.WithTimeout(ctx, batchLinger)
	defer cancel()
	for len(batch) < maxBatch {
		m, err := r.FetchMessage(lctx)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch, nil
}

func deadLetter(msg kafka.Message, pe *parse.Error) kafka.Message {
	headers := append([]kafka.Header{
		{Key: HeaderErrorReason, Value: []byte(pe.Reason)},
		{Key: HeaderError, Value: []byte(pe.Msg)},
		{Key: HeaderSourceTopic, Value: []byte(msg.Topic)},
		{Key: HeaderSourcePartition, Value: []byte(strconv.Itoa(msg.Partition))},
		{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(msg.Offset, 10))},
	}, msg.Headers...)
	value := msg.Value
	if len(value) > maxDeadLetterBytes {
		headers = append(headers, kafka.Header{Key: HeaderTruncated, Value: []byte(strconv.Itoa(len(value)))})
		value = value[:maxDeadLetterBytes]
	}
	return kafka.Message{Key: msg.Key, Value: value, Headers: headers, Time: msg.Time}
}

func (n *Normalizer) writer(topic string, b kafka.Balancer) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(n.cfg.Brokers...),
		Topic:        topic,
		Balancer:     b,
		RequiredAcks: kafka.RequireAll,
		// WriteMessages hands over a whole fetched batch and waits for it:
		// the last partial batch of each partition must not linger.
		BatchTimeout: time.Millisecond,
		BatchSize:    maxBatch,
		BatchBytes:   int64(max(16<<20, 2*n.cfg.MaxRecordBytes)),
		MaxAttempts:  10,
		WriteTimeout: 10 * time.Second,
	}
}
