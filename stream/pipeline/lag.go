package pipeline

import (
	"context"
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
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return 0, false
	}
	var ids []int
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		ids = append(ids, p.ID)
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return 0, false
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil || committed.Error != nil {
		return 0, false
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		done[p.Partition] = max(p.CommittedOffset, 0)
	}
	var lag int64
	for _, p := range ends.Topics[topic] {
		if p.Error == nil {
			lag += max(p.LastOffset-done[p.Partition], 0)
		}
	}
	return lag, true
}
