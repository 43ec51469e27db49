package tetragon

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Tetragon JSON export event (a GetEventsResponse
// rendered by protojson).
func Decode(raw string, ev *schemas.Event) error {
	root := gjson.Parse(raw)
	if !root.IsObject() {
		return parse.Errorf(parse.ReasonUnrecognized, "Tetragon event is not a JSON object")
	}
	var (
		eventType string
		body      gjson.Result
		when      gjson.Result
	)
	root.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "node_name":
			ev.Node = value.Str
		case "cluster_name":
			ev.Cluster = value.Str
		case "time":
			when = value
		default:
			// The event is the one field of the response's oneof: a
			// process_* event, or the test and rate_limit_info messages.
			// Other fields are metadata (node_labels, aggregation_info …).
			if strings.HasPrefix(key.Str, "process_") || key.Str == "test" || key.Str == "rate_limit_info" {
				eventType, body = key.Str, value
			}
		}
		return true
	})
	if eventType == "" {
		return parse.Errorf(parse.ReasonUnrecognized, "Tetragon export has no event field")
	}
	if !body.IsObject() {
		return parse.Errorf(parse.ReasonBadValue, "Tetragon %s is not an object", eventType)
	}
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerTetragon

	var e event
	body.ForEach(func(key, value gjson.Result) bool {
		e.collect(key.Str, value)
		return true
	})
	start := decodeProcess(e.process, e.parent, ev)

	switch eventType {
	case "process_exec":
		ev.Kind = schemas.KindProcess
		if runtimeExec(ev.Process.ParentName, ev.Process.ParentArgs) {
			ev.Session.Type = "exec"
		}
	case "process_kprobe", "process_lsm", "process_tracepoint":
		ev.Kind = schemas.KindSyscall
		decodeHook(eventType, &e, ev)
	default:
		// process_exit, process_loader, process_uprobe, process_throttle …
		ev.Kind = schemas.KindLifecycle
	}

	t, err := eventTime(when, eventType, e.time, start)
	if err != nil {
		return err
	}
	ev.Time = t
	return nil
}

// event holds the fields of the event object common to the event types.
type event struct {
	process, parent gjson.Result
	function        string // kprobe and LSM hook
	subsys, name    string // tracepoint
	policy          string
	args, ret       gjson.Result
	action          string
	time            gjson.Result // process_exit
}

func (e *event) collect(key string, v gjson.Result) {
	switch key {
	case "process":
		e.process = v
	case "parent":
		e.parent = v
	case "function_name":
		e.function = v.Str
	case "subsys":
		e.subsys = v.Str
	case "event":
		e.name = v.Str
	case "policy_name":
		e.policy = v.Str
	case "args":
		e.args = v
	case "return":
		e.ret = v
	case "action":
		e.action = v.Str
	case "time":
		e.time = v
	}
}

// eventTime returns the response time. Without one (older exports) an exec
// falls back to the process start time, which is the exec time, and an
// exit to the exit event's own time.
func eventTime(when gjson.Result, eventType string, exitTime, start gjson.Result) (time.Time, error) {
	switch {
	case when.Exists():
	case eventType == "process_exec" && start.Exists():
		when = start
	case eventType == "process_exit" && exitTime.Exists():
		when = exitTime
	default:
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tetragon %s has no time", eventType)
	}
	if when.Type != gjson.String {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tetragon time is not a string: %.40s", when.Raw)
	}
	return parse.RFC3339(when.Str)
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
