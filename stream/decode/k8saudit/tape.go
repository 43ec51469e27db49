package k8saudit

import (
	"strconv"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

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

// firstItem and nextItem walk a list leniently: the elements of an array,
// the member values of an object, or a lone value as a list of one.
func firstItem(t *parse.Tape, list parse.Node) parse.Node {
	switch t.Kind(list) {
	case parse.KindObject, parse.KindArray:
		return t.First(list)
	}
	return list
}

func nextItem(t *parse.Tape, list, item parse.Node) parse.Node {
	if item == list {
		return parse.Missing
	}
	return t.Next(item)
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

func typeName(t *parse.Tape, n parse.Node) string {
	switch t.Kind(n) {
	case parse.KindObject:
		return "an object"
	case parse.KindArray:
		return "an array"
	case parse.KindString:
		return "a string"
	case parse.KindNumber:
		return "a number"
	case parse.KindTrue, parse.KindFalse:
		return "a boolean"
	}
	return "null"
}
