package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
)

// partitionWorker correlates one keyed-topic partition for one generation.
type partitionWorker struct {
	c         *Correlator
	client    *kafka.Client
	gen       *kafka.Generation
	partition int
	// committed is the group's committed offset at assignment (negative:
	// none yet).
	committed int64

	engine   *correlate.Engine
	buf      reorder
	span     rebuildSpan
	owns     func(key string) bool
	silent   bool // rebuilding: state only, nothing emitted
	next     int64
	lastDone int64 // offset committed last
	writer   *kafka.Writer
	// refreshes are written in bulk: one watermark step may make many
	// units due at once.
	refresher  *kafka.Writer
	refreshBuf []kafka.Message
	refreshes  int
}

// run owns the partition until ctx ends (the generation ended or the
// process stops). A failure restarts the partition from its last commit.
func (w *partitionWorker) run(ctx context.Context) error {
	c := w.c
	c.owned.Add(1)
	c.m.partitionsOwned.Inc()
	defer func() {
		c.owned.Add(-1)
		c.m.partitionsOwned.Dec()
	}()
	restoring := true
	defer func() {
		if restoring {
			c.restoring.Add(-1)
		}
	}()
	// Reroutes are written one at a time and waited for (the offset that
	// caused one is committed after it): send each at once.
	w.writer = &kafka.Writer{Addr: kafka.TCP(c.cfg.Brokers...), Topic: c.cfg.Topics.Keyed, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1, BatchTimeout: time.Millisecond, WriteTimeout: 10 * time.Second}
	w.refresher = &kafka.Writer{Addr: kafka.TCP(c.cfg.Brokers...), Topic: c.cfg.Topics.Keyed, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1000, BatchTimeout: time.Millisecond, WriteTimeout: 10 * time.Second}
	defer closeWithin(c.cfg.ShutdownTimeout, w.writer, w.refresher)
	for attempt := 0; ; attempt++ {
		err := w.once(ctx, func() {
			if restoring {
				restoring = false
				c.restoring.Add(-1)
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("partition failed; restarting from its last commit", "partition", w.partition, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(min(time.Duration(attempt+1)*time.Second, 10*time.Second)):
		}
		if off, _, ferr := w.fetchCommit(ctx); ferr == nil {
			w.committed = off
		}
	}
}

// once rebuilds and then serves the partition until ctx ends or an error.
func (w *partitionWorker) once(ctx context.Context, restored func()) error {
	c := w.c
	p := newPartitioner(c.partitions)
	w.owns = func(key string) bool { return p.partition(key) == w.partition }
	engine, err := correlate.NewEngine(correlate.Config{Policy: c.pol, Mode: correlate.EmitEager, Metrics: c.cm, Owns: w.owns,
		// Twice per lookback, so a rebuild always finds a refresh.
		RefreshEvery: c.cfg.Lookback / 2})
	if err != nil {
		return err
	}
	w.engine, w.buf, w.span = engine, reorder{delay: c.cfg.ReorderDelay, maxAhead: c.pol.Windows.Skew.D()}, rebuildSpan{}
	defer engine.Close()
	process := func(p pending) error { return w.process(ctx, p) }

	start, rebuildTo, err := w.plan(ctx)
	if err != nil {
		return err
	}
	w.silent = start < rebuildTo
	w.next, w.lastDone = start, max(w.committed, 0)
	began := time.Now()
	if !w.silent {
		c.log.Info("partition serving; nothing to rebuild", "partition", w.partition, "offset", start)
		restored()
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: c.cfg.Brokers, Topic: c.cfg.Topics.Keyed, Partition: w.partition,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: c.cfg.MaxWait, ReadBatchTimeout: c.cfg.MaxWait,
		ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: 500 * time.Millisecond,
	})
	defer closeWithin(c.cfg.ShutdownTimeout, r)
	if err := r.SetOffset(start); err != nil {
		return fmt.Errorf("seeking partition %d to %d: %w", w.partition, start, err)
	}
	lastCommit, lastRecord := time.Now(), time.Now()
	rebuilt := 0
	for {
		wait := min(c.cfg.IdleFlush, c.cfg.CommitInterval)
		fctx, cancel := context.WithTimeout(ctx, wait)
		msg, err := r.FetchMessage(fctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			w.finalCommit()
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			if time.Since(lastRecord) < c.cfg.IdleFlush {
				break // a pause, not yet quiet
			}
			// Quiet: process what is held, whatever its time.
			if err := w.buf.flush(process); err != nil {
				return err
			}
			if w.silent && w.next >= rebuildTo {
				w.goLive(began, rebuilt, restored)
			}
		case err != nil:
			return fmt.Errorf("reading partition %d: %w", w.partition, err)
		default:
			lastRecord = time.Now()
			if w.silent && msg.Offset >= rebuildTo {
				// Everything before the committed offset was processed by
				// the previous owner: finish rebuilding with it, then serve.
				if err := w.buf.flush(process); err != nil {
					return err
				}
				w.goLive(began, rebuilt, restored)
			}
			w.next = msg.Offset + 1
			rec, err := decodeKeyed(msg)
			if err != nil {
				c.log.Warn("skipping an unreadable keyed record", "partition", w.partition, "offset", msg.Offset, "err", err)
				continue
			}
			at := correlate.WatermarkTime(rec.ev, c.pol.Windows.Skew.D())
			if rec.kind == kindRefresh {
				// A refresh carries an old event; it counts as written at
				// the partition's present.
				if wm := w.engine.Watermark(); wm.After(at) {
					at = wm
				}
			}
			w.span.add(msg.Offset, at)
			if w.silent {
				rebuilt++
				c.m.rebuildRecords.Inc()
			}
			if err := w.admit(ctx, pending{rec: rec, offset: msg.Offset, ingest: rec.ev.IngestTime}); err != nil {
				return err
			}
			if err := w.buf.ready(process); err != nil {
				return err
			}
			if w.silent && w.next >= rebuildTo {
				if err := w.buf.flush(process); err != nil {
					return err
				}
				w.goLive(began, rebuilt, restored)
			}
		}
		if !w.silent && time.Since(lastCommit) >= c.cfg.CommitInterval {
			if err := w.commit(ctx); err != nil {
				c.m.commitErrors.Inc()
				c.log.Warn("commit failed; retried with the next one", "partition", w.partition, "err", err)
			}
			lastCommit = time.Now()
		}
	}
}

func (w *partitionWorker) goLive(began time.Time, rebuilt int, restored func()) {
	if !w.silent {
		return
	}
	w.silent = false
	d := time.Since(began)
	w.c.m.rebuildSeconds.Observe(d.Seconds())
	w.c.log.Info("partition rebuilt; serving", "partition", w.partition, "records", rebuilt, "took", d.Round(time.Millisecond))
	restored()
}

// plan decides where to start reading and up to where reading only
// rebuilds state: from where the previous owner's lookback of event time
// began (stored with its commit) up to its committed offset.
func (w *partitionWorker) plan(ctx context.Context) (start, rebuildTo int64, err error) {
	first, last, err := w.bounds(ctx)
	if err != nil {
		return 0, 0, err
	}
	if w.committed < 0 {
		return first, first, nil
	}
	committed := min(max(w.committed, first), last)
	_, meta, err := w.fetchCommit(ctx)
	if err != nil {
		return 0, 0, err
	}
	from := meta.rebuildFrom
	if meta.watermark.IsZero() {
		// A commit escapewatch did not write: re-read what was keyed
		// within the lookback, by the records' broker timestamps.
		if from, err = w.offsetAt(ctx, time.Now().Add(-w.c.cfg.Lookback)); err != nil {
			return 0, 0, err
		}
	}
	return min(max(from, first), committed), committed, nil
}

// bounds returns the first and the next offset of the partition.
func (w *partitionWorker) bounds(ctx context.Context) (first, last int64, err error) {
	resp, err := w.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		w.c.cfg.Topics.Keyed: {kafka.FirstOffsetOf(w.partition), kafka.LastOffsetOf(w.partition)},
	}})
	if err != nil {
		return 0, 0, fmt.Errorf("listing offsets of partition %d: %w", w.partition, err)
	}
	for _, po := range resp.Topics[w.c.cfg.Topics.Keyed] {
		if po.Partition == w.partition {
			if po.Error != nil {
				return 0, 0, po.Error
			}
			return po.FirstOffset, po.LastOffset, nil
		}
	}
	return 0, 0, fmt.Errorf("no offsets for partition %d", w.partition)
}

// offsetAt returns the first offset whose record time is at or after t
// (the end of the partition when there is none).
func (w *partitionWorker) offsetAt(ctx context.Context, t time.Time) (int64, error) {
	topic := w.c.cfg.Topics.Keyed
	offs, err := offsetsAt(ctx, w.client, map[string][]int{topic: {w.partition}}, t)
	if err != nil {
		return 0, err
	}
	off, ok := offs[topicPartition{topic, w.partition}]
	if !ok {
		return 0, fmt.Errorf("no offset at %s for partition %d", t.Format(time.RFC3339), w.partition)
	}
	return off, nil
}

// fetchCommit reads the group's committed offset and its metadata (zero
// when escapewatch did not write it).
func (w *partitionWorker) fetchCommit(ctx context.Context) (int64, commitMeta, error) {
	resp, err := w.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: w.c.cfg.CorrelateGroup,
		Topics: map[string][]int{w.c.cfg.Topics.Keyed: {w.partition}}})
	if err != nil {
		return 0, commitMeta{}, fmt.Errorf("fetching the commit of partition %d: %w", w.partition, err)
	}
	if resp.Error != nil {
		return 0, commitMeta{}, resp.Error
	}
	for _, p := range resp.Topics[w.c.cfg.Topics.Keyed] {
		if p.Partition == w.partition {
			if p.Error != nil {
				return 0, commitMeta{}, p.Error
			}
			meta, _ := parseCommitMeta(p.Metadata)
			return p.CommittedOffset, meta, nil
		}
	}
	return -1, commitMeta{}, nil
}

// admit takes a record off the keyed topic. Links are learned at once, and
// an event of a unit another partition owns is handed on at once: waiting
// for the reorder delay here would make it arrive that much late at its
// owner, after events it precedes. Only events of this partition's units
// wait in the reorder buffer.
func (w *partitionWorker) admit(ctx context.Context, p pending) error {
	var err error
	out := w.handler(ctx, p, &err)
	if p.rec.kind == kindRefresh {
		w.engine.Restore(p.rec.ev, out)
		return err
	}
	if p.rec.kind == kindLink {
		if w.engine.LearnLinks(p.rec.ev, out) && err == nil {
			// Events that waited for this link go to their owner now.
			for _, q := range w.buf.extract(func(q pending) bool { return !w.owns(w.engine.Resolve(q.rec.ev)) }) {
				if err = w.handOn(ctx, q.rec.ev); err != nil {
					break
				}
			}
		}
		return err
	}
	if key := w.engine.Resolve(p.rec.ev); key != "" && !w.owns(key) {
		return w.handOn(ctx, p.rec.ev)
	}
	w.buf.push(p)
	return nil
}

// handOn reroutes an event to the partition of its unit, unless rebuilding
// (the previous owner did it).
func (w *partitionWorker) handOn(ctx context.Context, ev *schemas.Event) error {
	if w.silent {
		return nil
	}
	return w.reroute(ctx, correlate.Output{Reroute: ev, Key: correlate.UnitKey(ev)})
}

// process correlates one record and delivers what it causes.
func (w *partitionWorker) process(ctx context.Context, p pending) error {
	var err error
	_ = w.engine.Process(p.rec.ev, w.handler(ctx, p, &err))
	if err == nil {
		err = w.flushRefreshes(ctx)
	}
	clear(w.refreshBuf)
	w.refreshBuf, w.refreshes = w.refreshBuf[:0], 0
	return err
}

// handler returns the function that delivers the engine's outputs for
// record p: alerts to the sinks, events of other partitions' units back to
// the keyed topic. The first failure is stored in *err and stops delivery.
// In rebuild mode nothing leaves: the previous owner delivered it.
func (w *partitionWorker) handler(ctx context.Context, p pending, err *error) func(correlate.Output) {
	return func(o correlate.Output) {
		if w.silent || *err != nil {
			return
		}
		switch {
		case o.Alert != nil:
			if *err = w.send(ctx, o.Alert); *err == nil {
				w.c.m.alertLatency.WithLabelValues("event").Observe(time.Since(p.rec.ev.Time).Seconds())
				if !p.ingest.IsZero() {
					w.c.m.alertLatency.WithLabelValues("ingest").Observe(time.Since(p.ingest).Seconds())
				}
			}
		case o.Reroute != nil:
			*err = w.reroute(ctx, o)
		case o.Refresh != nil:
			*err = w.queueRefresh(o)
		}
	}
}

// queueRefresh adds a unit's retained events, to be written back to its
// own partition by flushRefreshes, with link copies for the containers
// they name, as stage 1 forwards them.
func (w *partitionWorker) queueRefresh(o correlate.Output) error {
	for _, ev := range o.Refresh {
		recs := []keyedRecord{{key: o.Key, kind: kindRefresh, ev: ev}}
		for _, lk := range correlate.LinkKeys(ev) {
			if lk != o.Key {
				recs = append(recs, keyedRecord{key: lk, kind: kindLink, ev: ev})
			}
		}
		for _, r := range recs {
			m, err := r.message()
			if err != nil {
				return err
			}
			w.refreshBuf = append(w.refreshBuf, m)
		}
	}
	w.refreshes += len(o.Refresh)
	return nil
}

// flushRefreshes writes the queued refreshes and waits for them.
func (w *partitionWorker) flushRefreshes(ctx context.Context) error {
	if len(w.refreshBuf) == 0 {
		return nil
	}
	if err := w.refresher.WriteMessages(ctx, w.refreshBuf...); err != nil {
		return fmt.Errorf("writing %d refresh records: %w", len(w.refreshBuf), err)
	}
	w.c.m.forwarded.WithLabelValues(kindRefresh).Add(float64(w.refreshes))
	return nil
}

// reroute hands an event that belongs to another unit's partition back to
// the keyed topic.
func (w *partitionWorker) reroute(ctx context.Context, o correlate.Output) error {
	m, err := keyedRecord{key: o.Key, kind: kindEvent, ev: o.Reroute}.message()
	if err == nil {
		err = w.writer.WriteMessages(ctx, m)
	}
	if err != nil {
		return fmt.Errorf("rerouting an event to %s: %w", o.Key, err)
	}
	w.c.m.forwarded.WithLabelValues("reroute").Inc()
	return nil
}

// send delivers an alert, retrying until the sinks take it or the
// partition is given up: its offset is not committed before.
func (w *partitionWorker) send(ctx context.Context, a *schemas.Alert) error {
	for attempt := 0; ; attempt++ {
		err := w.c.sink.Send(ctx, a)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.c.log.Warn("alert delivery failed; retrying", "alert", a.ID, "err", err, "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(time.Duration(attempt+1)*200*time.Millisecond, 5*time.Second)):
		}
	}
}

// commitOffset is the offset before which every record has been processed
// and its alerts delivered.
func (w *partitionWorker) commitOffset() int64 {
	if low, ok := w.buf.oldestOffset(); ok {
		return min(low, w.next)
	}
	return w.next
}

// commit commits progress through the owning generation, with the
// partition's event-time watermark and the offset a new owner rebuilds
// from as metadata.
func (w *partitionWorker) commit(ctx context.Context) error {
	off := w.commitOffset()
	if off <= w.lastDone {
		return nil
	}
	wm := w.engine.Watermark()
	from, ok := w.span.from(wm.Add(-w.c.cfg.Lookback))
	if !ok || from > off {
		from = off
	}
	_, err := w.client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID:      w.c.cfg.CorrelateGroup,
		GenerationID: int(w.gen.ID),
		MemberID:     w.gen.MemberID,
		Topics: map[string][]kafka.OffsetCommit{w.c.cfg.Topics.Keyed: {{
			Partition: w.partition, Offset: off, Metadata: commitMeta{watermark: wm, rebuildFrom: from}.String(),
		}}},
	})
	if err != nil {
		return err
	}
	w.lastDone = off
	return nil
}

// finalCommit commits once more as the partition is given up; the
// generation still owns it until its workers return.
func (w *partitionWorker) finalCommit() {
	if w.silent || w.engine == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := w.commit(ctx); err != nil {
		w.c.log.Info("final commit failed (the next owner re-reads from the previous one)", "partition", w.partition, "err", err)
	}
}
