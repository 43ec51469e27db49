// Package tracee decodes Aqua Tracee JSON events (source syscall, producer
// tracee).
//
// Supported shapes, recognised per record by their keys:
//
//   - flat, Tracee ≤ v0.10: containerId, containerName, containerImage,
//     podName, podNamespace, podUID at the top level;
//   - trace.Event, Tracee v0.11–v0.24: container{id,name,image},
//     kubernetes{podName,podNamespace,podUID}, executable.path, args[] of
//     {name,type,value};
//   - v1beta1.Event, Tracee main (api/v1beta1/event_json.go): timestamp as
//     RFC 3339, name, workload{process,container,k8s}, data[] of
//     {name,value}, threat{}, detected_from{}; the protojson variant of the
//     docs ({"value":n} wrappers, {name,str|int32|str_array{value}…},
//     {seconds,nanos} timestamps) is read too.
//
// Field mapping:
//
//   - Time: timestamp (integer ns, or RFC 3339). Integer values below 1e17
//     are boot-relative and rejected with bad_time: Tracee must be run
//     with wall-clock timestamps.
//   - Container.ID: containerId / container.id / workload.container.id,
//     normalized; an empty id sets Container.Host. Container.Name, Image.
//   - Pod: podName, podNamespace, podUID (or kubernetes.*, or
//     workload.k8s.pod.name, pod.uid, namespace.name).
//   - Node: never set. hostName is the UTS hostname of the traced process
//     (inside a container, the pod's hostname), not the node.
//   - Process: processName / workload.process.thread.name → Name,
//     executable.path → Exe, hostProcessId / host_pid → PID, userId /
//     real_user.id → UID, the first ancestor's executable basename →
//     ParentName (layout 3).
//   - Syscall: the event name (setns, unshare, mount, ptrace, init_module,
//     security_file_open, security_sb_mount, security_socket_connect,
//     switch_task_ns, sched_process_exec, execve …); none for net_packet_*
//     and container lifecycle events.
//   - Kind: execve, execveat, sched_process_exec → process (Exe from the
//     pathname argument, ArgvJSON = the raw argv array, Cwd). execve and
//     execveat are traced before the new image runs, so Name becomes the
//     program's basename and ParentName the caller's processName.
//     container_create / existing_container → container_start and
//     container_remove → container_end (container and pod from the
//     arguments); sched_process_exit → lifecycle; everything else → syscall.
//   - Arguments: pathname / syscall_pathname / path → File.Path; open flags
//     (symbolic "O_WRONLY|…" or numeric) → File.Write; new_path of
//     security_inode_rename → File.Path, Write, Op "rename";
//     security_sb_mount dev_name, path, type and mount source, target,
//     filesystemtype → Mount; unshare flags and setns nstype (numeric or
//     "CLONE_NEW…") → NSFlags; remote_addr / addr sockaddr → Net.UnixPath
//     or Net.Addr and Port; net_packet_* dst, dst_port → Net; the ptrace
//     request, by its PTRACE_* name, → File.Op (the schema has no better
//     place).
//   - Denied: returnValue < 0.
//   - Signatures (metadata in layouts 1–2, threat or detected_from in
//     layout 3, or an eventId in 6000–6999): Signature = the detection's
//     event name (cgroup_release_agent, core_pattern_modification,
//     disk_mount, docker_abuse, …). Releases that wrote the human title as
//     eventName ("New executable dropped") are mapped back through
//     metadata.Properties.signatureID. File, Mount, Net and Syscall come
//     from the triggering event: args triggeredBy (layouts 1–2) or
//     detected_from (layout 3).
//   - NativeID: none; Tracee has no per-event id.
package tracee
