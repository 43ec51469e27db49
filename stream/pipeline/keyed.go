package pipeline

import (
	"encoding/json"
	"fmt"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/schemas"
)

// Headers of the keyed topic.
const (
	headerSchema = "escapewatch-schema"
	// headerKind says what a keyed record is for: "event" (correlate it),
	// "link" (a copy sent to a container's own unit so that events naming
	// only that container find their pod) or "refresh" (stage 2 writing a
	// live risky unit's specification back, so that a rebuild reading only
	// the lookback still learns it; see correlate.Config.RefreshEvery).
	headerKind  = "escapewatch-kind"
	schemaV1    = "1"
	kindEvent   = "event"
	kindLink    = "link"
	kindRefresh = "refresh"
)

// keyedRecord is one normalized event on the keyed topic.
type keyedRecord struct {
	key  string
	kind string
	ev   *schemas.Event
}

func (r keyedRecord) message() (kafka.Message, error) {
	b, err := json.Marshal(r.ev)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encoding keyed event: %w", err)
	}
	return kafka.Message{
		Key:   []byte(r.key),
		Value: b,
		// No timestamp: the broker's clock stamps the record. Event times
		// may lie far in the past (a backfill) or ahead (a sensor's clock),
		// and brokers reject timestamps more than an hour ahead
		// (log.message.timestamp.after.max.ms); retention must follow
		// wall time too. Rebuilds find event time through rebuildSpan.
		Headers: []kafka.Header{
			{Key: headerSchema, Value: []byte(schemaV1)},
			{Key: headerKind, Value: []byte(r.kind)},
		},
	}, nil
}

// decodeKeyed reads a keyed record.
func decodeKeyed(m kafka.Message) (keyedRecord, error) {
	r := keyedRecord{key: string(m.Key), kind: kindEvent}
	for _, h := range m.Headers {
		switch h.Key {
		case headerKind:
			r.kind = string(h.Value)
		case headerSchema:
			if string(h.Value) != schemaV1 {
				return r, fmt.Errorf("keyed record of schema %q; this escapewatch reads %s", h.Value, schemaV1)
			}
		}
	}
	ev := new(schemas.Event)
	if err := json.Unmarshal(m.Value, ev); err != nil {
		return r, fmt.Errorf("decoding keyed event: %w", err)
	}
	r.ev = ev
	return r, nil
}

// partitioner maps unit keys to keyed-topic partitions the way the writer
// does (Murmur2, as the Java client), so stage 2 knows which units it owns.
type partitioner struct {
	parts []int
}

func newPartitioner(n int) partitioner {
	p := partitioner{parts: make([]int, n)}
	for i := range p.parts {
		p.parts[i] = i
	}
	return p
}

func (p partitioner) partition(key string) int {
	return kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: []byte(key)}, p.parts...)
}
