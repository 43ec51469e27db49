package parse

// ptraceLow names the ptrace requests 0–24 (include/uapi/linux/ptrace.h;
// 12–15 are the register requests of arch/x86/include/uapi/asm/ptrace-abi.h,
// which 32-bit arm numbers alike and arm64 does not have).
var ptraceLow = [...]string{
	0:  "PTRACE_TRACEME",
	1:  "PTRACE_PEEKTEXT",
	2:  "PTRACE_PEEKDATA",
	3:  "PTRACE_PEEKUSR",
	4:  "PTRACE_POKETEXT",
	5:  "PTRACE_POKEDATA",
	6:  "PTRACE_POKEUSR",
	7:  "PTRACE_CONT",
	8:  "PTRACE_KILL",
	9:  "PTRACE_SINGLESTEP",
	12: "PTRACE_GETREGS",
	13: "PTRACE_SETREGS",
	14: "PTRACE_GETFPREGS",
	15: "PTRACE_SETFPREGS",
	16: "PTRACE_ATTACH",
	17: "PTRACE_DETACH",
	24: "PTRACE_SYSCALL",
}

// ptraceGenericBase is the first of the architecture-independent requests.
const ptraceGenericBase = 0x4200

// ptraceGeneric names the architecture-independent requests from 0x4200
// (include/uapi/linux/ptrace.h).
var ptraceGeneric = [...]string{
	0x4200 - ptraceGenericBase: "PTRACE_SETOPTIONS",
	0x4201 - ptraceGenericBase: "PTRACE_GETEVENTMSG",
	0x4202 - ptraceGenericBase: "PTRACE_GETSIGINFO",
	0x4203 - ptraceGenericBase: "PTRACE_SETSIGINFO",
	0x4204 - ptraceGenericBase: "PTRACE_GETREGSET",
	0x4205 - ptraceGenericBase: "PTRACE_SETREGSET",
	0x4206 - ptraceGenericBase: "PTRACE_SEIZE",
	0x4207 - ptraceGenericBase: "PTRACE_INTERRUPT",
	0x4208 - ptraceGenericBase: "PTRACE_LISTEN",
	0x4209 - ptraceGenericBase: "PTRACE_PEEKSIGINFO",
}

// PtraceRequest names a ptrace(2) request by its Linux number, the kernel's
// own PTRACE_* spelling ("PTRACE_ATTACH", "PTRACE_PEEKUSR"); a number not
// in the table gives "". Every decoder that sees the request as a number
// names it here, so that File.Op reads the same whichever producer saw
// the call.
func PtraceRequest(n uint64) string {
	switch {
	case n < uint64(len(ptraceLow)):
		return ptraceLow[n]
	case n >= ptraceGenericBase && n-ptraceGenericBase < uint64(len(ptraceGeneric)):
		return ptraceGeneric[n-ptraceGenericBase]
	}
	return ""
}

// PtraceRequestName returns s when it is written like a ptrace request
// name, "PTRACE_" followed by upper-case letters, digits and underscores
// (producers that print the request symbolically may know requests the
// table of PtraceRequest lacks, such as PTRACE_SETFPXREGS); anything else
// gives "".
func PtraceRequestName(s string) string {
	const prefix = "PTRACE_"
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return ""
	}
	for i := len(prefix); i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return ""
		}
	}
	return s
}
