package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// spanBlock is how many consecutive offsets one block of a rebuildSpan
// covers: memory is one block per spanBlock records of the lookback.
const spanBlock = 256

// rebuildSpan remembers, for the records a partition has read, where the
// records of the last stretch of event time begin: the lowest offset of a
// record whose event time is not older than a threshold. A new owner of the
// partition re-reads from there to rebuild the state.
//
// Event times are not in offset order (the keyed topic interleaves several
// sources), so offsets are grouped in blocks, each with the newest event
// time it holds; a block is dropped once that time is older than the
// threshold. The answer may be earlier than needed by up to one block, never
// later.
type rebuildSpan struct {
	blocks []spanEntry
}

type spanEntry struct {
	first  int64
	n      int
	newest time.Time
}

// add records that the record at offset has event time t. Offsets must be
// added in increasing order.
func (s *rebuildSpan) add(offset int64, t time.Time) {
	if n := len(s.blocks); n > 0 && s.blocks[n-1].n < spanBlock {
		b := &s.blocks[n-1]
		b.n++
		if t.After(b.newest) {
			b.newest = t
		}
		return
	}
	s.blocks = append(s.blocks, spanEntry{first: offset, n: 1, newest: t})
}

// from forgets the blocks whose records are all older than threshold and
// returns the first offset of the oldest block left; ok is false when no
// block is left.
func (s *rebuildSpan) from(threshold time.Time) (offset int64, ok bool) {
	drop := 0
	for drop < len(s.blocks) && s.blocks[drop].newest.Before(threshold) {
		drop++
	}
	if drop > 0 {
		s.blocks = append(s.blocks[:0], s.blocks[drop:]...)
	}
	if len(s.blocks) == 0 {
		return 0, false
	}
	return s.blocks[0].first, true
}

// commitMeta is what stage 2 stores with a committed offset: the
// partition's event-time watermark, and the offset a new owner starts
// re-reading from to rebuild the state.
type commitMeta struct {
	watermark   time.Time
	rebuildFrom int64
}

const commitMetaVersion = "escapewatch/1"

func (m commitMeta) String() string {
	return fmt.Sprintf("%s wm=%s from=%d", commitMetaVersion, m.watermark.UTC().Format(time.RFC3339Nano), m.rebuildFrom)
}

// parseCommitMeta reads the metadata of a commit; ok is false for metadata
// escapewatch did not write.
func parseCommitMeta(s string) (m commitMeta, ok bool) {
	fields := strings.Fields(s)
	if len(fields) != 3 || fields[0] != commitMetaVersion {
		return m, false
	}
	wm, found := strings.CutPrefix(fields[1], "wm=")
	if !found {
		return m, false
	}
	from, found := strings.CutPrefix(fields[2], "from=")
	if !found {
		return m, false
	}
	var err error
	if m.watermark, err = time.Parse(time.RFC3339Nano, wm); err != nil {
		return m, false
	}
	if m.rebuildFrom, err = strconv.ParseInt(from, 10, 64); err != nil || m.rebuildFrom < 0 {
		return m, false
	}
	return m, true
}
