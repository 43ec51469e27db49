// Package crio decodes CRI-O log lines into events.
//
// CRI-O has no event stream of its own besides the CRI GetContainerEvents
// stream (decoded by the containerd package, which reads `crictl events`
// output); its daemon log says which container started where.
//
// Supported shapes: logrus text lines as CRI-O writes them,
// `time="2006-01-02 15:04:05.000000000Z07:00" level=… msg="…" key=value …`
// (RFC 3339 times accepted too), bare (`crio --log`) or behind a journald /
// syslog prefix "<time> <host> crio[<pid>]: ". A bare line is taken when it
// has CRI-O's time layout, its gRPC method field (name=/runtime.v1…) or a
// CRI-O message; other lines give ReasonUnrecognized. CRI-O's JSON log
// format is not supported.
//
// Field mapping (messages from cri-o/cri-o server/*.go; <desc> is
// "<namespace>/<pod>/<container>"):
//
//   - Time: the time= field. Node: the syslog host.
//   - "Started container" with fields PID, containerID, description,
//     sandboxID → container_start with Pod {namespace, name},
//     Container {ID, Name}, Process.PID (host PID) and Statuses; the older
//     "Started container <id>: <desc>" too.
//   - "Created container <id>: <desc>" → container_start with Statuses.
//   - "Removed container <id>: <desc>" → container_end.
//   - "exec'd [<argv>] in <desc>" (early releases, info) and the debug dumps
//     "Request: &ExecSyncRequest{ContainerId:…,Cmd:[<argv>],…}",
//     "Request: &ExecRequest{…}" → session "exec" with the command;
//     "Request: &AttachRequest{…}" → session "attach".
//   - Sandbox messages ("Running pod sandbox: <desc>", "Ran pod sandbox <id>
//     with infra container: <desc>", <desc> ending in "/POD"), "Stopped
//     container", "Starting container" … and every other CRI-O line →
//     lifecycle, with the pod and container when the message names them.
//
// CRI-O logs no pod UID. Without debug logging, a `kubectl exec` leaves no
// trace in CRI-O's log; kubelet's exec probes come as ExecSync requests, so
// with debug logging on each probe is a session.
package crio
