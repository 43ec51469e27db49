package auditd

import "github.com/escapewatch/escapewatch/stream/decode/parse"

// Syscall numbers by audit arch, from the tables elastic/go-libaudit
// generates out of the kernel headers (auparse/zaudit_syscalls.go, keys
// "x86_64" and "aarch64"). Numbers 424 and up are shared by all
// architectures since Linux 5.1. aarch64 has no open, creat, rename,
// unlink, mkdir, mknod or chmod: only their *at forms.

// Audit arch values (AUDIT_ARCH_* in include/uapi/linux/audit.h) as the
// SYSCALL record prints them.
const (
	archX8664   = "c000003e"
	archAArch64 = "c00000b7"
)

// x8664Syscalls maps x86_64 numbers 0–334 to names.
var x8664Syscalls = [...]string{
	/*   0 */ "read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap",
	/*  10 */ "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread", "pwrite", "readv",
	/*  20 */ "writev", "access", "pipe", "select", "sched_yield", "mremap", "msync", "mincore", "madvise", "shmget",
	/*  30 */ "shmat", "shmctl", "dup", "dup2", "pause", "nanosleep", "getitimer", "alarm", "setitimer", "getpid",
	/*  40 */ "sendfile", "socket", "connect", "accept", "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind",
	/*  50 */ "listen", "getsockname", "getpeername", "socketpair", "setsockopt", "getsockopt", "clone", "fork", "vfork", "execve",
	/*  60 */ "exit", "wait4", "kill", "uname", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd",
	/*  70 */ "msgrcv", "msgctl", "fcntl", "flock", "fsync", "fdatasync", "truncate", "ftruncate", "getdents", "getcwd",
	/*  80 */ "chdir", "fchdir", "rename", "mkdir", "rmdir", "creat", "link", "unlink", "symlink", "readlink",
	/*  90 */ "chmod", "fchmod", "chown", "fchown", "lchown", "umask", "gettimeofday", "getrlimit", "getrusage", "sysinfo",
	/* 100 */ "times", "ptrace", "getuid", "syslog", "getgid", "setuid", "setgid", "geteuid", "getegid", "setpgid",
	/* 110 */ "getppid", "getpgrp", "setsid", "setreuid", "setregid", "getgroups", "setgroups", "setresuid", "getresuid", "setresgid",
	/* 120 */ "getresgid", "getpgid", "setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo",
	/* 130 */ "rt_sigsuspend", "sigaltstack", "utime", "mknod", "uselib", "personality", "ustat", "statfs", "fstatfs", "sysfs",
	/* 140 */ "getpriority", "setpriority", "sched_setparam", "sched_getparam", "sched_setscheduler", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "mlock",
	/* 150 */ "munlock", "mlockall", "munlockall", "vhangup", "modify_ldt", "pivot_root", "_sysctl", "prctl", "arch_prctl", "adjtimex",
	/* 160 */ "setrlimit", "chroot", "sync", "acct", "settimeofday", "mount", "umount2", "swapon", "swapoff", "reboot",
	/* 170 */ "sethostname", "setdomainname", "iopl", "ioperm", "create_module", "init_module", "delete_module", "get_kernel_syms", "query_module", "quotactl",
	/* 180 */ "nfsservctl", "getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security", "gettid", "readahead", "setxattr", "lsetxattr",
	/* 190 */ "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
	/* 200 */ "tkill", "time", "futex", "sched_setaffinity", "sched_getaffinity", "set_thread_area", "io_setup", "io_destroy", "io_getevents", "io_submit",
	/* 210 */ "io_cancel", "get_thread_area", "lookup_dcookie", "epoll_create", "epoll_ctl_old", "epoll_wait_old", "remap_file_pages", "getdents64", "set_tid_address", "restart_syscall",
	/* 220 */ "semtimedop", "fadvise64", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "clock_settime", "clock_gettime", "clock_getres",
	/* 230 */ "clock_nanosleep", "exit_group", "epoll_wait", "epoll_ctl", "tgkill", "utimes", "vserver", "mbind", "set_mempolicy", "get_mempolicy",
	/* 240 */ "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid", "add_key", "request_key",
	/* 250 */ "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch", "inotify_rm_watch", "migrate_pages", "openat", "mkdirat", "mknodat",
	/* 260 */ "fchownat", "futimesat", "newfstatat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat", "faccessat",
	/* 270 */ "pselect6", "ppoll", "unshare", "set_robust_list", "get_robust_list", "splice", "tee", "sync_file_range", "vmsplice", "move_pages",
	/* 280 */ "utimensat", "epoll_pwait", "signalfd", "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime", "accept4", "signalfd4",
	/* 290 */ "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv", "pwritev", "rt_tgsigqueueinfo", "perf_event_open", "recvmmsg",
	/* 300 */ "fanotify_init", "fanotify_mark", "prlimit64", "name_to_handle_at", "open_by_handle_at", "clock_adjtime", "syncfs", "sendmmsg", "setns", "getcpu",
	/* 310 */ "process_vm_readv", "process_vm_writev", "kcmp", "finit_module", "sched_setattr", "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create",
	/* 320 */ "kexec_file_load", "bpf", "execveat", "userfaultfd", "membarrier", "mlock2", "copy_file_range", "preadv2", "pwritev2", "pkey_mprotect",
	/* 330 */ "pkey_alloc", "pkey_free", "statx", "io_pgetevents", "rseq",
}

// aarch64Syscalls maps aarch64 numbers 0–294 to names; 244–259 are unused.
var aarch64Syscalls = [...]string{
	/*   0 */ "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr",
	/*  10 */ "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "getcwd", "lookup_dcookie", "eventfd2",
	/*  20 */ "epoll_create1", "epoll_ctl", "epoll_pwait", "dup", "dup3", "fcntl", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "ioctl",
	/*  30 */ "ioprio_set", "ioprio_get", "flock", "mknodat", "mkdirat", "unlinkat", "symlinkat", "linkat", "renameat", "umount2",
	/*  40 */ "mount", "pivot_root", "nfsservctl", "statfs", "fstatfs", "truncate", "ftruncate", "fallocate", "faccessat", "chdir",
	/*  50 */ "fchdir", "chroot", "fchmod", "fchmodat", "fchownat", "fchown", "openat", "close", "vhangup", "pipe2",
	/*  60 */ "quotactl", "getdents", "lseek", "read", "write", "readv", "writev", "pread", "pwrite", "preadv",
	/*  70 */ "pwritev", "sendfile", "pselect6", "ppoll", "signalfd4", "vmsplice", "splice", "tee", "readlinkat", "newfstatat",
	/*  80 */ "newfstat", "sync", "fsync", "fdatasync", "sync_file_range", "timerfd_create", "timerfd_settime", "timerfd_gettime", "utimensat", "acct",
	/*  90 */ "capget", "capset", "personality", "exit", "exit_group", "waitid", "set_tid_address", "unshare", "futex", "set_robust_list",
	/* 100 */ "get_robust_list", "nanosleep", "getitimer", "setitimer", "kexec_load", "init_module", "delete_module", "timer_create", "timer_gettime", "timer_getoverrun",
	/* 110 */ "timer_settime", "timer_delete", "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep", "syslog", "ptrace", "sched_setparam", "sched_setscheduler",
	/* 120 */ "sched_getscheduler", "sched_getparam", "sched_setaffinity", "sched_getaffinity", "sched_yield", "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "restart_syscall", "kill",
	/* 130 */ "tkill", "tgkill", "sigaltstack", "rt_sigsuspend", "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigreturn",
	/* 140 */ "setpriority", "getpriority", "reboot", "setregid", "setgid", "setreuid", "setuid", "setresuid", "getresuid", "setresgid",
	/* 150 */ "getresgid", "setfsuid", "setfsgid", "times", "setpgid", "getpgid", "getsid", "setsid", "getgroups", "setgroups",
	/* 160 */ "uname", "sethostname", "setdomainname", "getrlimit", "setrlimit", "getrusage", "umask", "prctl", "getcpu", "gettimeofday",
	/* 170 */ "settimeofday", "adjtimex", "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "gettid", "sysinfo",
	/* 180 */ "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "msgget", "msgctl", "msgrcv", "msgsnd",
	/* 190 */ "semget", "semctl", "semtimedop", "semop", "shmget", "shmctl", "shmat", "shmdt", "socket", "socketpair",
	/* 200 */ "bind", "listen", "accept", "connect", "getsockname", "getpeername", "sendto", "recvfrom", "setsockopt", "getsockopt",
	/* 210 */ "shutdown", "sendmsg", "recvmsg", "readahead", "brk", "munmap", "mremap", "add_key", "request_key", "keyctl",
	/* 220 */ "clone", "execve", "mmap", "fadvise64", "swapon", "swapoff", "mprotect", "msync", "mlock", "munlock",
	/* 230 */ "mlockall", "munlockall", "mincore", "madvise", "remap_file_pages", "mbind", "get_mempolicy", "set_mempolicy", "migrate_pages", "move_pages",
	/* 240 */ "rt_tgsigqueueinfo", "perf_event_open", "accept4", "recvmmsg", "", "", "", "", "", "",
	/* 250 */ "", "", "", "", "", "", "", "", "", "",
	/* 260 */ "wait4", "prlimit64", "fanotify_init", "fanotify_mark", "name_to_handle_at", "open_by_handle_at", "clock_adjtime", "syncfs", "setns", "sendmmsg",
	/* 270 */ "process_vm_readv", "process_vm_writev", "kcmp", "finit_module", "sched_setattr", "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create",
	/* 280 */ "bpf", "execveat", "userfaultfd", "membarrier", "mlock2", "copy_file_range", "preadv2", "pwritev2", "pkey_mprotect", "pkey_alloc",
	/* 290 */ "pkey_free", "statx", "io_pgetevents", "rseq", "kexec_file_load",
}

// sharedSyscalls maps the numbers from 424 on, the same on every arch.
var sharedSyscalls = [...]string{
	/* 424 */ "pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
	/* 434 */ "pidfd_open", "clone3", "close_range", "openat2", "pidfd_getfd", "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
	/* 444 */ "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret", "process_mrelease", "futex_waitv",
}

const firstSharedSyscall = 424

// syscallName names syscall number nr (decimal text) of an audit arch; it
// returns "" for unknown arches and numbers.
func syscallName(arch, nr string) string {
	v, ok := decimal(nr)
	if !ok || v < 0 {
		return ""
	}
	n := int(v)
	var table []string
	switch arch {
	case archX8664:
		table = x8664Syscalls[:]
	case archAArch64:
		table = aarch64Syscalls[:]
	default:
		return ""
	}
	if n < len(table) {
		return table[n]
	}
	if n -= firstSharedSyscall; n >= 0 && n < len(sharedSyscalls) {
		return sharedSyscalls[n]
	}
	return ""
}

// CLONE_NEW* flags (include/uapi/linux/sched.h).
const (
	cloneNewTime   = 0x00000080
	cloneNewNS     = 0x00020000
	cloneNewCgroup = 0x02000000
	cloneNewUTS    = 0x04000000
	cloneNewIPC    = 0x08000000
	cloneNewUser   = 0x10000000
	cloneNewPID    = 0x20000000
	cloneNewNet    = 0x40000000

	cloneNewMask = cloneNewTime | cloneNewNS | cloneNewCgroup | cloneNewUTS |
		cloneNewIPC | cloneNewUser | cloneNewPID | cloneNewNet
)

// nsFlags returns the CLONE_NEW* flags of unshare(flags) (a0) and
// setns(fd, nstype) (a1), given as hex syscall arguments.
func nsFlags(syscall, a0, a1 string) uint64 {
	var arg string
	switch syscall {
	case "unshare":
		arg = a0
	case "setns":
		arg = a1
	default:
		return 0
	}
	n, _ := hexNumber(arg)
	return n & cloneNewMask
}

// ptraceRequest names the request of ptrace(request, pid, addr, data), a0
// in hex, by its PTRACE_* name, which goes to File.Op as Tracee, Falco and
// Tetragon report it. A number parse.PtraceRequest does not know, or an a0
// that is no hex number, gives "": the request counts as unknown.
func ptraceRequest(a0 string) string {
	n, ok := hexNumber(a0)
	if !ok {
		return ""
	}
	return parse.PtraceRequest(n)
}

// Open flags that make an open a write (include/uapi/asm-generic/fcntl.h,
// the same on x86_64 and aarch64).
const (
	oWronly = 0x1
	oRdwr   = 0x2
	oCreat  = 0x40
	oTrunc  = 0x200
	oAppend = 0x400

	oWriteMask = oWronly | oRdwr | oCreat | oTrunc | oAppend
)

// fileOp says whether a syscall writes the file it names, judging opens by
// their flags (hex a1 of open, a2 of openat), and names the operation of
// syscalls that change a file without writing its content. The operation
// is the base name of the syscall family (renameat2 and renameat are
// "rename", unlinkat is "unlink", fchmodat is "chmod" …), the names Falco
// and Tetragon give, so that evidence reads the same whichever producer
// saw it; Event.Syscall keeps the raw name.
func fileOp(syscall, a1, a2 string) (write bool, op string) {
	switch syscall {
	case "open":
		flags, _ := hexNumber(a1)
		return flags&oWriteMask != 0, ""
	case "openat":
		flags, _ := hexNumber(a2)
		return flags&oWriteMask != 0, ""
	case "creat":
		return true, ""
	case "truncate", "ftruncate":
		return true, "truncate"
	case "rename", "renameat", "renameat2":
		return false, "rename"
	case "unlink", "unlinkat":
		return false, "unlink"
	case "rmdir":
		return false, "rmdir"
	case "mkdir", "mkdirat":
		return false, "mkdir"
	case "mknod", "mknodat":
		return false, "mknod"
	case "link", "linkat":
		return false, "link"
	case "symlink", "symlinkat":
		return false, "symlink"
	case "chmod", "fchmod", "fchmodat", "fchmodat2":
		return false, "chmod"
	case "chown", "fchown", "lchown", "fchownat":
		return false, "chown"
	}
	return false, ""
}
