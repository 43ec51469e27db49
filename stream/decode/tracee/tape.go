package tracee

import (
	"strconv"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// str returns the value of a JSON string and "" for any other kind: Tracee
// fields read as text are strings, and a number in their place is ignored.
func str(t *parse.Tape, n parse.Node) string {
	if t.Kind(n) != parse.KindString {
		return ""
	}
	return t.Str(n)
}

// lookup follows a chain of member names from n. Where an object repeats a
// member name, each member of that name is tried in turn until the rest of
// the chain is found (parse.Tape.Path stops at the first one); the decoder
// has always resolved such records this way.
func lookup(t *parse.Tape, n parse.Node, keys ...string) parse.Node {
	if len(keys) == 0 {
		return n
	}
	if t.Kind(n) != parse.KindObject {
		return parse.Missing
	}
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		if t.Key(c) != keys[0] {
			continue
		}
		if len(keys) == 1 {
			return c
		}
		if v := lookup(t, c, keys[1:]...); v.Exists() {
			return v
		}
	}
	return parse.Missing
}

// intValue returns the integer value of a number (its fraction dropped) or
// of a numeric string.
func intValue(t *parse.Tape, n parse.Node) (int64, bool) {
	switch t.Kind(n) {
	case parse.KindNumber:
		raw := t.Raw(n)
		if v, ok := parse.Int(raw); ok {
			return v, true
		}
		// Out of range floats convert as they always have (±Inf too).
		f, _ := strconv.ParseFloat(raw, 64)
		return int64(f), true
	case parse.KindString:
		return parse.Int(t.Str(n))
	}
	return 0, false
}
