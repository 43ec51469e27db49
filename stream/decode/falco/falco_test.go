package falco

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

const publicDir = "../../../testdata/public/falco"

// record is one alert of a fixture file.
type record struct {
	file string // base name
	line int
	raw  string
}

// readRecords returns the JSON lines of the files matching pattern.
func readRecords(t testing.TB, pattern string) []record {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (err %v)", pattern, err)
	}
	var out []record
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				out = append(out, record{filepath.Base(name), n, line})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// goodRecords returns every alert that must decode: the public fixtures
// and this package's synthetic ones.
func goodRecords(t testing.TB) []record {
	recs := readRecords(t, publicDir+"/*.jsonl")
	for _, r := range readRecords(t, "testdata/*.jsonl") {
		if r.file != "bad.jsonl" {
			recs = append(recs, r)
		}
	}
	return recs
}

func find(t *testing.T, recs []record, file string, line int) string {
	t.Helper()
	for _, r := range recs {
		if r.file == file && r.line == line {
			return r.raw
		}
	}
	t.Fatalf("no record %s:%d", file, line)
	return ""
}

// checkInvariants asserts what every decoded event must satisfy.
func checkInvariants(t testing.TB, ev *schemas.Event) {
	t.Helper()
	if ev.Time.IsZero() || ev.Time.Location() != time.UTC {
		t.Errorf("time %v is zero or not UTC", ev.Time)
	}
	if ev.Producer != schemas.ProducerFalco || ev.Source == schemas.SourceUnknown || ev.Kind == schemas.KindUnknown {
		t.Errorf("producer/source/kind = %v/%v/%v", ev.Producer, ev.Source, ev.Kind)
	}
	if id := ev.Container.ID; id != "" {
		if n, _ := schemas.NormalizeContainerID(id); n != id {
			t.Errorf("container id %q is not normalized (%q)", id, n)
		}
		if ev.Container.Host {
			t.Errorf("container %q is also marked host", id)
		}
	}
}

// expectFields fails for every non-zero field of want that got does not
// equal; zero fields of want are not checked.
func expectFields(t *testing.T, got, want schemas.Event) {
	t.Helper()
	compareFields(t, "Event", reflect.ValueOf(got), reflect.ValueOf(want))
}

func compareFields(t *testing.T, path string, got, want reflect.Value) {
	t.Helper()
	if want.IsZero() {
		return
	}
	if w, ok := want.Interface().(time.Time); ok {
		if g := got.Interface().(time.Time); !g.Equal(w) {
			t.Errorf("%s = %v, want %v", path, g, w)
		}
		return
	}
	if want.Kind() == reflect.Struct {
		for i := 0; i < want.NumField(); i++ {
			compareFields(t, path+"."+want.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
		return
	}
	if !reflect.DeepEqual(got.Interface(), want.Interface()) {
		t.Errorf("%s = %#v, want %#v", path, got.Interface(), want.Interface())
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeEveryRecord(t *testing.T) {
	for _, r := range goodRecords(t) {
		var ev schemas.Event
		if err := decodeString(r.raw, &ev); err != nil {
			t.Errorf("%s:%d: %v", r.file, r.line, err)
			continue
		}
		checkInvariants(t, &ev)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	recs := goodRecords(t)
	tests := []struct {
		name  string
		file  string
		line  int
		want  schemas.Event
		check func(*testing.T, *schemas.Event)
	}{
		{
			name: "old build, no container fields, integer evt.time.iso8601",
			file: "falco-test-output-host-open.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2016-08-04T16:17:57.881781397Z"), Source: schemas.SourceSyscall,
				Producer: schemas.ProducerFalco, Kind: schemas.KindProcess, Node: "test-falco-hostname",
				Process: schemas.Process{Name: "cat", Args: "/dev/null"}, Signature: "open_from_cat",
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container != (schemas.Container{}) {
					t.Errorf("container = %+v, want none (neither id nor host)", ev.Container)
				}
			},
		},
		{
			name: "terminal shell without source or hostname",
			file: "website-blog-fluxv2-terminal-shell.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2021-06-13T19:35:58.532086161Z"), Source: schemas.SourceSyscall, Kind: schemas.KindProcess,
				Pod:       schemas.Pod{Namespace: "default", Name: "alpine-deployment-77789455d6-m7flp"},
				Container: schemas.Container{ID: "788861c3cf83", Image: "alpine"},
				Session:   schemas.Session{Type: "exec", Command: "sh -c uptime"},
				Process:   schemas.Process{Name: "sh", Args: "-c uptime", ParentName: "runc", TTY: true},
				Signature: "Terminal shell in container",
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Node != "" || ev.NativeID != "" {
					t.Errorf("node/native id = %q/%q, want empty", ev.Node, ev.NativeID)
				}
			},
		},
		{
			name: "terminal shell with node",
			file: "website-channels-terminal-shell-k8s.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2023-05-25T13:44:05.478445995Z"), Kind: schemas.KindProcess, Node: "falco-xczjd",
				Pod:       schemas.Pod{Namespace: "default", Name: "kubecon"},
				Container: schemas.Container{ID: "ee97d9c4186f", Image: "docker.io/library/alpine"},
				Session:   schemas.Session{Type: "exec", Command: "sh -c clear; (bash || ash || sh)"},
				Process:   schemas.Process{Name: "sh", Args: "-c clear; (bash || ash || sh)", ParentName: "runc", TTY: true},
			},
		},
		{
			name: "socket tuple to the API server, image with tag",
			file: "website-blog-openfaas-shell-and-k8s-api.jsonl", line: 2,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "connect",
				Pod:       schemas.Pod{Namespace: "openfaas-fn", Name: "falco-pod-delete-7dc9f5fbb8-gbfk7"},
				Container: schemas.Container{ID: "12fc4de5ccc3", Image: "devopps/falco-pod-delete:latest"},
				Process:   schemas.Process{Name: "handler"},
				Net:       schemas.Net{Addr: "10.96.0.1", Port: 443},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.File.Path != "" || ev.Session.Type != "" {
					t.Errorf("file/session = %+v/%+v, want none", ev.File, ev.Session)
				}
			},
		},
		{
			name: "k8saudit exec",
			file: "website-k8saudit-eks.jsonl", line: 2,
			want: schemas.Event{
				Time: ts("2023-05-10T14:09:24.046826Z"), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerFalco,
				Kind: schemas.KindSession, Node: "falco-k8saudit-eks-96d7f6f99-vwjgc",
				Pod:     schemas.Pod{Namespace: "default", Name: "kubecon"},
				Actor:   schemas.Actor{User: "kubernetes-admin"},
				Session: schemas.Session{Type: "exec", Command: "sh"},
			},
		},
		{
			name: "k8saudit other rule",
			file: "website-k8saudit-eks.jsonl", line: 1,
			want: schemas.Event{
				Source: schemas.SourceK8sAudit, Kind: schemas.KindLifecycle,
				Actor: schemas.Actor{User: "system:node:ip-192-168-34-135.ec2.internal"}, Signature: "K8s Serviceaccount Created",
			},
		},
		{
			name: "k8saudit refused request",
			file: "website-k8saudit-ovh.jsonl", line: 2,
			want: schemas.Event{Kind: schemas.KindLifecycle, Actor: schemas.Actor{User: "yacht"}, Denied: true},
		},
		{
			name: "k8saudit exec, output_fields before time",
			file: "website-k8saudit-ovh.jsonl", line: 4,
			want: schemas.Event{
				Time: ts("2025-02-10T09:29:46.302906Z"), Kind: schemas.KindSession,
				Pod:     schemas.Pod{Namespace: "hello-app", Name: "nginx-676b6c5bbc-4xc6t"},
				Session: schemas.Session{Type: "exec", Command: "cat"},
			},
		},
		{
			name: "Falcosidekick payload: uuid, full id, pod uid, privileged, caps",
			file: "sidekick-privileged-container.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2024-03-05T14:02:11.318224761Z"), Source: schemas.SourceSyscall, Kind: schemas.KindProcess,
				NativeID: "0f6b9a4e-3c1d-4f4e-9a57-1c2b3d4e5f60", Node: "worker-2",
				Pod: schemas.Pod{Namespace: "default", Name: "priv-web", UID: "8a2f3c1e-7b4d-4e5f-9a6b-0c1d2e3f4a5b"},
				Container: schemas.Container{
					ID:   "5b1c4f2e9d3a7e0f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
					Name: "web", Image: "docker.io/library/nginx:1.25", Privileged: true,
					Caps: 1<<41 - 1, CapsKnown: true,
				},
				Process: schemas.Process{
					PID: 41872, Exe: "/usr/sbin/nginx", Name: "nginx", Args: "-g daemon off;", Cwd: "/", ParentName: "containerd-shim",
				},
				Syscall: "execve", Signature: "Launch Privileged Container",
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Process.TTY || ev.Session.Type != "" {
					t.Errorf("tty/session = %v/%q, want none", ev.Process.TTY, ev.Session.Type)
				}
			},
		},
		{
			name: "release_agent rule with only container.id and fd.name",
			file: "release-agent-sparse.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Container: schemas.Container{ID: "3ad7b26ded6d"},
				File: schemas.File{Path: "/tmp/cgrp/release_agent", Write: true},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Syscall != "" || !ev.Process.IsZero() {
					t.Errorf("syscall/process = %q/%+v, want none", ev.Syscall, ev.Process)
				}
			},
		},
		{
			name: "Change thread namespace without evt.type",
			file: "change-thread-namespace.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "setns",
				Pod:       schemas.Pod{Namespace: "default", Name: "attacker"},
				Container: schemas.Container{ID: "3ad7b26ded6d", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 52311, Name: "nsenter", Args: "-t 1 -m -u -n -i sh", ParentName: "bash"},
			},
		},
		{
			name: "connect to the kubelet port",
			file: "kubelet-connect.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "connect",
				Net:     schemas.Net{Addr: "192.168.49.2", Port: 10250},
				Process: schemas.Process{PID: 52410, Exe: "/usr/bin/curl", Name: "curl", Args: "-sk https://192.168.49.2:10250/pods"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Denied || ev.File.Path != "" {
					t.Errorf("denied/file = %v/%q, want neither", ev.Denied, ev.File.Path)
				}
			},
		},
		{
			name: "connect to a unix socket",
			file: "docker-sock-connect.jsonl", line: 1,
			want: schemas.Event{Syscall: "connect", Net: schemas.Net{UnixPath: "/run/containerd/containerd.sock"}},
		},
		{
			name: "Mount Launched in Privileged Container without evt.type or proc.name",
			file: "mount-privileged.jsonl", line: 1,
			want: schemas.Event{
				Kind:      schemas.KindProcess,
				Container: schemas.Container{ID: "3ad7b26ded6d", Privileged: true},
				Process:   schemas.Process{Name: "mount", Args: "/dev/sda1 /mnt"},
			},
		},
		{
			name: "host process, failed setns",
			file: "host-process.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "setns", Denied: true,
				Container: schemas.Container{Host: true}, Process: schemas.Process{Name: "ip", ParentName: "systemd"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container.ID != "" || ev.Container.Name != "" || ev.Container.Image != "" {
					t.Errorf("container = %+v, want host only", ev.Container)
				}
			},
		},
		{
			name: "write-open from evt.arg.flags",
			file: "openat-write-core-pattern.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "openat",
				File: schemas.File{Path: "/proc/sys/kernel/core_pattern", Write: true},
			},
		},
		{
			name: "rename onto release_agent from fs.path.target",
			file: "rename-release-agent.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "renameat2",
				File: schemas.File{Path: "/tmp/cgrp/release_agent", Write: true, Op: "rename"},
			},
		},
		{
			name: "PTRACE attached to process with evt.arg.request",
			file: "ptrace-request.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "ptrace", Signature: "PTRACE attached to process",
				Process: schemas.Process{PID: 52601, Exe: "/usr/bin/gdb", Name: "gdb", Args: "-p 1", ParentName: "bash", TTY: true},
				File:    schemas.File{Op: "PTRACE_ATTACH"},
			},
		},
		{
			name: "PTRACE anti-debug attempt with evt.arg.request",
			file: "ptrace-request.jsonl", line: 2,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "ptrace", Signature: "PTRACE anti-debug attempt",
				File: schemas.File{Op: "PTRACE_TRACEME"},
			},
		},
		{
			name: "ptrace request as evt.arg[request]",
			file: "ptrace-request.jsonl", line: 3,
			want: schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace", File: schemas.File{Op: "PTRACE_PEEKDATA"}},
		},
		{
			name: "ptrace with only evt.rawarg.request: libsinsp's code is not read",
			file: "ptrace-request.jsonl", line: 4,
			want: schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace"},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.File != (schemas.File{}) {
					t.Errorf("file = %+v, want none", ev.File)
				}
			},
		},
		{
			name: "Create Privileged Pod without the privileged field",
			file: "k8saudit-create-privileged-pod.jsonl", line: 1,
			want: schemas.Event{
				Source: schemas.SourceK8sAudit, Kind: schemas.KindPodSpec,
				Pod:   schemas.Pod{Namespace: "default", Name: "priv-web"},
				Actor: schemas.Actor{User: "kubernetes-admin"},
				Spec: &schemas.PodSpec{Containers: []schemas.ContainerSpec{
					{Image: "docker.io/library/nginx:1.25", Type: "container", Privileged: true},
				}},
			},
		},
		{
			name: "Create Sensitive Mount Pod with rendered volumes",
			file: "k8saudit-sensitive-mount-pod.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindPodSpec, Pod: schemas.Pod{Namespace: "default", Name: "hostpath-pod"},
				Spec: &schemas.PodSpec{
					Volumes: []schemas.Volume{{Name: "host-root", HostPath: "/"}},
					Containers: []schemas.ContainerSpec{
						{Image: "busybox:1.36", Type: "container"}, {Image: "nginx", Type: "container"},
					},
				},
			},
		},
		{
			name: "Create HostPid Pod with a JSON list of images",
			file: "k8saudit-sensitive-mount-pod.jsonl", line: 2,
			want: schemas.Event{
				Kind: schemas.KindPodSpec, Pod: schemas.Pod{Namespace: "default", Name: "hostpid-pod"},
				Spec: &schemas.PodSpec{HostPID: true, Containers: []schemas.ContainerSpec{{Image: "busybox:1.36", Type: "container"}}},
			},
		},
		{
			name: "attach with a container and no command",
			file: "k8saudit-attach-ephemeral.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSession, Pod: schemas.Pod{Namespace: "default", Name: "priv-web"},
				Actor: schemas.Actor{User: "dev-alice"}, Session: schemas.Session{Type: "attach", Container: "web"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Session.Command != "" {
					t.Errorf("command = %q, want none (null)", ev.Session.Command)
				}
			},
		},
		{
			name: "ephemeral container",
			file: "k8saudit-attach-ephemeral.jsonl", line: 2,
			want: schemas.Event{
				Kind: schemas.KindSession, Pod: schemas.Pod{Namespace: "default", Name: "priv-web"},
				Session: schemas.Session{Type: "ephemeral", Container: "debugger-7xk2q"},
				Spec: &schemas.PodSpec{Containers: []schemas.ContainerSpec{
					{Name: "debugger-7xk2q", Image: "busybox:1.36", Type: "ephemeral"},
				}},
			},
		},
		{
			name: "plugin source",
			file: "cloudtrail.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2024-06-12T11:14:05Z"), Source: schemas.SourceSyscall, Kind: schemas.KindLifecycle,
				Node: "falco-cloudtrail-0", Signature: "Console Login Without MFA",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ev schemas.Event
			if err := decodeString(find(t, recs, tt.file, tt.line), &ev); err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, &ev)
			expectFields(t, ev, tt.want)
			if tt.check != nil {
				tt.check(t, &ev)
			}
		})
	}
}

// TestDecodeErrors decodes malformed alerts: those of testdata/bad.jsonl
// name their reason in an "expect" field.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want parse.Reason
	}{
		{`["not", "an", "object"]`, parse.ReasonUnrecognized},
		{`{"rule":"x","output_fields":{"evt.time":"soon"}}`, parse.ReasonBadTime},
		{`{"rule":"x","output_fields":{"evt.time":12345}}`, parse.ReasonBadTime},
		{`{"rule":"","time":"2024-06-12T09:41:27Z"}`, parse.ReasonMissingField},
	}
	for _, r := range readRecords(t, "testdata/bad.jsonl") {
		tests = append(tests, struct {
			raw  string
			want parse.Reason
		}{r.raw, parse.Reason(gjson.Get(r.raw, "expect").Str)})
	}
	for _, tt := range tests {
		var ev schemas.Event
		err := decodeString(tt.raw, &ev)
		if got := parse.ReasonOf(err); got != tt.want {
			t.Errorf("decodeString(%.80s) reason %q (%v), want %q", tt.raw, got, err, tt.want)
		}
	}
}

func TestCapMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint64{
		"":                                 0,
		"CAP_SYS_ADMIN":                    schemas.CapBit("SYS_ADMIN"),
		"CAP_DAC_OVERRIDE CAP_SYS_ADMIN":   schemas.CapBit("DAC_OVERRIDE") | schemas.CapBit("SYS_ADMIN"),
		"cap_sys_module, cap_sys_ptrace":   schemas.CapBit("SYS_MODULE") | schemas.CapBit("SYS_PTRACE"),
		"(CAP_NET_RAW,CAP_UNKNOWN_FUTURE)": schemas.CapBit("NET_RAW"),
	} {
		if got := capMask(in); got != want {
			t.Errorf("capMask(%q) = %#x, want %#x", in, got, want)
		}
	}
}

func TestCloneFlags(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint64{
		"":                                     0,
		"CLONE_NEWNET":                         0x40000000,
		"CLONE_NEWUSER|CLONE_NEWNS":            0x10020000,
		"268566528(CLONE_NEWUSER|CLONE_NEWNS)": 0x10020000,
		"CLONE_FILES|CLONE_NEWPID":             0x20000000,
	} {
		if got := cloneFlags(in); got != want {
			t.Errorf("cloneFlags(%q) = %#x, want %#x", in, got, want)
		}
	}
}

func TestPtraceRequest(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                  "",
		"PTRACE_ATTACH":     "PTRACE_ATTACH",
		"PTRACE_SETFPXREGS": "PTRACE_SETFPXREGS",
		"11(PTRACE_ATTACH)": "PTRACE_ATTACH",
		"PTRACE_SEIZE|":     "PTRACE_SEIZE",
		"11":                "",
		"0":                 "",
		"ptrace_attach":     "",
		"PTRACE_":           "",
	} {
		if got := ptraceRequest(in); got != want {
			t.Errorf("ptraceRequest(%q) = %q, want %q", in, got, want)
		}
	}
}

// evt.arg.request names a request only for ptrace: ioctl has one too.
func TestDecodeRequestOfOtherSyscalls(t *testing.T) {
	t.Parallel()
	raw := `{"rule":"Custom ioctl","time":"2024-06-12T09:44:20Z","output_fields":{"evt.type":"ioctl","evt.arg.request":"PTRACE_ATTACH","fd.name":"/dev/tty"}}`
	var ev schemas.Event
	if err := decodeString(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.File.Op != "" {
		t.Errorf("File.Op = %q for an ioctl, want none", ev.File.Op)
	}
}

func TestApplyFD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fdType string
		file         schemas.File
		net          schemas.Net
	}{
		{name: "/etc/shadow", file: schemas.File{Path: "/etc/shadow"}},
		{name: "/etc/shadow", fdType: "f", file: schemas.File{Path: "/etc/shadow"}},
		{name: "/var/run/docker.sock", net: schemas.Net{UnixPath: "/var/run/docker.sock"}},
		{name: "/var/run/docker.sock", fdType: "file", file: schemas.File{Path: "/var/run/docker.sock"}},
		{name: "ffff8d2c->ffff8d2d /run/crio/crio.sock", fdType: "unix", net: schemas.Net{UnixPath: "/run/crio/crio.sock"}},
		{name: "ffff8d2c->ffff8d2d", fdType: "unix"},
		{name: "10.0.0.1:5000->10.0.0.2:10255", net: schemas.Net{Addr: "10.0.0.2", Port: 10255}},
		{name: "[fd00::1]:5000->[fd00::2]:10250", fdType: "ipv6", net: schemas.Net{Addr: "fd00::2", Port: 10250}},
		{name: "0.0.0.0:8080", fdType: "ipv4", net: schemas.Net{Addr: "0.0.0.0", Port: 8080}},
		{name: "pipe:[4026532]"},
		{name: "/dev/null", fdType: "pipe"},
		{name: "host:99999"},
	}
	for _, tt := range tests {
		var ev schemas.Event
		applyFD(&ev, tt.name, tt.fdType)
		if ev.File != tt.file || ev.Net != tt.net {
			t.Errorf("applyFD(%q, %q) = %+v %+v, want %+v %+v", tt.name, tt.fdType, ev.File, ev.Net, tt.file, tt.net)
		}
	}
}

// Routine alerts must not allocate: the image is joined only when a tag
// exists. One Tape is reused across runs, as the dispatcher does.
func TestDecodeAllocations(t *testing.T) {
	recs := readRecords(t, publicDir+"/*.jsonl")
	var tp parse.Tape
	for _, r := range []struct {
		file string
		line int
	}{
		{"website-blog-fluxv2-terminal-shell.jsonl", 1},
		{"falco-test-output-host-open.jsonl", 1},
		{"website-k8saudit-eks.jsonl", 2},
		{"website-channels-terminal-shell-k8s.jsonl", 1},
	} {
		raw := find(t, recs, r.file, r.line)
		var ev schemas.Event
		allocs := testing.AllocsPerRun(100, func() {
			ev.Reset()
			if err := decodeTape(&tp, raw, &ev); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s:%d: %v allocations per decode, want 0", r.file, r.line, allocs)
		}
	}
}

// decodeTape parses raw into tp, reusing it, and decodes it, as the
// dispatcher does.
func decodeTape(tp *parse.Tape, raw string, ev *schemas.Event) error {
	if err := tp.Parse(raw); err != nil {
		return err
	}
	return Decode(tp, tp.Root(), ev)
}

// BenchmarkDecode decodes routine alerts. "valid" is the reference of the
// speed target (one gjson.ValidBytes pass), "parse" the dispatcher's tape
// pass alone, "decode" this package's work on a parsed tape and
// "parse+decode" both, as the dispatcher runs them.
func BenchmarkDecode(b *testing.B) {
	for _, r := range []struct {
		name, file string
		line       int
	}{
		{"shell", "website-channels-terminal-shell-k8s.jsonl", 1},
		{"open", "falco-test-output-host-open.jsonl", 1},
		{"k8saudit", "website-k8saudit-eks.jsonl", 2},
	} {
		raw := readRecords(b, publicDir+"/"+r.file)[r.line-1].raw
		b.Run(r.name+"/valid", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if !gjson.Valid(raw) {
					b.Fatal("invalid")
				}
			}
		})
		var tp parse.Tape
		var ev schemas.Event
		b.Run(r.name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if err := tp.Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(r.name+"/decode", func(b *testing.B) {
			if err := tp.Parse(raw); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				ev.Reset()
				if err := Decode(&tp, tp.Root(), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(r.name+"/parse+decode", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				ev.Reset()
				if err := decodeTape(&tp, raw, &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, r := range goodRecords(f) {
		f.Add(r.raw)
	}
	for _, r := range readRecords(f, "testdata/bad.jsonl") {
		f.Add(r.raw)
	}
	var tp parse.Tape
	f.Fuzz(func(t *testing.T, raw string) {
		if tp.Parse(raw) != nil {
			return // the dispatcher rejects it before any decoder
		}
		var ev schemas.Event
		if err := Decode(&tp, tp.Root(), &ev); err != nil {
			if _, ok := err.(*parse.Error); !ok {
				t.Fatalf("error %v is not a *parse.Error", err)
			}
			return
		}
		checkInvariants(t, &ev)
	})
}
