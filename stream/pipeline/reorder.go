package pipeline

import (
	"container/heap"
	"time"

	"github.com/escapewatch/escapewatch/correlate"
)

// reorder holds a partition's records until records this much later in
// event time have arrived, then releases them in event-time order (ties by
// offset). The keyed topic interleaves several input streams, each in its
// own order; the correlator wants event time.
type reorder struct {
	delay time.Duration
	// maxAhead bounds how far ahead of its broker time an event may move
	// max (correlate.WatermarkTime).
	maxAhead time.Duration
	items    reorderHeap
	max      time.Time
}

type pending struct {
	rec    keyedRecord
	offset int64
	ingest time.Time
}

func (r *reorder) push(p pending) {
	heap.Push(&r.items, p)
	if at := correlate.WatermarkTime(p.rec.ev, r.maxAhead); at.After(r.max) {
		r.max = at
	}
}

// ready releases, in order, every record at least delay older than the
// newest seen.
func (r *reorder) ready(fn func(pending) error) error {
	limit := r.max.Add(-r.delay)
	for r.items.Len() > 0 && !r.items[0].rec.ev.Time.After(limit) {
		if err := fn(heap.Pop(&r.items).(pending)); err != nil {
			return err
		}
	}
	return nil
}

// flush releases everything held, in order.
func (r *reorder) flush(fn func(pending) error) error {
	for r.items.Len() > 0 {
		if err := fn(heap.Pop(&r.items).(pending)); err != nil {
			return err
		}
	}
	return nil
}

// extract removes and returns, in no particular order, the records take
// accepts.
func (r *reorder) extract(take func(pending) bool) []pending {
	var out []pending
	kept := r.items[:0]
	for _, p := range r.items {
		if take(p) {
			out = append(out, p)
		} else {
			kept = append(kept, p)
		}
	}
	clear(r.items[len(kept):])
	r.items = kept
	if out != nil {
		heap.Init(&r.items)
	}
	return out
}

// oldestOffset is the lowest offset held: nothing at or after it may be
// committed, since it has not been processed.
func (r *reorder) oldestOffset() (int64, bool) {
	if r.items.Len() == 0 {
		return 0, false
	}
	low := r.items[0].offset
	for _, p := range r.items[1:] {
		low = min(low, p.offset)
	}
	return low, true
}

func (r *reorder) len() int { return r.items.Len() }

type reorderHeap []pending

func (h reorderHeap) Len() int { return len(h) }
func (h reorderHeap) Less(i, j int) bool {
	a, b := h[i].rec.ev, h[j].rec.ev
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	// Same instant: order by content, as scan does, not by arrival.
	if a.NativeID != b.NativeID {
		return a.NativeID < b.NativeID
	}
	return h[i].offset < h[j].offset
}
func (h reorderHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *reorderHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *reorderHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = pending{}
	*h = old[:len(old)-1]
	return x
}
