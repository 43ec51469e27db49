package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestRebuildSpanNeverLate checks the one property a rebuild relies on: the
// offset it starts from is at or before every record whose event time is
// within the lookback, however the event times are interleaved.
func TestRebuildSpanNeverLate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var s rebuildSpan
	var times []time.Time
	for off := int64(0); off < 20000; off++ {
		// Mostly advancing, with stragglers up to 10 minutes behind.
		at := base.Add(time.Duration(off)*100*time.Millisecond - time.Duration(r.IntN(600))*time.Second*time.Duration(r.IntN(2)))
		s.add(off, at)
		times = append(times, at)
		if off%997 != 0 {
			continue
		}
		threshold := base.Add(time.Duration(off)*100*time.Millisecond - 5*time.Minute)
		from, ok := s.from(threshold)
		want := int64(-1)
		for i, at := range times {
			if !at.Before(threshold) {
				want = int64(i)
				break
			}
		}
		if !ok {
			if want >= 0 {
				t.Fatalf("offset %d: span empty, but record %d is within the lookback", off, want)
			}
			continue
		}
		if from > want {
			t.Fatalf("offset %d: span starts at %d, after record %d that is within the lookback", off, from, want)
		}
		if want-from > spanBlock {
			t.Fatalf("offset %d: span starts at %d, more than a block before %d", off, from, want)
		}
	}
	if len(s.blocks) > 20000/spanBlock/2 {
		t.Errorf("span keeps %d blocks; old ones are not dropped", len(s.blocks))
	}
}

func TestCommitMetaRoundTrip(t *testing.T) {
	m := commitMeta{watermark: time.Date(2026, 12, 4, 9, 30, 1, 123456789, time.UTC), rebuildFrom: 4711}
	got, ok := parseCommitMeta(m.String())
	if !ok || !got.watermark.Equal(m.watermark) || got.rebuildFrom != m.rebuildFrom {
		t.Fatalf("round trip of %q gave %+v, %v", m.String(), got, ok)
	}
	for _, bad := range []string{"", "2026-12-04T09:30:01Z", "escapewatch/1 wm=x from=1", "escapewatch/1 wm=2026-12-04T09:30:01Z from=-3",
		"escapewatch/2 wm=2026-12-04T09:30:01Z from=1", "escapewatch/1 from=1 wm=2026-12-04T09:30:01Z"} {
		if _, ok := parseCommitMeta(bad); ok {
			t.Errorf("parseCommitMeta(%q) accepted", bad)
		}
	}
}
