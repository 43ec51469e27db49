// Package streamtest gives tests a Kafka-protocol broker: an in-process
// kfake cluster, or the cluster named by KAFKA_BROKERS (a real Apache Kafka
// broker, as scripts/kafka.sh starts). It also writes and reads topics for
// assertions.
package streamtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/pipeline"
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

// Real returns the brokers of KAFKA_BROKERS. Without it the test is
// skipped, so that a plain go test stays hermetic, unless
// ESCAPEWATCH_REQUIRE_KAFKA is set: make test sets both (scripts/kafka.sh
// starts the broker), so CI never skips.
func Real(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("KAFKA_BROKERS")
	if v == "" {
		if os.Getenv("ESCAPEWATCH_REQUIRE_KAFKA") != "" {
			t.Fatal("ESCAPEWATCH_REQUIRE_KAFKA is set but KAFKA_BROKERS is not: start a broker with scripts/kafka.sh")
		}
		t.Skip("KAFKA_BROKERS is not set; make test starts a real broker with scripts/kafka.sh")
	}
	return strings.Split(v, ",")
}

// EachBroker runs fn as a subtest on every broker the suite tests against:
// "kfake", an in-process broker of its own, and "kafka", the real Apache
// Kafka cluster of KAFKA_BROKERS (see Real).
func EachBroker(t *testing.T, fn func(t *testing.T, brokers []string)) {
	t.Helper()
	t.Run("kfake", func(t *testing.T) { fn(t, Fake(t)) })
	t.Run("kafka", func(t *testing.T) { fn(t, Real(t)) })
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
	// A topic created a moment ago may not be known to every broker yet.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.WriteMessages(ctx, msgs...)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("producing to %s: %v", topic, err)
		}
		time.Sleep(200 * time.Millisecond)
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

// ReadAlerts reads an alert topic from the start until no record arrives
// for quiet and returns every record's alert, in topic order per partition.
func ReadAlerts(t testing.TB, brokers []string, topic string, quiet time.Duration) []schemas.Alert {
	t.Helper()
	var out []schemas.Alert
	for _, m := range ReadAll(t, brokers, topic, quiet) {
		var a schemas.Alert
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatalf("alert record at %s/%d/%d: %v", topic, m.Partition, m.Offset, err)
		}
		if string(m.Key) != a.ID {
			t.Errorf("alert record key %q is not its id %q", m.Key, a.ID)
		}
		out = append(out, a)
	}
	return out
}

// DistinctIDs returns the sorted distinct ids of alerts and how many
// records repeated an id already seen.
func DistinctIDs(alerts []schemas.Alert) (ids []string, repeats int) {
	seen := map[string]bool{}
	for _, a := range alerts {
		if seen[a.ID] {
			repeats++
			continue
		}
		seen[a.ID] = true
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids, repeats
}

// Progress returns, per partition of topic, the group's committed offset
// (-1 when none) and the partition's end offset.
func Progress(t testing.TB, brokers []string, group, topic string) (committed, end map[int]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	committed, end, err := pipeline.GroupProgress(ctx, &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}, group, topic)
	if err != nil {
		t.Fatal(err)
	}
	return committed, end
}

// Config returns the pipeline defaults on brokers with topics and groups
// of their own (see Unique) and 4 keyed partitions, for one test.
func Config(brokers []string) pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.Brokers = brokers
	cfg.Topics = pipeline.Topics{
		Audit: Unique("audit"), Runtime: Unique("runtime"), Syscall: Unique("syscall"),
		Keyed: Unique("keyed"), Alerts: Unique("alerts"), DeadLetter: Unique("dlq"),
	}
	cfg.NormalizeGroup = Unique("normalize")
	cfg.CorrelateGroup = Unique("correlate")
	cfg.KeyedPartitions = 4
	return cfg
}

// WaitFor polls cond every 50ms until it holds or timeout passes, and
// returns its last answer.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}
