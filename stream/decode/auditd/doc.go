// Package auditd decodes Linux audit events (source syscall, producer
// auditd): raw audit.log records, which a Grouper assembles into events,
// and Auditbeat JSON documents (DecodeBeat).
//
// # Raw records
//
// A record is one line: [node=<name> ]type=<TYPE> msg=audit(<sec>.<ms>:<serial>): k=v …,
// optionally followed by 0x1D and the translated fields of
// log_format = ENRICHED (ignored: the raw fields say the same). Values are
// "quoted", bare, or hex-encoded when they hold spaces or control
// characters; user-space records nest their fields in msg='…'.
//
// Records sharing node and stamp form one event. The Grouper emits an
// event on its EOE record; after 32 records of other events without one of
// its own; when 64 events are open (a bound the 32-record rule keeps out of
// reach); and on Flush, in arrival order. Records of types that are not
// part of a syscall event (USER_*, LOGIN, CONFIG_CHANGE, DAEMON_*,
// SERVICE_*, …) are emitted at once unless an event with their stamp is
// open. Grouping counts records only, never the clock, so a replay groups
// the same way. A record without a msg=audit(…) stamp or with a bad one is
// a decode error for that line; the Grouper keeps going.
//
// Field mapping of an emitted event:
//
//   - Time: the stamp; NativeID "<node>:<sec>.<ms>:<serial>" (node may be
//     empty); Node: the node= prefix; Ref: the Ref of the first record;
//     Raw: the event's records, one per line.
//   - Syscall: SYSCALL syscall and arch, named from the x86_64 (c000003e)
//     and aarch64 (c00000b7) tables of go-libaudit; other arches leave it
//     empty.
//   - Kind: execve/execveat → process; other SYSCALL events → syscall; an
//     EXECVE without its SYSCALL → process; anything else → lifecycle.
//   - Process: pid → PID, uid → UID, comm → Name, exe → Exe, tty other than
//     (none) → TTY, CWD cwd → Cwd; Args: EXECVE a1…aN (chunked aN[i] joined,
//     shell-quoted where needed), else the PROCTITLE argv after argv[0].
//     The SYSCALL record wins over the others; user-space records give
//     their own pid, uid, exe and cwd.
//   - Signature: the SYSCALL key (the audit rule key; the first one when
//     several are hex-encoded).
//   - Denied: success=no, or res=failed in user-space records.
//   - NSFlags: the CLONE_NEW* bits of unshare a0 and setns a1.
//   - File: the first PATH item with nametype (objtype on old kernels)
//     CREATE or NORMAL, else the first DELETE; relative names joined to the
//     CWD. File.Write for CREATE and DELETE items, open/openat with
//     O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or O_APPEND in a1/a2, creat and
//     truncate; File.Op names the operation of rename, unlink, rmdir,
//     mkdir, mknod, link, symlink, chmod, chown and truncate syscalls by the
//     family's base name, as Falco and Tetragon do (renameat2 → rename,
//     unlinkat → unlink, fchmodat → chmod, ftruncate → truncate …), while
//     Syscall keeps the raw name. For ptrace, File.Op is the request, a0,
//     by its PTRACE_* name (parse.PtraceRequest: 10 → PTRACE_ATTACH, 4206
//     → PTRACE_SEIZE), as Tracee reports it; a number the table lacks
//     leaves it empty.
//   - Mount (mount syscall): Target = the first PATH name, Source = the next
//     different one (the block device lookup); no FSType in raw audit.
//   - Net: SOCKADDR saddr: AF_UNIX → UnixPath (abstract names as "@name",
//     relative paths joined to the CWD), AF_INET and AF_INET6 → Addr, Port.
//   - Container: always empty; the kernel audit has no container identity.
//
// # Auditbeat
//
// DecodeBeat reads one Auditbeat document (the Beats @metadata beside the
// fields is ignored), and also go-libaudit's coalesced event, which has the
// auditd.* fields at the top level (sequence, result, data, paths,
// user.ids.uid, process.exe/cwd):
//
//   - Time: @timestamp (required); NativeID: host.name + ":" +
//     auditd.sequence, or the sequence alone; Node: host.name, else
//     agent.hostname.
//   - Syscall: auditd.data.syscall (already a name); Kind as for raw
//     events; NSFlags from auditd.data.a0/a1; Denied: auditd.result "fail";
//     Signature: the first of tags (the rule keys).
//   - Process: process.pid, name, executable, working_directory, args
//     (→ ArgvJSON, raw), else title without its first word → Args; UID:
//     user.id; TTY: auditd.data.tty.
//   - File: the CREATE item of auditd.paths, else file.path, else the
//     first NORMAL, else DELETE item; Write and Op as for raw events, the
//     ptrace request from auditd.data.a0 (hex, as in the record).
//   - Mount (mount syscall): from auditd.paths as for raw events (Target =
//     the first name, Source = the next different one, relative names
//     joined to process.working_directory); auditd.data.a0…a3 are
//     pointers and file.path is the second item, so neither is used.
//   - Net: destination.path/ip/port, else auditd.data.socket.*.
//   - Container: container.id (normalized; present when add_process_metadata
//     or add_docker_metadata enrich the event), container.name (a dockershim
//     name k8s_<container>_<pod>_<namespace>_<uid>_<attempt> is split),
//     container.image.name, kubernetes.container.name; Pod:
//     kubernetes.pod.name, kubernetes.namespace, kubernetes.pod.uid.
package auditd
