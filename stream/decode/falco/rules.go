package falco

import "github.com/escapewatch/escapewatch/schemas"

// ruleFacts is what a Falco rule's condition guarantees about the event that
// fired it. A rule's output only carries the fields its output string names,
// so these facts fill in what the condition implies when the fields are
// missing; they never override a field the alert does carry.
type ruleFacts struct {
	// kind applies when output_fields has no evt.type.
	kind schemas.Kind
	// syscall applies when output_fields has no evt.type.
	syscall string
	// process applies when output_fields has no proc.name.
	process string
	// session is the Session.Type of an interactive entry the rule infers.
	session string
	// privileged: the condition requires container.privileged=true.
	privileged bool
	// write: the condition requires an open for writing.
	write bool

	// The k8s_audit pod rules: what the request's pod spec asked for.
	hostPID, hostNetwork, hostIPC bool
}

// rules maps Falco rule names (falcosecurity/rules rules/*.yaml and
// falcosecurity/plugins plugins/k8saudit/rules/k8s_audit_rules.yaml) to the
// facts their conditions imply. Rules not listed here only carry their name
// as the Signature.
var rules = map[string]ruleFacts{
	// syscall source
	"Terminal shell in container": {
		// spawned_process and container and shell_procs and proc.tty != 0
		// and container_entrypoint: a shell with a terminal whose parent
		// is the runtime, i.e. an interactive exec into the container.
		kind: schemas.KindProcess, session: "exec",
	},
	"Detect release_agent File Container Escapes": {
		kind: schemas.KindSyscall, write: true, // open_write and fd.name endswith release_agent
	},
	"Modify Container Entrypoint": {
		kind: schemas.KindSyscall, write: true, // open_write of /proc/self/exe or /proc/self/fd/*
	},
	"Change thread namespace": {
		kind: schemas.KindSyscall, syscall: "setns",
	},
	"Change namespace privileges via unshare": {
		kind: schemas.KindSyscall, syscall: "unshare",
	},
	"Mount Launched in Privileged Container": {
		kind: schemas.KindProcess, process: "mount", privileged: true,
	},
	"Debugfs Launched in Privileged Container": {
		kind: schemas.KindProcess, process: "debugfs", privileged: true,
	},
	"Linux Kernel Module Injection Detected": {
		// kernel_module_load is evt.type in (init_module, finit_module);
		// the output does not say which.
		kind: schemas.KindSyscall, syscall: "init_module",
	},
	"PTRACE attached to process": {
		kind: schemas.KindSyscall, syscall: "ptrace",
	},
	"Launch Privileged Container": {
		kind: schemas.KindProcess, privileged: true, // container_started and container.privileged=true
	},
	"Launch Excessively Capable Container": {kind: schemas.KindProcess},
	"Launch Sensitive Mount Container":     {kind: schemas.KindProcess},
	"Privileged Container Device Access":   {kind: schemas.KindSyscall}, // open of /dev/sd* … from fd.name
	"Container Access to Host Sensitive Paths": {
		kind: schemas.KindSyscall, // open under /host/, /rootfs/, /hostfs/ from fd.name
	},
	"Contact K8S API Server From Container": {
		kind: schemas.KindSyscall, syscall: "connect",
	},

	// k8s_audit source
	"Attach/Exec Pod":             {kind: schemas.KindSession, session: "exec"},
	"EphemeralContainers Created": {kind: schemas.KindSession, session: "ephemeral"},
	"Create Privileged Pod":       {kind: schemas.KindPodSpec, privileged: true},
	"Create Sensitive Mount Pod":  {kind: schemas.KindPodSpec},
	"Create HostNetwork Pod":      {kind: schemas.KindPodSpec, hostNetwork: true},
	"Create HostPid Pod":          {kind: schemas.KindPodSpec, hostPID: true},
	"Create HostIPC Pod":          {kind: schemas.KindPodSpec, hostIPC: true},
}
