package parse

import (
	"strconv"
	"strings"
)

// SplitSyslog separates a syslog or journald prefix from a line:
// "Jan  2 15:04:05 <host> <tag>[<pid>]: <message>" (journalctl's default
// format, classic syslog) or "<RFC 3339 time> <host> <tag>[<pid>]: <message>"
// (journalctl -o short-iso, rsyslog). ok is false when the line has neither.
func SplitSyslog(line string) (host, tag, message string, ok bool) {
	var rest string
	switch {
	case isMonthPrefix(line):
		rest = skipWords(line, 3)
	case len(line) > 10 && line[4] == '-' && line[10] == 'T':
		rest = skipWords(line, 1)
	default:
		return "", "", "", false
	}
	host, rest = cutWord(rest)
	tag, rest = cutWord(rest)
	if host == "" || !strings.HasSuffix(tag, ":") {
		return "", "", "", false
	}
	tag = strings.TrimSuffix(tag, ":")
	if i := strings.IndexByte(tag, '['); i >= 0 {
		tag = tag[:i]
	}
	return host, tag, strings.TrimLeft(rest, " "), true
}

func isMonthPrefix(s string) bool {
	if len(s) < 4 || s[3] != ' ' {
		return false
	}
	switch s[:3] {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

// skipWords drops n space-separated words (runs of spaces count as one).
func skipWords(s string, n int) string {
	for ; n > 0; n-- {
		_, s = cutWord(s)
	}
	return s
}

// cutWord returns the first word of s and what follows it.
func cutWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// LogLine is a line of logrus's text formatter (containerd, CRI-O, dockerd):
// time="…" level=… msg="…" key=value … . Values are kept as written, quoted
// ones without their quotes but still escaped.
type LogLine struct {
	Time, Level, Msg string
	fields           string
}

// Logrus reads the time, level and msg fields of a logrus line. ok is
// false when the line has no time= or no msg=. It does not allocate.
func Logrus(s string) (e LogLine, ok bool) {
	e.fields = s
	for rest := s; rest != ""; {
		var key, value string
		key, value, rest = nextField(rest)
		switch key {
		case "time":
			e.Time = value
		case "level":
			e.Level = value
		case "msg":
			e.Msg = value
		}
	}
	return e, e.Time != "" && e.Msg != ""
}

// Field returns the value of key as written (quotes removed, escapes
// kept), or "".
func (e LogLine) Field(key string) string {
	for rest := e.fields; rest != ""; {
		var k, v string
		k, v, rest = nextField(rest)
		if k == key {
			return v
		}
	}
	return ""
}

// nextField returns the first key=value pair of s and the text after it.
// A word that is no pair gives an empty key.
func nextField(s string) (key, value, rest string) {
	s = strings.TrimLeft(s, " ")
	word, after := cutWord(s)
	eq := strings.IndexByte(word, '=')
	if eq <= 0 {
		return "", "", after
	}
	key, s = s[:eq], s[eq+1:]
	if !strings.HasPrefix(s, `"`) {
		value, rest = cutWord(s)
		return key, value, rest
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return key, s[1:i], s[i+1:]
		}
	}
	return key, s[1:], ""
}

// Unescape undoes the Go quoting logrus applies to values. It allocates
// only when the value holds escapes.
func Unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return u
	}
	return s
}
