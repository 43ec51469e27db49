package tetragon

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

const publicDir = "../../../testdata/public/tetragon"

// record is one event of a fixture file.
type record struct {
	file string // path below the fixture directory
	line int
	raw  string
}

// readRecords returns the events of the files matching pattern: each line
// of a .jsonl file, the whole of a (pretty-printed) .json file.
func readRecords(t testing.TB, dir, pattern string) []record {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s/%s (err %v)", dir, pattern, err)
	}
	var out []record
	for _, name := range files {
		rel, _ := filepath.Rel(dir, name)
		if strings.HasSuffix(name, ".json") {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, record{rel, 1, string(b)})
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				out = append(out, record{rel, n, line})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// goodRecords returns every event that must decode: the public fixtures and
// this package's synthetic ones.
func goodRecords(t testing.TB) []record {
	var recs []record
	for _, pattern := range []string{"*.jsonl", "docs/*.jsonl", "o11y-book/*.json"} {
		recs = append(recs, readRecords(t, publicDir, pattern)...)
	}
	for _, r := range readRecords(t, "testdata", "*.jsonl") {
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
	if ev.Producer != schemas.ProducerTetragon || ev.Source != schemas.SourceSyscall || ev.Kind == schemas.KindUnknown {
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

const (
	privilegedPodID = "85f791fd8dfa740a3b1c177e8f68e8fdb4803a7c8fa0e957a5ec38460ce047ef"
	syntheticID     = "9f3c2a1b7d6e5f40a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e"
	// allCaps38 is the capability set of the 2022 privileged-pod fixtures:
	// every capability up to AUDIT_READ.
	allCaps38 = schemas.AllCaps
	// allCaps41 adds PERFMON, BPF and CHECKPOINT_RESTORE.
	allCaps41 = 1<<41 - 1
)

var (
	syntheticPod       = schemas.Pod{Namespace: "default", Name: "attacker", UID: "3f1d2c4b-5a6e-4f70-8b9c-0d1e2f3a4b5c"}
	syntheticContainer = schemas.Container{
		ID: syntheticID, Name: "shell", Image: "docker.io/library/ubuntu:22.04", Runtime: "containerd",
		Privileged: true, StartTime: ts("2024-06-12T09:30:02Z"),
	}
)

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
			name: "exec in a privileged pod: full caps, docker runtime",
			file: "o11y-book/01-privileged-pod-init.json", line: 1,
			want: schemas.Event{
				Time: ts("2022-01-19T11:05:54.378Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTetragon,
				Kind: schemas.KindProcess, Node: "minikube",
				Pod: schemas.Pod{Namespace: "default", Name: "privileged-pod"},
				Container: schemas.Container{
					ID: privilegedPodID, Name: "privileged-pod", Image: "nginx:latest", Runtime: "docker",
					Privileged: true, Caps: allCaps38, CapsKnown: true, StartTime: ts("2022-01-19T11:05:54Z"),
				},
				Process: schemas.Process{
					PID: 12700, Exe: "/docker-entrypoint.sh", Name: "docker-entrypoint.sh",
					Args: `/docker-entrypoint.sh nginx -g "daemon off;"`, Cwd: "/", ParentName: "containerd-shim",
				},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Session.Type != "" || ev.Container.Host {
					t.Errorf("session/host = %q/%v, want neither", ev.Session.Type, ev.Container.Host)
				}
			},
		},
		{
			name: "bash started by runc exec is an exec session",
			file: "o11y-book/03-privileged-pod-bash.json", line: 1,
			want: schemas.Event{
				Kind:    schemas.KindProcess,
				Session: schemas.Session{Type: "exec"},
				Process: schemas.Process{PID: 17022, Exe: "/bin/bash", Name: "bash", ParentName: "runc"},
			},
		},
		{
			name: "nsenter into the host",
			file: "o11y-book/04-privileged-pod-nsenter.json", line: 1,
			want: schemas.Event{
				Kind:      schemas.KindProcess,
				Container: schemas.Container{ID: privilegedPodID, Privileged: true},
				Process:   schemas.Process{Exe: "/usr/bin/nsenter", Name: "nsenter", Args: "-t 1 -m -u -n -i -p bash", ParentName: "bash"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Session.Type != "" {
					t.Errorf("session = %q, want none (parent is bash)", ev.Session.Type)
				}
			},
		},
		{
			name: "cat with cwd in the static pod manifests",
			file: "o11y-book/06-insert-static-pod-spec-cat.json", line: 1,
			want: schemas.Event{Process: schemas.Process{Name: "cat", Cwd: "/etc/kubernetes/manifests/"}},
		},
		{
			name: "host runc: no pod, no docker field",
			file: "o11y-book/07-host-runc-container-start.json", line: 1,
			want: schemas.Event{
				Kind: schemas.KindProcess, Container: schemas.Container{Host: true, CapsKnown: true},
				Process: schemas.Process{Name: "runc", ParentName: "containerd-shim"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container.ID != "" || ev.Container.Privileged || ev.Container.Caps != 0 || ev.Session.Type != "" {
					t.Errorf("container/session = %+v/%q, want host without effective caps", ev.Container, ev.Session.Type)
				}
			},
		},
		{
			name: "exit",
			file: "o11y-book/process_exit-curl.json", line: 1,
			want: schemas.Event{
				Time: ts("2022-01-19T16:29:02.515Z"), Kind: schemas.KindLifecycle,
				Container: schemas.Container{ID: "86eb9e29a77d432afc7a15b424db1d24a382f3caae26f860ab22df8cb5e96054", Runtime: "docker"},
				Process:   schemas.Process{PID: 115153, Name: "curl", Args: "www.google.com"},
			},
		},
		{
			name: "2021 write kprobe: path without leading slash",
			file: "o11y-book/process_kprobe-write-etc-passwd.json", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "write",
				Container: schemas.Container{ID: "bae66fa9f18079f78500ad37e88eb8a88b3181b2d0767f26dc532f75e4024d27", Runtime: "containerd"},
				File:      schemas.File{Path: "/etc/passwd", Write: true},
			},
		},
		{
			name: "setns kprobe from nsenter",
			file: "docs/namespace-access-setns-nsenter.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2026-01-30T18:15:20.001042828Z"), Kind: schemas.KindSyscall, Syscall: "setns",
				NSFlags: 0x08000000, Signature: "namespace-access",
				Process: schemas.Process{Name: "nsenter", Args: "-t 1 -m -u -n -i -p"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Denied {
					t.Error("denied, want not")
				}
			},
		},
		{
			name: "security_file_permission read-write mask",
			file: "docs/filename-access-security_file_permission.jsonl", line: 1,
			want: schemas.Event{
				Syscall: "security_file_permission", Signature: "file-monitoring",
				File: schemas.File{Path: "/etc/passwd", Write: true},
			},
		},
		{
			name: "failed cap_capable",
			file: "docs/cap_capable-kprobe.jsonl", line: 1,
			want: schemas.Event{Syscall: "cap_capable", Denied: true},
		},
		{
			name: "module file read by a host modprobe",
			file: "docs/kernel-module-load-kprobes.jsonl", line: 3,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "security_kernel_read_file",
				Container: schemas.Container{Host: true},
				File:      schemas.File{Path: "/usr/lib/modules/6.2.0-32-generic/kernel/fs/xfs/xfs.ko"},
				Process:   schemas.Process{Name: "modprobe", ParentName: "<kernel>"},
			},
		},
		{
			name: "module name from module_arg",
			file: "docs/kernel-module-load-kprobes.jsonl", line: 4,
			want: schemas.Event{Syscall: "find_module_sections", File: schemas.File{Path: "xfs"}},
		},
		{
			name: "exec without time falls back to the start time",
			file: "testdata-events.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2022-10-18T03:16:18.273546829Z"), Kind: schemas.KindProcess, Node: "my-node",
				Pod: schemas.Pod{Namespace: "default", Name: "tiefighter"},
				Container: schemas.Container{
					ID: "19a02291e106ce6227b684197be232ea57c4e1a5ab2604a12608c325d701c7f4", Runtime: "containerd",
					Name: "spaceship", Image: "docker.io/tgraf/netperf:latest",
				},
				Process: schemas.Process{PID: 68790, Exe: "/usr/bin/netserver", Args: "-D", ParentName: "containerd-shim-runc-v2"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container.CapsKnown || ev.Container.Privileged {
					t.Errorf("container = %+v, want caps unknown and not privileged", ev.Container)
				}
			},
		},
		{
			name: "newer exec: pod uid, security context, cluster, runc exec",
			file: "exec-privileged-pod-uid.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2024-06-12T09:40:58.220917102Z"), Kind: schemas.KindProcess,
				Node: "worker-1", Cluster: "prod-eu1", Pod: syntheticPod,
				Container: func() schemas.Container {
					c := syntheticContainer
					c.Caps, c.CapsKnown = allCaps41, true
					return c
				}(),
				Session: schemas.Session{Type: "exec"},
				Process: schemas.Process{PID: 52300, Exe: "/bin/bash", Name: "bash", Cwd: "/", ParentName: "runc"},
			},
		},
		{
			name: "security_sb_mount",
			file: "kprobe-security_sb_mount.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "security_sb_mount", Signature: "mount-monitor",
				Pod: syntheticPod, Container: syntheticContainer,
				Mount:   schemas.Mount{Source: "/dev/sda1", Target: "/mnt/host", FSType: "ext4"},
				Process: schemas.Process{Name: "mount", Args: "/dev/sda1 /mnt/host", ParentName: "bash"},
			},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.File.Path != "" || ev.Denied {
					t.Errorf("file/denied = %q/%v, want neither", ev.File.Path, ev.Denied)
				}
			},
		},
		{
			name: "unshare CLONE_NEWUSER|CLONE_NEWNS",
			file: "kprobe-sys_unshare-newuser.jsonl", line: 1,
			want: schemas.Event{Syscall: "unshare", NSFlags: 0x10000000 | 0x20000, Signature: "namespace-changes"},
		},
		{
			name: "release_agent write",
			file: "kprobe-release-agent-write.jsonl", line: 1,
			want: schemas.Event{
				Syscall: "security_file_permission",
				File:    schemas.File{Path: "/sys/fs/cgroup/rdma/release_agent", Write: true},
			},
		},
		{
			name: "tcp_connect to the kubelet",
			file: "kprobe-tcp_connect-kubelet.jsonl", line: 1,
			want: schemas.Event{Syscall: "tcp_connect", Net: schemas.Net{Addr: "192.168.49.2", Port: 10250}},
		},
		{
			name: "LSM hook refused by Override",
			file: "lsm-file_open-override.jsonl", line: 1,
			want: schemas.Event{
				Kind: schemas.KindSyscall, Syscall: "security_file_open", Signature: "deny-shadow", Denied: true,
				File: schemas.File{Path: "/etc/shadow"},
			},
		},
		{
			name: "syscalls tracepoint",
			file: "tracepoints.jsonl", line: 1,
			want: schemas.Event{Kind: schemas.KindSyscall, Syscall: "setns", NSFlags: 0x20000},
		},
		{
			name: "raw_syscalls tracepoint",
			file: "tracepoints.jsonl", line: 2,
			want: schemas.Event{Syscall: "keyctl", Signature: "raw-syscalls"},
		},
		{
			name: "do_init_module",
			file: "kprobe-more.jsonl", line: 1,
			want: schemas.Event{Syscall: "do_init_module", File: schemas.File{Path: "rootkit"}},
		},
		{
			name: "openat for writing",
			file: "kprobe-more.jsonl", line: 2,
			want: schemas.Event{Syscall: "openat", File: schemas.File{Path: "/proc/sys/kernel/core_pattern", Write: true}},
		},
		{
			name: "failed ptrace",
			file: "kprobe-more.jsonl", line: 3,
			want: schemas.Event{Syscall: "ptrace", Denied: true},
		},
		{
			name: "unlabelled ptrace argument: not read as the request (it may be the address)",
			file: "kprobe-ptrace.jsonl", line: 1,
			want:  schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace", Signature: "ptrace", Process: schemas.Process{Name: "strace", PID: 52430}},
			check: ptraceOp(""),
		},
		{
			name: "arm64 ptrace, unlabelled long_arg and int_arg: no request",
			file: "kprobe-ptrace.jsonl", line: 2,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp(""),
		},
		{
			name: "sys_ptrace with unlabelled arguments: no request",
			file: "kprobe-ptrace.jsonl", line: 3,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp(""),
		},
		{
			name: "ptrace with labelled arguments",
			file: "kprobe-ptrace.jsonl", line: 4,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp("PTRACE_ATTACH"),
		},
		{
			name: "ptrace with the request labelled: PTRACE_TRACEME read as such",
			file: "kprobe-ptrace.jsonl", line: 9,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp("PTRACE_TRACEME"),
		},
		{
			name: "ptrace whose only number is labelled pid: no request",
			file: "kprobe-ptrace.jsonl", line: 5,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp(""),
		},
		{
			name: "ptrace request the table lacks (PTRACE_SECCOMP_GET_FILTER)",
			file: "kprobe-ptrace.jsonl", line: 6,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp(""),
		},
		{
			name: "ptrace without arguments",
			file: "kprobe-ptrace.jsonl", line: 7,
			want: schemas.Event{Syscall: "ptrace"}, check: ptraceOp(""),
		},
		{
			name: "sys_enter_ptrace tracepoint: its fields are not read as the request",
			file: "kprobe-ptrace.jsonl", line: 8,
			want: schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace", Signature: "ptrace-tracepoint"}, check: ptraceOp(""),
		},
		{
			name: "exit without a response time",
			file: "other-events.jsonl", line: 1,
			want: schemas.Event{Time: ts("2024-06-12T09:45:12.4Z"), Kind: schemas.KindLifecycle},
		},
		{
			name: "throttle: no process, so neither host nor container",
			file: "other-events.jsonl", line: 3,
			want: schemas.Event{Time: ts("2024-06-12T09:46:02Z"), Kind: schemas.KindLifecycle, Node: "worker-1"},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container != (schemas.Container{}) || !ev.Process.IsZero() {
					t.Errorf("container/process = %+v/%+v, want none", ev.Container, ev.Process)
				}
			},
		},
		{
			name: "loader",
			file: "other-events.jsonl", line: 2,
			want: schemas.Event{Kind: schemas.KindLifecycle, Container: syntheticContainer, Process: schemas.Process{Name: "curl"}},
		},
		{
			name: "test event: recognised, of no detection value",
			file: "other-events.jsonl", line: 4,
			want: schemas.Event{Time: ts("2024-06-12T09:46:03Z"), Kind: schemas.KindLifecycle, Node: "worker-1"},
			check: func(t *testing.T, ev *schemas.Event) {
				if ev.Container != (schemas.Container{}) || !ev.Process.IsZero() {
					t.Errorf("container/process = %+v/%+v, want none", ev.Container, ev.Process)
				}
			},
		},
		{
			name: "rate_limit_info",
			file: "other-events.jsonl", line: 5,
			want: schemas.Event{Time: ts("2024-06-12T09:46:04Z"), Kind: schemas.KindLifecycle, Node: "worker-1"},
		},
		{
			name: "usdt",
			file: "other-events.jsonl", line: 6,
			want: schemas.Event{Time: ts("2024-06-12T09:46:05Z"), Kind: schemas.KindLifecycle, Node: "worker-1", Process: schemas.Process{Name: "python3", PID: 52360}},
			check: func(t *testing.T, ev *schemas.Event) {
				if !ev.Container.Host || ev.Signature != "" {
					t.Errorf("host %v signature %q, want a host process and no signature", ev.Container.Host, ev.Signature)
				}
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

// ptraceOp checks that File holds nothing but the ptrace request op.
func ptraceOp(op string) func(*testing.T, *schemas.Event) {
	return func(t *testing.T, ev *schemas.Event) {
		t.Helper()
		if ev.File != (schemas.File{Op: op}) {
			t.Errorf("file = %+v, want op %q only", ev.File, op)
		}
	}
}

// TestDecodeErrors decodes malformed events: those of testdata/bad.jsonl
// name their reason in an "expect" field.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want parse.Reason
	}{
		{`"process_exec"`, parse.ReasonUnrecognized},
		{`{}`, parse.ReasonUnrecognized},
		{`{"process_kprobe":{"function_name":"x"},"time":1718185512}`, parse.ReasonBadTime},
	}
	for _, r := range readRecords(t, "testdata", "bad.jsonl") {
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

// The event is the first event member holding an object, the member the
// dispatcher recognises the export by; EventField names the members.
func TestDecodeEventMember(t *testing.T) {
	t.Parallel()
	raw := `{"process_name":"shell","process_exec":{"process":{"pid":7,"binary":"/bin/sh"}},"node_name":"worker-1","time":"2024-06-12T09:45:12Z"}`
	var ev schemas.Event
	if err := decodeString(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != schemas.KindProcess || ev.Process.Name != "sh" {
		t.Errorf("kind %v process %q, want the process_exec", ev.Kind, ev.Process.Name)
	}
	for key, want := range map[string]bool{
		"process_exec": true, "process_usdt": true, "test": true, "rate_limit_info": true,
		"node_name": false, "time": false, "aggregation_info": false, "node_labels": false, "tests": false,
	} {
		if got := EventField(key); got != want {
			t.Errorf("EventField(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestSyscallName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"__x64_sys_setns":          "setns",
		"__arm64_sys_unshare":      "unshare",
		"sys_mount":                "mount",
		"ksys_unshare":             "unshare",
		"do_sys_openat2":           "openat2",
		"security_file_permission": "security_file_permission",
		"do_init_module":           "do_init_module",
		"__X64_SYS_KEYCTL":         "keyctl",
	} {
		if got := syscallName(in); got != want {
			t.Errorf("syscallName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Exec and exit events of ordinary binaries are the bulk of the stream and
// must not allocate. (Arguments with JSON escapes, like quoted words, do:
// the tape unescapes them into a new string.) One Tape is reused across
// runs, as the dispatcher does.
func TestDecodeAllocations(t *testing.T) {
	recs := goodRecords(t)
	var tp parse.Tape
	for _, r := range []struct {
		file string
		line int
	}{
		{"testdata-events.jsonl", 2},
		{"docs/process-execution-exec-exit.jsonl", 1},
		{"docs/process-execution-exec-exit.jsonl", 2},
		{"o11y-book/04-privileged-pod-nsenter.json", 1}, // 38 capability names
		{"exec-privileged-pod-uid.jsonl", 1},            // pod uid, security context, 3×41 capability names
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

// BenchmarkDecodeExec decodes routine exec and exit records. "valid" is
// the reference of the speed target (one gjson.ValidBytes pass), "parse" the
// dispatcher's tape pass alone, "decode" this package's work on a parsed
// tape and "parse+decode" both, as the dispatcher runs them.
func BenchmarkDecodeExec(b *testing.B) {
	for _, r := range []struct {
		name, dir, file string
		line            int
	}{
		{"exec", publicDir, "testdata-events.jsonl", 2},
		{"exec-docs", publicDir, "docs/process-execution-exec-exit.jsonl", 1},
		{"exit-docs", publicDir, "docs/process-execution-exec-exit.jsonl", 2},
		{"exec-caps", "testdata", "exec-privileged-pod-uid.jsonl", 1},
	} {
		raw := readRecords(b, r.dir, r.file)[r.line-1].raw
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
	for _, r := range readRecords(f, "testdata", "bad.jsonl") {
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
