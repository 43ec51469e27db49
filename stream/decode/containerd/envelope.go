package containerd

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeJSON fills ev from the containerd event envelope
// {timestamp, namespace, topic, event} at node n of t, or from a CRI
// container event as `crictl events -o json` prints it. One walk over the
// top-level members serves both shapes.
func DecodeJSON(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	var (
		timestamp, namespace, topic, event = parse.Missing, parse.Missing, parse.Missing, parse.Missing
		cri                                = criFields{parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing}
	)
	isEnvelope := false
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "timestamp":
			timestamp = c
		case "namespace":
			namespace = c
		case "topic":
			topic, isEnvelope = c, true
		case "event":
			event = c
		case "containerId", "container_id":
			cri.id = c
		case "containerEventType", "container_event_type":
			cri.eventType = c
		case "createdAt", "created_at":
			cri.createdAt = c
		case "podSandboxStatus", "pod_sandbox_status":
			cri.sandbox = c
		case "containersStatuses", "containers_statuses":
			cri.statuses = c
		}
	}
	if !isEnvelope {
		return decodeCRIEvent(t, n, &cri, ev)
	}
	tm, err := envelopeTime(t, timestamp)
	if err != nil {
		return err
	}
	topicName := str(t, topic)
	if topicName == "" {
		return parse.Errorf(parse.ReasonMissingField, "containerd envelope has an empty topic")
	}
	var f eventFields
	f.readTape(t, event)
	ev.Time = tm
	return f.fill(ev, topicName, str(t, namespace))
}

// IsTopic reports whether s is a containerd event topic: a path
// /<root>/<name> under one of the roots containerd publishes events on
// (containers, tasks, images, namespaces, snapshot, content, sandboxes),
// such as /tasks/exec-started. The dispatcher recognises an envelope that
// lacks its namespace by such a topic and an event payload.
func IsTopic(s string) bool {
	rest, ok := strings.CutPrefix(s, "/")
	if !ok {
		return false
	}
	root, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		return false
	}
	switch root {
	case "containers", "tasks", "images", "namespaces", "snapshot", "content", "sandboxes":
		return true
	}
	return false
}

// envelopeTime reads a protobuf Timestamp as JSON: an RFC 3339 string
// (protojson, Go's time.Time), Go's time.String form, or {seconds, nanos}.
func envelopeTime(t *parse.Tape, ts parse.Node) (time.Time, error) {
	switch t.Kind(ts) {
	case parse.KindString:
		s := t.Str(ts)
		if tm, err := parse.RFC3339(s); err == nil && !tm.IsZero() {
			return tm, nil
		}
		tm, rest, err := parse.GoTimeString(s)
		if err != nil || rest != "" || tm.IsZero() {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %q is neither RFC 3339 nor Go time", s)
		}
		return tm, nil
	case parse.KindObject:
		sec, okSec := intOf(t, t.Get(ts, "seconds"))
		nanos, _ := intOf(t, t.Get(ts, "nanos"))
		if !okSec || nanos < 0 || nanos >= 1e9 {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %s is not {seconds, nanos}", t.Raw(ts))
		}
		if _, err := parse.UnixAuto(sec); err != nil {
			return time.Time{}, err
		}
		return time.Unix(sec, nanos).UTC(), nil
	}
	if ts.Exists() {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope timestamp %s is not a time", t.Raw(ts))
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "containerd envelope has no timestamp")
}

// eventFields are the fields escapewatch reads from a containerd event
// (api/events/*.proto), whether JSON or the 2017 `ctr events` text.
type eventFields struct {
	id, containerID, image string
	pid                    int64
	kube                   kubeIdentity // from the labels
	hasLabels              bool         // the labels are an object
}

// readTape reads an event payload: snake_case keys as encoding/json writes
// the generated structs (`ctr events`), lowerCamelCase as protojson does.
// Of duplicate members the last counts.
func (f *eventFields) readTape(t *parse.Tape, event parse.Node) {
	if t.Kind(event) != parse.KindObject {
		return
	}
	for c := t.First(event); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "id":
			f.id = str(t, c)
		case "container_id", "containerId", "containerID":
			f.containerID = str(t, c)
		case "image":
			f.image = str(t, c)
		case "pid":
			f.pid, _ = intOf(t, c)
		case "labels":
			f.kube, f.hasLabels = kubeIdentity{}, t.Kind(c) == parse.KindObject
			if f.hasLabels {
				for l := t.First(c); l.Exists(); l = t.Next(l) {
					f.kube.label(t.Key(l), str(t, l))
				}
			}
		}
	}
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
		kube := &f.kube
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
