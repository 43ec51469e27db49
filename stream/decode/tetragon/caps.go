package tetragon

import "github.com/escapewatch/escapewatch/schemas"

// capBit is schemas.CapBit with a fast path for the canonical spellings
// Tetragon exports ("CAP_CHOWN", "DAC_OVERRIDE"): a switch instead of the
// normalization and linear search, which a process holding every
// capability would otherwise pay about forty times per event. Any other
// spelling goes to schemas.CapBit.
func capBit(name string) uint64 {
	n := name
	if len(n) > 4 && n[:4] == "CAP_" {
		n = n[4:]
	}
	if b := canonicalCapBit(n); b != 0 {
		return b
	}
	return schemas.CapBit(name)
}

// canonicalCapBit returns the bit of an upper-case capability name without
// the CAP_ prefix, numbered as in include/uapi/linux/capability.h (and
// schemas); 0 for anything else.
func canonicalCapBit(n string) uint64 {
	switch n {
	case "CHOWN":
		return 1 << 0
	case "DAC_OVERRIDE":
		return 1 << 1
	case "DAC_READ_SEARCH":
		return 1 << 2
	case "FOWNER":
		return 1 << 3
	case "FSETID":
		return 1 << 4
	case "KILL":
		return 1 << 5
	case "SETGID":
		return 1 << 6
	case "SETUID":
		return 1 << 7
	case "SETPCAP":
		return 1 << 8
	case "LINUX_IMMUTABLE":
		return 1 << 9
	case "NET_BIND_SERVICE":
		return 1 << 10
	case "NET_BROADCAST":
		return 1 << 11
	case "NET_ADMIN":
		return 1 << 12
	case "NET_RAW":
		return 1 << 13
	case "IPC_LOCK":
		return 1 << 14
	case "IPC_OWNER":
		return 1 << 15
	case "SYS_MODULE":
		return 1 << 16
	case "SYS_RAWIO":
		return 1 << 17
	case "SYS_CHROOT":
		return 1 << 18
	case "SYS_PTRACE":
		return 1 << 19
	case "SYS_PACCT":
		return 1 << 20
	case "SYS_ADMIN":
		return 1 << 21
	case "SYS_BOOT":
		return 1 << 22
	case "SYS_NICE":
		return 1 << 23
	case "SYS_RESOURCE":
		return 1 << 24
	case "SYS_TIME":
		return 1 << 25
	case "SYS_TTY_CONFIG":
		return 1 << 26
	case "MKNOD":
		return 1 << 27
	case "LEASE":
		return 1 << 28
	case "AUDIT_WRITE":
		return 1 << 29
	case "AUDIT_CONTROL":
		return 1 << 30
	case "SETFCAP":
		return 1 << 31
	case "MAC_OVERRIDE":
		return 1 << 32
	case "MAC_ADMIN":
		return 1 << 33
	case "SYSLOG":
		return 1 << 34
	case "WAKE_ALARM":
		return 1 << 35
	case "BLOCK_SUSPEND":
		return 1 << 36
	case "AUDIT_READ":
		return 1 << 37
	case "PERFMON":
		return 1 << 38
	case "BPF":
		return 1 << 39
	case "CHECKPOINT_RESTORE":
		return 1 << 40
	}
	return 0
}
