package sinks

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/schemas"
)

// Kafka publishes alerts to a topic, keyed by alert id so that every
// version of an alert lands in one partition and downstream can
// deduplicate or compact by key. Send waits for all in-sync replicas.
type Kafka struct {
	w      *kafka.Writer
	format Format
	min    schemas.Severity
}

var _ Sink = (*Kafka)(nil)

// NewKafka returns a sink writing to topic on brokers.
func NewKafka(brokers []string, topic string, format Format, min schemas.Severity) *Kafka {
	return &Kafka{
		w: &kafka.Writer{
			Addr:         kafka.TCP(brokers...),
			Topic:        topic,
			Balancer:     &kafka.Murmur2Balancer{},
			RequiredAcks: kafka.RequireAll,
			// Send waits for each alert's acknowledgement, so a batch never
			// fills: send every alert at once instead of after the default
			// second (or any linger).
			BatchSize:    1,
			BatchTimeout: time.Millisecond,
			WriteTimeout: 10 * time.Second,
			MaxAttempts:  10,
		},
		format: format,
		min:    min,
	}
}

// Send publishes one alert and returns once the broker acknowledged it.
func (k *Kafka) Send(ctx context.Context, a *schemas.Alert) error {
	if a.Severity < k.min {
		return nil
	}
	b, err := k.format.Encode(a)
	if err != nil {
		return fmt.Errorf("encoding alert %s: %w", a.ID, err)
	}
	err = k.w.WriteMessages(ctx, kafka.Message{
		Key:     []byte(a.ID),
		Value:   b,
		Headers: []kafka.Header{{Key: "escapewatch-rule", Value: []byte(a.Rule.ID)}, {Key: "escapewatch-severity", Value: []byte(a.Severity.String())}},
	})
	if err != nil {
		return fmt.Errorf("publishing alert %s to %s: %w", a.ID, k.w.Topic, err)
	}
	return nil
}

// Close flushes and closes the writer.
func (k *Kafka) Close() error { return k.w.Close() }
