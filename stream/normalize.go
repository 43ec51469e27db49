package stream

import (
	"errors"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Normalizer decodes records and hands on the events a Keep function
// accepts, detached from their records. Routine events cost no allocation.
// It keeps decoder state (auditd records of one event), so use one per
// ordered input; it is not safe for concurrent use.
type Normalizer struct {
	dec   *decode.Decoder
	keep  func(*schemas.Event) bool
	stats NormalizeStats
	// emit is the caller's function of the current call; handle is built
	// once so that a call allocates no closure.
	emit   func(*schemas.Event) error
	handle decode.Handler
}

// NormalizeStats counts what a Normalizer saw.
type NormalizeStats struct {
	Records int
	Events  int
	Kept    int
	// Failed counts records that could not be decoded, by reason.
	Failed map[parse.Reason]int
}

// NewNormalizer returns a Normalizer keeping the events keep accepts.
func NewNormalizer(opts decode.Options, keep func(*schemas.Event) bool) *Normalizer {
	n := &Normalizer{dec: decode.New(opts), keep: keep, stats: NormalizeStats{Failed: map[parse.Reason]int{}}}
	n.handle = n.onEvent
	return n
}

// Normalize decodes one record and calls fn with each kept event, which fn
// may keep. A decode failure is counted and returned as a *parse.Error (the
// record's other events are still delivered); an error from fn is returned
// as is.
func (n *Normalizer) Normalize(rec decode.Record, fn func(*schemas.Event) error) error {
	n.stats.Records++
	n.emit = fn
	err := n.dec.Decode(rec, n.handle)
	n.emit = nil
	if err != nil {
		var pe *parse.Error
		if errors.As(err, &pe) {
			n.stats.Failed[pe.Reason]++
		}
	}
	return err
}

// Count records a failure found outside the decoder (a line too long to
// read) in the stats.
func (n *Normalizer) Count(err error) {
	n.stats.Records++
	n.stats.Failed[parse.ReasonOf(err)]++
}

// Flush delivers events still held by the decoder (an auditd event whose
// closing record never came). Call it at the end of an input.
func (n *Normalizer) Flush(fn func(*schemas.Event) error) error {
	n.emit = fn
	defer func() { n.emit = nil }()
	return n.dec.Flush(n.handle)
}

// Pending returns the reference of the oldest record whose event the
// decoder still holds (see decode.Decoder.Pending).
func (n *Normalizer) Pending() (schemas.Ref, bool) { return n.dec.Pending() }

// Stats returns the counts so far.
func (n *Normalizer) Stats() NormalizeStats { return n.stats }

func (n *Normalizer) onEvent(ev *schemas.Event) error {
	n.stats.Events++
	if !n.keep(ev) {
		return nil
	}
	n.stats.Kept++
	kept := new(schemas.Event)
	*kept = *ev
	kept.Detach()
	return n.emit(kept)
}
