package tetragon

import (
	"strconv"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Helpers that read tape values with the semantics the decoder had on
// gjson results, so every record decodes as before.

// str returns the value of a string node; any other kind gives "" (gjson's
// Result.Str). Tape.Str would give the text of numbers and booleans.
func str(t *parse.Tape, n parse.Node) string {
	if t.Kind(n) != parse.KindString {
		return ""
	}
	return t.Str(n)
}

// int64Of is parse.Int64 on a tape node: a number (an integer, or else the
// float conversion gjson made), or a string holding a decimal integer.
func int64Of(t *parse.Tape, n parse.Node) (int64, bool) {
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
