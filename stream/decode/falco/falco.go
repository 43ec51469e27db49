package falco

import (
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from the Falco JSON alert at node n: Falco's own
// json_output or the Falcosidekick payload (which adds uuid). The tape
// holds the record, validated.
func Decode(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	if t.Kind(n) != parse.KindObject {
		return parse.Errorf(parse.ReasonUnrecognized, "Falco alert is not a JSON object")
	}
	rule, source, when, hostname, uuid, fields := parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "rule":
			rule = c
		case "source":
			source = c
		case "time":
			when = c
		case "hostname":
			hostname = c
		case "uuid":
			uuid = c
		case "output_fields":
			fields = c
		}
	}
	ruleName := str(t, rule)
	if ruleName == "" {
		return parse.Errorf(parse.ReasonMissingField, "Falco alert has no rule name")
	}
	if k := t.Kind(fields); fields.Exists() && k != parse.KindObject && k != parse.KindNull {
		return parse.Errorf(parse.ReasonBadValue, "Falco output_fields is not an object")
	}
	tm, err := alertTime(t, when, fields)
	if err != nil {
		return err
	}
	ev.Time = tm
	ev.Producer = schemas.ProducerFalco
	ev.Signature = ruleName
	ev.Node = value(t, hostname)
	ev.NativeID = value(t, uuid)
	facts := rules[ruleName]

	switch value(t, source) {
	case "", "syscall":
		ev.Source = schemas.SourceSyscall
		decodeSyscall(t, fields, facts, ev)
	case "k8s_audit":
		ev.Source = schemas.SourceK8sAudit
		decodeAudit(t, fields, facts, ev)
	default:
		// Plugin sources (aws_cloudtrail, okta, github …) say nothing about
		// containers; Falco as a whole belongs to the syscall family.
		ev.Source = schemas.SourceSyscall
		ev.Kind = schemas.KindLifecycle
	}
	return nil
}

// timeFields are the output fields that carry the event time when the
// envelope has none, in order of preference.
var timeFields = [...]string{"evt.time", "evt.rawtime", "evt.time.iso8601"}

// alertTime returns the event time: the envelope's time, else the evt.time
// (or evt.rawtime, or the integer evt.time.iso8601 of old builds) output
// field in nanoseconds.
func alertTime(t *parse.Tape, when, fields parse.Node) (time.Time, error) {
	switch t.Kind(when) {
	case parse.KindString:
		return parse.RFC3339(t.Str(when))
	case parse.KindNumber:
		n, _ := int64Of(t, when)
		return parse.UnixAuto(n)
	}
	for _, name := range timeFields {
		v := t.Get(fields, name)
		switch t.Kind(v) {
		case parse.KindNumber:
			n, ok := int64Of(t, v)
			if !ok {
				return time.Time{}, parse.Errorf(parse.ReasonBadTime, "output field %s is not an integer: %s", name, t.Raw(v))
			}
			return parse.UnixNano(n)
		case parse.KindString:
			if tm, err := parse.RFC3339(t.Str(v)); err == nil {
				return tm, nil
			}
		}
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Falco alert has neither time nor output_fields evt.time")
}
