package correlate

import "time"

// The engine's deadline queues are min-heaps (container/heap) ordered by
// event time, ties broken by creation order so output is reproducible.

type heldQueue []*heldEvent

func (q heldQueue) Len() int { return len(q) }
func (q heldQueue) Less(i, j int) bool {
	if !q[i].release.Equal(q[j].release) {
		return q[i].release.Before(q[j].release)
	}
	return q[i].seq < q[j].seq
}
func (q heldQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *heldQueue) Push(x any)   { *q = append(*q, x.(*heldEvent)) }
func (q *heldQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return x
}

// alertQueue orders alerts by the time they close. An alert whose close
// time moves is pushed again; an entry whose time no longer matches the
// alert's is skipped when popped.
type alertEntry struct {
	at time.Time
	a  *alertState
}

type alertQueue []alertEntry

func (q alertQueue) Len() int { return len(q) }
func (q alertQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].a.seq < q[j].a.seq
}
func (q alertQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *alertQueue) Push(x any)   { *q = append(*q, x.(alertEntry)) }
func (q *alertQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = alertEntry{}
	*q = old[:len(old)-1]
	return x
}

type expiry struct {
	at   time.Time
	key  string
	unit *unit
}

type expiryQueue []expiry

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(expiry)) }
func (q *expiryQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// refreshEntry is when an instance's retained state is next re-published.
type refreshEntry struct {
	at   time.Time
	seq  uint64
	inst *instance
}

type refreshQueue []refreshEntry

func (q refreshQueue) Len() int { return len(q) }
func (q refreshQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q refreshQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *refreshQueue) Push(x any)   { *q = append(*q, x.(refreshEntry)) }
func (q *refreshQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = refreshEntry{}
	*q = old[:len(old)-1]
	return x
}
