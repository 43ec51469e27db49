package parse

import (
	"unsafe"

	"github.com/tidwall/gjson"
)

// String views b as a string without copying. The caller must not modify b
// while the string is in use.
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Str returns the string value of r. For JSON strings without escapes it
// points into the record; otherwise it allocates the unescaped copy. Numbers
// and booleans give their raw text; anything else gives "".
func Str(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number, gjson.True, gjson.False:
		return r.Raw
	}
	return ""
}

// Int64 returns the integer value of r, accepting numbers and numeric
// strings (protojson writes int64 as strings).
func Int64(r gjson.Result) (int64, bool) {
	switch r.Type {
	case gjson.Number:
		if n, ok := Int(r.Raw); ok {
			return n, true
		}
		return int64(r.Num), true
	case gjson.String:
		return Int(r.Str)
	}
	return 0, false
}

// True reports whether r is the JSON literal true or the string "true".
func True(r gjson.Result) bool {
	return r.Type == gjson.True || (r.Type == gjson.String && r.Str == "true")
}
