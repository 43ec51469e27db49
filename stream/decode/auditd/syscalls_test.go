package auditd

import (
	"strconv"
	"testing"
)

// The syscalls the rules care about, by number, as the kernel's syscall
// tables (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/
// unistd.h for arm64) and formats.md §9a list them.
func TestSyscallNames(t *testing.T) {
	x8664 := map[int]string{
		0: "read", 1: "write", 2: "open", 3: "close", 257: "openat", 437: "openat2", 85: "creat",
		59: "execve", 322: "execveat", 165: "mount", 166: "umount2", 272: "unshare", 308: "setns",
		101: "ptrace", 175: "init_module", 313: "finit_module", 176: "delete_module", 250: "keyctl",
		248: "add_key", 249: "request_key", 321: "bpf", 161: "chroot", 155: "pivot_root", 42: "connect",
		82: "rename", 264: "renameat", 316: "renameat2", 87: "unlink", 263: "unlinkat", 83: "mkdir",
		258: "mkdirat", 133: "mknod", 259: "mknodat", 311: "process_vm_writev", 430: "fsopen",
		431: "fsconfig", 432: "fsmount", 304: "open_by_handle_at", 90: "chmod", 268: "fchmodat",
		76: "truncate", 77: "ftruncate", 170: "sethostname",
	}
	aarch64 := map[int]string{
		63: "read", 64: "write", 57: "close", 56: "openat", 437: "openat2", 221: "execve", 281: "execveat",
		40: "mount", 39: "umount2", 97: "unshare", 268: "setns", 117: "ptrace", 105: "init_module",
		273: "finit_module", 106: "delete_module", 219: "keyctl", 217: "add_key", 218: "request_key",
		280: "bpf", 51: "chroot", 41: "pivot_root", 203: "connect", 38: "renameat", 276: "renameat2",
		35: "unlinkat", 34: "mkdirat", 33: "mknodat", 271: "process_vm_writev", 430: "fsopen",
		431: "fsconfig", 432: "fsmount", 265: "open_by_handle_at", 53: "fchmodat", 45: "truncate",
		46: "ftruncate", 161: "sethostname",
	}
	for arch, table := range map[string]map[int]string{archX8664: x8664, archAArch64: aarch64} {
		for nr, want := range table {
			if got := syscallName(arch, strconv.Itoa(nr)); got != want {
				t.Errorf("arch %s syscall %d: %q, want %q", arch, nr, got, want)
			}
		}
	}
	for _, unknown := range []struct{ arch, nr string }{
		{archX8664, "335"}, {archAArch64, "250"}, {archX8664, "450"}, {archX8664, "-1"},
		{archX8664, "x"}, {"40000003", "11"},
	} {
		if got := syscallName(unknown.arch, unknown.nr); got != "" {
			t.Errorf("arch %s syscall %s: %q, want none", unknown.arch, unknown.nr, got)
		}
	}
}

func TestFileOp(t *testing.T) {
	tests := []struct {
		syscall, a1, a2 string
		write           bool
		op              string
	}{
		{"rename", "", "", false, "rename"},
		{"renameat", "", "", false, "rename"},
		{"renameat2", "", "", false, "rename"},
		{"unlink", "", "", false, "unlink"},
		{"unlinkat", "", "", false, "unlink"},
		{"rmdir", "", "", false, "rmdir"},
		{"mkdirat", "", "", false, "mkdir"},
		{"mknodat", "", "", false, "mknod"},
		{"linkat", "", "", false, "link"},
		{"symlinkat", "", "", false, "symlink"},
		{"fchmodat", "", "", false, "chmod"},
		{"fchmod", "", "", false, "chmod"},
		{"lchown", "", "", false, "chown"},
		{"fchownat", "", "", false, "chown"},
		{"ftruncate", "", "", true, "truncate"},
		{"truncate", "", "", true, "truncate"},
		{"creat", "", "", true, ""},
		{"open", "241", "", true, ""},
		{"openat", "0", "80000", false, ""},
		{"openat", "0", "241", true, ""},
		{"setns", "20000", "", false, ""},
	}
	for _, tt := range tests {
		if write, op := fileOp(tt.syscall, tt.a1, tt.a2); write != tt.write || op != tt.op {
			t.Errorf("fileOp(%q, %q, %q) = %v, %q; want %v, %q", tt.syscall, tt.a1, tt.a2, write, op, tt.write, tt.op)
		}
	}
}
