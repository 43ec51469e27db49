package tetragon

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

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

// Access mask bits of security_file_permission (include/linux/fs.h).
const (
	mayWrite  = 0x2
	mayAppend = 0x8
)

// Open flags (include/uapi/asm-generic/fcntl.h).
const (
	oWronly = 0x1
	oRdwr   = 0x2
	oCreat  = 0x40
	oTrunc  = 0x200
	oAppend = 0x400

	openWriteMask = oWronly | oRdwr | oCreat | oTrunc | oAppend
)

// maxArgs bounds the arguments read from one hook; policies capture at most
// a handful.
const maxArgs = 8

type argKind uint8

const (
	argOther     argKind = iota
	argString            // string_arg
	argNumber            // int_arg, uint_arg, long_arg, size_arg
	argPath              // file_arg, path_arg, linux_binprm_arg
	argSocket            // sock_arg, skb_arg, sockaddr_arg
	argModule            // module_arg
	argSyscallID         // syscall_id of raw_syscalls tracepoints
)

// argument is one KprobeArgument (tetragon.proto), reduced to what the
// event needs.
type argument struct {
	kind  argKind
	str   string // string, path, destination address, module name, syscall ABI
	num   int64  // number, destination port, syscall number
	label string // the policy's label for the argument, when it gave one
}

// decodeHook fills the syscall, arguments and outcome of a kprobe, LSM or
// tracepoint event.
func decodeHook(t *parse.Tape, eventType string, e *event, ev *schemas.Event) {
	ev.Signature = e.policy
	var buf [maxArgs]argument
	args := readArgs(t, e.args, &buf)

	switch eventType {
	case "process_tracepoint":
		ev.Syscall = tracepointName(e.subsys, e.name, args)
	case "process_lsm":
		// BPF LSM programs are named after the hook without its security_
		// prefix ("file_open"); kprobes on the same hook see
		// "security_file_open". Use one name for both.
		ev.Syscall = lower(e.function)
		if ev.Syscall != "" && !strings.HasPrefix(ev.Syscall, "security_") {
			ev.Syscall = "security_" + ev.Syscall
		}
	default:
		ev.Syscall = syscallName(e.function)
	}

	applyArgs(ev.Syscall, args, ev)
	if eventType == "process_kprobe" && ev.Syscall == "ptrace" {
		ev.File.Op = ptraceRequest(args)
	}

	if n, ok := returnValue(t, e.ret); ok && n < 0 {
		ev.Denied = true
	}
	if e.action == "KPROBE_ACTION_OVERRIDE" {
		// Override makes the hooked call return the policy's error.
		ev.Denied = true
	}
}

// readArgs reads up to maxArgs arguments into buf. As gjson's ForEach did,
// the members of an object count as arguments too, and a lone value as one
// argument (of no kind).
func readArgs(t *parse.Tape, list parse.Node, buf *[maxArgs]argument) []argument {
	switch t.Kind(list) {
	case parse.KindArray, parse.KindObject:
	default:
		if !list.Exists() {
			return buf[:0]
		}
		buf[0] = argument{}
		return buf[:1]
	}
	n := 0
	for item := t.First(list); item.Exists() && n < len(buf); item = t.Next(item) {
		a := &buf[n]
		n++
		for m := t.First(item); m.Exists(); m = t.Next(m) {
			switch t.Key(m) {
			case "label": // sits beside the oneof field
				a.label = str(t, m)
			case "string_arg":
				a.kind, a.str = argString, str(t, m)
			case "int_arg", "uint_arg", "long_arg", "size_arg":
				a.kind = argNumber
				a.num, _ = int64Of(t, m)
			case "file_arg", "path_arg", "linux_binprm_arg":
				a.kind, a.str = argPath, str(t, t.Get(m, "path"))
			case "sock_arg", "skb_arg":
				a.kind, a.str = argSocket, str(t, t.Get(m, "daddr"))
				a.num, _ = int64Of(t, t.Get(m, "dport"))
			case "sockaddr_arg":
				// Tetragon fills it from sin_addr/sin_port only: IP families.
				a.kind, a.str = argSocket, str(t, t.Get(m, "addr"))
				a.num, _ = int64Of(t, t.Get(m, "port"))
			case "module_arg":
				a.kind, a.str = argModule, str(t, t.Get(m, "name"))
			case "syscall_id":
				a.kind, a.str = argSyscallID, str(t, t.Get(m, "abi"))
				a.num, _ = int64Of(t, t.Get(m, "id"))
			}
		}
	}
	return buf[:n]
}

// applyArgs interprets the arguments by the hooked function. Arguments come
// in the order the policy lists them, which follows the function's
// signature in every published policy.
func applyArgs(sys string, args []argument, ev *schemas.Event) {
	switch {
	case sys == "setns":
		// setns(int fd, int nstype); a policy may capture nstype alone.
		if len(args) >= 2 && args[1].kind == argNumber {
			ev.NSFlags = uint64(args[1].num) & cloneNewMask
		} else if len(args) == 1 && args[0].kind == argNumber {
			ev.NSFlags = uint64(args[0].num) & cloneNewMask
		}
		return
	case sys == "unshare":
		if a, ok := nthOf(args, argNumber, 0); ok {
			ev.NSFlags = uint64(a.num) & cloneNewMask
		}
		return
	case isMount(sys):
		applyMount(args, ev)
		return
	case sys == "fsopen":
		// fsopen(const char *fs_name, unsigned int flags)
		if a, ok := nthOf(args, argString, 0); ok {
			ev.Mount.FSType = a.str
		}
		return
	case sys == "fsconfig":
		// fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
		key, _ := nthOf(args, argString, 0)
		val, _ := nthOf(args, argString, 1)
		if key.str == "source" {
			ev.Mount.Source = val.str
		}
		return
	}

	op, write, last := fileOp(sys)
	ev.File.Op = op
	path, pathAt := pathArg(args, argPath, last)
	if path == "" && takesPathString(sys) {
		path, pathAt = pathArg(args, argString, last)
	}
	if path == "" {
		if a, ok := nthOf(args, argModule, 0); ok {
			path = a.str
		}
	}
	ev.File.Path = path

	if a, ok := nthOf(args, argSocket, 0); ok {
		ev.Net.Addr, ev.Net.Port = a.str, int(a.num)
	}

	if path == "" {
		return
	}
	switch sys {
	case "security_file_permission", "security_inode_permission":
		// (struct file *file, int mask): the access mask follows the file.
		if a, ok := numberAfter(args, pathAt); ok {
			write = write || a.num&(mayWrite|mayAppend) != 0
		}
	case "open", "openat":
		// open(filename, flags), openat(dfd, filename, flags): the flags
		// follow the file name.
		if a, ok := numberAfter(args, pathAt); ok {
			write = write || a.num&openWriteMask != 0
		}
	}
	ev.File.Write = write
}

// ptraceRequest names the request of a ptrace kprobe (sys_ptrace,
// __x64_sys_ptrace …: long ptrace(long request, long pid, unsigned long
// addr, unsigned long data)) by its PTRACE_* name, as Tracee reports it,
// when the policy labelled the argument "request" (or "req"). The export
// does not say which index an unlabelled argument had, and Tetragon's own
// example policy captures only the address: reading its value as the
// request could name a real attach PTRACE_TRACEME and silence ESC-A11.
// Without a labelled request the request counts as unknown ("").
func ptraceRequest(args []argument) string {
	for _, a := range args {
		if a.kind == argNumber && a.num >= 0 && (strings.EqualFold(a.label, "request") || strings.EqualFold(a.label, "req")) {
			return parse.PtraceRequest(uint64(a.num))
		}
	}
	return ""
}

// applyMount reads the mount family: sys_mount(dev_name, dir_name, type,
// flags, data) gives three strings; security_sb_mount and path_mount give
// (dev_name, struct path *path, type, flags, data).
func applyMount(args []argument, ev *schemas.Event) {
	slot := 0
	for _, a := range args {
		switch {
		case a.kind == argPath:
			ev.Mount.Target = a.str
			slot = 2
		case a.kind != argString:
			continue
		case slot == 0:
			ev.Mount.Source = a.str
			slot = 1
		case slot == 1:
			ev.Mount.Target = a.str
			slot = 2
		case slot == 2:
			ev.Mount.FSType = a.str
			slot = 3
		}
	}
}

func isMount(sys string) bool {
	switch sys {
	case "mount", "do_mount", "path_mount", "security_sb_mount":
		return true
	}
	return false
}

// fileOp names the file operation of a function, whether it writes the
// file, and whether the file written is its last path argument (rename and
// link targets).
func fileOp(sys string) (op string, write, last bool) {
	switch sys {
	case "write", "pwrite64", "writev", "pwritev", "pwritev2",
		"vfs_write", "vfs_writev", "kernel_write", "__kernel_write":
		return "", true, false
	case "creat", "vfs_create", "security_inode_create", "security_path_mknod",
		"mknod", "mknodat":
		return "create", true, false
	case "truncate", "ftruncate", "do_truncate", "vfs_truncate",
		"security_path_truncate", "security_file_truncate":
		return "truncate", true, false
	case "rename", "renameat", "renameat2", "vfs_rename",
		"security_path_rename", "security_inode_rename":
		return "rename", true, true
	case "symlink", "symlinkat", "security_path_symlink", "security_inode_symlink":
		return "symlink", true, true
	case "link", "linkat", "security_path_link", "security_inode_link":
		return "link", true, true
	case "unlink", "unlinkat", "vfs_unlink", "security_path_unlink", "security_inode_unlink":
		return "unlink", false, false
	case "mkdir", "mkdirat", "vfs_mkdir", "security_path_mkdir", "security_inode_mkdir":
		return "mkdir", false, false
	}
	return "", false, false
}

// takesPathString reports whether a syscall receives its path as a plain
// string (policies capture it as string_arg).
func takesPathString(sys string) bool {
	switch sys {
	case "open", "openat", "openat2", "creat", "truncate",
		"rename", "renameat", "renameat2", "symlink", "symlinkat", "link", "linkat",
		"unlink", "unlinkat", "mkdir", "mkdirat", "mknod", "mknodat",
		"chroot", "pivot_root", "chdir", "execve", "execveat", "chmod", "fchmodat",
		"chown", "fchownat", "lchown":
		return true
	}
	return false
}

// pathArg returns the first (or last) argument of a kind and its position.
func pathArg(args []argument, kind argKind, last bool) (string, int) {
	path, at := "", -1
	for i, a := range args {
		if a.kind != kind || a.str == "" {
			continue
		}
		path, at = a.str, i
		if !last {
			break
		}
	}
	if kind == argPath && path != "" && path[0] != '/' {
		// Builds of 2021 rendered d_path results without the leading slash
		// ("etc/passwd").
		path = "/" + path
	}
	return path, at
}

// nthOf returns the n-th argument (from 0) of a kind.
func nthOf(args []argument, kind argKind, n int) (argument, bool) {
	for _, a := range args {
		if a.kind != kind {
			continue
		}
		if n == 0 {
			return a, true
		}
		n--
	}
	return argument{}, false
}

// numberAfter returns the first number that follows position at.
func numberAfter(args []argument, at int) (argument, bool) {
	if at < 0 {
		return argument{}, false
	}
	return nthOf(args[at+1:], argNumber, 0)
}

// returnValue reads the return KprobeArgument: its first numeric member.
func returnValue(t *parse.Tape, ret parse.Node) (int64, bool) {
	for m := t.First(ret); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "int_arg", "long_arg", "uint_arg", "size_arg":
			return int64Of(t, m)
		}
	}
	return 0, false
}
