package docker

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeEvent fills ev from the `docker events --format '{{json .}}'`
// object at node n of t (the GET /events stream): Type/Action/Actor, or the
// pre-API-1.22 shape with only status/id/from. Routine events are decided
// from one walk over the top-level members (of duplicates the last counts)
// and one over Actor.Attributes.
func DecodeEvent(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	var (
		typ, action, actorID   string
		status, legacyID, from string
		attrs, sec, nano       = parse.Missing, parse.Missing, parse.Missing
	)
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "Type":
			typ = str(t, c)
		case "Action":
			action = str(t, c)
		case "Actor":
			actorID, attrs = actor(t, c)
		case "status":
			status = str(t, c)
		case "id":
			legacyID = str(t, c)
		case "from":
			from = str(t, c)
		case "time":
			sec = c
		case "timeNano":
			nano = c
		}
	}

	tm, err := eventTime(t, nano, sec)
	if err != nil {
		return err
	}
	if action == "" {
		action = status
	}
	if action == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker event has neither Action nor status")
	}
	if typ == "" {
		// Pre-1.22 daemons reported only container and image events; only
		// container events name the image they came from.
		typ = "image"
		if from != "" {
			typ = "container"
		}
	}
	ev.Time = tm
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerDocker
	if typ != "container" {
		ev.Kind = schemas.KindLifecycle
		return nil
	}

	ce := containerEvent{action: action, id: actorID, image: from}
	if ce.id == "" {
		ce.id = legacyID
	}
	if ce.id == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker container event %q has no Actor.ID or id", action)
	}
	if t.Kind(attrs) == parse.KindObject {
		for c := t.First(attrs); c.Exists(); c = t.Next(c) {
			ce.attribute(t.Key(c), str(t, c))
		}
	}
	ce.fill(ev)
	return nil
}

// actor reads Actor.ID and Actor.Attributes in one walk; of duplicate
// members the first counts.
func actor(t *parse.Tape, n parse.Node) (id string, attrs parse.Node) {
	if t.Kind(n) != parse.KindObject {
		return "", parse.Missing
	}
	idNode := parse.Missing
	attrs = parse.Missing
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "ID":
			keepFirst(&idNode, c)
		case "Attributes":
			keepFirst(&attrs, c)
		}
	}
	return str(t, idNode), attrs
}

// eventTime prefers timeNano and falls back to time (seconds).
func eventTime(t *parse.Tape, nano, sec parse.Node) (time.Time, error) {
	if n, ok := intOf(t, nano); ok && n != 0 {
		return parse.UnixNano(n)
	}
	if n, ok := intOf(t, sec); ok && n != 0 {
		return parse.UnixAuto(n)
	}
	if nano.Exists() || sec.Exists() {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "docker event time %q / timeNano %q is not an integer", t.Raw(sec), t.Raw(nano))
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "docker event has neither time nor timeNano")
}

// containerEvent is a container event of either the JSON or the text form.
type containerEvent struct {
	action, id, image, name string
	kube                    kubeIdentity
}

// attribute records one Actor attribute; Docker copies the container's
// labels into the attributes next to image and name.
func (c *containerEvent) attribute(key, value string) {
	switch key {
	case "image":
		c.image = value
	case "name":
		c.name = value
	default:
		c.kube.label(key, value)
	}
}

func (c *containerEvent) fill(ev *schemas.Event) {
	c.kube.fromName(c.name)
	ev.Container.ID = containerID(c.id)
	if ev.Container.ID != "" {
		ev.Container.Runtime = "docker"
	}
	ev.Container.Image = c.image
	ev.Container.Name = c.name
	if c.kube.container != "" {
		ev.Container.Name = c.kube.container
	}
	ev.Pod = c.kube.pod()

	kind, session, command := containerKind(c.action)
	if c.kube.sandbox {
		kind = schemas.KindLifecycle
	}
	ev.Kind = kind
	switch kind {
	case schemas.KindSession:
		ev.Session = schemas.Session{Type: session, Container: ev.Container.Name, Command: command}
	case schemas.KindContainerStart:
		ev.Statuses = c.kube.statuses(ev.Container.ID)
	}
}

// containerKind maps a container action to an event kind. Exec actions carry
// the command after a colon ("exec_create: sh -c id", moby daemon/exec.go).
func containerKind(action string) (kind schemas.Kind, session, command string) {
	switch action {
	case "create", "start":
		return schemas.KindContainerStart, "", ""
	case "attach":
		return schemas.KindSession, "attach", ""
	case "destroy":
		return schemas.KindContainerEnd, "", ""
	}
	for _, prefix := range [...]string{"exec_create", "exec_start"} {
		if rest, ok := strings.CutPrefix(action, prefix); ok && (rest == "" || rest[0] == ':') {
			return schemas.KindSession, "exec", strings.TrimSpace(strings.TrimPrefix(rest, ":"))
		}
	}
	return schemas.KindLifecycle, "", ""
}
