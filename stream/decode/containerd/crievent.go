package containerd

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeCRIEvent fills ev from a CRI ContainerEventResponse
// (GetContainerEvents, containerd >= 1.7 and CRI-O >= 1.26) in protojson, as
// `crictl events -o json` prints it (kubernetes-sigs/cri-tools
// cmd/crictl/events.go): lowerCamelCase keys, int64 as strings, enums by name.
// snake_case keys and numeric enums are accepted too.
func decodeCRIEvent(raw string, ev *schemas.Event) error {
	var id, eventType, createdAt, sandbox, statuses gjson.Result
	gjson.Parse(raw).ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "containerId", "container_id":
			id = value
		case "containerEventType", "container_event_type":
			eventType = value
		case "createdAt", "created_at":
			createdAt = value
		case "podSandboxStatus", "pod_sandbox_status":
			sandbox = value
		case "containersStatuses", "containers_statuses":
			statuses = value
		}
		return true
	})
	if id.Str == "" {
		return parse.Errorf(parse.ReasonMissingField, "CRI container event has no containerId")
	}
	nanos, ok := parse.Int64(createdAt)
	if !ok {
		return parse.Errorf(parse.ReasonBadTime, "CRI container event createdAt %q is not nanoseconds", createdAt.Raw)
	}
	t, err := parse.UnixNano(nanos)
	if err != nil {
		return err
	}
	kind, ok := criEventKind(eventType)
	if !ok {
		return parse.Errorf(parse.ReasonBadValue, "unknown CRI containerEventType %s", eventType.Raw)
	}

	ev.Time = t
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerContainerd
	ev.Container.Runtime = "containerd"
	// The event does not name the runtime; CRI-O's own annotations do.
	if strings.Contains(raw, "io.kubernetes.cri-o.") {
		ev.Producer = schemas.ProducerCRIO
		ev.Container.Runtime = "cri-o"
	}
	ev.Container.ID = containerID(id.Str)
	if ev.Container.ID == "" {
		return parse.Errorf(parse.ReasonBadValue, "CRI containerId %q is not a container id", id.Str)
	}
	meta := firstOf(sandbox, "metadata")
	ev.Pod = schemas.Pod{Namespace: meta.Get("namespace").Str, Name: meta.Get("name").Str, UID: meta.Get("uid").Str}
	if sandboxID := containerID(sandbox.Get("id").Str); sandboxID == ev.Container.ID {
		ev.Kind = schemas.KindLifecycle
		return nil
	}
	ev.Kind = kind
	if kind != schemas.KindContainerStart {
		if own, found := ownStatus(statuses, ev.Container.ID); found {
			ev.Container.Name = firstOf(own, "metadata").Get("name").Str
			ev.Container.Image = firstOf(own, "image").Get("image").Str
		}
		return nil
	}

	options := firstOf(firstOf(firstOf(sandbox, "linux"), "namespaces"), "options")
	spec := &schemas.PodSpec{
		HostPID:     isNodeMode(options.Get("pid")),
		HostNetwork: isNodeMode(options.Get("network")),
		HostIPC:     isNodeMode(options.Get("ipc")),
	}
	statuses.ForEach(func(_, status gjson.Result) bool {
		sid := containerID(status.Get("id").Str)
		name := firstOf(status, "metadata").Get("name").Str
		if sid != "" && name != "" {
			ev.Statuses = append(ev.Statuses, schemas.ContainerStatus{Name: name, ID: sid})
		}
		if sid != ev.Container.ID {
			return true
		}
		ev.Container.Name = name
		ev.Container.Image = firstOf(status, "image").Get("image").Str
		if started, ok := parse.Int64(firstOf(status, "startedAt", "started_at")); ok && started > 0 {
			ev.Container.StartTime, _ = parse.UnixNano(started)
		}
		spec.Containers = []schemas.ContainerSpec{criContainerSpec(status, name, ev.Container.Image)}
		return true
	})
	ev.Spec = spec
	return nil
}

// criEventKind maps a ContainerEventType, by name or number.
func criEventKind(t gjson.Result) (schemas.Kind, bool) {
	switch t.String() {
	case "CONTAINER_CREATED_EVENT", "0", "CONTAINER_STARTED_EVENT", "1":
		return schemas.KindContainerStart, true
	case "CONTAINER_STOPPED_EVENT", "2":
		return schemas.KindLifecycle, true
	case "CONTAINER_DELETED_EVENT", "3":
		return schemas.KindContainerEnd, true
	}
	return schemas.KindUnknown, false
}

// isNodeMode reports a NamespaceMode of NODE: the pod uses the host's
// namespace.
func isNodeMode(mode gjson.Result) bool {
	return mode.Str == "NODE" || mode.Raw == "2"
}

// criContainerSpec reads the host mounts of one CRI ContainerStatus. Every
// CRI mount is a host path bind-mounted into the container.
func criContainerSpec(status gjson.Result, name, image string) schemas.ContainerSpec {
	cs := schemas.ContainerSpec{Name: name, Image: image, Type: "container"}
	status.Get("mounts").ForEach(func(_, m gjson.Result) bool {
		host := firstOf(m, "hostPath", "host_path").Str
		target := firstOf(m, "containerPath", "container_path").Str
		if host != "" && target != "" {
			cs.Mounts = append(cs.Mounts, schemas.HostMount{Source: host, Target: target, ReadOnly: parse.True(m.Get("readonly"))})
		}
		return true
	})
	return cs
}

// ownStatus finds the ContainerStatus of the event's container.
func ownStatus(statuses gjson.Result, id string) (own gjson.Result, found bool) {
	statuses.ForEach(func(_, status gjson.Result) bool {
		if containerID(status.Get("id").Str) == id {
			own, found = status, true
			return false
		}
		return true
	})
	return own, found
}

// firstOf returns the first of the given keys present in obj; the keys are
// plain names, never gjson paths.
func firstOf(obj gjson.Result, keys ...string) gjson.Result {
	for _, k := range keys {
		if v := obj.Get(k); v.Exists() {
			return v
		}
	}
	return gjson.Result{}
}
