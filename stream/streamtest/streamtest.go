// Package streamtest gives tests a Kafka-protocol broker: an in-process
// kfake cluster, or the cluster named by KAFKA_BROKERS (a real Apache Kafka
// broker, as scripts/kafka.sh starts). It also writes and reads topics for
// assertions.
package streamtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Fake starts an in-process broker for the test and returns its address.
// The broker stops when the test ends.
func Fake(t testing.TB, opts ...kfake.Opt) []string {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// Real returns the brokers of KAFKA_BROKERS, skipping the test when it is
// not set (make test always sets it, so CI never skips).
func Real(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("KAFKA_BROKERS")
	if v == "" {
		t.Skip("KAFKA_BROKERS is not set; run make test (scripts/kafka.sh starts a broker)")
	}
	return strings.Split(v, ",")
}

// Unique returns a name unique to this run, for topics and groups on a
// shared broker.
func Unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// CreateTopic creates a topic with n partitions.
func CreateTopic(t testing.TB, brokers []string, topic string, n int) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := client.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: n, ReplicationFactor: 1}},
	})
	if err != nil {
		t.Fatalf("creating %s: %v", topic, err)
	}
	if err := resp.Errors[topic]; err != nil {
		t.Fatalf("creating %s: %v", topic, err)
	}
}

// Produce writes values to a topic, round robin over its partitions, and
// waits for the acknowledgements.
func Produce(t testing.TB, brokers []string, topic string, values ...[]byte) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, Balancer: &kafka.RoundRobin{}}
	defer w.Close()
	msgs := make([]kafka.Message, len(values))
	for i, v := range values {
		msgs[i] = kafka.Message{Value: v}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("producing to %s: %v", topic, err)
	}
}

// ReadAll reads every partition of a topic from the start until no record
// arrives for quiet, and returns the records.
func ReadAll(t testing.TB, brokers []string, topic string, quiet time.Duration) []kafka.Message {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 {
		t.Fatalf("metadata of %s: %v", topic, err)
	}
	var out []kafka.Message
	for _, p := range meta.Topics[0].Partitions {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 100 * time.Millisecond})
		for {
			ctx, cancel := context.WithTimeout(context.Background(), quiet)
			m, err := r.FetchMessage(ctx)
			cancel()
			if err != nil {
				break
			}
			out = append(out, m)
		}
		_ = r.Close()
	}
	return out
}
