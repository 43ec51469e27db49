package containerd

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeJSON fills ev from a containerd event envelope
// {timestamp, namespace, topic, event} or from a CRI container event as
// `crictl events -o json` prints it.
func DecodeJSON(raw string, ev *schemas.Event) error {
	var timestamp, namespace, topic, event gjson.Result
	isEnvelope := false
	gjson.Parse(raw).ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "timestamp":
			timestamp = value
		case "namespace":
			namespace = value
		case "topic":
			topic, isEnvelope = value, true
		case "event":
			event = value
		}
		return true
	})
	if !isEnvelope {
		return decodeCRIEvent(raw, ev)
	}
	t, err := envelopeTime(timestamp)
	if err != nil {
		return err
	}
	if topic.Str == "" {
		return parse.Errorf(parse.ReasonMissingField, "containerd envelope has an empty topic")
	}
	var f eventFields
	f.readJSON(event)
	ev.Time = t
	return f.fill(ev, topic.Str, namespace.Str)
}

// envelopeTime reads a protobuf Timestamp as JSON: an RFC 3339 string
// (protojson, Go's time.Time), Go's time.String form, or {seconds, nanos}.
func envelopeTime(ts gjson.Result) (time.Time, error) {
	switch {
	case ts.Type == gjson.String:
		if t, err := parse.RFC3339(ts.Str); err == nil && !t.IsZero() {
			return t, nil
		}
		t, rest, err := parse.GoTimeString(ts.Str)
		if err != nil || rest != "" || t.IsZero() {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %q is neither RFC 3339 nor Go time", ts.Str)
		}
		return t, nil
	case ts.IsObject():
		sec, okSec := parse.Int64(ts.Get("seconds"))
		nanos, _ := parse.Int64(ts.Get("nanos"))
		if !okSec || nanos < 0 || nanos >= 1e9 {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %s is not {seconds, nanos}", ts.Raw)
		}
		if _, err := parse.UnixAuto(sec); err != nil {
			return time.Time{}, err
		}
		return time.Unix(sec, nanos).UTC(), nil
	case ts.Exists():
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %s is not a time", ts.Raw)
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope has no timestamp")
}

// eventFields are the fields escapewatch reads from a containerd event
// (api/events/*.proto), whether JSON or the 2017 `ctr events` text.
type eventFields struct {
	id, containerID, image string
	pid                    int64
	labels                 gjson.Result
	hasLabels              bool
}

// readJSON reads an event payload: snake_case keys as encoding/json writes
// the generated structs (`ctr events`), lowerCamelCase as protojson does.
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
			f.labels, f.hasLabels = value, value.IsObject()
		}
		return true
	})
}

// fill maps a topic and its fields onto ev; ev.Time is already set.
func (f *eventFields) fill(ev *schemas.Event, topic, namespace string) error {
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerContainerd
	kind, session := topicKind(topic)

	// /tasks/* events name the container in container_id (their id is the
	// exec id); /containers/* and the 2017 text form use id.
	id := f.containerID
	if id == "" {
		id = f.id
	}
	ev.Container.ID = containerID(id)
	if ev.Container.ID != "" {
		ev.Container.Runtime = runtimeOf(namespace)
	}
	ev.Container.Image = f.image
	if f.pid > 0 {
		ev.Process.PID = f.pid
	}

	if topic == "/containers/update" {
		var kube kubeIdentity
		f.labels.ForEach(func(key, value gjson.Result) bool {
			kube.label(key.Str, value.Str)
			return true
		})
		ev.Pod = kube.pod()
		ev.Container.Name = kube.container
		switch {
		case kube.sandbox || !f.hasLabels:
			kind = schemas.KindLifecycle
		default:
			ev.Statuses = kube.statuses(ev.Container.ID)
		}
	}
	if kind != schemas.KindLifecycle && ev.Container.ID == "" {
		return parse.Errorf(parse.ReasonMissingField, "containerd %s event names no container", topic)
	}
	ev.Kind = kind
	if kind == schemas.KindSession {
		ev.Session.Type = session
	}
	return nil
}

// topicKind maps a containerd event topic to an event kind.
func topicKind(topic string) (kind schemas.Kind, session string) {
	switch topic {
	case "/containers/create", "/containers/update", "/tasks/start":
		return schemas.KindContainerStart, ""
	case "/tasks/exec-added", "/tasks/exec-started":
		return schemas.KindSession, "exec"
	case "/containers/delete":
		return schemas.KindContainerEnd, ""
	}
	return schemas.KindLifecycle, ""
}
