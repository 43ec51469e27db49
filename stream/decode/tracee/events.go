package tracee

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeBase maps an ordinary (non-signature) event: the event name is the
// syscall or kernel hook, the arguments give the facts.
func decodeBase(r *record, ev *schemas.Event) {
	ev.Kind = kindOf(r.name)
	if ev.Kind != schemas.KindContainerStart && ev.Kind != schemas.KindContainerEnd &&
		!strings.HasPrefix(r.name, "net_packet_") {
		ev.Syscall = r.name
	}
	applyArgs(ev, r.t, r.name, r.args)
	if isExec(r.name) {
		execIdentity(ev, r.name, r.processName)
	}
	ev.Denied = r.hasReturn && r.returnValue < 0
}

// decodeSignature maps a detection. Its facts come from the event that
// triggered it (args triggeredBy in layouts 1–2, detected_from in layout 3)
// and from the detection's own output data.
func decodeSignature(r *record, ev *schemas.Event) {
	t := r.t
	ev.Signature = signatureName(r)
	trigger := applyArgs(ev, t, r.name, r.args)
	if t.Kind(trigger) != parse.KindObject {
		trigger = r.detected
	}
	ev.Kind = schemas.KindSyscall
	if ev.Signature == "dropped_executable" {
		ev.File.Write = true
	}
	if t.Kind(trigger) != parse.KindObject {
		ev.Syscall = r.syscall
		if ev.Process.ArgvJSON != "" && ev.File.Path != "" {
			// Exec detections of old releases (fileless_execution) carry
			// the sched_process_exec arguments themselves.
			ev.Kind = schemas.KindProcess
			ev.Process.Exe, ev.File.Path = ev.File.Path, ""
		}
		return
	}
	name := str(t, t.Get(trigger, "name"))
	ev.Syscall = name
	if isExec(name) {
		ev.Kind = schemas.KindProcess
	}
	args := t.Get(trigger, "args")
	if !args.Exists() {
		args = t.Get(trigger, "data")
	}
	applyArgs(ev, t, name, args)
	if isExec(name) {
		execIdentity(ev, name, r.processName)
	}
	if rv, ok := intValue(t, t.Get(trigger, "returnValue")); ok && rv < 0 {
		ev.Denied = true
	}
}

// kindOf classifies a base event by its name.
func kindOf(name string) schemas.Kind {
	switch {
	case isExec(name):
		return schemas.KindProcess
	case name == "container_create" || name == "existing_container":
		return schemas.KindContainerStart
	case name == "container_remove":
		return schemas.KindContainerEnd
	case name == "sched_process_exit" || name == "sched_process_free" || name == "init_namespaces":
		return schemas.KindLifecycle
	}
	return schemas.KindSyscall
}

func isExec(name string) bool {
	return name == "execve" || name == "execveat" || name == "sched_process_exec"
}

// execIdentity names the executed program. execve and execveat are traced
// at syscall entry, while the caller still runs the old image: the program
// is the pathname argument and the caller's name is the parent's. After
// sched_process_exec the process name is already the new one.
func execIdentity(ev *schemas.Event, event, processName string) {
	p := &ev.Process
	if p.Exe == "" {
		return
	}
	if event != "sched_process_exec" {
		p.ParentName = processName
		p.Name = schemas.Base(p.Exe)
		return
	}
	if p.Name == "" {
		p.Name = schemas.Base(p.Exe)
	}
}

// signatureName returns the detection's event name. Old releases (≤ v0.10)
// wrote the human-readable signature name as eventName; those are mapped
// back through the signature id to the event name later releases use.
func signatureName(r *record) string {
	if isEventName(r.name) {
		return r.name
	}
	id := str(r.t, lookup(r.t, r.metadata, "Properties", "signatureID"))
	if name, ok := signatureEvents[id]; ok {
		return name
	}
	return r.name
}

// isEventName reports whether s looks like a Tracee event name
// (lower-case words joined by underscores).
func isEventName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return s != ""
}

// signatureEvents maps Tracee signature ids to the event names their
// detections produce (aquasecurity/tracee signatures/golang/*.go
// EventName, detectors/*.go ProducedEvent.Name).
var signatureEvents = map[string]string{
	"TRC-102":  "anti_debugging",
	"TRC-103":  "ptrace_code_injection",
	"TRC-104":  "dynamic_code_loading",
	"TRC-105":  "fileless_execution",
	"TRC-106":  "cgroup_notify_on_release",
	"TRC-107":  "ld_preload",
	"TRC-1010": "cgroup_release_agent",
	"TRC-1011": "core_pattern_modification",
	"TRC-1014": "disk_mount",
	"TRC-1016": "illegitimate_shell",
	"TRC-1017": "kernel_module_loading",
	"TRC-1018": "k8s_cert_theft",
	"TRC-1019": "docker_abuse",
	"TRC-1021": "proc_kcore_read",
	"TRC-1022": "dropped_executable",
	"TRC-1023": "proc_mem_access",
	"TRC-1024": "proc_mem_code_injection",
	"TRC-1025": "process_vm_write_inject",
	"TRC-1029": "sched_debug_recon",
	"TRC-1031": "system_request_key_mod",
}

// applyArgs takes the facts of one event's arguments, interpreted by the
// event's name, and returns the triggeredBy argument when there is one.
func applyArgs(ev *schemas.Event, t *parse.Tape, event string, args parse.Node) (trigger parse.Node) {
	trigger = parse.Missing
	for arg := t.First(args); arg.Exists(); arg = t.Next(arg) {
		name, value := argument(t, arg)
		if name == "triggeredBy" || name == "triggered_by" {
			trigger = value
			continue
		}
		applyArg(ev, t, event, name, value)
	}
	return trigger
}

// argument splits one argument into its name and value. Layouts 1–2 write
// {name, type, value}; the v1beta1 marshaller writes {name, value}; protojson
// writes {name, <type>: value} with arrays wrapped as {value: [...]}.
func argument(t *parse.Tape, arg parse.Node) (name string, value parse.Node) {
	value = parse.Missing
	for c := t.First(arg); c.Exists(); c = t.Next(c) {
		switch key := t.Key(c); key {
		case "name":
			name = str(t, c)
		case "type":
			// The C type of layouts 1–2 says nothing the value does not.
		default:
			value = c
			if t.Kind(c) == parse.KindObject && (strings.HasSuffix(key, "array") || strings.HasSuffix(key, "Array")) {
				value = t.Get(c, "value")
			}
		}
	}
	return name, value
}

func applyArg(ev *schemas.Event, t *parse.Tape, event, name string, v parse.Node) {
	switch event {
	case "security_sb_mount":
		switch name {
		case "dev_name":
			ev.Mount.Source = str(t, v)
		case "path":
			ev.Mount.Target = str(t, v)
		case "type":
			ev.Mount.FSType = str(t, v)
		}
		return
	case "mount":
		switch name {
		case "source":
			ev.Mount.Source = str(t, v)
		case "target":
			ev.Mount.Target = str(t, v)
		case "filesystemtype":
			ev.Mount.FSType = str(t, v)
		}
		return
	case "ptrace":
		if name == "request" {
			ev.File.Op = ptraceRequest(t, v)
		}
		return
	}
	switch name {
	case "pathname":
		path := str(t, v)
		if path == "" {
			return
		}
		if isExec(event) {
			ev.Process.Exe = path
		} else {
			ev.File.Path = path
		}
	case "syscall_pathname", "path":
		if ev.File.Path == "" && !isExec(event) {
			ev.File.Path = str(t, v)
		}
	case "new_path":
		ev.File.Path = str(t, v)
		ev.File.Write = true
		ev.File.Op = "rename"
	case "flags":
		switch event {
		case "unshare":
			ev.NSFlags = nsFlags(t, v)
		case "security_file_open", "open", "openat", "openat2":
			ev.File.Write = writeFlags(t, v)
		}
	case "nstype":
		ev.NSFlags = nsFlags(t, v)
	case "remote_addr", "addr":
		sockaddr(ev, t, v)
	case "dst":
		ev.Net.Addr = str(t, v)
	case "dst_port":
		port, _ := intValue(t, v)
		ev.Net.Port = int(port)
	case "argv":
		if t.Kind(v) == parse.KindArray {
			ev.Process.ArgvJSON = t.Raw(v)
		}
	case "cwd":
		ev.Process.Cwd = str(t, v)
	case "container_id":
		id, runtime := schemas.NormalizeContainerID(str(t, v))
		ev.Container.ID, ev.Container.Runtime, ev.Container.Host = id, runtime, false
	case "container_name":
		ev.Container.Name = str(t, v)
	case "container_image":
		ev.Container.Image = str(t, v)
	case "pod_name":
		ev.Pod.Name = str(t, v)
	case "pod_namespace":
		ev.Pod.Namespace = str(t, v)
	case "pod_uid":
		ev.Pod.UID = str(t, v)
	}
}
