package files

import (
	"container/heap"
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/escapewatch/escapewatch/schemas"
)

// DefaultReorder is the number of events each input may be out of order by
// and still be sorted.
const DefaultReorder = 4096

// Producer emits the events of input i in its own order. emit returns an
// error when the merge stops; the producer then returns it.
type Producer func(ctx context.Context, i int, emit func(*schemas.Event) error) error

// Merge runs one producer per input concurrently and calls fn with all their
// events in event-time order: each input is sorted within a window of
// reorder events, then the inputs are merged k ways. Events of the same
// time are ordered by NativeID, then input index and input order, so the
// result is the same on every run and matches the streaming path. fn runs on the caller's goroutine.
func Merge(ctx context.Context, n, reorder int, produce Producer, fn func(*schemas.Event) error) error {
	if reorder < 1 {
		reorder = DefaultReorder
	}
	g, ctx := errgroup.WithContext(ctx)
	chans := make([]chan item, n)
	for i := range chans {
		chans[i] = make(chan item, 256)
		ch := chans[i]
		g.Go(func() error {
			defer close(ch)
			var (
				buf itemHeap
				seq uint64
			)
			send := func(it item) error {
				select {
				case ch <- it:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			err := produce(ctx, i, func(ev *schemas.Event) error {
				seq++
				heap.Push(&buf, item{ev: ev, input: i, seq: seq})
				if buf.Len() > reorder {
					return send(heap.Pop(&buf).(item))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for buf.Len() > 0 {
				if err := send(heap.Pop(&buf).(item)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		var heads itemHeap
		for _, ch := range chans {
			if it, ok := <-ch; ok {
				heads = append(heads, it)
			}
		}
		heap.Init(&heads)
		for heads.Len() > 0 {
			it := heads[0]
			if next, ok := <-chans[it.input]; ok {
				heads[0] = next
				heap.Fix(&heads, 0)
			} else {
				heap.Pop(&heads)
			}
			if err := fn(it.ev); err != nil {
				return err
			}
		}
		return nil
	})
	return g.Wait()
}

type item struct {
	ev    *schemas.Event
	input int
	seq   uint64
}

type itemHeap []item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if !a.ev.Time.Equal(b.ev.Time) {
		return a.ev.Time.Before(b.ev.Time)
	}
	// Events of the same instant are ordered by their content, so the
	// streaming path (which sees them in arrival order) orders them the
	// same way.
	if a.ev.NativeID != b.ev.NativeID {
		return a.ev.NativeID < b.ev.NativeID
	}
	if a.input != b.input {
		return a.input < b.input
	}
	return a.seq < b.seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(item)) }
func (h *itemHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = item{}
	*h = old[:len(old)-1]
	return x
}
