package parse

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Kind is the type of a JSON value.
type Kind uint8

// JSON value kinds.
const (
	KindNull Kind = iota
	KindFalse
	KindTrue
	KindNumber
	KindString
	KindObject
	KindArray
)

// Node is a value on a Tape. Negative nodes are missing values; every
// accessor accepts them and returns the zero answer.
type Node int32

// Missing is the node of an absent value.
const Missing Node = -1

// Exists reports whether the node is a value.
func (n Node) Exists() bool { return n >= 0 }

// Tape is the structure of one JSON document, built in a single validating
// pass: every value with its kind, its member key, its span in the text
// and the index of its next sibling. Decoders look values up on it instead
// of rescanning the text, so a record is read once whatever the depth of
// the fields they need. A Tape is reused from record to record; it keeps
// pointing into the text it parsed.
type Tape struct {
	raw   string
	nodes []node
	stack []open
}

type node struct {
	kind     Kind
	escKey   bool // the key holds escapes
	escStr   bool // the string value holds escapes
	keyStart int32
	keyEnd   int32
	start    int32 // value span, quotes included for strings
	end      int32
	next     int32 // next sibling, or -1
	first    int32 // first member or element of a container, or -1
}

// maxDepth bounds nesting; real records nest a dozen levels at most.
const maxDepth = 512

// Parse validates raw as one JSON value (RFC 8259, surrounding whitespace
// allowed, nothing after it) and records its structure. It accepts exactly
// what gjson.Valid accepts, up to maxDepth levels of nesting, and does not
// allocate once the tape has grown to the size of the records it sees.
func (t *Tape) Parse(raw string) error {
	t.raw = raw
	t.nodes = t.nodes[:0]
	if len(raw) > 1<<31-1 {
		return Errorf(ReasonTooLarge, "record too large for the JSON scanner")
	}
	i, err := t.scan(skipSpace(raw, 0))
	if err != nil {
		return err
	}
	if i = skipSpace(raw, i); i != len(raw) {
		return errAt(raw, i, "text after the JSON value")
	}
	return nil
}

// scan records the value at i and returns the index after it. It is one
// loop over the text with an explicit stack of open containers, so a value
// costs no function call beyond scanning its string or number.
func (t *Tape) scan(i int) (int, error) {
	raw := t.raw
	stack := t.stack[:0]
	defer func() { t.stack = stack[:0] }()
	var (
		keyStart, keyEnd int32 = -1, -1
		escKey           bool
		// wantKey is set when a member name comes before the next value.
		wantKey bool
	)
	for {
		if wantKey {
			// A member name: short and plain in practice, so a byte loop
			// beats the wide scan; escapes go the long way.
			wantKey = false
			if i >= len(raw) || raw[i] != '"' {
				return i, errAt(raw, i, "expected a member name")
			}
			ks, j := i+1, i+1
			for j < len(raw) && raw[j] != '"' && raw[j] != '\\' && raw[j] >= 0x20 {
				j++
			}
			escKey = false
			if j < len(raw) && raw[j] != '"' {
				end, esc, err := scanString(raw, ks)
				if err != nil {
					return end, err
				}
				j, escKey = end-1, esc
			}
			if j >= len(raw) {
				return j, errAt(raw, j, "unterminated string")
			}
			keyStart, keyEnd = int32(ks), int32(j)
			i = j + 1
			if i < len(raw) && raw[i] == ':' {
				i++
			} else {
				i = skipSpace(raw, i)
				if i >= len(raw) || raw[i] != ':' {
					return i, errAt(raw, i, "expected ':' after a member name")
				}
				i++
			}
			if i < len(raw) && raw[i] <= ' ' {
				i = skipSpace(raw, i)
			}
		}
		// A value starts at i.
		if i >= len(raw) {
			return i, errAt(raw, i, "unexpected end of JSON")
		}
		idx := int32(len(t.nodes))
		t.nodes = append(t.nodes, node{keyStart: keyStart, keyEnd: keyEnd, escKey: escKey, start: int32(i), next: -1, first: -1})
		if d := len(stack); d > 0 {
			top := &stack[d-1]
			if top.last >= 0 {
				t.nodes[top.last].next = idx
			} else {
				t.nodes[top.idx].first = idx
			}
			top.last = idx
		}
		switch c := raw[i]; {
		case c == '"':
			end, esc, err := scanString(raw, i+1)
			if err != nil {
				return end, err
			}
			nd := &t.nodes[idx]
			nd.kind, nd.escStr, nd.end = KindString, esc, int32(end)
			i = end
		case c == '{' || c == '[':
			if len(stack) >= maxDepth {
				return i, errAt(raw, i, "JSON nested too deeply")
			}
			obj := c == '{'
			nd := &t.nodes[idx]
			nd.kind = KindArray
			if obj {
				nd.kind = KindObject
			}
			stack = append(stack, open{idx: idx, last: -1, object: obj})
			i = skipSpace(raw, i+1)
			if i < len(raw) && ((raw[i] == '}' && obj) || (raw[i] == ']' && !obj)) {
				t.nodes[idx].end = int32(i + 1)
				stack = stack[:len(stack)-1]
				i++
				break // to the separator after this value
			}
			if obj {
				wantKey = true
			} else {
				keyStart, keyEnd, escKey = -1, -1, false
			}
			continue // the first member or element
		case c == '-' || (c >= '0' && c <= '9'):
			end, err := scanNumber(raw, i)
			if err != nil {
				return end, err
			}
			nd := &t.nodes[idx]
			nd.kind, nd.end = KindNumber, int32(end)
			i = end
		case c == 't' && len(raw)-i >= 4 && raw[i:i+4] == "true":
			nd := &t.nodes[idx]
			nd.kind, nd.end = KindTrue, int32(i+4)
			i += 4
		case c == 'f' && len(raw)-i >= 5 && raw[i:i+5] == "false":
			nd := &t.nodes[idx]
			nd.kind, nd.end = KindFalse, int32(i+5)
			i += 5
		case c == 'n' && len(raw)-i >= 4 && raw[i:i+4] == "null":
			nd := &t.nodes[idx]
			nd.kind, nd.end = KindNull, int32(i+4)
			i += 4
		default:
			return i, errAt(raw, i, "invalid value")
		}
		// After a value: a separator, or the end of its container(s).
	after:
		for {
			if i < len(raw) && raw[i] <= ' ' {
				i = skipSpace(raw, i)
			}
			if len(stack) == 0 {
				return i, nil
			}
			if i >= len(raw) {
				return i, errAt(raw, i, "unexpected end of JSON")
			}
			top := &stack[len(stack)-1]
			switch c := raw[i]; {
			case c == ',':
				i++
				if i < len(raw) && raw[i] <= ' ' {
					i = skipSpace(raw, i)
				}
				if top.object {
					wantKey = true
				} else {
					keyStart, keyEnd, escKey = -1, -1, false
				}
				break after
			case (c == '}' && top.object) || (c == ']' && !top.object):
				t.nodes[top.idx].end = int32(i + 1)
				stack = stack[:len(stack)-1]
				i++
			case top.object:
				return i, errAt(raw, i, "expected ',' or '}' in an object")
			default:
				return i, errAt(raw, i, "expected ',' or ']' in an array")
			}
		}
	}
}

// open is a container being parsed.
type open struct {
	idx, last int32
	object    bool
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString scans a string body starting after its opening quote and
// returns the index after the closing quote and whether it holds escapes.
func scanString(s string, i int) (end int, esc bool, err error) {
	for i < len(s) {
		// Skip eight plain bytes at a time: none a quote, a backslash or a
		// control character.
		if i+8 <= len(s) {
			b := unsafe.Slice(unsafe.StringData(s), len(s))
			for i+8 <= len(s) {
				x := binary.LittleEndian.Uint64(b[i:])
				if m := hasByte(x, '"') | hasByte(x, '\\') | hasLess(x, 0x20); m != 0 {
					// The lowest flagged byte is exact: jump to it.
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			i++
			if i >= len(s) {
				return i, esc, errAt(s, i, "unterminated escape")
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(s)-i < 5 || !isHex4(s[i+1:i+5]) {
					return i, esc, errAt(s, i, "bad \\u escape")
				}
				i += 5
			default:
				return i, esc, errAt(s, i, "bad escape")
			}
		case c < 0x20:
			return i, esc, errAt(s, i, "control character in a string")
		default:
			i++
		}
	}
	return i, esc, errAt(s, i, "unterminated string")
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// hasLess is non-zero when a byte of x is below n (n <= 128).
func hasLess(x uint64, n byte) uint64 { return (x - lowBits*uint64(n)) & ^x & highBits }

// hasByte is non-zero when a byte of x equals b.
func hasByte(x uint64, b byte) uint64 {
	y := x ^ (lowBits * uint64(b))
	return (y - lowBits) & ^y & highBits
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(s string, i int) (int, error) {
	start := i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return i, errAt(s, start, "bad number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, errAt(s, start, "bad number")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, errAt(s, start, "bad number")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i, nil
}

func errAt(s string, i int, what string) error {
	return Errorf(ReasonInvalidJSON, "%s at byte %d", what, i)
}

// Root is the document's value.
func (t *Tape) Root() Node {
	if len(t.nodes) == 0 {
		return Missing
	}
	return 0
}

// Kind returns the kind of n; KindNull for a missing node.
func (t *Tape) Kind(n Node) Kind {
	if n < 0 {
		return KindNull
	}
	return t.nodes[n].kind
}

// First returns the first member of an object or element of an array.
func (t *Tape) First(n Node) Node {
	if n < 0 {
		return Missing
	}
	nd := &t.nodes[n]
	if nd.kind != KindObject && nd.kind != KindArray {
		return Missing
	}
	return Node(nd.first)
}

// Next returns the next sibling of n.
func (t *Tape) Next(n Node) Node {
	if n < 0 {
		return Missing
	}
	return Node(t.nodes[n].next)
}

// Key returns the member name of n in its object ("" for array elements).
// It allocates only when the name holds escapes.
func (t *Tape) Key(n Node) string {
	if n < 0 || t.nodes[n].keyStart < 0 {
		return ""
	}
	nd := &t.nodes[n]
	k := t.raw[nd.keyStart:nd.keyEnd]
	if nd.escKey {
		return unescape(k)
	}
	return k
}

// Get returns the member of object n named key.
func (t *Tape) Get(n Node, key string) Node {
	if t.Kind(n) != KindObject {
		return Missing
	}
	for c := t.First(n); c >= 0; c = Node(t.nodes[c].next) {
		nd := &t.nodes[c]
		if !nd.escKey {
			if t.raw[nd.keyStart:nd.keyEnd] == key {
				return c
			}
		} else if unescape(t.raw[nd.keyStart:nd.keyEnd]) == key {
			return c
		}
	}
	return Missing
}

// Path follows a chain of member names from n.
func (t *Tape) Path(n Node, keys ...string) Node {
	for _, k := range keys {
		n = t.Get(n, k)
	}
	return n
}

// Index returns element i of array n.
func (t *Tape) Index(n Node, i int) Node {
	if t.Kind(n) != KindArray {
		return Missing
	}
	c := t.First(n)
	for ; c >= 0 && i > 0; i-- {
		c = Node(t.nodes[c].next)
	}
	return c
}

// Raw returns the JSON text of n.
func (t *Tape) Raw(n Node) string {
	if n < 0 {
		return ""
	}
	return t.raw[t.nodes[n].start:t.nodes[n].end]
}

// Offset returns where n starts in the text.
func (t *Tape) Offset(n Node) int {
	if n < 0 {
		return -1
	}
	return int(t.nodes[n].start)
}

// Str returns the value of a string node, unescaped (allocating only when
// it holds escapes); numbers and booleans give their text; anything else "".
func (t *Tape) Str(n Node) string {
	if n < 0 {
		return ""
	}
	nd := &t.nodes[n]
	switch nd.kind {
	case KindString:
		s := t.raw[nd.start+1 : nd.end-1]
		if nd.escStr {
			return unescape(s)
		}
		return s
	case KindNumber, KindTrue, KindFalse:
		return t.raw[nd.start:nd.end]
	}
	return ""
}

// Int returns the integer value of a number node or of a numeric string
// (protojson writes int64 as strings).
func (t *Tape) Int(n Node) (int64, bool) {
	switch t.Kind(n) {
	case KindNumber:
		v, err := strconv.ParseInt(t.Raw(n), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(t.Raw(n), 64)
			if ferr != nil {
				return 0, false
			}
			return int64(f), true
		}
		return v, true
	case KindString:
		v, err := strconv.ParseInt(t.Str(n), 10, 64)
		return v, err == nil
	}
	return 0, false
}

// Bool reports whether n is true or the string "true".
func (t *Tape) Bool(n Node) bool {
	k := t.Kind(n)
	return k == KindTrue || (k == KindString && t.Str(n) == "true")
}

// Result returns n as a gjson.Result, for code that reads a rare, small
// part of a record with gjson.
func (t *Tape) Result(n Node) gjson.Result {
	if n < 0 {
		return gjson.Result{}
	}
	return gjson.Parse(t.Raw(n))
}

// unescape decodes the escapes of a JSON string body.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if i+4 >= len(s) {
				return string(b)
			}
			r := rune(hexVal(s[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if pair := utf16.DecodeRune(r, rune(hexVal(s[i+3:i+7]))); pair != utf8.RuneError {
					r = pair
					i += 6
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default: // " \ /
			b = append(b, s[i])
		}
	}
	return string(b)
}

func hexVal(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= int(c - '0')
		case c >= 'a' && c <= 'f':
			v |= int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v |= int(c-'A') + 10
		}
	}
	return v
}
