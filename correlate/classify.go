package correlate

import (
	"strconv"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// Hit is one rule an event matches on its own, before any state is
// consulted.
type Hit struct {
	Rule     RuleID
	Severity schemas.Severity
	// Detail says what matched, for evidence summaries ("nsenter --target 1").
	Detail string
	// Write is set when the action modifies what it touches.
	Write bool
	// BlockDevice is set for mounts of a block device (ESC-A03, ESC-C03).
	BlockDevice bool
	// Target is the mount point of a mount or the new root of a chroot.
	Target string
}

// Hits holds the rules one event matched. It lives on the stack: no
// allocation for events that match nothing.
type Hits struct {
	list [6]Hit
	n    int
	// HostPath is set when the event touches a path that may lie under a
	// host mount of its container; the correlator checks the container's
	// mounts (ESC-A13).
	HostPath string
	// HostPathWrite says whether that access writes.
	HostPathWrite bool
}

// Len returns the number of hits.
func (h *Hits) Len() int { return h.n }

// All returns the hits.
func (h *Hits) All() []Hit { return h.list[:h.n] }

// Has reports whether rule id was hit.
func (h *Hits) Has(id RuleID) bool {
	for i := 0; i < h.n; i++ {
		if h.list[i].Rule == id {
			return true
		}
	}
	return false
}

func (h *Hits) add(hit Hit) {
	for i := 0; i < h.n; i++ {
		if h.list[i].Rule == hit.Rule {
			if hit.Severity > h.list[i].Severity {
				h.list[i] = hit
			}
			return
		}
	}
	if h.n < len(h.list) {
		h.list[h.n] = hit
		h.n++
	}
}

// Clone flags, for NSFlags.
const (
	cloneNewNS     = 0x00020000
	cloneNewCgroup = 0x02000000
	cloneNewUser   = 0x10000000
)

// Classify returns the rules the event matches on its own: host-level
// actions (ESC-A01…A16) and an exec working directory under /proc/*/fd
// (ESC-S06). Spec-based risk (ESC-S01…S05) and everything that needs state
// is the Engine's. Classify is pure and allocates only for events that hit.
func Classify(ev *schemas.Event, p *Policy) Hits {
	var h Hits
	if ev.Denied {
		return h
	}
	if ev.Kind == schemas.KindProcess {
		classifyExec(ev, p, &h)
	} else if ev.Kind == schemas.KindSession && ev.Session.Command != "" {
		// The session names the command it runs in the container
		// (kubectl exec -- nsenter -t 1 …): judge that command too.
		classifySessionCommand(ev, p, &h)
	}
	if ev.Syscall != "" {
		classifySyscall(ev, p, &h)
	}
	if ev.File.Path != "" {
		classifyPath(ev.File.Path, ev.File.Write, p, &h)
	}
	if ev.Net.UnixPath != "" && isRuntimeSocket(ev.Net.UnixPath, p) {
		h.add(Hit{Rule: RuleA08, Severity: schemas.SeverityHigh, Detail: "connect to " + ev.Net.UnixPath})
	}
	if ev.Net.Port == 10250 || ev.Net.Port == 10255 {
		h.add(Hit{Rule: RuleA14, Severity: schemas.SeverityMedium, Detail: "connection to the kubelet API at " + hostPort(ev.Net.Addr, ev.Net.Port)})
	}
	if ev.Signature != "" {
		classifySignature(ev, &h)
	}
	if ev.Process.Cwd != "" && isProcFD(ev.Process.Cwd) {
		h.add(Hit{Rule: RuleS06, Severity: schemas.SeverityHigh, Detail: "process started with working directory " + ev.Process.Cwd})
	}
	return h
}

// argString returns the arguments as one string, from an argv array when
// the producer gave one. It allocates only for argv arrays.
func argString(p *schemas.Process) string {
	if p.Args != "" || p.ArgvJSON == "" {
		return p.Args
	}
	return schemas.JoinArgs(p.ArgList())
}

func hostPort(addr string, port int) string {
	if addr == "" {
		return "port " + strconv.Itoa(port)
	}
	return addr + ":" + strconv.Itoa(port)
}

// classifyExec judges a process execution by its command and arguments. Only
// commands of interest split their arguments, so ordinary executions cost a
// string switch.
func classifyExec(ev *schemas.Event, p *Policy, h *Hits) {
	name := ev.Process.Command()
	switch name {
	case "nsenter":
		args := ev.Process.ArgList()
		pid1 := nsenterTargetsPID1(args)
		sev := schemas.SeverityMedium
		if pid1 {
			sev = schemas.SeverityHigh
		}
		h.add(Hit{Rule: RuleA01, Severity: sev, Detail: commandLine(name, args)})
	case "unshare":
		args := ev.Process.ArgList()
		if unshareCreatesRiskyNS(args) {
			h.add(Hit{Rule: RuleA02, Severity: schemas.SeverityLow, Detail: commandLine(name, args)})
		}
	case "mount":
		args := ev.Process.ArgList()
		if m, ok := parseMountArgs(args); ok && m.mountsHost() {
			h.add(Hit{Rule: RuleA03, Severity: schemas.SeverityMedium, Detail: commandLine(name, args),
				BlockDevice: m.blockDevice(), Target: m.Target})
		}
	case "insmod", "modprobe", "kmod":
		args := ev.Process.ArgList()
		if loadsModule(name, args) {
			h.add(Hit{Rule: RuleA07, Severity: schemas.SeverityHigh, Detail: commandLine(name, args)})
		}
	case "docker", "ctr", "crictl", "nerdctl", "podman":
		args := ev.Process.ArgList()
		if runtimeCLITalks(name, args) {
			h.add(Hit{Rule: RuleA08, Severity: schemas.SeverityHigh, Detail: commandLine(name, args)})
		}
	case "chroot":
		args := ev.Process.ArgList()
		if target := firstOperand(args); target != "" {
			h.add(Hit{Rule: RuleA09, Severity: schemas.SeverityMedium, Detail: commandLine(name, args), Target: target})
		}
	case "debugfs":
		args := ev.Process.ArgList()
		h.add(Hit{Rule: RuleA10, Severity: schemas.SeverityMedium, Detail: commandLine(name, args)})
	case "sysctl":
		classifySysctl(ev.Process.ArgList(), h)
	case "capsh":
		args := ev.Process.ArgList()
		if hasArg(args, "--print") {
			h.add(Hit{Rule: RuleA15, Severity: schemas.SeverityInfo, Detail: commandLine(name, args)})
		}
	case "fdisk", "sfdisk":
		args := ev.Process.ArgList()
		if hasArg(args, "-l") || hasArg(args, "--list") {
			h.add(Hit{Rule: RuleA15, Severity: schemas.SeverityInfo, Detail: commandLine(name, args)})
		}
	case "keyctl":
		args := ev.Process.ArgList()
		h.add(Hit{Rule: RuleA16, Severity: schemas.SeverityLow, Detail: commandLine(name, args)})
	case "tee", "cp", "mv", "dd", "install", "truncate", "touch":
		args := ev.Process.ArgList()
		for _, a := range writtenPaths(name, args) {
			classifyPath(a, true, p, h)
		}
		if name == "dd" {
			// dd if=/dev/sda reads the disk raw.
			for _, a := range args {
				if in, ok := strings.CutPrefix(a, "if="); ok {
					classifyPath(in, false, p, h)
				}
			}
		}
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "busybox":
		if strings.Contains(ev.Process.Args, ">") || strings.Contains(ev.Process.ArgvJSON, ">") {
			classifyShell(argString(&ev.Process), p, h)
		}
	case "curl", "wget":
		if !strings.Contains(ev.Process.Args, ":1025") && !strings.Contains(ev.Process.ArgvJSON, ":1025") {
			break
		}
		args := ev.Process.ArgList()
		for _, a := range args {
			if strings.Contains(a, ":10250/") || strings.Contains(a, ":10255/") || strings.HasSuffix(a, ":10250") || strings.HasSuffix(a, ":10255") {
				h.add(Hit{Rule: RuleA14, Severity: schemas.SeverityMedium, Detail: commandLine(name, args)})
				break
			}
		}
	}
	// Any command that names a runtime socket talks to it (socat, curl
	// --unix-socket …).
	if !h.Has(RuleA08) && (mentionsRuntimeSocket(ev.Process.Args, p) || mentionsRuntimeSocket(ev.Process.ArgvJSON, p)) {
		h.add(Hit{Rule: RuleA08, Severity: schemas.SeverityHigh, Detail: commandLine(name, ev.Process.ArgList())})
	}
	if ev.Process.Exe != "" {
		candidateHostPath(ev.Process.Exe, false, p, h)
	}
}

func classifySessionCommand(ev *schemas.Event, p *Policy, h *Hits) {
	words := schemas.SplitArgs(ev.Session.Command)
	if len(words) == 0 {
		return
	}
	sub := schemas.Event{Kind: schemas.KindProcess, Process: schemas.Process{Name: schemas.Base(words[0]), Args: schemas.JoinArgs(words[1:])}}
	classifyExec(&sub, p, h)
}

// classifyShell looks at `sh -c "…"` scripts for the classic one-line
// escapes: redirections into release_agent, core_pattern or sysrq.
func classifyShell(args string, p *Policy, h *Hits) {
	if !strings.Contains(args, ">") {
		return
	}
	for _, marker := range [...]string{"release_agent", "notify_on_release", "core_pattern", "/proc/sys/kernel/modprobe", "sysrq"} {
		if !strings.Contains(args, marker) {
			continue
		}
		for _, target := range redirectTargets(args) {
			classifyPath(target, true, p, h)
		}
		return
	}
}

// redirectTargets returns the words after ">" or ">>" in a shell script.
func redirectTargets(script string) []string {
	var out []string
	for i := 0; i < len(script); i++ {
		if script[i] != '>' {
			continue
		}
		j := i + 1
		for j < len(script) && (script[j] == '>' || script[j] == ' ' || script[j] == '|') {
			j++
		}
		k := j
		for k < len(script) && !strings.ContainsRune(" ;&|)'\"`\n", rune(script[k])) {
			k++
		}
		if k > j {
			out = append(out, script[j:k])
		}
		i = k
	}
	return out
}

func classifySysctl(args []string, h *Hits) {
	write := hasArg(args, "-w") || hasArg(args, "--write")
	for _, a := range args {
		key, _, set := strings.Cut(a, "=")
		if !set && !write {
			continue
		}
		key = strings.ReplaceAll(key, "/", ".")
		switch key {
		case "kernel.core_pattern", "kernel.modprobe":
			h.add(Hit{Rule: RuleA05, Severity: schemas.SeverityHigh, Write: true, Detail: commandLine("sysctl", args)})
		case "kernel.sysrq":
			h.add(Hit{Rule: RuleA06, Severity: schemas.SeverityHigh, Write: true, Detail: commandLine("sysctl", args)})
		}
	}
}

func classifySyscall(ev *schemas.Event, p *Policy, h *Hits) {
	sc := ev.Syscall
	switch sc {
	case "setns", "switch_task_ns":
		sev := schemas.SeverityMedium
		detail := sc
		if ev.Process.Command() == "nsenter" {
			args := ev.Process.ArgList()
			if nsenterTargetsPID1(args) {
				sev = schemas.SeverityHigh
			}
			detail = sc + " by " + commandLine("nsenter", args)
		} else if name := ev.Process.Command(); name != "" {
			detail = sc + " by " + name
		}
		h.add(Hit{Rule: RuleA01, Severity: sev, Detail: detail})
	case "unshare":
		if ev.NSFlags == 0 || ev.NSFlags&(cloneNewUser|cloneNewNS|cloneNewCgroup) != 0 {
			h.add(Hit{Rule: RuleA02, Severity: schemas.SeverityLow, Detail: "unshare" + nsFlagNames(ev.NSFlags) + byProcess(ev)})
		}
	case "mount", "security_sb_mount", "fsmount", "move_mount":
		m := ev.Mount
		risky := isBlockDevice(m.Source) || isSpecialFS(m.FSType) || (m.Source == "" && m.FSType == "")
		if risky {
			h.add(Hit{Rule: RuleA03, Severity: schemas.SeverityMedium, BlockDevice: isBlockDevice(m.Source), Target: m.Target,
				Detail: mountDetail(m) + byProcess(ev)})
		}
	case "chroot":
		h.add(Hit{Rule: RuleA09, Severity: schemas.SeverityMedium, Target: ev.File.Path, Detail: "chroot " + ev.File.Path + byProcess(ev)})
	case "init_module", "finit_module", "do_init_module":
		h.add(Hit{Rule: RuleA07, Severity: schemas.SeverityHigh, Detail: sc + " " + ev.File.Path + byProcess(ev)})
	case "security_kernel_read_file":
		if isModuleFile(ev.File.Path) {
			h.add(Hit{Rule: RuleA07, Severity: schemas.SeverityHigh, Detail: "kernel module read for loading: " + ev.File.Path + byProcess(ev)})
		}
	case "ptrace":
		// Tracee names the request in File.Op; Falco's "PTRACE attached
		// to process" implies an attach or poke, and the other producers
		// do not report the request, which counts as unknown.
		if req := ev.File.Op; ptraceInjects(req) {
			detail := "ptrace"
			if req != "" {
				detail += " " + req
			}
			h.add(Hit{Rule: RuleA11, Severity: schemas.SeverityMedium, Detail: detail + byProcess(ev)})
		}
	case "process_vm_writev":
		h.add(Hit{Rule: RuleA11, Severity: schemas.SeverityMedium, Detail: "process_vm_writev" + byProcess(ev)})
	case "keyctl", "add_key", "request_key", "bpf", "fsopen", "fsconfig":
		h.add(Hit{Rule: RuleA16, Severity: schemas.SeverityLow, Detail: sc + byProcess(ev)})
	}
}

// ptraceInjects reports whether a ptrace request can take over or write into
// another process: PTRACE_ATTACH, PTRACE_SEIZE, the POKE requests and the
// register writes. Debuggers' and profilers' reads (PEEK*, GETREGS*) and
// PTRACE_TRACEME (a process offering itself to its parent) cannot. A
// request that is not given, or not named PTRACE_… (a raw number the
// decoder could not name), counts.
func ptraceInjects(req string) bool {
	name, known := strings.CutPrefix(req, "PTRACE_")
	if !known {
		return true
	}
	switch {
	case name == "ATTACH", name == "SEIZE", strings.HasPrefix(name, "POKE"),
		strings.HasPrefix(name, "SETREGS"), strings.HasPrefix(name, "SETFPREGS"), strings.HasPrefix(name, "SETFPXREGS"):
		return true
	}
	return false
}

func byProcess(ev *schemas.Event) string {
	if n := ev.Process.Command(); n != "" {
		return " by " + n
	}
	return ""
}

func mountDetail(m schemas.Mount) string {
	var b strings.Builder
	b.WriteString("mount")
	if m.FSType != "" {
		b.WriteString(" -t " + m.FSType)
	}
	if m.Source != "" {
		b.WriteString(" " + m.Source)
	}
	if m.Target != "" {
		b.WriteString(" " + m.Target)
	}
	return b.String()
}

func nsFlagNames(f uint64) string {
	if f == 0 {
		return ""
	}
	var parts []string
	for _, n := range [...]struct {
		bit  uint64
		name string
	}{{cloneNewUser, "user"}, {cloneNewNS, "mount"}, {cloneNewCgroup, "cgroup"}, {0x04000000, "uts"},
		{0x08000000, "ipc"}, {0x20000000, "pid"}, {0x40000000, "net"}} {
		if f&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	return " (" + strings.Join(parts, ", ") + " namespaces)"
}

// classifyPath judges a file path that an event touched.
func classifyPath(path string, write bool, p *Policy, h *Hits) {
	base := schemas.Base(path)
	switch {
	case base == "release_agent" || base == "notify_on_release":
		if write {
			h.add(Hit{Rule: RuleA04, Severity: schemas.SeverityHigh, Write: true, Detail: "write to " + path})
		}
	case path == "/proc/sys/kernel/core_pattern" || path == "/proc/sys/kernel/modprobe":
		if write {
			h.add(Hit{Rule: RuleA05, Severity: schemas.SeverityHigh, Write: true, Detail: "write to " + path})
		}
	case path == "/proc/sysrq-trigger" || path == "/proc/sys/kernel/sysrq":
		if write {
			h.add(Hit{Rule: RuleA06, Severity: schemas.SeverityHigh, Write: true, Detail: "write to " + path})
		}
	case isRawDisk(path):
		h.add(Hit{Rule: RuleA10, Severity: schemas.SeverityMedium, Write: write, Detail: accessVerb(write) + path})
	case isRuntimeSocket(path, p):
		h.add(Hit{Rule: RuleA08, Severity: schemas.SeverityHigh, Write: write, Detail: "access to " + path})
	case strings.HasPrefix(path, "/proc/1/ns/"):
		h.add(Hit{Rule: RuleA01, Severity: schemas.SeverityHigh, Detail: "open of " + path})
	case path == "/proc/sched_debug" || path == "/sys/kernel/debug/sched/debug" || path == "/proc/kcore" || path == "/proc/1/cgroup":
		h.add(Hit{Rule: RuleA15, Severity: schemas.SeverityInfo, Detail: "read of " + path})
	case strings.HasPrefix(path, "/proc/"):
		pid, rest, ok := procPID(path)
		switch {
		case !ok:
		case rest == "exe" && write:
			h.add(Hit{Rule: RuleA12, Severity: schemas.SeverityHigh, Write: true, Detail: "write to " + path})
		case rest == "mem" && write && pid != "self" && pid != "thread-self":
			h.add(Hit{Rule: RuleA11, Severity: schemas.SeverityMedium, Write: true, Detail: "write to " + path})
		case pid == "1" && strings.HasPrefix(rest, "root/"):
			sev := schemas.SeverityMedium
			if write {
				sev = schemas.SeverityHigh
			}
			h.add(Hit{Rule: RuleA13, Severity: sev, Write: write, Detail: accessVerb(write) + path})
		}
	default:
		candidateHostPath(path, write, p, h)
	}
}

func accessVerb(write bool) string {
	if write {
		return "write to "
	}
	return "access to "
}

// procPID splits "/proc/<pid>/<rest>".
func procPID(path string) (pid, rest string, ok bool) {
	s := strings.TrimPrefix(path, "/proc/")
	pid, rest, ok = strings.Cut(s, "/")
	if !ok || pid == "" {
		return "", "", false
	}
	if pid != "self" && pid != "thread-self" {
		for i := 0; i < len(pid); i++ {
			if pid[i] < '0' || pid[i] > '9' {
				return "", "", false
			}
		}
	}
	return pid, rest, true
}

// rootDirs are the top-level folders of an ordinary container image. A path
// outside them (/host/etc/shadow, /rootfs/…) or under /mnt or /media may lie
// on a host mount; the correlator compares it with the container's mounts.
var rootDirs = map[string]bool{
	"bin": true, "boot": true, "dev": true, "etc": true, "home": true, "lib": true, "lib32": true,
	"lib64": true, "libx32": true, "opt": true, "proc": true, "root": true, "run": true, "sbin": true,
	"srv": true, "sys": true, "tmp": true, "usr": true, "var": true, "app": true, "data": true,
	"go": true, "workspace": true, "code": true, "src": true, "www": true, "usr2": true, "nix": true,
	"snap": true, "docker-entrypoint.d": true, "certs": true, "config": true, "lost+found": true,
}

// hostPathMarkers are host files whose appearance below a folder means the
// folder is likely a host mount.
var hostPathMarkers = [...]string{"/etc/shadow", "/etc/kubernetes", "/var/lib/kubelet", "/root/.ssh",
	"/etc/cron", "/etc/sudoers", "/.ssh/authorized_keys", "/etc/passwd", "/var/lib/docker", "/var/lib/containerd"}

// systemDirMarkers are system folders whose appearance below another folder
// in a written path suggests a second root file system.
var systemDirMarkers = [...]string{"/usr/local/bin/", "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/lib/systemd/",
	"/etc/systemd/", "/var/spool/cron/", "/etc/init.d/", "/etc/profile.d/", "/etc/ld.so.preload"}

// candidateHostPath notes a path the correlator must compare with the
// container's host mounts (ESC-A13). Stage 1 keeps an event for it, so only
// paths that are unusual in a container qualify: outside the image's own
// folders, below a folder that holds host files, or below a sensitive host
// path that a container would only have by mounting it from the host at the
// same place (/var/lib/kubelet at /var/lib/kubelet).
func candidateHostPath(path string, write bool, p *Policy, h *Hits) {
	if len(path) < 2 || path[0] != '/' {
		return
	}
	top, rest, _ := strings.Cut(path[1:], "/")
	candidate := !rootDirs[top] || top == "mnt" || top == "media"
	if !candidate {
		for _, dir := range p.sameMountPaths {
			if under(path, dir) {
				candidate = true
				break
			}
		}
	}
	if !candidate && rest != "" {
		for _, m := range hostPathMarkers {
			if i := strings.Index(path, m); i > 0 {
				candidate = true
				break
			}
		}
	}
	if !candidate && write && rest != "" {
		// A write below a system folder that is not at the root
		// (/tmp/h/usr/local/bin/x) lands on another root file system:
		// a mounted host disk or a host path.
		for _, m := range systemDirMarkers {
			if i := strings.Index(path, m); i > 0 {
				candidate = true
				break
			}
		}
	}
	if candidate && (h.HostPath == "" || (write && !h.HostPathWrite)) {
		h.HostPath = path
		h.HostPathWrite = write
	}
}

func isProcFD(dir string) bool {
	pid, rest, ok := procPID(dir)
	if !ok {
		return false
	}
	_ = pid
	return rest == "fd" || strings.HasPrefix(rest, "fd/")
}

// isRawDisk matches the block devices and memory devices of ESC-A10.
func isRawDisk(path string) bool {
	dev, ok := strings.CutPrefix(path, "/dev/")
	if !ok {
		return false
	}
	switch {
	case dev == "mem" || dev == "kmem":
		return true
	case strings.HasPrefix(dev, "mapper/") && dev != "mapper/control":
		return true
	case strings.HasPrefix(dev, "dm-"), strings.HasPrefix(dev, "nvme"):
		return true
	case strings.HasPrefix(dev, "sd"), strings.HasPrefix(dev, "vd"), strings.HasPrefix(dev, "xvd"), strings.HasPrefix(dev, "hd"):
		return len(dev) >= 3 && dev[len(dev)-1] != '/' && isDiskSuffix(dev)
	}
	return false
}

// isDiskSuffix checks that a name like "sda1" or "xvdb" ends in a letter
// run and optional digits.
func isDiskSuffix(dev string) bool {
	i := 2
	if strings.HasPrefix(dev, "xvd") {
		i = 3
	}
	letters := 0
	for i < len(dev) && dev[i] >= 'a' && dev[i] <= 'z' {
		i++
		letters++
	}
	for i < len(dev) && dev[i] >= '0' && dev[i] <= '9' {
		i++
	}
	return letters > 0 && i == len(dev)
}

// isBlockDevice is isRawDisk without the memory devices, plus loop and
// mmcblk devices, which are mounted the same way.
func isBlockDevice(path string) bool {
	if path == "/dev/mem" || path == "/dev/kmem" {
		return false
	}
	if isRawDisk(path) {
		return true
	}
	dev, ok := strings.CutPrefix(path, "/dev/")
	return ok && (strings.HasPrefix(dev, "loop") || strings.HasPrefix(dev, "mmcblk") || strings.HasPrefix(dev, "md") ||
		strings.HasPrefix(dev, "disk/by-") || dev == "root")
}

func isSpecialFS(fstype string) bool {
	switch fstype {
	case "cgroup", "cgroup2", "proc", "sysfs", "debugfs", "securityfs", "tracefs", "bpf":
		return true
	}
	return false
}

func isModuleFile(path string) bool {
	return strings.HasSuffix(path, ".ko") || strings.HasSuffix(path, ".ko.xz") ||
		strings.HasSuffix(path, ".ko.zst") || strings.HasSuffix(path, ".ko.gz") || strings.Contains(path, "/lib/modules/")
}

// isRuntimeSocket matches the configured runtime sockets by full path or by
// their file name anywhere (hostPath mounts move them: /host/run/docker.sock).
func isRuntimeSocket(path string, p *Policy) bool {
	base := schemas.Base(path)
	if base == "docker.sock" || base == "containerd.sock" || base == "crio.sock" || base == "cri-dockerd.sock" || base == "dockershim.sock" {
		return true
	}
	for _, s := range p.sockets {
		if path == s || strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}

func mentionsRuntimeSocket(args string, p *Policy) bool {
	if !strings.Contains(args, ".sock") {
		return false
	}
	for _, s := range [...]string{"docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "dockershim.sock"} {
		if strings.Contains(args, s) {
			return true
		}
	}
	for _, s := range p.sockets {
		if strings.Contains(args, s) {
			return true
		}
	}
	return false
}

func commandLine(name string, args []string) string {
	if len(args) == 0 {
		return name
	}
	return name + " " + schemas.JoinArgs(args)
}

func hasArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// nsenterTargetsPID1 reports whether nsenter arguments enter the namespaces
// of PID 1 (-t 1, --target 1, --target=1, -t1, or a namespace file of
// /proc/1/ns).
func nsenterTargetsPID1(args []string) bool {
	for i, a := range args {
		switch {
		case a == "-t" || a == "--target":
			if i+1 < len(args) && args[i+1] == "1" {
				return true
			}
		case a == "--target=1" || a == "-t1":
			return true
		case strings.Contains(a, "/proc/1/ns/"):
			return true
		case len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.HasSuffix(a, "t") && i+1 < len(args) && args[i+1] == "1":
			// combined short options ending in t: "-mt 1"
			return true
		case len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.Contains(a, "t1") && shortOptionValue(a, 't') == "1":
			// combined short options with the target attached: "-at1"
			return true
		}
	}
	return false
}

// shortOptionValue returns the value attached to option opt in a cluster of
// short options ("-at1" gives "1" for 't'), or "" when opt is not in it or
// takes its value from the next argument. Only letters (other options) may
// come before opt.
func shortOptionValue(cluster string, opt byte) string {
	for i := 1; i < len(cluster); i++ {
		c := cluster[i]
		if c == opt {
			return cluster[i+1:]
		}
		if c < 'A' || c > 'z' || (c > 'Z' && c < 'a') {
			return ""
		}
	}
	return ""
}

// unshareCreatesRiskyNS reports whether unshare arguments create a user,
// mount or cgroup namespace (--mount-proc implies a mount namespace).
func unshareCreatesRiskyNS(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if strings.HasPrefix(a, "--") {
			opt, _, _ := strings.Cut(a[2:], "=")
			switch opt {
			case "user", "mount", "cgroup", "mount-proc", "map-root-user", "map-current-user", "map-auto", "map-user", "map-group":
				return true
			}
			continue
		}
		if len(a) > 1 && a[0] == '-' {
			if strings.ContainsAny(a[1:], "UmCr") {
				return true
			}
			continue
		}
		// first operand: the program to run
		return false
	}
	return false
}

type mountArgs struct {
	Source, Target, FSType string
	// ByTag is set when the device is named by label or uuid (-L, -U).
	ByTag bool
}

// blockDevice reports whether the mount names a block device: a device
// path, or a filesystem label or uuid, which only a disk carries.
func (m mountArgs) blockDevice() bool {
	if m.ByTag || isBlockDevice(m.Source) {
		return true
	}
	for _, tag := range [...]string{"LABEL=", "UUID=", "PARTUUID=", "PARTLABEL="} {
		if strings.HasPrefix(m.Source, tag) {
			return true
		}
	}
	return false
}

// mountsHost reports whether a mount(8) call is one ESC-A03 is about
// (CONTRACT §4): a block device, a kernel filesystem (cgroup, proc, sysfs,
// debugfs …), or a remount of /proc or /sys (mount -o remount,rw /proc/sys
// makes the host's kernel settings writable). A tmpfs, an overlay or a bind
// of ordinary folders mounts nothing of the host's.
func (m mountArgs) mountsHost() bool {
	switch {
	case m.blockDevice(), isSpecialFS(m.FSType), m.FSType == "" && isSpecialFS(m.Source):
		return true
	}
	return m.Source == "" && (under(m.Target, "/proc") || under(m.Target, "/sys"))
}

// parseMountArgs understands mount(8) arguments well enough to tell a
// listing (no operands, -l, -V, -h) from a mount and to find the device and
// the mount point.
func parseMountArgs(args []string) (mountArgs, bool) {
	var (
		m        mountArgs
		operands []string
	)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-l" || a == "-V" || a == "-h" || a == "--help" || a == "--version" || a == "--list":
			if len(operands) == 0 && i == len(args)-1 {
				return m, false
			}
		case a == "-t" || a == "--types":
			if i+1 < len(args) {
				m.FSType = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--types="):
			m.FSType = strings.TrimPrefix(a, "--types=")
		case strings.HasPrefix(a, "-t") && len(a) > 2:
			m.FSType = a[2:]
		case a == "-L" || a == "-U" || a == "--label" || a == "--uuid" || strings.HasPrefix(a, "--label=") || strings.HasPrefix(a, "--uuid="):
			m.ByTag = true
			if !strings.Contains(a, "=") {
				i++
			}
		case a == "-o" || a == "--options" || a == "-O" || a == "--test-opts" || a == "-N" || a == "--namespace":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			operands = append(operands, a)
		}
	}
	switch len(operands) {
	case 0:
		if m.ByTag {
			return m, true // mount -L root: the mount point comes from fstab
		}
		return m, false
	case 1:
		if !m.ByTag && (mountArgs{Source: operands[0]}).blockDevice() {
			m.Source = operands[0] // mount /dev/sda1: the mount point comes from fstab
		} else {
			m.Target = operands[0]
		}
	default:
		m.Source, m.Target = operands[0], operands[1]
	}
	return m, true
}

func loadsModule(name string, args []string) bool {
	if name == "kmod" {
		return len(args) > 0 && (args[0] == "insmod" || args[0] == "load")
	}
	operand := false
	for _, a := range args {
		switch a {
		case "-r", "--remove", "-n", "--dry-run", "--show-depends", "-D", "-c", "--showconfig", "-l", "--list", "-V", "--version", "-h", "--help":
			return false
		}
		if !strings.HasPrefix(a, "-") {
			operand = true
		}
	}
	return operand
}

// runtimeCLITalks reports whether a runtime CLI invocation reaches a runtime
// socket: anything but asking for its own version or help, or talking to a
// daemon over the network (docker -H tcp://dind:2375, a CI job's
// Docker-in-Docker sidecar). podman runs without a daemon unless told to use
// a remote socket. Only the global options (before the subcommand) are the
// CLI's own: "-v" and "-h" after it are a volume and a hostname (docker run
// -v /:/host), and an option after it may belong to the command run in a
// container.
func runtimeCLITalks(name string, args []string) bool {
	globals, sub := cliGlobals(name, args)
	for _, a := range globals {
		switch a {
		case "--version", "-v", "--help", "-h":
			return false
		}
	}
	if len(sub) == 0 {
		return false // no subcommand: the CLI prints its usage
	}
	switch sub[0] {
	case "version", "help", "completion":
		return false
	}
	if hasArg(sub, "--help") {
		return false
	}
	var endpoints []string
	switch name {
	case "docker":
		endpoints = optionValues(globals, "-H", "--host")
	case "crictl":
		endpoints = optionValues(globals, "-r", "--runtime-endpoint")
	case "podman":
		endpoints = optionValues(globals, "", "--url")
		if len(endpoints) == 0 && !hasArg(globals, "--remote") && !hasArg(globals, "-r") &&
			len(optionValues(globals, "-c", "--connection")) == 0 {
			return false
		}
	}
	if len(endpoints) == 0 {
		return true // the default: the local socket
	}
	for _, v := range endpoints {
		if !isNetworkEndpoint(v) {
			return true
		}
	}
	return false
}

// cliValueOptions are the global options of docker, crictl, ctr, nerdctl and
// podman that take their value from the next argument.
var cliValueOptions = map[string]bool{
	"-H": true, "--host": true, "--config": true, "-c": true, "--context": true, "-l": true, "--log-level": true,
	"--tlscacert": true, "--tlscert": true, "--tlskey": true, "-r": true, "--runtime-endpoint": true,
	"-i": true, "--image-endpoint": true, "-t": true, "--timeout": true, "-a": true, "--address": true,
	"-n": true, "--namespace": true, "--connect-timeout": true, "--url": true, "--connection": true,
	"--identity": true, "--root": true, "--runroot": true, "--storage-driver": true, "--data-root": true,
}

// cliGlobals splits a runtime CLI's arguments into its global options and
// the rest, from the subcommand on. An unknown option that takes a value
// makes the value look like the subcommand; that only ends the global
// options early, which errs towards the socket being used.
func cliGlobals(name string, args []string) (globals, sub []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "--" {
			return args[:i], args[i:]
		}
		if a == "-r" && name == "podman" {
			continue // podman's -r is --remote, a flag; crictl's is the endpoint
		}
		if cliValueOptions[a] {
			i++
		}
	}
	return args, nil
}

// optionValues returns the values of an option among global options, in
// the "-H v", "--host v", "--host=v" and "-Hv" forms.
func optionValues(globals []string, short, long string) []string {
	var out []string
	for i := 0; i < len(globals); i++ {
		a := globals[i]
		switch {
		case a == long || (short != "" && a == short):
			if i+1 < len(globals) {
				out = append(out, globals[i+1])
				i++
			}
		case strings.HasPrefix(a, long+"="):
			out = append(out, a[len(long)+1:])
		case short != "" && len(a) > len(short) && strings.HasPrefix(a, short) && !strings.HasPrefix(a, "--"):
			out = append(out, strings.TrimPrefix(a[len(short):], "="))
		}
	}
	return out
}

func isNetworkEndpoint(v string) bool {
	for _, scheme := range [...]string{"tcp://", "ssh://", "http://", "https://"} {
		if strings.HasPrefix(v, scheme) {
			return true
		}
	}
	return false
}

func firstOperand(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// writtenPaths returns the files a file-writing command writes.
func writtenPaths(name string, args []string) []string {
	var ops []string
	for _, a := range args {
		if name == "dd" {
			if of, ok := strings.CutPrefix(a, "of="); ok {
				ops = append(ops, of)
			}
			continue
		}
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	switch name {
	case "cp", "mv", "install":
		if len(ops) > 0 {
			return ops[len(ops)-1:]
		}
		return nil
	}
	return ops
}

// signatureRules maps producer detections to rules, for records whose
// fields alone do not show the action (sparse Falco outputs, Tracee
// signatures).
var signatureRules = map[string]Hit{
	"Detect release_agent File Container Escapes": {Rule: RuleA04, Severity: schemas.SeverityHigh, Write: true},
	"cgroup_release_agent":                        {Rule: RuleA04, Severity: schemas.SeverityHigh, Write: true},
	"cgroup_notify_on_release":                    {Rule: RuleA04, Severity: schemas.SeverityHigh, Write: true},
	"core_pattern_modification":                   {Rule: RuleA05, Severity: schemas.SeverityHigh, Write: true},
	"system_request_key_mod":                      {Rule: RuleA06, Severity: schemas.SeverityHigh, Write: true},
	"system_request_key_config_modification":      {Rule: RuleA06, Severity: schemas.SeverityHigh, Write: true},
	"disk_mount":                                  {Rule: RuleA03, Severity: schemas.SeverityMedium, BlockDevice: true},
	"Mount Launched in Privileged Container":      {Rule: RuleA03, Severity: schemas.SeverityMedium},
	"docker_abuse":                                {Rule: RuleA08, Severity: schemas.SeverityHigh},
	"kernel_module_loading":                       {Rule: RuleA07, Severity: schemas.SeverityHigh},
	"Linux Kernel Module Injection Detected":      {Rule: RuleA07, Severity: schemas.SeverityHigh},
	"Change thread namespace":                     {Rule: RuleA01, Severity: schemas.SeverityMedium},
	"Change namespace privileges via unshare":     {Rule: RuleA02, Severity: schemas.SeverityLow},
	"Debugfs Launched in Privileged Container":    {Rule: RuleA10, Severity: schemas.SeverityMedium},
	"PTRACE attached to process":                  {Rule: RuleA11, Severity: schemas.SeverityMedium},
	"ptrace_code_injection":                       {Rule: RuleA11, Severity: schemas.SeverityMedium},
	"process_vm_write_code_injection":             {Rule: RuleA11, Severity: schemas.SeverityMedium},
	"proc_mem_code_injection":                     {Rule: RuleA11, Severity: schemas.SeverityMedium, Write: true},
	"sched_debug_recon":                           {Rule: RuleA15, Severity: schemas.SeverityInfo},
	"proc_kcore_read":                             {Rule: RuleA15, Severity: schemas.SeverityInfo},
}

func classifySignature(ev *schemas.Event, h *Hits) {
	hit, ok := signatureRules[ev.Signature]
	if !ok || h.Has(hit.Rule) {
		return
	}
	hit.Detail = ev.Producer.String() + " detection \"" + ev.Signature + "\""
	if ev.File.Path != "" {
		hit.Detail += " on " + ev.File.Path
	} else if ev.Process.Name != "" {
		hit.Detail += " by " + ev.Process.Name
	}
	h.add(hit)
}
