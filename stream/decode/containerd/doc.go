// Package containerd decodes containerd records into events.
//
// Supported shapes:
//
//   - Event envelopes as JSON, {timestamp, namespace, topic, event}
//     (DecodeJSON; the namespace may be missing, see IsTopic): timestamp
//     as RFC 3339, Go time.String or {seconds, nanos}; the event payload with snake_case keys
//     (encoding/json of the generated structs) or lowerCamelCase (protojson).
//   - CRI container events (GetContainerEvents) as `crictl events -o json`
//     prints them (DecodeJSON): containerId, containerEventType, createdAt
//     (ns), podSandboxStatus, containersStatuses.
//   - `ctr events` lines (DecodeText): "<Go time> <namespace> <topic>
//     <event JSON>", and the 2017 form "<Go time> <topic> key=value …".
//   - Log lines of the CRI plugin (DecodeText): logrus text
//     `time="<RFC 3339>" level=… msg="…"`, bare or behind a journald /
//     syslog prefix "<time> <host> containerd[<pid>]: ". A bare line is
//     taken only when its message is a CRI plugin message or it names an
//     io.containerd plugin; any other line gives ReasonUnrecognized after a
//     few bytes, so that the CRI-O decoder can try it.
//
// Field mapping:
//
//   - Container.ID: event container_id (tasks), else id (containers, 2017
//     text); kept as is when it is a name ("registry"). Container.Runtime is
//     "docker" for the moby namespace, else "containerd". Process.PID: pid
//     (host PID of the task or exec).
//   - Topics: /containers/create and /tasks/start → container_start;
//     /containers/update → container_start with Pod, Container.Name and
//     Statuses from the io.kubernetes.* labels (lifecycle for
//     io.cri-containerd.kind=sandbox or without labels); /tasks/exec-added
//     and /tasks/exec-started → session "exec" (no command is known);
//     /containers/delete → container_end; every other topic → lifecycle.
//   - CRI events: CREATED / STARTED → container_start with Pod from
//     podSandboxStatus.metadata, Statuses from containersStatuses, and a
//     Spec: HostPID / HostNetwork / HostIPC when the sandbox namespace
//     option is NODE, and the event's container with its mounts (hostPath →
//     containerPath, readonly). STOPPED → lifecycle, DELETED →
//     container_end. An event about the sandbox itself → lifecycle. The
//     events do not name the runtime: they are attributed to containerd
//     unless they carry io.kubernetes.cri-o.* annotations.
//   - CRI plugin log messages (internal/cri/instrument and the create path):
//     "CreateContainer within sandbox … for &ContainerMetadata{Name:x,…}
//     returns container id" and "StartContainer for … returns
//     successfully" → container_start; "Generated id … for container
//     <ctr>_<pod>_<ns>_<uid>_<attempt>" (debug) → container_start with Pod
//     and Statuses; "RemoveContainer for … returns successfully" →
//     container_end; "Exec for … with command [argv]" and "ExecSync for …
//     with command [argv]" (debug) → session "exec" with the command;
//     "Attach for … with tty" (debug) → session "attach"; RunPodSandbox
//     (with the pod from its metadata) and every other message → lifecycle.
//     Node is the syslog host when there is one.
//
// Kubelet's exec probes also reach containerd as ExecSync: with debug logs
// on, each probe is a session.
package containerd
