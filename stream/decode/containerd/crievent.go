package containerd

import (
	"strconv"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// criFields are the top-level members of a CRI container event; of
// duplicate members the last counts.
type criFields struct {
	id, eventType, createdAt, sandbox, statuses parse.Node
}

// decodeCRIEvent fills ev from a CRI ContainerEventResponse
// (GetContainerEvents, containerd >= 1.7 and CRI-O >= 1.26) in protojson, as
// `crictl events -o json` prints it (kubernetes-sigs/cri-tools
// cmd/crictl/events.go): lowerCamelCase keys, int64 as strings, enums by name.
// snake_case keys and numeric enums are accepted too. n is the event object,
// whose members DecodeJSON has read into f.
func decodeCRIEvent(t *parse.Tape, n parse.Node, f *criFields, ev *schemas.Event) error {
	id := str(t, f.id)
	if id == "" {
		return parse.Errorf(parse.ReasonMissingField, "CRI container event has no containerId")
	}
	nanos, ok := intOf(t, f.createdAt)
	if !ok {
		return parse.Errorf(parse.ReasonBadTime, "CRI container event createdAt %q is not nanoseconds", t.Raw(f.createdAt))
	}
	tm, err := parse.UnixNano(nanos)
	if err != nil {
		return err
	}
	kind, ok := criEventKind(t, f.eventType)
	if !ok {
		return parse.Errorf(parse.ReasonBadValue, "unknown CRI containerEventType %s", t.Raw(f.eventType))
	}

	ev.Time = tm
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerContainerd
	ev.Container.Runtime = "containerd"
	// The event does not name the runtime; CRI-O's own annotations do.
	if mentionsCRIO(t.Raw(n)) {
		ev.Producer = schemas.ProducerCRIO
		ev.Container.Runtime = "cri-o"
	}
	ev.Container.ID = containerID(id)
	if ev.Container.ID == "" {
		return parse.Errorf(parse.ReasonBadValue, "CRI containerId %q is not a container id", id)
	}
	sandbox, statuses := f.sandbox, f.statuses
	meta := t.Get(sandbox, "metadata")
	ev.Pod = schemas.Pod{Namespace: str(t, t.Get(meta, "namespace")), Name: str(t, t.Get(meta, "name")), UID: str(t, t.Get(meta, "uid"))}
	if sandboxID := containerID(str(t, t.Get(sandbox, "id"))); sandboxID == ev.Container.ID {
		ev.Kind = schemas.KindLifecycle
		return nil
	}
	ev.Kind = kind
	if kind != schemas.KindContainerStart {
		if own := ownStatus(t, statuses, ev.Container.ID); own.Exists() {
			ev.Container.Name = str(t, t.Path(own, "metadata", "name"))
			ev.Container.Image = str(t, t.Path(own, "image", "image"))
		}
		return nil
	}

	options := t.Path(sandbox, "linux", "namespaces", "options")
	spec := &schemas.PodSpec{
		HostPID:     isNodeMode(t, t.Get(options, "pid")),
		HostNetwork: isNodeMode(t, t.Get(options, "network")),
		HostIPC:     isNodeMode(t, t.Get(options, "ipc")),
	}
	for status := range values(t, statuses) {
		sid := containerID(str(t, t.Get(status, "id")))
		name := str(t, t.Path(status, "metadata", "name"))
		if sid != "" && name != "" {
			ev.Statuses = append(ev.Statuses, schemas.ContainerStatus{Name: name, ID: sid})
		}
		if sid != ev.Container.ID {
			continue
		}
		ev.Container.Name = name
		ev.Container.Image = str(t, t.Path(status, "image", "image"))
		if started, ok := intOf(t, firstOf(t, status, "startedAt", "started_at")); ok && started > 0 {
			ev.Container.StartTime, _ = parse.UnixNano(started)
		}
		spec.Containers = []schemas.ContainerSpec{criContainerSpec(t, status, name, ev.Container.Image)}
	}
	ev.Spec = spec
	return nil
}

// mentionsCRIO reports whether the text of the event holds
// "io.kubernetes.cri-o.", the prefix of CRI-O's annotations, anywhere. It
// is strings.Contains anchored on the rare '-' of the prefix: a record names
// "io.kubernetes." many times, which made Contains restart at every "i".
func mentionsCRIO(raw string) bool {
	const prefix = "io.kubernetes.cri-o."
	const dash = len("io.kubernetes.cri")
	for i := dash; i < len(raw); i++ {
		j := strings.IndexByte(raw[i:], '-')
		if j < 0 {
			return false
		}
		i += j
		if start := i - dash; start+len(prefix) <= len(raw) && raw[start:start+len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// criEventKind maps a ContainerEventType, by name or number (a number
// written with a fraction or an exponent counts by its value, "1.0" as 1).
func criEventKind(t *parse.Tape, n parse.Node) (schemas.Kind, bool) {
	var name string
	switch t.Kind(n) {
	case parse.KindString:
		name = t.Str(n)
	case parse.KindNumber:
		name = numberText(t.Raw(n))
	}
	switch name {
	case "CONTAINER_CREATED_EVENT", "0", "CONTAINER_STARTED_EVENT", "1":
		return schemas.KindContainerStart, true
	case "CONTAINER_STOPPED_EVENT", "2":
		return schemas.KindLifecycle, true
	case "CONTAINER_DELETED_EVENT", "3":
		return schemas.KindContainerEnd, true
	}
	return schemas.KindUnknown, false
}

// numberText is the text a numeric event type is matched by: an integer as
// written, any other number formatted from its float value ("1.0" is "1").
func numberText(raw string) string {
	i := 0
	if i < len(raw) && raw[0] == '-' {
		i++
	}
	for ; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			f, _ := strconv.ParseFloat(raw, 64)
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return raw
}

// isNodeMode reports a NamespaceMode of NODE: the pod uses the host's
// namespace.
func isNodeMode(t *parse.Tape, mode parse.Node) bool {
	return str(t, mode) == "NODE" || (t.Kind(mode) == parse.KindNumber && t.Raw(mode) == "2")
}

// criContainerSpec reads the host mounts of one CRI ContainerStatus. Every
// CRI mount is a host path bind-mounted into the container.
func criContainerSpec(t *parse.Tape, status parse.Node, name, image string) schemas.ContainerSpec {
	cs := schemas.ContainerSpec{Name: name, Image: image, Type: "container"}
	for m := range values(t, t.Get(status, "mounts")) {
		host := str(t, firstOf(t, m, "hostPath", "host_path"))
		target := str(t, firstOf(t, m, "containerPath", "container_path"))
		if host != "" && target != "" {
			cs.Mounts = append(cs.Mounts, schemas.HostMount{Source: host, Target: target, ReadOnly: t.Bool(t.Get(m, "readonly"))})
		}
	}
	return cs
}

// ownStatus finds the ContainerStatus of the event's container.
func ownStatus(t *parse.Tape, statuses parse.Node, id string) parse.Node {
	for status := range values(t, statuses) {
		if containerID(str(t, t.Get(status, "id"))) == id {
			return status
		}
	}
	return parse.Missing
}

// firstOf returns the first of the given members present in obj.
func firstOf(t *parse.Tape, obj parse.Node, keys ...string) parse.Node {
	for _, k := range keys {
		if v := t.Get(obj, k); v.Exists() {
			return v
		}
	}
	return parse.Missing
}
