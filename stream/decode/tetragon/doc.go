// Package tetragon decodes Cilium Tetragon's JSON export: one
// GetEventsResponse per record, rendered by protojson with proto field names
// (tetragon.log, the export-stdout sidecar, `tetra getevents -o json`).
//
// Envelope: the event type is the first member named process_* (also test
// and rate_limit_info; see EventField) whose value is an object, as the
// dispatcher recognises the export; node_name → Node; cluster_name → Cluster; time → Time.
// Without time (older exports), an exec takes its process start_time and an
// exit its process_exit.time; other events fail with ReasonBadTime. Source
// is syscall, Producer tetragon.
//
// Process (the event's process and parent objects, tetragon.proto Process):
//
//   - binary → Exe and its basename → Name; arguments → Args as exported
//     (one string; some builds include argv[0] of scripts); cwd, pid, uid.
//   - parent.binary basename → ParentName; parent.arguments → ParentArgs.
//   - pod.namespace/name/uid → Pod; pod.container.id ("containerd://…") →
//     Container.ID and Runtime, else the docker field (a prefix of the id
//     read from the cgroup) → ID; container name, image.name, start_time;
//     security_context.privileged → Privileged. Neither pod nor docker →
//     Container.Host.
//   - cap.effective → Caps (names "CAP_X", and "DAC_OVERRIDE" as the proto
//     spells it); CapsKnown whenever cap is present, since protojson drops
//     an empty set. A container process holding every capability is
//     Privileged.
//
// Event types:
//
//   - process_exec → KindProcess. A parent runc/crun running "exec" marks
//     Session.Type "exec" (an inferred exec session; Kind stays
//     KindProcess).
//   - process_kprobe, process_lsm, process_tracepoint → KindSyscall;
//     policy_name → Signature; a negative return value or the Override
//     action → Denied. Syscall is function_name without __x64_sys_,
//     __arm64_sys_, sys_ … prefixes; LSM hooks get the security_ prefix of
//     the kernel function they attach to (file_open →
//     security_file_open); syscalls/sys_enter_X tracepoints give X;
//     raw_syscalls give the name of their syscall_id for x64 and arm64
//     (escape-relevant syscalls only).
//   - everything else (process_exit, process_loader, process_uprobe,
//     process_usdt, process_throttle, test, rate_limit_info …) →
//     KindLifecycle with the process fields: recognised, of no detection
//     value.
//
// Hook arguments (KprobeArgument, read in the policy's order):
//
//   - setns(fd, nstype), unshare(flags) → NSFlags (CLONE_NEW* bits).
//   - sys_mount (dev_name, dir_name, type strings), security_sb_mount and
//     path_mount (dev_name, path, type) → Mount; fsopen → Mount.FSType;
//     fsconfig with key "source" → Mount.Source.
//   - the first file_arg, path_arg or linux_binprm_arg (the last one for
//     rename, link and symlink) → File.Path; syscalls taking a path string
//     (openat, chroot, pivot_root, unlink …) use their string_arg; a
//     module_arg name when there is no path (do_init_module). Paths of 2021
//     builds lack the leading slash; it is added.
//   - File.Write: security_file_permission / security_inode_permission with
//     MAY_WRITE or MAY_APPEND in the mask; open/openat with write flags;
//     write, truncate, rename, link, create and mknod functions. File.Op
//     names rename, link, symlink, unlink, mkdir, truncate and create.
//   - sock_arg, skb_arg, sockaddr_arg → Net.Addr/Port of the destination.
//   - ptrace kprobes (sys_ptrace, __x64_sys_ptrace …): an argument the
//     policy labels "request" (or "req") is named by parse.PtraceRequest →
//     File.Op (PTRACE_ATTACH …), as Tracee reports it. Unlabelled
//     arguments are not read: the export does not say which index they
//     had, and Tetragon's example policy captures only the address, whose
//     value read as the request could name a real attach harmless. Nor are
//     the fields of a sys_enter_ptrace tracepoint. File.Op otherwise stays
//     empty, and ESC-A11 treats the request as unknown.
//
// Exec and exit events of ordinary binaries decode without allocating.
package tetragon
