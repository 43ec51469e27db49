package pipeline

import (
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
)

// Hooks for this package's external tests, which may use streamtest (it
// imports this package).

// KeyedEventMessage is the keyed record stage 1 writes for an event.
func KeyedEventMessage(ev *schemas.Event) (kafka.Message, error) {
	return keyedRecord{key: correlate.UnitKey(ev), kind: kindEvent, ev: ev}.message()
}

// CommitMetadata is the metadata stage 2 commits with.
func CommitMetadata(watermark time.Time, rebuildFrom int64) string {
	return commitMeta{watermark: watermark, rebuildFrom: rebuildFrom}.String()
}

// Joined reports whether the correlator has joined its group.
func (c *Correlator) Joined() bool { return c.joined.Load() }
