package falco

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Falco JSON alert: Falco's own json_output or the
// Falcosidekick payload (which adds uuid).
func Decode(raw string, ev *schemas.Event) error {
	root := gjson.Parse(raw)
	if !root.IsObject() {
		return parse.Errorf(parse.ReasonUnrecognized, "Falco alert is not a JSON object")
	}
	var rule, source, when, hostname, uuid, fields gjson.Result
	root.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "rule":
			rule = value
		case "source":
			source = value
		case "time":
			when = value
		case "hostname":
			hostname = value
		case "uuid":
			uuid = value
		case "output_fields":
			fields = value
		}
		return true
	})
	if rule.Type != gjson.String || rule.Str == "" {
		return parse.Errorf(parse.ReasonMissingField, "Falco alert has no rule name")
	}
	if fields.Exists() && !fields.IsObject() && fields.Type != gjson.Null {
		return parse.Errorf(parse.ReasonBadValue, "Falco output_fields is not an object")
	}
	t, err := alertTime(when, fields)
	if err != nil {
		return err
	}
	ev.Time = t
	ev.Producer = schemas.ProducerFalco
	ev.Signature = rule.Str
	ev.Node = value(hostname)
	ev.NativeID = value(uuid)
	facts := rules[rule.Str]

	switch value(source) {
	case "", "syscall":
		ev.Source = schemas.SourceSyscall
		decodeSyscall(fields, facts, ev)
	case "k8s_audit":
		ev.Source = schemas.SourceK8sAudit
		decodeAudit(fields, facts, ev)
	default:
		// Plugin sources (aws_cloudtrail, okta, github …) say nothing about
		// containers; Falco as a whole belongs to the syscall family.
		ev.Source = schemas.SourceSyscall
		ev.Kind = schemas.KindLifecycle
	}
	return nil
}

// alertTime returns the event time: the envelope's time, else the evt.time
// (or evt.rawtime, or the integer evt.time.iso8601 of old builds) output
// field in nanoseconds.
func alertTime(when, fields gjson.Result) (time.Time, error) {
	switch when.Type {
	case gjson.String:
		return parse.RFC3339(when.Str)
	case gjson.Number:
		n, _ := parse.Int64(when)
		return parse.UnixAuto(n)
	}
	for _, path := range [...]string{`evt\.time`, `evt\.rawtime`, `evt\.time\.iso8601`} {
		v := fields.Get(path)
		switch v.Type {
		case gjson.Number:
			n, ok := parse.Int64(v)
			if !ok {
				return time.Time{}, parse.Errorf(parse.ReasonBadTime, "output field %s is not an integer: %s", path, v.Raw)
			}
			return parse.UnixNano(n)
		case gjson.String:
			if t, err := parse.RFC3339(v.Str); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Falco alert has neither time nor output_fields evt.time")
}

// value returns a field as a string, or "" when Falco rendered it as
// missing (JSON null, or "<NA>" in older builds). Numbers and booleans give
// their JSON text.
func value(v gjson.Result) string {
	s := parse.Str(v)
	if s == "<NA>" {
		return ""
	}
	return s
}
