package auditd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Our Auditbeat samples in testdata/ follow the shape of
// auditbeat-meta-execve.json (elastic/beats auditbeat/module/auditd
// _meta/execve.json) with what a deployed Beat adds: @timestamp,
// @metadata, host and agent, and the container and kubernetes fields of
// the add_process_metadata and add_kubernetes_metadata processors.
// auditd.data.socket.* and destination.path are where Auditbeat puts a
// SOCKADDR (go-libaudit aucoalesce addSockaddrRecord).

func readDoc(t testing.TB, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestDecodeBeat(t *testing.T) {
	tests := []struct {
		name string
		file string
		want schemas.Event
	}{
		{
			name: "setns from a container, enriched with container and pod",
			file: "testdata/auditbeat-setns-container.json",
			want: schemas.Event{
				Time: time.Date(2024, 6, 3, 14, 16, 40, 123e6, time.UTC), Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd,
				Kind: schemas.KindSyscall, NativeID: "worker-1:8812", Node: "worker-1",
				Syscall: "setns", NSFlags: cloneNewNS, Signature: "container-config",
				Container: schemas.Container{ID: "3f4b9c2e8d1a7f6e5b4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e", Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Pod:       schemas.Pod{Namespace: "dev", Name: "debug-shell-6c9f8b7d5-x2k4q", UID: "9b1d3c7e-4a2f-4e8b-b6d1-2f3a4c5d6e7f"},
				Process:   schemas.Process{PID: 42930, Name: "nsenter", Exe: "/usr/bin/nsenter", Args: "-t 1 -m -u -i -n -p -- bash", Cwd: "/", TTY: true},
			},
		},
		{
			name: "connect to docker.sock",
			file: "testdata/auditbeat-connect-docker-sock.json",
			want: schemas.Event{
				Time: time.Date(2024, 6, 3, 14, 16, 44, 345e6, time.UTC), Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd,
				Kind: schemas.KindSyscall, NativeID: "worker-1:8817", Node: "worker-1",
				Syscall: "connect", Signature: "docker-socket",
				Container: schemas.Container{ID: "3f4b9c2e8d1a7f6e5b4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e"},
				Process: schemas.Process{PID: 42935, Name: "curl", Exe: "/usr/bin/curl", Cwd: "/", TTY: true,
					ArgvJSON: `["curl","--unix-socket","/var/run/docker.sock","http://localhost/containers/json"]`},
				File: schemas.File{Path: "/var/run/docker.sock"},
				Net:  schemas.Net{UnixPath: "/var/run/docker.sock"},
			},
		},
		{
			// The raw records of this mount are in escape-x86_64.log; both
			// decode to the same mount.
			name: "mount of a host disk: source and target from auditd.paths",
			file: "testdata/auditbeat-mount-host-disk.json",
			want: schemas.Event{
				Time: time.Date(2024, 6, 3, 14, 16, 42, 789e6, time.UTC), Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd,
				Kind: schemas.KindSyscall, NativeID: "worker-1:8814", Node: "worker-1",
				Syscall: "mount", Signature: "mount",
				Container: schemas.Container{ID: "3f4b9c2e8d1a7f6e5b4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e", Image: "docker.io/library/ubuntu:22.04"},
				Process: schemas.Process{PID: 42932, Name: "mount", Exe: "/usr/bin/mount", Cwd: "/", TTY: true,
					ArgvJSON: `["mount", "/dev/sda1", "/mnt/host"]`},
				File:  schemas.File{Path: "/dev/sda1"},
				Mount: schemas.Mount{Source: "/dev/sda1", Target: "/mnt/host"},
			},
		},
		{
			name: "ptrace attach to pid 1: the request from auditd.data.a0",
			file: "testdata/auditbeat-ptrace-attach.json",
			want: schemas.Event{
				Time: time.Date(2024, 6, 3, 14, 16, 46, 501e6, time.UTC), Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd,
				Kind: schemas.KindSyscall, NativeID: "worker-1:8820", Node: "worker-1",
				Syscall: "ptrace", Signature: "ptrace",
				Container: schemas.Container{ID: "3f4b9c2e8d1a7f6e5b4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e", Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Pod:       schemas.Pod{Namespace: "dev", Name: "debug-shell-6c9f8b7d5-x2k4q", UID: "9b1d3c7e-4a2f-4e8b-b6d1-2f3a4c5d6e7f"},
				Process: schemas.Process{PID: 42941, Name: "gdb", Exe: "/usr/bin/gdb", Cwd: "/", TTY: true,
					ArgvJSON: `["gdb", "-p", "1"]`},
				File: schemas.File{Op: "PTRACE_ATTACH"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got schemas.Event
			if err := decodeBeatString(readDoc(t, tt.file), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// The documentation sample was stripped of @timestamp: without an event
// time the document cannot be placed and is rejected.
func TestDecodeBeatDocSampleHasNoTime(t *testing.T) {
	doc := readDoc(t, filepath.Join(publicDir, "auditbeat-meta-execve.json"))
	var ev schemas.Event
	if err := decodeBeatString(doc, &ev); parse.ReasonOf(err) != parse.ReasonBadTime {
		t.Fatalf("got %v, want a bad_time error", err)
	}
	// The same document with the @timestamp a Beat adds.
	doc = strings.Replace(doc, "{", `{"@timestamp":"2017-09-20T19:49:31.215Z",`, 1)
	if err := decodeBeatString(doc, &ev); err != nil {
		t.Fatal(err)
	}
	want := schemas.Event{
		Time: time.Date(2017, 9, 20, 19, 49, 31, 215e6, time.UTC), Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd,
		Kind: schemas.KindProcess, NativeID: "8972", Syscall: "execve", Signature: "user_commands",
		Process: schemas.Process{PID: 10043, UID: 1001, Name: "uname", Exe: "/bin/uname", Cwd: "/home/andrew_kroh", TTY: true},
		File:    schemas.File{Path: "/bin/uname"},
	}
	ev.Process.ArgvJSON = strings.Join(strings.Fields(ev.Process.ArgvJSON), "")
	want.Process.ArgvJSON = `["uname","-a"]`
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("got\n%+v\nwant\n%+v", ev, want)
	}
}

// goldenEvents reads go-libaudit's coalesced events ({test_name, event}).
func goldenEvents(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(publicDir, "*.json.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	events := map[string]string{}
	for _, path := range files {
		var cases []struct {
			Name  string          `json:"test_name"`
			Event json.RawMessage `json:"event"`
		}
		if err := json.Unmarshal([]byte(readDoc(t, path)), &cases); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		set, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(path), "go-libaudit-aucoalesce-"), "-")
		for _, c := range cases {
			events[set+"/"+c.Name] = string(c.Event)
		}
	}
	return events
}

func TestDecodeBeatCoalescedEvents(t *testing.T) {
	base := schemas.Event{Source: schemas.SourceSyscall, Producer: schemas.ProducerAuditd}
	want := map[string]func(schemas.Event) schemas.Event{
		"ubuntu17/rename syscall": func(e schemas.Event) schemas.Event {
			e.Time, e.NativeID, e.Kind, e.Syscall, e.Signature = time.Date(2017, 4, 25, 13, 5, 24, 89e6, time.UTC), "126", schemas.KindSyscall, "rename", "auditconfig"
			e.Process = schemas.Process{PID: 3231, Name: "vim", Exe: "/usr/bin/vim.basic", Args: "/etc/audit/rules.d/audit.rules", Cwd: "/home/andrew_kroh", TTY: true}
			e.File = schemas.File{Path: "/etc/audit/rules.d/audit.rules~", Write: true, Op: "rename"}
			return e
		},
		"ubuntu17/getpeername syscall": func(e schemas.Event) schemas.Event {
			e.Time, e.NativeID, e.Kind, e.Syscall, e.Signature = time.Date(2018, 1, 13, 2, 2, 1, 269e6, time.UTC), "149790", schemas.KindSyscall, "getpeername", "sockets"
			e.Process = schemas.Process{PID: 17669, Name: "sshd", Exe: "/usr/sbin/sshd", Args: "-D -R"}
			e.Net = schemas.Net{Addr: "54.36.214.69", Port: 60192}
			return e
		},
		// The raw records of this event give the same mount (grouper_test).
		"rhel7/mount syscall": func(e schemas.Event) schemas.Event {
			e.Time, e.NativeID, e.Kind, e.Syscall, e.Signature = time.Date(2017, 4, 25, 14, 1, 1, 690e6, time.UTC), "48922", schemas.KindSyscall, "mount", "mount"
			e.Process = schemas.Process{PID: 326, Name: "systemd-logind", Exe: "/usr/lib/systemd/systemd-logind;58f98c85 (deleted)", Cwd: "/"}
			e.File = schemas.File{Path: "/run/user/0"}
			e.Mount = schemas.Mount{Target: "/run/user/0"}
			return e
		},
		"rhel7/USER_LOGIN": func(e schemas.Event) schemas.Event {
			e.Time, e.NativeID, e.Kind, e.Denied = time.Date(2017, 4, 24, 15, 0, 15, 752e6, time.UTC), "42120", schemas.KindLifecycle, true
			e.Process = schemas.Process{PID: 18981, Exe: "/usr/sbin/sshd"}
			return e
		},
	}
	checked := 0
	for name, doc := range goldenEvents(t) {
		t.Run(name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeBeatString(doc, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Time.IsZero() || ev.NativeID == "" || ev.Kind == schemas.KindUnknown {
				t.Errorf("incomplete: %+v", ev)
			}
			if w, ok := want[name]; ok {
				checked++
				if expect := w(base); !reflect.DeepEqual(ev, expect) {
					t.Errorf("got\n%+v\nwant\n%+v", ev, expect)
				}
			}
		})
	}
	if checked != len(want) {
		t.Errorf("checked %d of %d expected events", checked, len(want))
	}
}

// Mount names are joined to the working directory as in raw records; a
// mount without a second name (tmpfs, proc) has no source; other syscalls
// get no mount.
func TestDecodeBeatMount(t *testing.T) {
	doc := func(syscall, paths string) string {
		return `{"@timestamp":"2024-06-03T14:16:42.789Z","auditd":{"sequence":1,"data":{"syscall":"` + syscall + `","a0":"5581b2c3d4e0"},"paths":` + paths + `},` +
			`"process":{"pid":7,"working_directory":"/root"}}`
	}
	tests := []struct {
		name, raw string
		want      schemas.Mount
	}{
		{"relative names", doc("mount", `[{"item":"0","name":"mnt","nametype":"NORMAL"},{"item":"1","name":"./img","nametype":"NORMAL"}]`),
			schemas.Mount{Source: "/root/img", Target: "/root/mnt"}},
		{"no source path", doc("mount", `[{"item":"0","name":"/sys/fs/cgroup/x","nametype":"NORMAL"}]`),
			schemas.Mount{Target: "/sys/fs/cgroup/x"}},
		{"the same name twice", doc("mount", `[{"name":"/run/user/0","objtype":"UNKNOWN"},{"name":"/run/user/0","objtype":"NORMAL"}]`),
			schemas.Mount{Target: "/run/user/0"}},
		{"no paths", doc("mount", `[]`), schemas.Mount{}},
		{"paths of another syscall", doc("chroot", `[{"name":"/mnt/host","nametype":"NORMAL"},{"name":"/dev/sda1","nametype":"NORMAL"}]`), schemas.Mount{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeBeatString(tt.raw, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Mount != tt.want {
				t.Errorf("mount %+v, want %+v", ev.Mount, tt.want)
			}
		})
	}
}

// The ptrace request is auditd.data.a0, hex as in the raw record; File.Op
// stays empty when a0 is missing, no hex string, or a number the table
// does not name, and other syscalls' a0 names nothing.
func TestDecodeBeatPtrace(t *testing.T) {
	doc := func(syscall, data string) string {
		return `{"@timestamp":"2024-06-03T14:16:46.501Z","auditd":{"sequence":1,"data":{"syscall":"` + syscall + `"` + data + `}},` +
			`"process":{"pid":7,"name":"gdb"}}`
	}
	tests := []struct {
		name, raw, op string
	}{
		{"traceme", doc("ptrace", `,"a0":"0","a1":"0"`), "PTRACE_TRACEME"},
		{"peekdata", doc("ptrace", `,"a0":"2","a1":"a9ec","a2":"55d0c1a04010"`), "PTRACE_PEEKDATA"},
		{"attach", doc("ptrace", `,"a0":"10","a1":"1"`), "PTRACE_ATTACH"},
		{"seize", doc("ptrace", `,"a0":"4206","a1":"1"`), "PTRACE_SEIZE"},
		{"setregs upper-case hex", doc("ptrace", `,"a0":"D"`), "PTRACE_SETREGS"},
		{"a request the table lacks", doc("ptrace", `,"a0":"420c"`), ""},
		{"no a0", doc("ptrace", `,"a1":"1"`), ""},
		{"a0 as a JSON number", doc("ptrace", `,"a0":16`), ""},
		{"a0 not hex", doc("ptrace", `,"a0":"PTRACE_ATTACH"`), ""},
		{"a0 of another syscall", doc("kill", `,"a0":"10","a1":"9"`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeBeatString(tt.raw, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.File != (schemas.File{Op: tt.op}) {
				t.Errorf("file %+v, want op %q", ev.File, tt.op)
			}
		})
	}
}

func TestDecodeBeatRejects(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		reason parse.Reason
	}{
		{"not an object", `"auditd"`, parse.ReasonUnrecognized},
		{"no time", `{"auditd":{"sequence":1}}`, parse.ReasonBadTime},
		{"time not a string", `{"@timestamp":1717424200,"auditd":{"sequence":1}}`, parse.ReasonBadTime},
		{"bad time", `{"@timestamp":"June 3rd","auditd":{"sequence":1}}`, parse.ReasonBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := parse.ReasonOf(decodeBeatString(tt.raw, &ev)); got != tt.reason {
				t.Errorf("reason %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestDecodeBeatDockershimName(t *testing.T) {
	doc := `{"@timestamp":"2024-06-03T14:16:40.123Z","auditd":{"sequence":1,"data":{"syscall":"unshare","a0":"10000000"}},` +
		`"container":{"id":"docker://3F4B9C2E8D1A","name":"k8s_shell_debug-shell-6c9f8b7d5-x2k4q_dev_9b1d3c7e-4a2f-4e8b-b6d1-2f3a4c5d6e7f_0"}}`
	var ev schemas.Event
	if err := decodeBeatString(doc, &ev); err != nil {
		t.Fatal(err)
	}
	wantPod := schemas.Pod{Namespace: "dev", Name: "debug-shell-6c9f8b7d5-x2k4q", UID: "9b1d3c7e-4a2f-4e8b-b6d1-2f3a4c5d6e7f"}
	if ev.Container.ID != "3f4b9c2e8d1a" || ev.Container.Runtime != "docker" || ev.Container.Name != "shell" || ev.Pod != wantPod || ev.NSFlags != cloneNewUser {
		t.Errorf("got container %+v pod %+v ns %#x", ev.Container, ev.Pod, ev.NSFlags)
	}
}

// routineBeatDoc is an Auditbeat exec as a deployed Beat ships it.
func routineBeatDoc(t testing.TB) string {
	doc := readDoc(t, filepath.Join(publicDir, "auditbeat-meta-execve.json"))
	return strings.Replace(doc, "{", `{"@timestamp":"2017-09-20T19:49:31.215Z","host":{"name":"worker-1"},`, 1)
}

// An Auditbeat exec costs one allocation, for "<host>:<sequence>". As in the
// dispatcher, one Tape is reused from document to document.
func TestDecodeBeatAllocations(t *testing.T) {
	doc := routineBeatDoc(t)
	var (
		tape parse.Tape
		ev   schemas.Event
	)
	allocs := testing.AllocsPerRun(100, func() {
		ev.Reset()
		if err := tape.Parse(doc); err != nil {
			t.Fatal(err)
		}
		if err := DecodeBeat(&tape, tape.Root(), &ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations per document, want at most 1", allocs)
	}
}

// BenchmarkDecodeBeat decodes the routine exec from a tape parsed once.
func BenchmarkDecodeBeat(b *testing.B) {
	doc := routineBeatDoc(b)
	var (
		tape parse.Tape
		ev   schemas.Event
	)
	if err := tape.Parse(doc); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		if err := DecodeBeat(&tape, tape.Root(), &ev); err != nil {
			b.Fatal(err)
		}
	}
}
