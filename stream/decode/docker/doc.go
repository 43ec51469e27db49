// Package docker decodes Docker Engine records into events.
//
// Supported shapes:
//
//   - `docker events --format '{{json .}}'` and the GET /events stream
//     (DecodeEvent): Type, Action, Actor.ID, Actor.Attributes, time,
//     timeNano; also the pre-API-1.22 shape with only status, id and from.
//   - `docker inspect` / GET /containers/{id}/json, one container object
//     (DecodeInspect); the dispatcher splits `docker inspect` arrays.
//   - The default text output of `docker events` (DecodeText):
//     "<RFC3339Nano> <type> <action> <actor id> (<key>=<value>, …)".
//
// Field mapping:
//
//   - Time: timeNano, else time (seconds); inspect: State.StartedAt, else
//     Created when the container never started; text: the leading timestamp.
//   - Container.ID: Actor.ID (legacy id; inspect Id), only when it is hex:
//     the abbreviated "0fdb...ff37" ids of the Docker docs give no id.
//     Container.Image: the image attribute (legacy from; inspect
//     Config.Image). Container.Name: the Kubernetes container name when
//     labels give one, else the Docker name.
//   - Pod: the labels io.kubernetes.pod.namespace / .name / .uid, which
//     Docker copies into Actor.Attributes and inspect shows in Config.Labels;
//     failing those, the dockershim name
//     "k8s_<container>_<pod>_<namespace>_<uid>_<attempt>". Container starts
//     of a named pod carry Statuses = [{container name, id}].
//   - Kind for container events: create, start → container_start;
//     exec_create / exec_start → session "exec" with Session.Command = the
//     command Docker appends to the action ("exec_create: sh -c id");
//     attach → session "attach"; destroy → container_end; every other
//     action (die, kill, stop, exec_die, health_status, oom, resize …) →
//     lifecycle. Other event types (image, network, volume, daemon,
//     plugin, service, node, secret, config) → lifecycle.
//   - Pod sandboxes (io.kubernetes.docker.type=podsandbox or a "k8s_POD_"
//     name) → lifecycle, except an inspected sandbox that uses a host
//     namespace: dockershim sets hostNetwork and hostIPC on the sandbox only,
//     so that one is a container_start whose Spec holds the host namespaces
//     and no containers.
//   - Inspect → container_start with Spec: HostPID = PidMode "host",
//     HostIPC = IpcMode "host", HostNetwork = NetworkMode "host", and one
//     container with Privileged, CapAdd (normalized), WorkingDir and the host
//     mounts of HostConfig.Binds ("src:dst[:opts]", read-only with "ro";
//     named volumes skipped) and of Mounts[] entries of Type "bind" (entries
//     without Type and without a volume Name on API < 1.25), without
//     duplicates. Container.Privileged = HostConfig.Privileged,
//     Container.StartTime = State.StartedAt, Process.PID = State.Pid when
//     running.
//
// Text attribute values are not escaped by the Docker CLI; a ", " inside a
// value is kept when no "key=" follows it. A line whose timestamp does not
// parse (the Docker docs show "…999999999Z07:00") gives ReasonBadTime.
package docker
