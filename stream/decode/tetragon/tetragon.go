package tetragon

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from the Tetragon JSON export event (a GetEventsResponse
// rendered by protojson) at node n. The tape holds the record, validated.
func Decode(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	if t.Kind(n) != parse.KindObject {
		return parse.Errorf(parse.ReasonUnrecognized, "Tetragon event is not a JSON object")
	}
	body, other, when := parse.Missing, parse.Missing, parse.Missing
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch key := t.Key(c); key {
		case "node_name":
			ev.Node = str(t, c)
		case "cluster_name":
			ev.Cluster = str(t, c)
		case "time":
			when = c
		default:
			// The event is the one field of the response's oneof. Other
			// fields are metadata (node_labels, aggregation_info …). The
			// first event field holding an object is the event, as the
			// dispatcher recognises it; one that is no object is kept to
			// say so.
			if EventField(key) {
				if t.Kind(c) == parse.KindObject {
					if !body.Exists() {
						body = c
					}
				} else if !other.Exists() {
					other = c
				}
			}
		}
	}
	if !body.Exists() {
		if other.Exists() {
			return parse.Errorf(parse.ReasonBadValue, "Tetragon %s is not an object", t.Key(other))
		}
		return parse.Errorf(parse.ReasonUnrecognized, "Tetragon export has no event field")
	}
	eventType := t.Key(body)
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerTetragon

	e := event{process: parse.Missing, parent: parse.Missing, args: parse.Missing, ret: parse.Missing, time: parse.Missing}
	for c := t.First(body); c.Exists(); c = t.Next(c) {
		e.collect(t, c)
	}
	start := decodeProcess(t, e.process, e.parent, ev)

	switch eventType {
	case "process_exec":
		ev.Kind = schemas.KindProcess
		if runtimeExec(ev.Process.ParentName, ev.Process.ParentArgs) {
			ev.Session.Type = "exec"
		}
	case "process_kprobe", "process_lsm", "process_tracepoint":
		ev.Kind = schemas.KindSyscall
		decodeHook(t, eventType, &e, ev)
	default:
		// process_exit, process_loader, process_uprobe, process_usdt,
		// process_throttle, test, rate_limit_info …: recognised, of no
		// detection value.
		ev.Kind = schemas.KindLifecycle
	}

	tm, err := eventTime(t, when, eventType, e.time, start)
	if err != nil {
		return err
	}
	ev.Time = tm
	return nil
}

// EventField reports whether key names the event member of an exported
// GetEventsResponse (the members of its event oneof): process_* (exec,
// exit, kprobe, tracepoint, lsm, uprobe, usdt, loader, throttle …), test
// and rate_limit_info. Decode takes the first such member whose value is
// an object; the dispatcher recognises the export by the same test.
func EventField(key string) bool {
	return strings.HasPrefix(key, "process_") || key == "test" || key == "rate_limit_info"
}

// event holds the fields of the event object common to the event types.
type event struct {
	process, parent parse.Node
	function        string // kprobe and LSM hook
	subsys, name    string // tracepoint
	policy          string
	args, ret       parse.Node
	action          string
	time            parse.Node // process_exit
}

// collect records member c of the event object; a repeated member
// replaces the earlier one.
func (e *event) collect(t *parse.Tape, c parse.Node) {
	switch t.Key(c) {
	case "process":
		e.process = c
	case "parent":
		e.parent = c
	case "function_name":
		e.function = str(t, c)
	case "subsys":
		e.subsys = str(t, c)
	case "event":
		e.name = str(t, c)
	case "policy_name":
		e.policy = str(t, c)
	case "args":
		e.args = c
	case "return":
		e.ret = c
	case "action":
		e.action = str(t, c)
	case "time":
		e.time = c
	}
}

// eventTime returns the response time. Without one (older exports) an exec
// falls back to the process start time, which is the exec time, and an
// exit to the exit event's own time. A present time of any kind, null
// included, is the one used.
func eventTime(t *parse.Tape, when parse.Node, eventType string, exitTime, start parse.Node) (time.Time, error) {
	switch {
	case when.Exists():
	case eventType == "process_exec" && start.Exists():
		when = start
	case eventType == "process_exit" && exitTime.Exists():
		when = exitTime
	default:
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tetragon %s has no time", eventType)
	}
	if t.Kind(when) != parse.KindString {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tetragon time is not a string: %.40s", t.Raw(when))
	}
	return rfc3339(t.Str(when))
}

// runtimeExec reports whether the parent is the OCI runtime running
// `runc exec` (or crun exec): the process was started by an exec session
// into the container.
func runtimeExec(parentName, parentArgs string) bool {
	if parentName != "runc" && parentName != "crun" && !strings.HasPrefix(parentName, "runc.") {
		return false
	}
	return strings.HasPrefix(parentArgs, "exec ") || strings.Contains(parentArgs, " exec ")
}
