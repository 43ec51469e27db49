package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// WatchLag computes consumer lag (end offset minus committed offset, summed
// per topic) for both groups every interval until ctx ends: kafka-go's
// Reader reports no lag for groups.
func WatchLag(ctx context.Context, cfg Config, m *Metrics, interval time.Duration) {
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 5 * time.Second}
	measure := func() {
		for group, topics := range map[string][]string{cfg.NormalizeGroup: cfg.Topics.Inputs(), cfg.CorrelateGroup: {cfg.Topics.Keyed}} {
			for _, topic := range topics {
				if lag, ok := topicLag(ctx, client, group, topic); ok {
					m.lag.WithLabelValues(group, topic).Set(float64(lag))
				}
			}
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		measure()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func topicLag(ctx context.Context, client *kafka.Client, group, topic string) (int64, bool) {
	committed, end, err := GroupProgress(ctx, client, group, topic)
	if err != nil {
		return 0, false
	}
	var lag int64
	for p, e := range end {
		lag += max(e-max(committed[p], 0), 0)
	}
	return lag, true
}

// GroupProgress returns, per partition of topic, the group's committed
// offset (-1 when none) and the partition's end offset.
func GroupProgress(ctx context.Context, client *kafka.Client, group, topic string) (committed, end map[int]int64, err error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return nil, nil, fmt.Errorf("metadata of %s: no such topic", topic)
	}
	var ids []int
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		ids = append(ids, p.ID)
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	done, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err == nil {
		err = done.Error
	}
	if err != nil {
		return nil, nil, fmt.Errorf("committed offsets of %s in %s: %w", topic, group, err)
	}
	committed, end = map[int]int64{}, map[int]int64{}
	for _, p := range ends.Topics[topic] {
		if p.Error == nil {
			end[p.Partition] = p.LastOffset
			committed[p.Partition] = -1
		}
	}
	for _, p := range done.Topics[topic] {
		if _, ok := end[p.Partition]; ok {
			committed[p.Partition] = p.CommittedOffset
		}
	}
	return committed, end, nil
}
