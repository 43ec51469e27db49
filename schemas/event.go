package schemas

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one normalized observation. Every input format decodes into it;
// the correlator reads nothing else.
//
// Decoders fill an Event in place and may leave its strings pointing into the
// record they decoded (no copies on the hot path). Call Detach before keeping
// an Event beyond the life of that record.
type Event struct {
	// Time is the event time: when it happened at the producer, never when
	// escapewatch read it.
	Time time.Time `json:"time"`
	// IngestTime is the broker timestamp of the input record (streaming
	// only). It feeds latency metrics and never detection.
	IngestTime time.Time `json:"ingest_time,omitzero"`
	Source     Source    `json:"source"`
	Producer   Producer  `json:"producer"`
	Kind       Kind      `json:"kind"`
	// NativeID identifies the record at its producer (audit auditID,
	// Falcosidekick uuid, auditd node+serial). Detach fills it with a content
	// hash when the producer has none, so it is never empty on a kept event.
	NativeID string `json:"native_id,omitempty"`
	// Stage is the Kubernetes audit stage; empty for other producers.
	Stage string `json:"stage,omitempty"`

	Cluster   string    `json:"cluster,omitempty"`
	Node      string    `json:"node,omitempty"`
	Pod       Pod       `json:"pod,omitzero"`
	Container Container `json:"container,omitzero"`
	Actor     Actor     `json:"actor,omitzero"`

	// Spec carries the security context of a pod or container start
	// (KindPodSpec, KindContainerStart); nil elsewhere.
	Spec *PodSpec `json:"spec,omitempty"`
	// Statuses links container ids to container names of the pod
	// (KindPodStatus, or runtime events with pod labels).
	Statuses []ContainerStatus `json:"statuses,omitempty"`
	Session  Session           `json:"session,omitzero"`
	Process  Process           `json:"process,omitzero"`

	// Syscall is the system call or kernel hook, lower case and without
	// architecture prefixes: "setns", "mount", "openat", "init_module",
	// "security_file_permission" ...
	Syscall string `json:"syscall,omitempty"`
	// NSFlags holds the CLONE_NEW* flags of setns / unshare when known.
	NSFlags uint64 `json:"ns_flags,omitempty"`
	File    File   `json:"file,omitzero"`
	Mount   Mount  `json:"mount,omitzero"`
	Net     Net    `json:"net,omitzero"`
	// Signature is the producer's own detection name: a Falco rule, a Tracee
	// signature name, a Tetragon policy name.
	Signature string `json:"signature,omitempty"`
	// Denied is set when the producer reports the action was refused or
	// failed (audit response code >= 400, syscall returned an error).
	Denied bool `json:"denied,omitempty"`

	// Ref says where the record was read from.
	Ref Ref `json:"ref"`

	// Raw is the decoded record. It is not serialized and Detach drops it.
	Raw []byte `json:"-"`
}

// Pod names a Kubernetes pod.
type Pod struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	UID       string `json:"uid,omitempty"`
}

// IsZero reports whether the pod is unnamed.
func (p Pod) IsZero() bool { return p.Namespace == "" && p.Name == "" && p.UID == "" }

// Container names a container as the record saw it.
type Container struct {
	// ID is lower-case hex without a runtime prefix; it may be a prefix of
	// the full 64-hex id (Falco uses 12 characters, Tetragon's docker field
	// 24 or 31). Use NormalizeContainerID to produce it.
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
	// Runtime is docker, containerd or cri-o when the record says so.
	Runtime string `json:"runtime,omitempty"`
	// Host is set when the record states that the process runs on the host,
	// outside any container (Falco container.id=host, Tetragon without pod
	// or docker fields, Tracee with an empty container id).
	Host bool `json:"host,omitempty"`
	// Privileged is set when the producer reports the container privileged
	// (Falco container.privileged, Tetragon security_context.privileged, or
	// the full capability set on a process).
	Privileged bool `json:"privileged,omitempty"`
	// Caps is a bitmask of capabilities (1 << CAP_NUMBER) that the producer
	// reports effective for the process; CapsKnown says whether it did.
	Caps      uint64 `json:"caps,omitempty"`
	CapsKnown bool   `json:"caps_known,omitempty"`
	// StartTime is when the container started, if the record says.
	StartTime time.Time `json:"start_time,omitzero"`
}

// Actor is who asked for the action (Kubernetes user, exec user).
type Actor struct {
	User   string   `json:"user,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// PodSpec is the security-relevant part of a pod or container specification.
type PodSpec struct {
	HostPID     bool `json:"host_pid,omitempty"`
	HostIPC     bool `json:"host_ipc,omitempty"`
	HostNetwork bool `json:"host_network,omitempty"`
	// Volumes lists hostPath volumes only.
	Volumes    []Volume        `json:"volumes,omitempty"`
	Containers []ContainerSpec `json:"containers,omitempty"`
	// ServiceAccount is the pod's service account name.
	ServiceAccount string `json:"service_account,omitempty"`
	// Owner is the controlling owner as "Kind/name" (ReplicaSet/web-5d4f…).
	Owner string `json:"owner,omitempty"`
}

// Volume is a hostPath volume of a pod.
type Volume struct {
	Name     string `json:"name"`
	HostPath string `json:"host_path"`
}

// ContainerSpec is one container of a PodSpec.
type ContainerSpec struct {
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
	// Type is "container", "init" or "ephemeral".
	Type       string `json:"type,omitempty"`
	Privileged bool   `json:"privileged,omitempty"`
	// CapAdd holds added capabilities, upper case without the CAP_ prefix.
	CapAdd []string `json:"cap_add,omitempty"`
	// Mounts holds the host paths bind-mounted into the container.
	Mounts     []HostMount `json:"mounts,omitempty"`
	WorkingDir string      `json:"working_dir,omitempty"`
}

// HostMount is a host path mounted into a container.
type HostMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// ContainerStatus links a container id to its name within a pod.
type ContainerStatus struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id"`
}

// Session describes an interactive entry into a container or pod.
type Session struct {
	// Type is "exec", "attach", "ephemeral", "debug" or "proxy".
	Type string `json:"type,omitempty"`
	// Container is the target container name when the session names one.
	Container string `json:"container,omitempty"`
	// Command is the command line run by the session, if any.
	Command string `json:"command,omitempty"`
}

// Process is the process that performed the action.
type Process struct {
	PID int64 `json:"pid,omitempty"`
	// Exe is the executable path when known, else empty.
	Exe string `json:"exe,omitempty"`
	// Name is the process name (comm or basename of Exe).
	Name string `json:"name,omitempty"`
	// Args holds the arguments without argv[0], space separated as the
	// producer prints them (quotes kept where the producer keeps them).
	Args string `json:"args,omitempty"`
	// ArgvJSON is a JSON array of the full argv, for producers that report
	// an array; decoders set it instead of Args to avoid joining. Use Argv.
	ArgvJSON string `json:"-"`
	Cwd      string `json:"cwd,omitempty"`
	UID      int64  `json:"uid"`
	// ParentName is the parent's process name or executable basename.
	ParentName string `json:"parent,omitempty"`
	// ParentArgs holds the parent's arguments, when reported.
	ParentArgs string `json:"parent_args,omitempty"`
	// TTY is set when the process has a controlling terminal.
	TTY bool `json:"tty,omitempty"`
}

// IsZero reports whether nothing is known of the process.
func (p Process) IsZero() bool {
	return p.PID == 0 && p.Exe == "" && p.Name == "" && p.Args == "" && p.ArgvJSON == "" && p.Cwd == ""
}

// Command returns the process name: Name, else the basename of Exe.
func (p Process) Command() string {
	if p.Name != "" {
		return p.Name
	}
	return Base(p.Exe)
}

// File is a file the action touched.
type File struct {
	Path string `json:"path,omitempty"`
	// Write is set for opens for writing, creation, truncation, rename
	// targets and writes.
	Write bool `json:"write,omitempty"`
	// Op is the producer's operation name when more precise (rename,
	// unlink, mkdir …).
	Op string `json:"op,omitempty"`
}

// Mount is a mount operation.
type Mount struct {
	Source string `json:"source,omitempty"`
	Target string `json:"target,omitempty"`
	FSType string `json:"fstype,omitempty"`
}

// Net is a network or socket operation.
type Net struct {
	// UnixPath is the path of a unix socket connected to.
	UnixPath string `json:"unix_path,omitempty"`
	Addr     string `json:"addr,omitempty"`
	Port     int    `json:"port,omitempty"`
}

// Ref says where a record came from: a topic position in streaming mode or a
// file line in scan mode.
type Ref struct {
	Topic     string `json:"topic,omitempty"`
	Partition int32  `json:"partition,omitempty"`
	Offset    int64  `json:"offset,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
}

// Reset clears the event for reuse, keeping no references.
func (e *Event) Reset() { *e = Event{} }

// Bounds of a detached event: a kept event travels through the keyed topic
// and into alert evidence, so its size must not follow the size of the
// record. Longer strings are cut (ending in "…"), longer lists shortened.
const (
	MaxFieldBytes = 4096
	MaxListLen    = 128
)

// Detach copies every string the event holds so that it no longer refers to
// the record it was decoded from, fills NativeID with a content hash when the
// producer gave none, cuts fields to MaxFieldBytes and lists to MaxListLen,
// and drops Raw.
func (e *Event) Detach() {
	if e.NativeID == "" && len(e.Raw) > 0 {
		e.NativeID = ContentID(e.Raw)
	}
	e.NativeID = own(e.NativeID)
	e.Stage = own(e.Stage)
	e.Cluster = own(e.Cluster)
	e.Node = own(e.Node)
	e.Pod.Namespace = own(e.Pod.Namespace)
	e.Pod.Name = own(e.Pod.Name)
	e.Pod.UID = own(e.Pod.UID)
	e.Container.ID = own(e.Container.ID)
	e.Container.Name = own(e.Container.Name)
	e.Container.Image = own(e.Container.Image)
	e.Container.Runtime = own(e.Container.Runtime)
	e.Actor.User = own(e.Actor.User)
	e.Actor.Groups = ownStrings(e.Actor.Groups)
	if e.Spec != nil {
		e.Spec = e.Spec.clone()
	}
	if e.Statuses != nil {
		st := make([]ContainerStatus, min(len(e.Statuses), MaxListLen))
		for i, s := range e.Statuses[:len(st)] {
			st[i] = ContainerStatus{Name: own(s.Name), ID: own(s.ID)}
		}
		e.Statuses = st
	}
	e.Session.Type = own(e.Session.Type)
	e.Session.Container = own(e.Session.Container)
	e.Session.Command = own(e.Session.Command)
	p := &e.Process
	if p.ArgvJSON != "" && p.Args == "" {
		if argv := p.Argv(); len(argv) > 0 {
			p.Args = JoinArgs(argv[1:])
			if p.Name == "" {
				p.Name = Base(argv[0])
			}
		}
	}
	p.ArgvJSON = ""
	p.Exe = own(p.Exe)
	p.Name = own(p.Name)
	p.Args = own(p.Args)
	p.Cwd = own(p.Cwd)
	p.ParentName = own(p.ParentName)
	p.ParentArgs = own(p.ParentArgs)
	e.Syscall = own(e.Syscall)
	e.File.Path = own(e.File.Path)
	e.File.Op = own(e.File.Op)
	e.Mount.Source = own(e.Mount.Source)
	e.Mount.Target = own(e.Mount.Target)
	e.Mount.FSType = own(e.Mount.FSType)
	e.Net.UnixPath = own(e.Net.UnixPath)
	e.Net.Addr = own(e.Net.Addr)
	e.Signature = own(e.Signature)
	e.Ref.Topic = own(e.Ref.Topic)
	e.Ref.File = strings.Clone(e.Ref.File)
	e.Raw = nil
}

// own returns a copy of s that shares no memory with the record, cut to
// MaxFieldBytes at a character boundary.
func own(s string) string {
	if len(s) <= MaxFieldBytes {
		return strings.Clone(s)
	}
	const ellipsis = "…"
	cut := MaxFieldBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

func (s *PodSpec) clone() *PodSpec {
	c := &PodSpec{
		HostPID:        s.HostPID,
		HostIPC:        s.HostIPC,
		HostNetwork:    s.HostNetwork,
		ServiceAccount: own(s.ServiceAccount),
		Owner:          own(s.Owner),
	}
	if s.Volumes != nil {
		c.Volumes = make([]Volume, min(len(s.Volumes), MaxListLen))
		for i, v := range s.Volumes[:len(c.Volumes)] {
			c.Volumes[i] = Volume{Name: own(v.Name), HostPath: own(v.HostPath)}
		}
	}
	if s.Containers != nil {
		c.Containers = make([]ContainerSpec, min(len(s.Containers), MaxListLen))
		for i, cs := range s.Containers[:len(c.Containers)] {
			n := ContainerSpec{
				Name:       own(cs.Name),
				Image:      own(cs.Image),
				Type:       own(cs.Type),
				Privileged: cs.Privileged,
				CapAdd:     ownStrings(cs.CapAdd),
				WorkingDir: own(cs.WorkingDir),
			}
			if cs.Mounts != nil {
				n.Mounts = make([]HostMount, min(len(cs.Mounts), MaxListLen))
				for j, m := range cs.Mounts[:len(n.Mounts)] {
					n.Mounts[j] = HostMount{Source: own(m.Source), Target: own(m.Target), ReadOnly: m.ReadOnly}
				}
			}
			c.Containers[i] = n
		}
	}
	return c
}

func ownStrings(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, min(len(in), MaxListLen))
	for i, s := range in[:len(out)] {
		out[i] = own(s)
	}
	return out
}

// MarshalJSON writes a file reference as {"file","line"} and a topic
// reference as {"topic","partition","offset"}, as CONTRACT §3 shows them.
func (r Ref) MarshalJSON() ([]byte, error) {
	if r.File != "" || r.Topic == "" {
		return json.Marshal(struct {
			File string `json:"file"`
			Line int    `json:"line"`
		}{r.File, r.Line})
	}
	return json.Marshal(struct {
		Topic     string `json:"topic"`
		Partition int32  `json:"partition"`
		Offset    int64  `json:"offset"`
	}{r.Topic, r.Partition, r.Offset})
}
