package falco

import (
	"iter"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// syscallFields holds the output fields of a syscall-source alert, gathered
// in one pass over output_fields.
type syscallFields struct {
	containerID, fullID, containerName string
	imageRepo, imageTag, image         string
	privileged                         bool
	namespace, podName, podUID         string

	procName, exePath, exe, cmdline, cwd, parent string
	pid, uid                                     int64
	tty                                          bool

	evtType          string
	fdName, fdType   string
	fsPath, fsTarget string
	flags, nsType    string
	request          string
	openWrite        bool
	result           string
	rawResult        int64
	failed           bool

	caps     string
	capsSeen bool
}

// collect records output field c; a repeated field replaces the earlier
// one.
func (f *syscallFields) collect(t *parse.Tape, c parse.Node) {
	switch t.Key(c) {
	case "container.id":
		f.containerID = value(t, c)
	case "container.full_id":
		f.fullID = value(t, c)
	case "container.name":
		f.containerName = value(t, c)
	case "container.image.repository":
		f.imageRepo = value(t, c)
	case "container.image.tag":
		f.imageTag = value(t, c)
	case "container.image":
		f.image = value(t, c)
	case "container.privileged":
		f.privileged = t.Bool(c)
	case "k8s.ns.name":
		f.namespace = value(t, c)
	case "k8s.pod.name":
		f.podName = value(t, c)
	case "k8s.pod.uid", "k8s.pod.id":
		if uid := value(t, c); uid != "" {
			f.podUID = uid
		}
	case "proc.name":
		f.procName = value(t, c)
	case "proc.exepath":
		f.exePath = value(t, c)
	case "proc.exe":
		f.exe = value(t, c)
	case "proc.cmdline":
		f.cmdline = value(t, c)
	case "proc.cwd":
		f.cwd = value(t, c)
	case "proc.pname":
		f.parent = value(t, c)
	case "proc.pid":
		f.pid, _ = int64Of(t, c)
	case "user.uid":
		f.uid, _ = int64Of(t, c)
	case "proc.tty":
		n, _ := int64Of(t, c)
		f.tty = n != 0
	case "evt.type":
		f.evtType = value(t, c)
	case "fd.name":
		f.fdName = value(t, c)
	case "fd.type", "fd.typechar":
		if t := value(t, c); t != "" {
			f.fdType = t
		}
	case "fs.path.name":
		f.fsPath = value(t, c)
	case "fs.path.target":
		f.fsTarget = value(t, c)
	case "evt.arg.flags", "evt.arg[flags]":
		f.flags = value(t, c)
	case "evt.arg.nstype", "evt.arg[nstype]":
		f.nsType = value(t, c)
	case "evt.arg.request", "evt.arg[request]":
		f.request = value(t, c)
	case "evt.is_open_write":
		f.openWrite = t.Bool(c)
	case "evt.res":
		f.result = value(t, c)
	case "evt.rawres":
		f.rawResult, _ = int64Of(t, c)
	case "evt.failed":
		f.failed = t.Bool(c)
	case "thread.cap_effective":
		if t.Kind(c) != parse.KindNull {
			f.caps, f.capsSeen = value(t, c), true
		}
	}
}

// decodeSyscall fills ev from the output fields of a syscall-source alert
// and the facts its rule implies.
func decodeSyscall(t *parse.Tape, fields parse.Node, facts ruleFacts, ev *schemas.Event) {
	var f syscallFields
	for c := t.First(fields); c.Exists(); c = t.Next(c) {
		f.collect(t, c)
	}

	f.container(ev, facts)
	ev.Pod = schemas.Pod{Namespace: f.namespace, Name: f.podName, UID: f.podUID}
	f.process(ev, facts)

	ev.Syscall = f.evtType
	switch {
	case f.evtType == "execve" || f.evtType == "execveat":
		ev.Kind = schemas.KindProcess
	case f.evtType != "":
		ev.Kind = schemas.KindSyscall
	case facts.kind != schemas.KindUnknown:
		ev.Kind = facts.kind
		ev.Syscall = facts.syscall
	case f.fdName != "" || f.fsPath != "" || f.fsTarget != "":
		ev.Kind = schemas.KindSyscall
	case f.procName != "" || f.cmdline != "" || f.exePath != "":
		ev.Kind = schemas.KindProcess
	default:
		ev.Kind = schemas.KindSyscall
	}
	if facts.session != "" {
		ev.Session = schemas.Session{Type: facts.session, Container: f.containerName, Command: f.cmdline}
	}

	applyFD(ev, f.fdName, f.fdType)
	op := fileOp(f.evtType)
	if ev.File.Path == "" {
		// Rename and link targets are the file written; fs.path.name is the
		// path of mkdir, unlink and friends.
		if f.fsTarget != "" {
			ev.File.Path = f.fsTarget
		} else {
			ev.File.Path = f.fsPath
		}
	}
	if ev.File.Path != "" {
		ev.File.Op = op
		ev.File.Write = facts.write || f.openWrite || openForWrite(f.flags) ||
			op == "rename" || op == "link" || op == "symlink"
	}
	switch ev.Syscall {
	case "setns":
		ev.NSFlags = cloneFlags(f.nsType)
	case "unshare":
		ev.NSFlags = cloneFlags(f.flags)
	case "ptrace":
		// Only ptrace's: ioctl has a request argument too.
		ev.File.Op = ptraceRequest(f.request)
	}
	ev.Denied = f.failed || f.rawResult < 0 || failedResult(f.result)
}

func (f *syscallFields) container(ev *schemas.Event, facts ruleFacts) {
	c := &ev.Container
	id := f.fullID
	if id == "" {
		id = f.containerID
	}
	if id == "host" {
		c.Host = true
	} else if id != "" {
		c.ID, c.Runtime = normalizeID(id)
	}
	if f.containerName != "host" {
		c.Name = f.containerName
	}
	switch {
	case f.imageRepo != "" && f.imageTag != "":
		c.Image = f.imageRepo + ":" + f.imageTag
	case f.imageRepo != "":
		c.Image = f.imageRepo
	default:
		c.Image = f.image
	}
	if f.capsSeen {
		c.Caps, c.CapsKnown = capMask(f.caps), true
	}
	if !c.Host {
		c.Privileged = f.privileged || facts.privileged || (c.CapsKnown && c.Caps&schemas.AllCaps == schemas.AllCaps)
	}
}

func (f *syscallFields) process(ev *schemas.Event, facts ruleFacts) {
	p := &ev.Process
	p.PID = f.pid
	p.UID = f.uid
	p.Cwd = f.cwd
	p.ParentName = schemas.Base(f.parent)
	p.TTY = f.tty
	p.Exe = f.exePath
	if p.Exe == "" && strings.HasPrefix(f.exe, "/") {
		p.Exe = f.exe
	}
	// proc.cmdline is proc.name followed by the arguments.
	first, args := f.cmdline, ""
	if i := strings.IndexByte(f.cmdline, ' '); i >= 0 {
		first, args = f.cmdline[:i], strings.TrimLeft(f.cmdline[i+1:], " ")
	}
	p.Args = args
	switch {
	case f.procName != "":
		p.Name = f.procName
	case first != "":
		p.Name = schemas.Base(first)
	default:
		p.Name = facts.process
	}
}

// normalizeID is schemas.NormalizeContainerID applied until the id stops
// changing: one pass leaves "a://b://<id>" and "docker:// <id>" with a
// scheme or space still to strip, and Container.ID must be a fixed point
// of the normalization. Each pass that changes the id shortens or
// lower-cases it, so the loop ends.
func normalizeID(s string) (id, runtime string) {
	id, runtime = schemas.NormalizeContainerID(s)
	for {
		next, _ := schemas.NormalizeContainerID(id)
		if next == id {
			return id, runtime
		}
		id = next
	}
}

// capMask turns Falco's rendering of a capability set ("CAP_CHOWN
// CAP_DAC_OVERRIDE …", also accepted comma separated) into a bitmask.
func capMask(s string) uint64 {
	var mask uint64
	for len(s) > 0 {
		i := strings.IndexAny(s, " ,|()\t")
		if i < 0 {
			mask |= schemas.CapBit(s)
			break
		}
		if i > 0 {
			mask |= schemas.CapBit(s[:i])
		}
		s = s[i+1:]
	}
	return mask
}

// cloneFlagBits are the CLONE_NEW* flags by the names libsinsp prints.
var cloneFlagBits = map[string]uint64{
	"CLONE_NEWNS":     0x00020000,
	"CLONE_NEWCGROUP": 0x02000000,
	"CLONE_NEWUTS":    0x04000000,
	"CLONE_NEWIPC":    0x08000000,
	"CLONE_NEWUSER":   0x10000000,
	"CLONE_NEWPID":    0x20000000,
	"CLONE_NEWNET":    0x40000000,
	"CLONE_NEWTIME":   0x00000080,
}

// cloneFlags reads the CLONE_NEW* bits of a rendered flags argument:
// "CLONE_NEWUSER|CLONE_NEWNS", optionally after the number,
// "268566528(CLONE_NEWUSER|CLONE_NEWNS)".
func cloneFlags(s string) uint64 {
	var mask uint64
	for word := range renderedWords(s) {
		mask |= cloneFlagBits[word]
	}
	return mask
}

// renderedWords yields the words of an argument libsinsp rendered with its
// number and names: "268566528(CLONE_NEWUSER|CLONE_NEWNS)".
func renderedWords(s string) iter.Seq[string] {
	return strings.FieldsFuncSeq(s, func(r rune) bool {
		return r == '|' || r == ',' || r == '(' || r == ')' || r == ' '
	})
}

// ptraceRequest reads the request of a ptrace from evt.arg.request, which
// libsinsp renders by name ("PTRACE_ATTACH"); a name after the number, in
// the style of evt.args ("11(PTRACE_ATTACH)"), is read too. Numbers are
// not: libsinsp numbers requests with its own PPM_PTRACE_* codes
// (PPM_PTRACE_ATTACH is 11, PPM_PTRACE_PEEKDATA 3), not the kernel's, and
// prints a bare number only for a request it could not name. No name
// gives "", an unknown request.
func ptraceRequest(s string) string {
	for word := range renderedWords(s) {
		if name := parse.PtraceRequestName(word); name != "" {
			return name
		}
	}
	return ""
}

// fileOp names the file operation of a syscall that is not an open.
func fileOp(syscall string) string {
	for _, op := range [...]string{"rename", "unlink", "mkdir", "symlink", "link"} {
		if strings.HasPrefix(syscall, op) {
			return op
		}
	}
	return ""
}

// openForWrite reports whether Falco's rendering of open flags
// ("O_WRONLY|O_CREAT|O_CLOEXEC") asks for writing.
func openForWrite(flags string) bool {
	for _, f := range [...]string{"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"} {
		if strings.Contains(flags, f) {
			return true
		}
	}
	return false
}

// failedResult reports whether evt.res names an error: Falco prints
// SUCCESS, a non-negative return value, or an errno name such as EPERM.
func failedResult(res string) bool {
	if res == "" || res == "SUCCESS" {
		return false
	}
	if n, ok := parse.Int(res); ok {
		return n < 0
	}
	return true
}
