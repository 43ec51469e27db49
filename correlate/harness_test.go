package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// The helpers below build the events the decoders would produce, so that
// engine tests read as the story they tell: a pod is created, the kubelet
// reports its container ids, someone execs in, a sensor sees a command.

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// ts is t0 plus seconds.
func ts(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// cid is a deterministic full container id for a name.
func cid(name string) string {
	var b strings.Builder
	for b.Len() < schemas.FullIDLen {
		fmt.Fprintf(&b, "%08x", fnv32(name+fmt.Sprint(b.Len())))
	}
	return b.String()[:schemas.FullIDLen]
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func podCreate(sec float64, ns, name, uid, user string, spec schemas.PodSpec) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer,
		Kind: schemas.KindPodSpec, Stage: "ResponseComplete", Pod: schemas.Pod{Namespace: ns, Name: name, UID: uid},
		Actor: schemas.Actor{User: user}, Spec: &spec}
}

func podStatus(sec float64, ns, name, uid string, statuses ...schemas.ContainerStatus) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer,
		Kind: schemas.KindPodStatus, Stage: "ResponseComplete", Pod: schemas.Pod{Namespace: ns, Name: name, UID: uid},
		Actor: schemas.Actor{User: "system:node:node-1"}, Statuses: statuses}
}

func podDelete(sec float64, ns, name, uid string) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer,
		Kind: schemas.KindPodDelete, Stage: "ResponseComplete", Pod: schemas.Pod{Namespace: ns, Name: name, UID: uid},
		Actor: schemas.Actor{User: "dev@example.com"}}
}

func execInto(sec float64, ns, pod, container, user, command string) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer,
		Kind: schemas.KindSession, Stage: "ResponseStarted", Pod: schemas.Pod{Namespace: ns, Name: pod},
		Actor: schemas.Actor{User: user}, Session: schemas.Session{Type: "exec", Container: container, Command: command}}
}

// falcoExec is a Falco execve record naming only the container (Falco's
// 12-character id) and its host.
func falcoExec(sec float64, id, node, name, args string) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceSyscall, Producer: schemas.ProducerFalco,
		Kind: schemas.KindProcess, Node: node, Container: schemas.Container{ID: schemas.ShortID(id)},
		Process: schemas.Process{Name: name, Args: args, PID: 4242}}
}

// falcoOpen is a Falco open record.
func falcoOpen(sec float64, id, node, path string, write bool) *schemas.Event {
	return &schemas.Event{Time: ts(sec), Source: schemas.SourceSyscall, Producer: schemas.ProducerFalco,
		Kind: schemas.KindSyscall, Syscall: "openat", Node: node, Container: schemas.Container{ID: schemas.ShortID(id)},
		Process: schemas.Process{Name: "cat", PID: 4243}, File: schemas.File{Path: path, Write: write}}
}

// inPod adds Falco's Kubernetes fields to a record.
func inPod(ev *schemas.Event, ns, pod, container string) *schemas.Event {
	ev.Pod = schemas.Pod{Namespace: ns, Name: pod}
	ev.Container.Name = container
	return ev
}

func ctr(name, image string, privileged bool, mounts ...schemas.HostMount) schemas.ContainerSpec {
	return schemas.ContainerSpec{Name: name, Image: image, Type: "container", Privileged: privileged, Mounts: mounts}
}

func status(name string) schemas.ContainerStatus {
	return schemas.ContainerStatus{Name: name, ID: cid(name)}
}

// scanEvents runs events through a fresh engine in final mode, as scan
// does, and returns the final alerts in output order.
func scanEvents(t *testing.T, pol *Policy, evs ...*schemas.Event) []*schemas.Alert {
	t.Helper()
	e, err := NewEngine(Config{Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*schemas.Alert
	out := func(o Output) {
		if o.Alert != nil && o.Final {
			alerts = append(alerts, o.Alert)
		}
	}
	for i, ev := range evs {
		if ev.NativeID == "" {
			ev.NativeID = fmt.Sprintf("ev-%d", i+1)
		}
		if err := e.Process(ev, out); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
	}
	e.Flush(out)
	return alerts
}

// ruleList lists alerts as "RULE/severity[/container]", in output order.
func ruleList(alerts []*schemas.Alert) []string {
	out := make([]string, 0, len(alerts))
	for _, a := range alerts {
		s := a.Rule.ID + "/" + a.Severity.String()
		if a.Container != nil {
			s += "/" + a.Container.Name
		}
		out = append(out, s)
	}
	return out
}

// find returns the alerts of a rule.
func find(alerts []*schemas.Alert, rule string) []*schemas.Alert {
	var out []*schemas.Alert
	for _, a := range alerts {
		if a.Rule.ID == rule {
			out = append(out, a)
		}
	}
	return out
}

func mustPolicy(t *testing.T, yml string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(yml))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	return p
}
