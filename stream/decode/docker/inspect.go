package docker

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// zeroTime is how Docker writes an unset time (State.StartedAt of a
// container that never ran).
const zeroTime = "0001-01-01T00:00:00Z"

// DecodeInspect fills ev from one `docker inspect` container object
// (GET /containers/{id}/json): a container start carrying the container's
// privilege context as a Spec.
func DecodeInspect(raw string, ev *schemas.Event) error {
	var (
		id, name, created              string
		config, host, state, mountList gjson.Result
	)
	gjson.Parse(raw).ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "Id":
			id = value.Str
		case "Name":
			name = value.Str
		case "Created":
			created = value.Str
		case "Config":
			config = value
		case "HostConfig":
			host = value
		case "State":
			state = value
		case "Mounts":
			mountList = value
		}
		return true
	})
	if id == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker inspect object has no Id")
	}
	started, err := inspectTime(state.Get("StartedAt").Str)
	if err != nil {
		return err
	}
	ev.Time = started
	if ev.Time.IsZero() {
		if ev.Time, err = inspectTime(created); err != nil {
			return err
		}
	}
	if ev.Time.IsZero() {
		return parse.Errorf(parse.ReasonBadTime, "docker inspect object has neither State.StartedAt nor Created")
	}

	var kube kubeIdentity
	config.Get("Labels").ForEach(func(key, value gjson.Result) bool {
		kube.label(key.Str, value.Str)
		return true
	})
	name = strings.TrimPrefix(name, "/")
	kube.fromName(name)

	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerDocker
	ev.Container.ID = containerID(id)
	if ev.Container.ID == "" {
		return parse.Errorf(parse.ReasonBadValue, "docker inspect Id %q is not a hex container id", id)
	}
	ev.Container.Runtime = "docker"
	ev.Container.Name = name
	if kube.container != "" {
		ev.Container.Name = kube.container
	}
	ev.Container.Image = config.Get("Image").Str
	ev.Container.StartTime = started
	ev.Pod = kube.pod()
	if pid, ok := parse.Int64(state.Get("Pid")); ok && pid > 0 {
		ev.Process.PID = pid
	}

	spec := &schemas.PodSpec{
		HostPID:     host.Get("PidMode").Str == "host",
		HostIPC:     host.Get("IpcMode").Str == "host",
		HostNetwork: host.Get("NetworkMode").Str == "host",
	}
	ev.Container.Privileged = parse.True(host.Get("Privileged"))
	if kube.sandbox {
		// dockershim puts hostNetwork and hostIPC on the pause container only
		// (app containers join it with "container:<id>"), so a sandbox
		// with host namespaces is the pod's risky start; any other sandbox
		// is noise.
		if !spec.HostPID && !spec.HostIPC && !spec.HostNetwork {
			ev.Kind = schemas.KindLifecycle
			return nil
		}
		ev.Kind = schemas.KindContainerStart
		ev.Spec = spec
		return nil
	}

	ctr := schemas.ContainerSpec{
		Name:       ev.Container.Name,
		Image:      ev.Container.Image,
		Type:       "container",
		Privileged: ev.Container.Privileged,
		WorkingDir: config.Get("WorkingDir").Str,
	}
	host.Get("CapAdd").ForEach(func(_, value gjson.Result) bool {
		if value.Str != "" {
			ctr.CapAdd = append(ctr.CapAdd, schemas.NormalizeCap(value.Str))
		}
		return true
	})
	host.Get("Binds").ForEach(func(_, value gjson.Result) bool {
		if m, ok := parseBind(value.Str); ok {
			ctr.Mounts = addMount(ctr.Mounts, m)
		}
		return true
	})
	mountList.ForEach(func(_, value gjson.Result) bool {
		if m, ok := bindMount(value); ok {
			ctr.Mounts = addMount(ctr.Mounts, m)
		}
		return true
	})
	spec.Containers = []schemas.ContainerSpec{ctr}
	ev.Kind = schemas.KindContainerStart
	ev.Spec = spec
	ev.Statuses = kube.statuses(ev.Container.ID)
	return nil
}

// inspectTime parses an inspect timestamp; Docker's zero time and "" give the
// zero time.
func inspectTime(s string) (time.Time, error) {
	if s == "" || s == zeroTime {
		return time.Time{}, nil
	}
	return parse.RFC3339(s)
}

// parseBind reads a HostConfig.Binds entry "src:dst[:opts]". Named volumes
// (a source without a leading "/") are not host paths.
func parseBind(bind string) (schemas.HostMount, bool) {
	src, rest, ok := strings.Cut(bind, ":")
	if !ok || !strings.HasPrefix(src, "/") {
		return schemas.HostMount{}, false
	}
	dst, opts, _ := strings.Cut(rest, ":")
	if dst == "" {
		return schemas.HostMount{}, false
	}
	return schemas.HostMount{Source: src, Target: dst, ReadOnly: hasOption(opts, "ro")}, true
}

// bindMount reads a Mounts[] entry of type "bind". API versions before 1.25
// have no Type; there a bind is an entry without a volume Name.
func bindMount(m gjson.Result) (schemas.HostMount, bool) {
	var typ, name, src, dst string
	var rw gjson.Result
	m.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "Type":
			typ = value.Str
		case "Name":
			name = value.Str
		case "Source":
			src = value.Str
		case "Destination":
			dst = value.Str
		case "RW":
			rw = value
		}
		return true
	})
	isBind := typ == "bind" || (typ == "" && name == "")
	if !isBind || !strings.HasPrefix(src, "/") || dst == "" {
		return schemas.HostMount{}, false
	}
	return schemas.HostMount{Source: src, Target: dst, ReadOnly: rw.Exists() && !parse.True(rw)}, true
}

func addMount(mounts []schemas.HostMount, m schemas.HostMount) []schemas.HostMount {
	for _, have := range mounts {
		if have.Source == m.Source && have.Target == m.Target {
			return mounts
		}
	}
	return append(mounts, m)
}

func hasOption(opts, want string) bool {
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == want {
			return true
		}
	}
	return false
}
