package docker

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeText fills ev from one line of the default `docker events` output,
// "<RFC3339Nano> <type> <action> <actor id> (<key>=<value>, …)" (docker/cli
// cli/command/system/events.go). The action may contain spaces
// ("exec_start: sh -c id"); the actor id is the word before the attribute
// list, or the last word when there is none.
func DecodeText(line string, ev *schemas.Event) error {
	stamp, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		return parse.Errorf(parse.ReasonUnrecognized, "docker events line has no type after the time")
	}
	t, err := parse.RFC3339(stamp)
	if err != nil {
		return err
	}
	if t.IsZero() {
		return parse.Errorf(parse.ReasonBadTime, "docker events line has the zero time")
	}
	typ, rest, ok := strings.Cut(rest, " ")
	if !ok || typ == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker events line has no action")
	}
	head, attrs := splitAttributes(rest)
	sp := strings.LastIndexByte(head, ' ')
	if sp <= 0 {
		return parse.Errorf(parse.ReasonMissingField, "docker events line has no actor id after the action")
	}
	action, id := strings.TrimSpace(head[:sp]), head[sp+1:]
	if action == "" || id == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker events line has no action or actor id")
	}

	ev.Time = t
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerDocker
	if typ != "container" {
		ev.Kind = schemas.KindLifecycle
		return nil
	}
	ce := containerEvent{action: action, id: id}
	for attrs != "" {
		var key, value string
		key, value, attrs = nextAttribute(attrs)
		ce.attribute(key, value)
	}
	ce.fill(ev)
	return nil
}

// splitAttributes separates the trailing "(k=v, …)" list from the rest of a
// text event; the list is returned without its parentheses.
func splitAttributes(s string) (head, attrs string) {
	s = strings.TrimRight(s, " ")
	if !strings.HasSuffix(s, ")") {
		return s, ""
	}
	// The list starts at the first " (" that is followed by a key and "=";
	// an earlier one belongs to an exec command in the action.
	for from := 0; ; {
		i := strings.Index(s[from:], " (")
		if i < 0 {
			return s, ""
		}
		open := from + i
		if startsWithKey(s[open+2:]) {
			return s[:open], s[open+2 : len(s)-1]
		}
		from = open + 2
	}
}

// nextAttribute returns the first "key=value" of an attribute list and the
// rest. Values are not escaped by the CLI, so a ", " only ends a value when a
// key follows it.
func nextAttribute(s string) (key, value, rest string) {
	key, s, _ = strings.Cut(s, "=")
	for from := 0; ; {
		i := strings.Index(s[from:], ", ")
		if i < 0 {
			return key, s, ""
		}
		end := from + i
		if startsWithKey(s[end+2:]) {
			return key, s[:end], s[end+2:]
		}
		from = end + 2
	}
}

// startsWithKey reports whether s begins with an attribute key and "=".
// Keys are label names: letters, digits and ._-/ .
func startsWithKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == '-', c == '/':
		default:
			return false
		}
	}
	return false
}
