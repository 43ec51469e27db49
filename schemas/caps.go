package schemas

import "strings"

// capNames lists Linux capabilities by number (include/uapi/linux/capability.h).
var capNames = [...]string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// NormalizeCap upper-cases a capability name and strips a CAP_ prefix:
// "cap_sys_admin" and "CAP_SYS_ADMIN" both give "SYS_ADMIN". It allocates
// only when the input is not already in that form.
func NormalizeCap(name string) string {
	name = strings.TrimSpace(name)
	if len(name) > 4 && strings.EqualFold(name[:4], "CAP_") {
		name = name[4:]
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(name)
		}
	}
	return name
}

// CapBit returns the bitmask bit of a capability name (any spelling accepted
// by NormalizeCap), or 0 when the name is unknown. "ALL" gives every bit.
func CapBit(name string) uint64 {
	n := NormalizeCap(name)
	if n == "ALL" {
		return AllCaps
	}
	for i, c := range capNames {
		if c == n {
			return 1 << uint(i)
		}
	}
	return 0
}

// CapName returns the name of capability number i.
func CapName(i int) string {
	if i >= 0 && i < len(capNames) {
		return capNames[i]
	}
	return ""
}

// CapNames returns the names of the bits set in mask, in capability order.
func CapNames(mask uint64) []string {
	var out []string
	for i, c := range capNames {
		if mask&(1<<uint(i)) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// AllCaps has every capability the kernel had up to AUDIT_READ set, the set
// a privileged container gets.
const AllCaps uint64 = 1<<38 - 1

// DefaultRuntimeCaps is the capability set container runtimes grant by
// default (Docker / containerd / CRI-O defaults).
var DefaultRuntimeCaps = CapBit("CHOWN") | CapBit("DAC_OVERRIDE") | CapBit("FSETID") |
	CapBit("FOWNER") | CapBit("MKNOD") | CapBit("NET_RAW") | CapBit("SETGID") |
	CapBit("SETUID") | CapBit("SETFCAP") | CapBit("SETPCAP") |
	CapBit("NET_BIND_SERVICE") | CapBit("SYS_CHROOT") | CapBit("KILL") |
	CapBit("AUDIT_WRITE")
