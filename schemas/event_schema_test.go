package schemas

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fullEvent sets every field of Event, including the two that are never
// serialized (Raw, Process.ArgvJSON).
func fullEvent() Event {
	return Event{
		Time:     time.Date(2026, 3, 14, 9, 28, 11, 123456789, time.UTC),
		Source:   SourceSyscall,
		Producer: ProducerTetragon,
		Kind:     KindSyscall,
		NativeID: "h:9f86d081884c7d65",
		Stage:    "ResponseComplete",
		Cluster:  "prod-eu-1",
		Node:     "ip-10-0-3-17.eu-west-1.compute.internal",
		Pod:      Pod{Namespace: "payments", Name: "debug-7f9c", UID: "7c1f6a52-3d1e-4f0b-9b0e-2a8d3c5e7f10"},
		Container: Container{
			ID:         "3f2a9c1d0b7e4a5f8c6d2e1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7",
			Name:       "shell",
			Image:      "docker.io/library/alpine:3.19",
			Runtime:    "containerd",
			Host:       true,
			Privileged: true,
			Caps:       1<<21 | 1<<19,
			CapsKnown:  true,
			StartTime:  time.Date(2026, 3, 14, 9, 26, 54, 0, time.UTC),
		},
		Actor: Actor{User: "jane@example.com", Groups: []string{"system:authenticated", "payments-devs"}},
		Spec: &PodSpec{
			HostPID:     true,
			HostIPC:     true,
			HostNetwork: true,
			Volumes:     []Volume{{Name: "host-root", HostPath: "/"}},
			Containers: []ContainerSpec{{
				Name:       "shell",
				Image:      "docker.io/library/alpine:3.19",
				Type:       "container",
				Privileged: true,
				CapAdd:     []string{"SYS_ADMIN", "SYS_PTRACE"},
				Mounts:     []HostMount{{Source: "/", Target: "/host", ReadOnly: true}},
				WorkingDir: "/proc/self/fd/8",
			}},
			ServiceAccount: "default",
			Owner:          "ReplicaSet/debug-7f9c",
		},
		Statuses: []ContainerStatus{{Name: "shell", ID: "3f2a9c1d0b7e4a5f8c6d2e1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7"}},
		Session:  Session{Type: "exec", Container: "shell", Command: "sh -c nsenter -t 1 -m -- bash"},
		Process: Process{
			PID:        4242,
			Exe:        "/usr/bin/nsenter",
			Name:       "nsenter",
			Args:       "--target 1 --mount --uts --ipc --net --pid -- bash",
			ArgvJSON:   `["nsenter","--target","1","--mount","--uts","--ipc","--net","--pid","--","bash"]`,
			Cwd:        "/",
			UID:        0,
			ParentName: "sh",
			ParentArgs: "-c nsenter -t 1 -m -- bash",
			TTY:        true,
		},
		Syscall:   "setns",
		NSFlags:   0x00020000,
		File:      File{Path: "/proc/1/ns/mnt", Write: true, Op: "open"},
		Mount:     Mount{Source: "/dev/nvme0n1p1", Target: "/mnt/host", FSType: "ext4"},
		Net:       Net{UnixPath: "/var/run/docker.sock", Addr: "10.0.3.17", Port: 10250},
		Signature: "Container Escape via nsenter",
		Denied:    true,
		Ref:       Ref{Topic: "syscall-events", Partition: 3, Offset: 1234567},
		Raw:       []byte(`{"process_kprobe":{}}`),
	}
}

func TestEventSchemaFullEvent(t *testing.T) {
	sch := compile(t, EventSchema())
	ev := fullEvent()
	if err := sch.Validate(instance(t, ev)); err != nil {
		t.Fatalf("event with every field set rejected: %v", err)
	}

	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := ev
	want.Raw = nil             // json:"-"
	want.Process.ArgvJSON = "" // json:"-"
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip changed the event:\n got %+v\nwant %+v", back, want)
	}
}

func TestEventSchemaOtherShapes(t *testing.T) {
	sch := compile(t, EventSchema())
	valid := map[string]Event{
		"file ref": {
			Time: time.Date(2026, 3, 14, 11, 2, 40, 500000000, time.UTC), Source: SourceSyscall, Producer: ProducerAuditd,
			Kind: KindSyscall, NativeID: "node-1:4711", Syscall: "connect",
			Net: Net{UnixPath: "/var/run/docker.sock"},
			Ref: Ref{File: "captures/audit.log", Line: 2211},
		},
		"in-memory event (empty ref)": {
			Time: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC), Source: SourceK8sAudit, Producer: ProducerAPIServer,
			Kind: KindPodDelete, Pod: Pod{Namespace: "payments", Name: "debug-7f9c"},
		},
		"process with only uid 0 omitted": {
			Time: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC), Source: SourceRuntime, Producer: ProducerDocker,
			Kind: KindContainerStart, Container: Container{ID: "9d8c7b6a5f4e"}, Spec: &PodSpec{},
		},
	}
	for name, ev := range valid {
		t.Run(name, func(t *testing.T) {
			if err := sch.Validate(instance(t, ev)); err != nil {
				t.Errorf("valid event rejected: %v", err)
			}
		})
	}

	invalid := map[string]func(m map[string]any){
		"unknown kind":      func(m map[string]any) { m["kind"] = "exec" },
		"missing producer":  func(m map[string]any) { delete(m, "producer") },
		"raw serialized":    func(m map[string]any) { m["raw"] = "e30=" },
		"empty pod object":  func(m map[string]any) { m["pod"] = map[string]any{} },
		"empty node":        func(m map[string]any) { m["node"] = "" },
		"bad session type":  func(m map[string]any) { m["session"].(map[string]any)["type"] = "ssh" },
		"process no uid":    func(m map[string]any) { delete(m["process"].(map[string]any), "uid") },
		"time not RFC 3339": func(m map[string]any) { m["time"] = "1773480491" },
	}
	for name, mutate := range invalid {
		t.Run(name, func(t *testing.T) {
			m := instance(t, fullEvent()).(map[string]any)
			mutate(m)
			if err := sch.Validate(m); err == nil {
				t.Errorf("invalid event (%s) accepted", name)
			}
		})
	}
}
