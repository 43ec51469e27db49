package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
)

// AlertSink takes alerts; Send returns once the alert is durably handed
// over, so that the offsets that produced it may be committed.
type AlertSink interface {
	Send(ctx context.Context, a *schemas.Alert) error
}

// Correlator is stage 2: a consumer group over the keyed topic in which
// each assigned partition runs its own correlation engine. On assignment a
// partition rebuilds its state by re-reading the keyed topic from a
// lookback before its committed watermark, without emitting, then goes
// live; it commits only after the sinks acknowledged the alerts the
// committed records produced, with its event-time watermark in the commit
// metadata.
type Correlator struct {
	cfg        Config
	pol        *correlate.Policy
	cm         *correlate.Metrics
	m          *Metrics
	sink       AlertSink
	log        *slog.Logger
	partitions int

	owned     atomic.Int32
	restoring atomic.Int32
	joined    atomic.Bool
}

// NewCorrelator returns stage 2. partitions is the keyed topic's partition
// count (see EnsureTopics).
func NewCorrelator(cfg Config, pol *correlate.Policy, cm *correlate.Metrics, m *Metrics, sink AlertSink, partitions int, log *slog.Logger) *Correlator {
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback(pol)
	}
	return &Correlator{cfg: cfg, pol: pol, cm: cm, m: m, sink: sink, partitions: partitions, log: log}
}

// Ready reports whether the correlator has joined its group and every
// partition it owns has finished rebuilding.
func (c *Correlator) Ready() bool { return c.joined.Load() && c.restoring.Load() == 0 }

// Owned returns how many keyed-topic partitions this correlator serves.
func (c *Correlator) Owned() int { return int(c.owned.Load()) }

// Run correlates until ctx ends; it returns nil on a clean stop.
func (c *Correlator) Run(ctx context.Context) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                c.cfg.CorrelateGroup,
		Brokers:           c.cfg.Brokers,
		Topics:            []string{c.cfg.Topics.Keyed},
		HeartbeatInterval: c.cfg.HeartbeatInterval,
		SessionTimeout:    c.cfg.SessionTimeout,
		RebalanceTimeout:  c.cfg.SessionTimeout,
		JoinGroupBackoff:  500 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		Timeout:           10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("joining group %s: %w", c.cfg.CorrelateGroup, err)
	}
	defer closeWithin(c.cfg.ShutdownTimeout, group)
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Timeout: 10 * time.Second}
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			c.log.Warn("consumer group error; rejoining", "group", c.cfg.CorrelateGroup, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		assigned := gen.Assignments[c.cfg.Topics.Keyed]
		ids := make([]int, len(assigned))
		for i, a := range assigned {
			ids[i] = a.ID
		}
		c.log.Info("partitions assigned", "generation", gen.ID, "partitions", ids)
		c.restoring.Add(int32(len(assigned)))
		c.joined.Store(true)
		for _, a := range assigned {
			gen.Start(func(ctx context.Context) {
				w := &partitionWorker{c: c, client: client, gen: gen, partition: a.ID, committed: a.Offset}
				if err := w.run(ctx); err != nil && ctx.Err() == nil {
					c.log.Error("partition worker stopped", "partition", a.ID, "err", err)
				}
			})
		}
	}
}

// DefaultLookback is the event time a partition must re-read so that every
// window still open at its watermark is rebuilt: anything older cannot
// join anything newer.
func DefaultLookback(p *correlate.Policy) time.Duration {
	w := p.Windows
	return w.Window.D() + max(w.Window.D(), w.ExecWindow.D()) + w.Skew.D() + w.Lateness.D() + w.TerminationGrace.D()
}
