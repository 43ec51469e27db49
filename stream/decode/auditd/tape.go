package auditd

import (
	"strconv"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Readers of tape values for the decoders of this package. parse.Tape lacks
// a string-only accessor (Str also gives the text of numbers and booleans)
// and its Int rejects numbers beyond the float range, which the decoders
// have always read as the float converted (parse.Int64).

// str returns the value of a string node; any other node gives "".
func str(t *parse.Tape, n parse.Node) string {
	if t.Kind(n) != parse.KindString {
		return ""
	}
	return t.Str(n)
}

// intOf returns the integer value of a number or of a numeric string, as
// parse.Int64 does: a number that is no int64 gives its float value
// converted, even when out of range.
func intOf(t *parse.Tape, n parse.Node) (int64, bool) {
	switch t.Kind(n) {
	case parse.KindNumber:
		raw := t.Raw(n)
		if v, ok := parse.Int(raw); ok {
			return v, true
		}
		f, _ := strconv.ParseFloat(raw, 64)
		return int64(f), true
	case parse.KindString:
		return parse.Int(t.Str(n))
	}
	return 0, false
}

// keepFirst sets *dst to c unless an earlier member already set it: the
// first of duplicate members wins, as with Get.
func keepFirst(dst *parse.Node, c parse.Node) {
	if !dst.Exists() {
		*dst = c
	}
}
