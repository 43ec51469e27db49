package crio

import (
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

const (
	shellID   = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
	sandboxID = "7b1e3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b"
)

var (
	shellPod    = schemas.Pod{Namespace: "default", Name: "privileged-shell"}
	shell       = schemas.Container{ID: shellID, Name: "shell", Runtime: "cri-o"}
	shellStatus = []schemas.ContainerStatus{{Name: "shell", ID: shellID}}
)

func TestDecodeTextDecodesEveryRecord(t *testing.T) {
	for _, path := range []string{"testdata/crio-journal.log", "testdata/crio-plain.log", "testdata/crio-issue-excerpts.log"} {
		for n, line := range lines(t, path) {
			var ev schemas.Event
			if err := DecodeText(line, &ev); err != nil {
				t.Errorf("%s:%d: %v", path, n, err)
				continue
			}
			assertInvariants(t, &ev)
		}
	}
}

func TestDecodeText(t *testing.T) {
	journal := "testdata/crio-journal.log"
	byID := schemas.Container{ID: shellID, Runtime: "cri-o"}
	tests := []struct {
		name string
		file string
		line int
		want summary
	}{
		// Synthetic journald lines: messages and fields as cri-o/cri-o
		// server/container_create.go, container_start.go, container_stop.go,
		// container_remove.go and sandbox_run_linux.go log them; the
		// "2006-01-02 15:04:05.000000000Z07:00" time layout of cmd/crio/main.go;
		// id/name fields added by internal/log for every gRPC call; the debug
		// "Request: %+v" dumps of internal/log/interceptors.
		{"running sandbox", journal, 1, summary{Time: "2024-03-12T13:20:00.013456789Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{Name: "POD"}, Pod: shellPod, Node: "node-2"}},
		{"ran sandbox", journal, 2, summary{Time: "2024-03-12T13:20:00.513456789Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Name: "POD", Runtime: "cri-o"}, Pod: shellPod, Node: "node-2"}},
		{"creating", journal, 3, summary{Time: "2024-03-12T13:20:01.700000001Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{Name: "shell"}, Pod: shellPod, Node: "node-2"}},
		{"created", journal, 4, summary{Time: "2024-03-12T13:20:02.100000002Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: shellPod, Statuses: shellStatus, Node: "node-2"}},
		{"starting", journal, 5, summary{Time: "2024-03-12T13:20:02.110000003Z", Kind: schemas.KindLifecycle, Container: byID, Node: "node-2"}},
		{"started", journal, 6, summary{Time: "2024-03-12T13:20:02.501234567Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: shellPod, Statuses: shellStatus, PID: 61234, Node: "node-2"}},
		{"exec request", journal, 7, summary{Time: "2024-03-12T13:21:00.200000004Z", Kind: schemas.KindSession, Container: byID, Node: "node-2",
			Session: schemas.Session{Type: "exec", Command: "nsenter --target 1 --mount --uts --ipc --net --pid -- bash"}}},
		{"exec sync request", journal, 8, summary{Time: "2024-03-12T13:21:10.300000005Z", Kind: schemas.KindSession, Container: byID, Node: "node-2",
			Session: schemas.Session{Type: "exec", Command: `/bin/sh -c test -f /tmp/healthy && echo "ok, ready]"`}}},
		{"exec sync response", journal, 9, summary{Time: "2024-03-12T13:21:10.340000006Z", Kind: schemas.KindLifecycle, Node: "node-2"}},
		{"attach request", journal, 10, summary{Time: "2024-03-12T13:21:30.000000007Z", Kind: schemas.KindSession, Container: byID, Node: "node-2",
			Session: schemas.Session{Type: "attach"}}},
		{"stopping", journal, 11, summary{Time: "2024-03-12T13:30:00.000000008Z", Kind: schemas.KindLifecycle, Container: byID, Node: "node-2"}},
		{"stopped", journal, 12, summary{Time: "2024-03-12T13:30:01.000000009Z", Kind: schemas.KindLifecycle, Container: shell, Pod: shellPod, Node: "node-2"}},
		{"removed", journal, 14, summary{Time: "2024-03-12T13:30:02.200000011Z", Kind: schemas.KindContainerEnd, Container: shell, Pod: shellPod, Node: "node-2"}},
		{"warning", journal, 15, summary{Time: "2024-03-12T13:30:03.000000012Z", Kind: schemas.KindLifecycle, Node: "node-2"}},

		// Bare lines, as `crio --log` writes them.
		{"bare started, local offset", "testdata/crio-plain.log", 1, summary{Time: "2024-03-12T12:20:02.501234567Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: shellPod, Statuses: shellStatus, PID: 61234}},
		{"bare startup", "testdata/crio-plain.log", 2, summary{Time: "2024-03-12T13:00:00.000000001Z", Kind: schemas.KindLifecycle}},
		// Early releases: "exec'd %s in %s" at info level (server/container_execsync.go).
		{"early exec", "testdata/crio-plain.log", 3, summary{Time: "2019-02-11T09:12:44.123456789Z", Kind: schemas.KindSession,
			Container: schemas.Container{Name: "shell"}, Pod: shellPod, Session: schemas.Session{Type: "exec", Container: "shell", Command: "cat /etc/shadow"}}},
		// Before cri-o PR #5134: "Started container %s: %s".
		{"older started", "testdata/crio-plain.log", 4, summary{Time: "2020-06-01T08:00:00.5Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: shellPod, Statuses: shellStatus}},

		// Real lines quoted in cri-o/cri-o PR #5797 (2022): a container
		// without Kubernetes labels has the description "//".
		{"real started", "testdata/crio-issue-excerpts.log", 4, summary{Time: "2022-04-27T15:42:04.592745715Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "35fc612c9592356cde113b882feb2fd8e45c412b4a539c47ff530c1c9d616c6a", Runtime: "cri-o"}, PID: 94218}},
		{"real start request", "testdata/crio-issue-excerpts.log", 2, summary{Time: "2022-04-27T15:42:04.536901614Z", Kind: schemas.KindLifecycle}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, ok := lines(t, tt.file)[tt.line]
			if !ok {
				t.Fatalf("%s has no line %d", tt.file, tt.line)
			}
			var ev schemas.Event
			if err := DecodeText(line, &ev); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestDecodeTextRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want parse.Reason
	}{
		{"containerd journald line", `Mar 12 13:20:02 node-1 containerd[812]: time="2024-03-12T13:20:02.46Z" level=info msg="StartContainer for \"4c2e\" returns successfully"`, parse.ReasonUnrecognized},
		{"bare logrus line of another program", `time="2020-10-30T21:07:28.511151518Z" level=info msg="ignoring event" module=libcontainerd namespace=moby`, parse.ReasonUnrecognized},
		{"kubelet line", `Mar 12 13:20:02 node-2 kubelet[700]: I0312 13:20:02.460000  700 kubelet.go:2425] "SyncLoop (PLEG)"`, parse.ReasonUnrecognized},
		{"systemd line", `Mar 12 13:00:00 node-2 systemd[1]: Started Container Runtime Interface for OCI (CRI-O).`, parse.ReasonUnrecognized},
		{"free text", "hello world", parse.ReasonUnrecognized},
		{"bad time", `Mar 12 13:20:02 node-2 crio[911]: time="2024-03-12 25:20:02.5Z" level=info msg="Started container" PID=1`, parse.ReasonBadTime},
		{"bad bare time", `time="2024-03-12 13:20:02.5 CET" level=info msg="Started container" PID=1`, parse.ReasonBadTime},
		{"crio journald line without logrus", `Mar 12 13:20:02 node-2 crio[911]: goroutine 1 [running]:`, parse.ReasonBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := reasonOf(DecodeText(tt.line, &ev)); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDescription(t *testing.T) {
	tests := []struct {
		in   string
		want description
	}{
		{"default/web-1/nginx", description{"default", "web-1", "nginx"}},
		{"kube-system/coredns-5d78c9869d-4xq7z/POD", description{"kube-system", "coredns-5d78c9869d-4xq7z", "POD"}},
		{"//", description{}},
		{"default/web-1", description{}},
		{"a/b/c/d", description{}},
	}
	for _, tt := range tests {
		if got := parseDescription(tt.in); got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
