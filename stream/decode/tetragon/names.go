package tetragon

import "strings"

// syscallName turns a hooked kernel function into the Event's syscall name:
// "__x64_sys_setns" and "sys_setns" give "setns"; other kernel functions
// ("security_file_permission", "do_init_module", "tcp_connect") keep their
// name.
func syscallName(fn string) string {
	fn = lower(fn)
	for _, prefix := range [...]string{"__x64_sys_", "__arm64_sys_", "__ia32_sys_", "__ia32_compat_sys_", "__se_sys_", "__do_sys_", "do_sys_", "ksys_", "sys_"} {
		if strings.HasPrefix(fn, prefix) {
			return fn[len(prefix):]
		}
	}
	return fn
}

// tracepointName names a tracepoint event: syscalls/sys_enter_setns gives
// "setns", raw_syscalls/sys_enter the syscall its id names (when the ABI is
// one we know), anything else the event name.
func tracepointName(subsys, event string, args []argument) string {
	event = lower(event)
	switch subsys {
	case "syscalls":
		for _, prefix := range [...]string{"sys_enter_", "sys_exit_"} {
			if strings.HasPrefix(event, prefix) {
				return event[len(prefix):]
			}
		}
	case "raw_syscalls":
		for _, a := range args {
			if a.kind == argSyscallID {
				return rawSyscallName(a.str, a.num)
			}
		}
		return ""
	}
	return event
}

// rawSyscallName names the escape-relevant syscalls by number
// (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h
// for arm64); others give "".
func rawSyscallName(abi string, nr int64) string {
	switch abi {
	case "x64", "":
		return x64Syscalls[nr]
	case "arm64":
		return arm64Syscalls[nr]
	}
	return ""
}

var x64Syscalls = map[int64]string{
	2: "open", 42: "connect", 59: "execve", 101: "ptrace", 155: "pivot_root",
	161: "chroot", 165: "mount", 175: "init_module", 248: "add_key",
	249: "request_key", 250: "keyctl", 257: "openat", 272: "unshare",
	308: "setns", 311: "process_vm_writev", 313: "finit_module", 321: "bpf",
	322: "execveat", 428: "open_tree", 429: "move_mount", 430: "fsopen",
	431: "fsconfig", 432: "fsmount", 437: "openat2",
}

var arm64Syscalls = map[int64]string{
	40: "mount", 41: "pivot_root", 51: "chroot", 56: "openat", 97: "unshare",
	105: "init_module", 117: "ptrace", 203: "connect", 217: "add_key",
	218: "request_key", 219: "keyctl", 221: "execve", 268: "setns",
	271: "process_vm_writev", 273: "finit_module", 280: "bpf", 281: "execveat",
	428: "open_tree", 429: "move_mount", 430: "fsopen", 431: "fsconfig",
	432: "fsmount", 437: "openat2",
}

// lower lower-cases s, allocating only when it has upper-case letters.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
