// Package falco decodes Falco alerts: the JSON output of Falco
// (json_output: true) and the Falcosidekick payload, which adds "uuid".
//
// Envelope: time (RFC 3339; else output_fields evt.time, evt.rawtime or the
// integer evt.time.iso8601 of old builds, in ns) → Time; hostname → Node;
// uuid → NativeID; rule → Signature; source (absent means syscall) picks the
// mapping below. Producer is always falco.
//
// Source syscall (Source syscall), from output_fields:
//
//   - container.full_id, else container.id → Container.ID; "host" →
//     Container.Host; container.name; container.image.repository[:tag], else
//     container.image → Image; container.privileged, or a full effective
//     capability set → Privileged; thread.cap_effective → Caps, CapsKnown.
//   - k8s.ns.name, k8s.pod.name, k8s.pod.uid (legacy k8s.pod.id) → Pod.
//   - proc.name (else the first word of proc.cmdline) → Process.Name;
//     proc.exepath (else an absolute proc.exe) → Exe; proc.cmdline without its
//     first word → Args; proc.pid, proc.cwd, user.uid; proc.pname →
//     ParentName; proc.tty ≠ 0 → TTY.
//   - evt.type → Syscall; execve/execveat are KindProcess, anything else
//     KindSyscall.
//   - fd.name with fd.type/fd.typechar: files → File.Path; IP sockets
//     ("src:port->dst:port") → Net.Addr/Port of the destination; unix
//     sockets, and untyped paths ending in .sock → Net.UnixPath. Without
//     fd.name, fs.path.target or fs.path.name → File.Path.
//   - evt.is_open_write or write flags in evt.arg.flags, or a rename/link
//     syscall → File.Write; rename/unlink/mkdir/link syscalls → File.Op.
//   - setns evt.arg.nstype, unshare evt.arg.flags (CLONE_NEW* names) →
//     NSFlags.
//   - ptrace evt.arg.request (or evt.arg[request]), its PTRACE_* name →
//     File.Op, as Tracee reports it. libsinsp's numbers for requests
//     (evt.rawarg.request) are its own PPM_PTRACE_* codes, not the
//     kernel's, and are not read; without a name File.Op stays empty.
//   - evt.failed, a negative evt.rawres or an errno in evt.res → Denied.
//
// A rule's output carries only the fields its output string names, so a
// table of escape-relevant rules (rules.go) supplies what their conditions
// imply when the fields are missing: the kind and syscall (setns for
// "Change thread namespace", unshare, init_module, ptrace, connect), the
// process (mount, debugfs), Container.Privileged, File.Write for the
// release_agent rule, and Session.Type "exec" for "Terminal shell in
// container" (an interactive exec inferred from a shell with a terminal
// whose parent is the runtime; Kind stays KindProcess). Without evt.type and
// outside that table an alert with a file descriptor is KindSyscall, one
// with only process fields KindProcess.
//
// Source k8s_audit (the k8saudit plugins; Source k8s_audit): ka.user.name →
// Actor.User; ka.response.code ≥ 400 or ka.auth.decision forbid → Denied.
//
//   - "Attach/Exec Pod" (or any pods exec/attach subresource) → KindSession
//     of Type exec or attach, Pod from ka.target.namespace/name, Command
//     from ka.uri.param[command], Container from ka.uri.param[container].
//   - "EphemeralContainers Created" → KindSession of Type ephemeral, with the
//     first ephemeral container's name and image when the output has them.
//   - "Create Privileged Pod", "Create Sensitive Mount Pod", "Create
//     HostNetwork Pod", "Create HostPid Pod", "Create HostIPC Pod" →
//     KindPodSpec, Pod from ka.target.namespace and ka.resp.name; Spec from
//     ka.req.pod.containers.image/.privileged, ka.req.pod.host_*,
//     ka.req.pod.volumes.hostpath or the rendered spec.volumes, lists given
//     as JSON arrays or Falco's "(a,b)". What the rule implies is set even
//     when no field says it: a privileged-pod alert without per-container
//     flags marks its containers (or one unnamed container) privileged.
//   - nodes/proxy requests → KindAPI; other rules → KindLifecycle.
//
// Other sources (aws_cloudtrail, okta, github …) decode as KindLifecycle.
package falco
