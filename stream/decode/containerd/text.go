package containerd

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeText fills ev from one `ctr events` line or one log line of
// containerd's CRI plugin. Lines of any other program give
// ReasonUnrecognized after looking at a few bytes.
func DecodeText(line string, ev *schemas.Event) error {
	line = strings.TrimSpace(line)
	switch {
	case isGoTimeStart(line):
		return decodeCtrLine(line, ev)
	case strings.HasPrefix(line, "time="):
		return decodeLogLine("", line, ev)
	}
	host, tag, body, ok := parse.SplitSyslog(line)
	if !ok || tag != "containerd" {
		return notContainerd
	}
	return decodeLogLine(host, body, ev)
}

var notContainerd = parse.Errorf(parse.ReasonUnrecognized, "not a containerd line")

// isGoTimeStart matches "2006-01-02 15:04:05", the start of Go's
// time.String as `ctr events` prints it.
func isGoTimeStart(s string) bool {
	return len(s) > 19 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':'
}

// decodeCtrLine reads `ctr events` output (cmd/ctr/commands/events):
// "<time> <namespace> <topic> <event JSON>" since 2018, and the 2017 form
// "<time> <topic> k=v …" of the v1.0 development reports.
func decodeCtrLine(line string, ev *schemas.Event) error {
	t, rest, err := parse.GoTimeString(line)
	if err != nil {
		return err
	}
	if t.IsZero() {
		return parse.Errorf(parse.ReasonBadTime, "ctr events line has the zero time")
	}
	var namespace, topic string
	if namespace, rest = cutBlank(rest); strings.HasPrefix(namespace, "/") {
		namespace, topic = "", namespace
	} else {
		topic, rest = cutBlank(rest)
	}
	if !strings.HasPrefix(topic, "/") {
		return parse.Errorf(parse.ReasonMissingField, "ctr events line has no topic after the time")
	}
	var f eventFields
	if rest = strings.TrimSpace(rest); strings.HasPrefix(rest, "{") {
		if !gjson.Valid(rest) {
			return parse.Errorf(parse.ReasonInvalidJSON, "ctr events %s payload is not well-formed JSON", topic)
		}
		f.readJSON(gjson.Parse(rest))
	} else {
		f.readText(rest)
	}
	ev.Time = t
	return f.fill(ev, topic, namespace)
}

// readJSON reads the event JSON of a `ctr events` line: snake_case keys as
// encoding/json writes the generated structs, lowerCamelCase as protojson
// does. Of duplicate members the last counts.
func (f *eventFields) readJSON(event gjson.Result) {
	event.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "id":
			f.id = value.Str
		case "container_id", "containerId", "containerID":
			f.containerID = value.Str
		case "image":
			f.image = value.Str
		case "pid":
			f.pid, _ = parse.Int64(value)
		case "labels":
			f.kube, f.hasLabels = kubeIdentity{}, value.IsObject()
			value.ForEach(func(key, value gjson.Result) bool {
				f.kube.label(key.Str, value.Str)
				return true
			})
		}
		return true
	})
}

// readText reads the "key=value" fields of the 2017 form. Values may hold
// spaces ("exited=0001-01-01 00:00:00 +0000 UTC"); the fields read here
// never do.
func (f *eventFields) readText(s string) {
	for s != "" {
		var word string
		word, s = cutBlank(s)
		key, value, ok := strings.Cut(word, "=")
		if !ok {
			continue
		}
		switch key {
		case "id":
			f.id = value
		case "image":
			f.image = value
		case "pid":
			f.pid, _ = parse.Int(value)
		}
	}
}

// cutBlank returns the first word of s, split at spaces or tabs, and the rest.
func cutBlank(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
