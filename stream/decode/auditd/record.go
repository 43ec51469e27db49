package auditd

import (
	"strings"
	"time"
	"unsafe"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// enrichedSeparator (ASCII GS) starts the section of translated fields that
// auditd appends with log_format = ENRICHED; the raw fields before it say
// everything the translation does.
const enrichedSeparator = '\x1d'

// header is the start of a raw record:
// [node=<name> ]type=<TYPE> msg=audit(<sec>.<frac>:<serial>):
type header struct {
	line  string // the record without its enriched section
	node  string
	typ   string
	stamp string // "<sec>.<frac>:<serial>", shared by the records of one event
	time  time.Time
	// typOff and bodyOff locate the type and the fields in line.
	typOff, bodyOff int
}

func parseHeader(line string) (header, error) {
	if i := strings.IndexByte(line, enrichedSeparator); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimRight(line, " \t\r\n")
	h := header{line: line}
	rest := line
	if strings.HasPrefix(rest, "node=") {
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			return h, parse.Errorf(parse.ReasonMissingField, "auditd record %q has no type", clip(line))
		}
		h.node = rest[len("node="):end]
		rest = strings.TrimLeft(rest[end:], " ")
	}
	if !strings.HasPrefix(rest, "type=") {
		return h, parse.Errorf(parse.ReasonUnrecognized, "not an auditd record: %q", clip(line))
	}
	rest = rest[len("type="):]
	h.typOff = len(line) - len(rest)
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		return h, parse.Errorf(parse.ReasonMissingField, "auditd record %q has no msg=audit(...) stamp", clip(line))
	}
	h.typ = rest[:end]
	rest = strings.TrimLeft(rest[end:], " ")
	if !strings.HasPrefix(rest, "msg=audit(") {
		return h, parse.Errorf(parse.ReasonMissingField, "auditd %s record has no msg=audit(...) stamp", h.typ)
	}
	rest = rest[len("msg=audit("):]
	closing := strings.IndexByte(rest, ')')
	if closing < 0 {
		return h, parse.Errorf(parse.ReasonBadTime, "auditd %s record is truncated inside its stamp %q", h.typ, clip(rest))
	}
	h.stamp = rest[:closing]
	t, ok := stampTime(h.stamp)
	if !ok {
		return h, parse.Errorf(parse.ReasonBadTime, "auditd %s record has a bad stamp %q (want <sec>.<ms>:<serial>)", h.typ, clip(h.stamp))
	}
	h.time = t
	rest = strings.TrimPrefix(rest[closing+1:], ":")
	rest = strings.TrimLeft(rest, " ")
	h.bodyOff = len(line) - len(rest)
	return h, nil
}

// stampTime reads "<sec>.<frac>:<serial>": seconds since the epoch, a
// fraction (milliseconds in practice) and the event serial.
func stampTime(stamp string) (time.Time, bool) {
	secText, rest, ok := strings.Cut(stamp, ".")
	if !ok {
		return time.Time{}, false
	}
	fracText, serial, ok := strings.Cut(rest, ":")
	if !ok || fracText == "" || len(fracText) > 9 {
		return time.Time{}, false
	}
	sec, ok := decimal(secText)
	if !ok || secText[0] == '-' {
		return time.Time{}, false
	}
	frac, ok := decimal(fracText)
	if !ok || fracText[0] == '-' {
		return time.Time{}, false
	}
	if _, ok := decimal(serial); !ok || serial[0] == '-' {
		return time.Time{}, false
	}
	for i := len(fracText); i < 9; i++ {
		frac *= 10
	}
	return time.Unix(sec, frac).UTC(), true
}

// fields iterates over the key=value pairs of a record body. Values are
// "quoted", bare (hex-encoded when auditd found them unsafe to print), or,
// for user-space records, a msg='…' string holding more pairs, which the
// iterator walks into. Words without '=' (the text of DAEMON_* and AVC
// records) are skipped.
type fields struct{ s string }

func (f *fields) next() (key, value string, quoted, ok bool) {
	s := f.s
	for {
		for s != "" && (s[0] == ' ' || s[0] == '\'') {
			s = s[1:]
		}
		if s == "" {
			f.s = ""
			return "", "", false, false
		}
		end := strings.IndexAny(s, "= ")
		if end < 0 {
			f.s = ""
			return "", "", false, false
		}
		if s[end] == ' ' {
			s = s[end:]
			continue
		}
		key, s = s[:end], s[end+1:]
		switch {
		case s != "" && s[0] == '\'' && key == "msg":
			s = s[1:]
			continue
		case s != "" && (s[0] == '"' || s[0] == '\''):
			q := s[0]
			closing := strings.IndexByte(s[1:], q)
			if closing < 0 {
				value, s = s[1:], ""
			} else {
				value, s = s[1:1+closing], s[2+closing:]
			}
			f.s = s
			return key, value, true, true
		}
		end = strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		value, s = strings.TrimRight(s[:end], "'"), s[end:]
		f.s = s
		return key, value, false, true
	}
}

// decimal parses a decimal integer with an optional sign, without
// allocating.
func decimal(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n < 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// hexNumber parses the hex syscall arguments a0–a3.
func hexNumber(s string) (uint64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(d)
	}
	return n, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isHexText reports whether an unquoted value is auditd's hex encoding of a
// string: an even number of hex digits.
func isHexText(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := hexDigit(s[i]); !ok {
			return false
		}
	}
	return true
}

// appendHex appends the bytes that hex text s encodes; s must satisfy
// isHexText.
func appendHex(dst []byte, s string) []byte {
	for i := 0; i+1 < len(s); i += 2 {
		hi, _ := hexDigit(s[i])
		lo, _ := hexDigit(s[i+1])
		dst = append(dst, hi<<4|lo)
	}
	return dst
}

// view returns b as a string without copying; b must not change while the
// string is used.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
