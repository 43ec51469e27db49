package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// topicSpec is a topic escapewatch needs.
type topicSpec struct {
	name       string
	role       string
	partitions int
}

// EnsureTopics makes sure every topic exists before any consumer starts (a
// group reader on a missing topic waits silently). Missing topics are
// created when create is set; otherwise, or when the broker refuses, the
// error says which topic and what to do. It returns the partition count of
// each topic.
func EnsureTopics(ctx context.Context, cfg Config, create bool) (map[string]int, error) {
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	var specs []topicSpec
	for _, t := range []struct{ name, role string }{{cfg.Topics.Audit, "input"}, {cfg.Topics.Runtime, "input"},
		{cfg.Topics.Syscall, "input"}, {cfg.Topics.Alerts, "alerts"}, {cfg.Topics.DeadLetter, "dead-letter"}} {
		if t.name != "" && !slices.ContainsFunc(specs, func(s topicSpec) bool { return s.name == t.name }) {
			specs = append(specs, topicSpec{name: t.name, role: t.role, partitions: 3})
		}
	}
	specs = append(specs, topicSpec{name: cfg.Topics.Keyed, role: "keyed", partitions: cfg.KeyedPartitions})

	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return nil, fmt.Errorf("asking the brokers %v for topic metadata: %w", cfg.Brokers, err)
	}
	have := map[string]int{}
	for _, t := range meta.Topics {
		if t.Error == nil && len(t.Partitions) > 0 {
			have[t.Name] = len(t.Partitions)
		}
	}
	var missing []kafka.TopicConfig
	for _, s := range specs {
		if _, ok := have[s.name]; ok {
			continue
		}
		if !create {
			return nil, fmt.Errorf("topic %s (%s) does not exist; create it or run with create_topics: true", s.name, s.role)
		}
		missing = append(missing, kafka.TopicConfig{Topic: s.name, NumPartitions: s.partitions, ReplicationFactor: cfg.ReplicationFactor})
	}
	if len(missing) > 0 {
		resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: missing})
		if err != nil {
			return nil, fmt.Errorf("creating topics: %w", err)
		}
		for _, m := range missing {
			if terr := resp.Errors[m.Topic]; terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
				return nil, fmt.Errorf("the broker refused to create topic %s (%d partitions, replication %d): %w; create it yourself or lower replication_factor",
					m.Topic, m.NumPartitions, m.ReplicationFactor, terr)
			}
		}
		if err := waitForTopics(ctx, client, names, have); err != nil {
			return nil, err
		}
	}
	return have, nil
}

// waitForTopics waits until new topics have leaders, so that the first
// writes do not fail.
func waitForTopics(ctx context.Context, client *kafka.Client, names []string, have map[string]int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
		ready := err == nil
		if err == nil {
			for _, t := range meta.Topics {
				if t.Error != nil || len(t.Partitions) == 0 {
					ready = false
					continue
				}
				for _, p := range t.Partitions {
					if p.Leader.Host == "" {
						ready = false
					}
				}
				have[t.Name] = len(t.Partitions)
			}
		}
		if ready && len(have) >= len(names) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %v have no leaders after 30s", names)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
