package docker

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// zeroTime is how Docker writes an unset time (State.StartedAt of a
// container that never ran).
const zeroTime = "0001-01-01T00:00:00Z"

// DecodeInspect fills ev from the `docker inspect` container object at
// node n of t (GET /containers/{id}/json): a container start carrying the
// container's privilege context as a Spec.
func DecodeInspect(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	var (
		id, name, created              string
		config, host, state, mountList = parse.Missing, parse.Missing, parse.Missing, parse.Missing
	)
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "Id":
			id = str(t, c)
		case "Name":
			name = str(t, c)
		case "Created":
			created = str(t, c)
		case "Config":
			config = c
		case "HostConfig":
			host = c
		case "State":
			state = c
		case "Mounts":
			mountList = c
		}
	}
	if id == "" {
		return parse.Errorf(parse.ReasonMissingField, "docker inspect object has no Id")
	}
	started, err := inspectTime(str(t, t.Get(state, "StartedAt")))
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

	labels, image, workingDir := parse.Missing, parse.Missing, parse.Missing
	if t.Kind(config) == parse.KindObject {
		for c := t.First(config); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "Labels":
				keepFirst(&labels, c)
			case "Image":
				keepFirst(&image, c)
			case "WorkingDir":
				keepFirst(&workingDir, c)
			}
		}
	}
	var kube kubeIdentity
	if t.Kind(labels) == parse.KindObject {
		for c := t.First(labels); c.Exists(); c = t.Next(c) {
			kube.label(t.Key(c), str(t, c))
		}
	}
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
	ev.Container.Image = str(t, image)
	ev.Container.StartTime = started
	ev.Pod = kube.pod()
	if pid, ok := intOf(t, t.Get(state, "Pid")); ok && pid > 0 {
		ev.Process.PID = pid
	}

	pidMode, ipcMode, netMode, privileged, capAdd, binds := parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing
	if t.Kind(host) == parse.KindObject {
		for c := t.First(host); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "PidMode":
				keepFirst(&pidMode, c)
			case "IpcMode":
				keepFirst(&ipcMode, c)
			case "NetworkMode":
				keepFirst(&netMode, c)
			case "Privileged":
				keepFirst(&privileged, c)
			case "CapAdd":
				keepFirst(&capAdd, c)
			case "Binds":
				keepFirst(&binds, c)
			}
		}
	}
	spec := &schemas.PodSpec{
		HostPID:     str(t, pidMode) == "host",
		HostIPC:     str(t, ipcMode) == "host",
		HostNetwork: str(t, netMode) == "host",
	}
	ev.Container.Privileged = t.Bool(privileged)
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
		WorkingDir: str(t, workingDir),
	}
	for c := range values(t, capAdd) {
		if v := str(t, c); v != "" {
			ctr.CapAdd = append(ctr.CapAdd, schemas.NormalizeCap(v))
		}
	}
	for c := range values(t, binds) {
		if m, ok := parseBind(str(t, c)); ok {
			ctr.Mounts = addMount(ctr.Mounts, m)
		}
	}
	for c := range values(t, mountList) {
		if m, ok := bindMount(t, c); ok {
			ctr.Mounts = addMount(ctr.Mounts, m)
		}
	}
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
// have no Type; there a bind is an entry without a volume Name. Of duplicate
// members the last counts.
func bindMount(t *parse.Tape, m parse.Node) (schemas.HostMount, bool) {
	var typ, name, src, dst string
	rw := parse.Missing
	if t.Kind(m) == parse.KindObject {
		for c := t.First(m); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "Type":
				typ = str(t, c)
			case "Name":
				name = str(t, c)
			case "Source":
				src = str(t, c)
			case "Destination":
				dst = str(t, c)
			case "RW":
				rw = c
			}
		}
	}
	isBind := typ == "bind" || (typ == "" && name == "")
	if !isBind || !strings.HasPrefix(src, "/") || dst == "" {
		return schemas.HostMount{}, false
	}
	return schemas.HostMount{Source: src, Target: dst, ReadOnly: rw.Exists() && !t.Bool(rw)}, true
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
