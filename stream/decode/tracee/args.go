package tracee

import (
	"strconv"
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

// nsFlags reads unshare flags or a setns nstype, numeric or as Tracee's
// symbolic "CLONE_NEWNS|CLONE_NEWUSER" string, keeping the CLONE_NEW* bits.
func nsFlags(t *parse.Tape, v parse.Node) uint64 {
	if t.Kind(v) == parse.KindNumber {
		n, _ := intValue(t, v)
		return uint64(n) & cloneNewMask
	}
	s := str(t, v)
	if n, err := strconv.ParseUint(s, 0, 64); err == nil {
		return n & cloneNewMask
	}
	var flags uint64
	for name := range strings.SplitSeq(s, "|") {
		switch strings.TrimSpace(name) {
		case "CLONE_NEWTIME":
			flags |= cloneNewTime
		case "CLONE_NEWNS":
			flags |= cloneNewNS
		case "CLONE_NEWCGROUP":
			flags |= cloneNewCgroup
		case "CLONE_NEWUTS":
			flags |= cloneNewUTS
		case "CLONE_NEWIPC":
			flags |= cloneNewIPC
		case "CLONE_NEWUSER":
			flags |= cloneNewUser
		case "CLONE_NEWPID":
			flags |= cloneNewPID
		case "CLONE_NEWNET":
			flags |= cloneNewNet
		}
	}
	return flags
}

// Open flags that make an open a write (include/uapi/asm-generic/fcntl.h).
const (
	oWronly = 0x1
	oRdwr   = 0x2
	oCreat  = 0x40
	oTrunc  = 0x200
	oAppend = 0x400

	oWriteMask = oWronly | oRdwr | oCreat | oTrunc | oAppend
)

// writeFlags reports whether open flags, numeric or Tracee's symbolic
// "O_WRONLY|O_CREAT" string, open the file for writing.
func writeFlags(t *parse.Tape, v parse.Node) bool {
	if t.Kind(v) == parse.KindNumber {
		n, _ := intValue(t, v)
		return n&oWriteMask != 0
	}
	for rest := str(t, v); rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, "|")
		switch strings.TrimSpace(name) {
		case "O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND":
			return true
		}
	}
	return false
}

// Address families of sockaddr.sa_family.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// sockaddr takes the destination of a connect from Tracee's sockaddr
// value: {sa_family, sun_path | sin_addr, sin_port | sin6_addr, sin6_port},
// with the family as a number (v1beta1) or "AF_UNIX" (layouts 1–2) and
// ports as numbers or strings.
func sockaddr(ev *schemas.Event, t *parse.Tape, v parse.Node) {
	if t.Kind(v) != parse.KindObject {
		return
	}
	family := 0
	var path, addr string
	var port int64
	for f := t.First(v); f.Exists(); f = t.Next(f) {
		switch t.Key(f) {
		case "sa_family":
			family = addressFamily(t, f)
		case "sun_path":
			path = str(t, f)
		case "sin_addr", "sin6_addr":
			addr = str(t, f)
		case "sin_port", "sin6_port":
			port, _ = intValue(t, f)
		}
	}
	switch {
	case family == afUnix || (family == 0 && path != ""):
		ev.Net.UnixPath = path
	case family == afInet || family == afInet6 || addr != "":
		ev.Net.Addr = addr
		ev.Net.Port = int(port)
	}
}

func addressFamily(t *parse.Tape, f parse.Node) int {
	if n, ok := intValue(t, f); ok {
		return int(n)
	}
	switch str(t, f) {
	case "AF_UNIX", "AF_LOCAL":
		return afUnix
	case "AF_INET":
		return afInet
	case "AF_INET6":
		return afInet6
	}
	return 0
}

// ptraceRequest returns the symbolic name of a ptrace request; Tracee
// prints it symbolically already unless run with raw arguments, whose
// numbers parse.PtraceRequest names. A number it does not know stays as
// written.
func ptraceRequest(t *parse.Tape, v parse.Node) string {
	if t.Kind(v) == parse.KindString {
		return t.Str(v)
	}
	if n, ok := intValue(t, v); ok && n >= 0 {
		if name := parse.PtraceRequest(uint64(n)); name != "" {
			return name
		}
	}
	return t.Raw(v)
}
