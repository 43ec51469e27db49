package tracee

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

const publicDir = "../../../testdata/public/tracee"

// Our own samples, in testdata/:
//   - v1beta1-events.jsonl: layout 3 as aquasecurity/tracee
//     api/v1beta1/event_json.go marshals it (RFC 3339 timestamp, bare
//     numbers, data[] of {name,value}, threat{}, detected_from{}), with
//     argument names from the event definitions (sched_process_exec,
//     security_file_open, security_socket_connect, security_sb_mount) and the
//     TRC-1010 detector output. The last line uses the protojson shape of
//     the docs page ({"value":n} wrappers, str/str_array members).
//   - trace-events.jsonl: layout 2 (types/trace.Event, as in the public
//     fixtures) for unshare, setns, ptrace and the cgroup_release_agent,
//     disk_mount and docker_abuse signatures with their triggeredBy event.
var ownFiles = []string{"testdata/v1beta1-events.jsonl", "testdata/trace-events.jsonl"}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func allFiles(t testing.TB) []string {
	t.Helper()
	public, err := filepath.Glob(filepath.Join(publicDir, "*.jsonl"))
	if err != nil || len(public) == 0 {
		t.Fatalf("no public Tracee fixtures in %s: %v", publicDir, err)
	}
	return append(public, ownFiles...)
}

func TestDecodeEveryRecord(t *testing.T) {
	for _, path := range allFiles(t) {
		for i, line := range readLines(t, path) {
			var ev schemas.Event
			if err := decodeString(line, &ev); err != nil {
				t.Errorf("%s:%d: %v", path, i+1, err)
				continue
			}
			if ev.Time.IsZero() || ev.Producer != schemas.ProducerTracee || ev.Source != schemas.SourceSyscall || ev.Kind == schemas.KindUnknown {
				t.Errorf("%s:%d: incomplete event %+v", path, i+1, ev)
			}
		}
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
	attackerID  = "3f4b9c2e8d1a7f6e5b4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e"
	attackerPod = "debug-shell-6c9f8b7d5-x2k4q"
	attackerUID = "9b1d3c7e-4a2f-4e8b-b6d1-2f3a4c5d6e7f"
)

var attacker = schemas.Pod{Namespace: "dev", Name: attackerPod, UID: attackerUID}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		file string
		line int
		want schemas.Event
	}{
		{
			name: "layout 1 execve by kubelet",
			file: publicDir + "/everything-is-an-event-k8s.jsonl", line: 2,
			want: schemas.Event{
				Time: ts("2022-12-15T15:46:49.363959531Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindProcess, Syscall: "execve",
				Pod:       schemas.Pod{Namespace: "tracee-system", Name: "tracee-hr52p", UID: "82b23cd8-f81b-403d-92fb-85af412e5f73"},
				Container: schemas.Container{ID: "a54718a9bd3bd16ddcbebd1c1f058c8f9538a2526d25a048263b0c6e30776041", Name: "tracee", Image: "docker.io/aquasec/tracee:latest"},
				Process: schemas.Process{PID: 6664, Exe: "/usr/bin/umount", Name: "umount", ParentName: "kubelet",
					ArgvJSON: `["umount","/var/lib/kubelet/pods/b0067d27-41c6-46eb-bb53-c1e0c75af9b8/volumes/kubernetes.io~projected/kube-api-access-mgc48"]`},
			},
		},
		{
			name: "layout 1 fileless_execution signature",
			file: publicDir + "/everything-is-an-event-k8s.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2022-12-15T15:45:28.028881186Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindProcess, Signature: "fileless_execution",
				Pod:       schemas.Pod{Namespace: "tracee-system", Name: "tracee-wk8wh", UID: "5cb83966-e274-48f1-89fb-25bd748d2773"},
				Container: schemas.Container{ID: "c7e3c75bf167348bf79262bf6e688088f9b4d54ebcc79464f40b52b80c73ff55", Name: "tracee", Image: "docker.io/aquasec/tracee:latest"},
				Process:   schemas.Process{PID: 6136, Name: "3", Exe: "memfd:", ArgvJSON: `[""]`},
			},
		},
		{
			name: "layout 1 signature named by title, mapped by TRC id",
			file: publicDir + "/helm-notes-signature-new-executable-dropped.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2023-03-01T13:09:57.900822209Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Signature: "dropped_executable",
				Pod:       schemas.Pod{Namespace: "default", Name: "app-75ff449bcd-hfwnz", UID: "0f7ad251-39da-44f7-af28-34a0e971be3e"},
				Container: schemas.Container{ID: "ae95a93ce0c2f1b824ac4b205e4d1a3c8f724d663626c1ad23576efec64318de", Name: "app", Image: "docker.io/library/ubuntu:latest"},
				Process:   schemas.Process{PID: 4741, Name: "dpkg"},
				File:      schemas.File{Path: "/usr/bin/strace.dpkg-new", Write: true},
			},
		},
		{
			name: "layout 2 host security_file_open for write",
			file: publicDir + "/forensics-host-file-events.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2022-07-08T22:59:27.356748797Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "security_file_open",
				Container: schemas.Container{Host: true},
				Process:   schemas.Process{PID: 2578238, Name: "bash", UID: 1000},
				File:      schemas.File{Path: "/tmp/testing.txt", Write: true},
			},
		},
		{
			name: "layout 2 read-only open",
			file: publicDir + "/policies-security_file_open.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2023-03-30T13:29:36.364916505Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "security_file_open",
				Container: schemas.Container{Host: true},
				Process:   schemas.Process{PID: 676, Name: "systemd-oomd", UID: 131},
				File:      schemas.File{Path: "/proc/meminfo"},
			},
		},
		{
			name: "layout 2 net_packet_http in a container",
			file: publicDir + "/net_packet_http-container.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2023-10-02T18:05:31.297494423Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind:      schemas.KindSyscall,
				Container: schemas.Container{ID: "95e88e281c4b47994e0d17ac74b83761fbc3ea570c3f1d4b98b6501ecc00dd84"},
				Process:   schemas.Process{PID: 691018, Name: "inform-164"},
				Net:       schemas.Net{Addr: "192.168.100.11", Port: 46348},
			},
		},
		{
			name: "layout 2 unshare with symbolic CLONE_NEW flags",
			file: "testdata/trace-events.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:01.000123456Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "unshare", NSFlags: cloneNewNS | cloneNewUser,
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 42911, Exe: "/usr/bin/unshare", Name: "unshare"},
			},
		},
		{
			name: "layout 2 failed setns into the mount namespace",
			file: "testdata/trace-events.jsonl", line: 2,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:02.000456789Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "setns", NSFlags: cloneNewNS, Denied: true,
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 42930, Exe: "/usr/bin/nsenter", Name: "nsenter"},
			},
		},
		{
			name: "layout 2 ptrace request",
			file: "testdata/trace-events.jsonl", line: 3,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:03.000789012Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "ptrace",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell"},
				Process:   schemas.Process{PID: 42950, Exe: "/usr/bin/gdb", Name: "gdb"},
				File:      schemas.File{Op: "PTRACE_POKETEXT"},
			},
		},
		{
			name: "layout 2 cgroup_release_agent with triggeredBy",
			file: "testdata/trace-events.jsonl", line: 4,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:04.000111222Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Signature: "cgroup_release_agent", Syscall: "security_file_open",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 42977, Exe: "/usr/bin/dash", Name: "sh"},
				File:      schemas.File{Path: "/tmp/cgrp/release_agent", Write: true},
			},
		},
		{
			name: "layout 2 disk_mount with triggeredBy",
			file: "testdata/trace-events.jsonl", line: 5,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:05.000333444Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Signature: "disk_mount", Syscall: "security_sb_mount",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell"},
				Process:   schemas.Process{PID: 43002, Exe: "/usr/bin/mount", Name: "mount"},
				Mount:     schemas.Mount{Source: "/dev/sda1", Target: "/mnt/host", FSType: "ext4"},
			},
		},
		{
			name: "layout 2 docker_abuse with AF_UNIX remote_addr",
			file: "testdata/trace-events.jsonl", line: 6,
			want: schemas.Event{
				Time: ts("2024-06-03T14:15:06.000555666Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Signature: "docker_abuse", Syscall: "security_socket_connect",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell"},
				Process:   schemas.Process{PID: 43040, Exe: "/usr/bin/curl", Name: "curl"},
				Net:       schemas.Net{UnixPath: "/var/run/docker.sock"},
			},
		},
		{
			name: "layout 3 sched_process_exec of nsenter",
			file: "testdata/v1beta1-events.jsonl", line: 1,
			want: schemas.Event{
				Time: ts("2025-06-03T14:22:31.412876543Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindProcess, Syscall: "sched_process_exec",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process: schemas.Process{PID: 41872, Exe: "/usr/bin/nsenter", Name: "nsenter", ParentName: "bash",
					ArgvJSON: `["nsenter","-t","1","-m","-u","-i","-n","-p","--","bash"]`},
			},
		},
		{
			name: "layout 3 security_file_open writing core_pattern",
			file: "testdata/v1beta1-events.jsonl", line: 2,
			want: schemas.Event{
				Time: ts("2025-06-03T14:25:07.000918334Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "security_file_open",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 42210, Exe: "/usr/bin/dash", Name: "sh"},
				File:      schemas.File{Path: "/proc/sys/kernel/core_pattern", Write: true},
			},
		},
		{
			name: "layout 3 cgroup_release_agent detection",
			file: "testdata/v1beta1-events.jsonl", line: 3,
			want: schemas.Event{
				Time: ts("2025-06-03T14:27:44.731005982Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Signature: "cgroup_release_agent", Syscall: "security_file_open",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell", Image: "docker.io/library/ubuntu:22.04"},
				Process:   schemas.Process{PID: 42388, Exe: "/usr/bin/dash", Name: "sh"},
				File:      schemas.File{Path: "/tmp/cgrp/release_agent", Write: true},
			},
		},
		{
			name: "layout 3 connect to docker.sock",
			file: "testdata/v1beta1-events.jsonl", line: 4,
			want: schemas.Event{
				Time: ts("2025-06-03T14:29:10.500000001Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "security_socket_connect",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell"},
				Process:   schemas.Process{PID: 42501, Exe: "/usr/bin/curl", Name: "curl"},
				Net:       schemas.Net{UnixPath: "/var/run/docker.sock"},
			},
		},
		{
			name: "layout 3 security_sb_mount of a block device",
			file: "testdata/v1beta1-events.jsonl", line: 5,
			want: schemas.Event{
				Time: ts("2025-06-03T14:31:02.114422718Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindSyscall, Syscall: "security_sb_mount",
				Pod:       attacker,
				Container: schemas.Container{ID: attackerID, Name: "shell"},
				Process:   schemas.Process{PID: 42617, Exe: "/usr/bin/mount", Name: "mount"},
				Mount:     schemas.Mount{Source: "/dev/sda1", Target: "/mnt/host", FSType: "ext4"},
			},
		},
		{
			name: "layout 3 protojson wrappers on a host process",
			file: "testdata/v1beta1-events.jsonl", line: 6,
			want: schemas.Event{
				Time: ts("2025-06-03T14:33:19.902117731Z"), Source: schemas.SourceSyscall, Producer: schemas.ProducerTracee,
				Kind: schemas.KindProcess, Syscall: "sched_process_exec",
				Container: schemas.Container{Host: true},
				Process:   schemas.Process{PID: 42700, Exe: "/usr/bin/cat", Name: "cat", ArgvJSON: `["cat","/etc/hostname"]`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := readLines(t, tt.file)
			var got schemas.Event
			if err := decodeString(lines[tt.line-1], &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		reason parse.Reason
	}{
		{"not an object", `[1,2]`, parse.ReasonUnrecognized},
		{"no event name", `{"timestamp":1671119128028881186,"eventId":"59"}`, parse.ReasonMissingField},
		{"boot-relative timestamp", `{"timestamp":620311624458929,"eventName":"execve","eventId":"59"}`, parse.ReasonBadTime},
		{"no timestamp", `{"eventName":"execve","eventId":"59"}`, parse.ReasonBadTime},
		{"bad RFC 3339 timestamp", `{"timestamp":"yesterday","id":1014,"name":"sched_process_exec"}`, parse.ReasonBadTime},
		{"timestamp of the wrong type", `{"timestamp":true,"eventName":"execve"}`, parse.ReasonBadTime},
		{"integer timestamp in a string", `{"timestamp":"1671119128028881186","eventName":"execve"}`, parse.ReasonBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			err := decodeString(tt.raw, &ev)
			if got := parse.ReasonOf(err); got != tt.reason {
				t.Errorf("reason %q (%v), want %q", got, err, tt.reason)
			}
		})
	}
}

// Raw ptrace requests are named from the table the other decoders share
// (parse.PtraceRequest); symbolic ones, and numbers it lacks, stay as
// written.
func TestDecodePtraceRequest(t *testing.T) {
	for value, want := range map[string]string{
		`16`:               "PTRACE_ATTACH",
		`14`:               "PTRACE_GETFPREGS",
		`16904`:            "PTRACE_LISTEN",
		`"PTRACE_TRACEME"`: "PTRACE_TRACEME",
		`99`:               "99",
		`-1`:               "-1",
	} {
		raw := `{"timestamp":{"seconds":1748960551,"nanos":5},"name":"ptrace","data":[{"name":"request","value":` + value + `}]}`
		var ev schemas.Event
		if err := decodeString(raw, &ev); err != nil {
			t.Fatalf("request %s: %v", value, err)
		}
		if ev.Syscall != "ptrace" || ev.File.Op != want {
			t.Errorf("request %s: syscall %q op %q, want ptrace %q", value, ev.Syscall, ev.File.Op, want)
		}
	}
}

// Routine records must not allocate. As in the dispatcher, one Tape is
// reused record after record, so the parse is measured too.
func TestDecodeRoutineWithoutAllocating(t *testing.T) {
	var tape parse.Tape
	for _, r := range routineRecords(t) {
		var ev schemas.Event
		allocs := testing.AllocsPerRun(100, func() {
			ev.Reset()
			if err := tape.Parse(r.line); err != nil {
				t.Fatal(err)
			}
			if err := Decode(&tape, tape.Root(), &ev); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per decode, want 0", r.name, allocs)
		}
	}
}

type routineRecord struct{ name, line string }

// routineRecords are high-volume events: file opens, packets, execs of
// ordinary binaries.
func routineRecords(t testing.TB) []routineRecord {
	last := func(path string) string {
		lines := readLines(t, path)
		return lines[len(lines)-1]
	}
	return []routineRecord{
		{"security_file_open", readLines(t, publicDir+"/policies-security_file_open.jsonl")[0]},
		{"security_file_open-2", last(publicDir + "/policies-security_file_open.jsonl")},
		{"net_packet_http", last(publicDir + "/net_packet_http-container.jsonl")},
		{"execve-kubelet", last(publicDir + "/everything-is-an-event-k8s.jsonl")},
		{"execve-minikube", last(publicDir + "/k8s-policies-execve-minikube.jsonl")},
		{"v1beta1-sched_process_exec", readLines(t, "testdata/v1beta1-events.jsonl")[0]},
	}
}

// BenchmarkDecode measures routine records: "decode" reads an already
// parsed tape, "parse+decode" is the dispatcher's work for the record with
// one reused Tape.
func BenchmarkDecode(b *testing.B) {
	for _, r := range routineRecords(b) {
		var tape parse.Tape
		var ev schemas.Event
		b.Run("decode/"+r.name, func(b *testing.B) {
			if err := tape.Parse(r.line); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(r.line)))
			for b.Loop() {
				ev.Reset()
				if err := Decode(&tape, tape.Root(), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("parse+decode/"+r.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(r.line)))
			for b.Loop() {
				ev.Reset()
				if err := tape.Parse(r.line); err != nil {
					b.Fatal(err)
				}
				if err := Decode(&tape, tape.Root(), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
