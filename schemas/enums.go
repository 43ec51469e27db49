package schemas

import (
	"fmt"
	"strings"
)

// Source is the family of stream a record belongs to.
type Source uint8

// The three input families of CONTRACT §1.
const (
	SourceUnknown Source = iota
	SourceK8sAudit
	SourceRuntime
	SourceSyscall
)

var sourceNames = [...]string{"", "k8s_audit", "runtime", "syscall"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("source(%d)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Source) UnmarshalText(b []byte) error {
	v, ok := lookup(sourceNames[:], string(b))
	if !ok {
		return fmt.Errorf("unknown source %q (want one of %s)", b, strings.Join(sourceNames[1:], ", "))
	}
	*s = Source(v)
	return nil
}

// Producer is the tool that wrote a record.
type Producer uint8

// Producers named in CONTRACT §3 evidence.
const (
	ProducerUnknown Producer = iota
	ProducerAPIServer
	ProducerDocker
	ProducerContainerd
	ProducerCRIO
	ProducerFalco
	ProducerTetragon
	ProducerTracee
	ProducerAuditd
)

var producerNames = [...]string{"", "apiserver", "docker", "containerd", "crio", "falco", "tetragon", "tracee", "auditd"}

func (p Producer) String() string {
	if int(p) < len(producerNames) {
		return producerNames[p]
	}
	return fmt.Sprintf("producer(%d)", p)
}

// MarshalText implements encoding.TextMarshaler.
func (p Producer) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Producer) UnmarshalText(b []byte) error {
	v, ok := lookup(producerNames[:], string(b))
	if !ok {
		return fmt.Errorf("unknown producer %q (want one of %s)", b, strings.Join(producerNames[1:], ", "))
	}
	*p = Producer(v)
	return nil
}

// Producers lists every known producer, for metrics label sets.
func Producers() []Producer {
	out := make([]Producer, 0, len(producerNames)-1)
	for i := 1; i < len(producerNames); i++ {
		out = append(out, Producer(i))
	}
	return out
}

// Kind says what an Event reports.
type Kind uint8

// Event kinds.
const (
	KindUnknown Kind = iota
	// KindPodSpec: a pod was created or changed; Spec holds its security
	// context (audit pod create/update/patch, ephemeral containers, docker
	// inspect, Falco k8saudit pod rules).
	KindPodSpec
	// KindPodStatus: container ids of a pod became known (kubelet status
	// patch); Statuses holds them.
	KindPodStatus
	// KindPodDelete: a pod was deleted.
	KindPodDelete
	// KindSession: someone entered a container or pod (exec, attach,
	// ephemeral container, node debug or proxy).
	KindSession
	// KindContainerStart: the runtime created or started a container; may
	// carry Spec and Statuses (from labels).
	KindContainerStart
	// KindContainerEnd: the runtime stopped or removed a container.
	KindContainerEnd
	// KindProcess: a process was executed.
	KindProcess
	// KindSyscall: a system call, kernel hook, file or network operation.
	KindSyscall
	// KindAPI: another API request worth keeping (nodes/proxy).
	KindAPI
	// KindLifecycle: a runtime or API event of no detection value
	// (image pulls, network attach, health checks); decoded, then dropped.
	KindLifecycle
)

var kindNames = [...]string{"", "pod_spec", "pod_status", "pod_delete", "session", "container_start", "container_end", "process", "syscall", "api", "lifecycle"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, ok := lookup(kindNames[:], string(b))
	if !ok {
		return fmt.Errorf("unknown kind %q (want one of %s)", b, strings.Join(kindNames[1:], ", "))
	}
	*k = Kind(v)
	return nil
}

func lookup(names []string, s string) (int, bool) {
	for i, n := range names {
		if i > 0 && n == s {
			return i, true
		}
	}
	return 0, false
}
