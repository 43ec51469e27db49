package containerd

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Ids of the synthetic records in testdata/.
const (
	agentID   = "4c2e6a8b0d1f3e5a7c9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a3c5b7d9f1e3a"
	sandboxID = "e3b8f1a2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a3b5c7d9e1f3a5b7c9d1e3f5"
	metricsID = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
	agentImg  = "ghcr.io/example/node-agent:1.4.2"
)

var agentPod = schemas.Pod{Namespace: "kube-system", Name: "node-agent-7xk2p", UID: "2b7d4e9a-1c3f-4a5b-8d6e-0f1a2b3c4d5e"}

var agentStatus = []schemas.ContainerStatus{{Name: "agent", ID: agentID}}

func TestDecodeTextDecodesEveryRecord(t *testing.T) {
	for _, path := range []string{
		filepath.Join(publicDir, "ctr-events-2017-dev-report.log"),
		"testdata/ctr-events-k8s.log",
		"testdata/containerd-cri-journal.log",
		"testdata/containerd-cri-plain.log",
		"testdata/containerd-issue-excerpts.log",
	} {
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

func TestDecodeTextCtrEvents(t *testing.T) {
	report := filepath.Join(publicDir, "ctr-events-2017-dev-report.log")
	registry := schemas.Container{ID: "registry", Runtime: "containerd"}
	k8s := "testdata/ctr-events-k8s.log"
	agent := schemas.Container{ID: agentID, Runtime: "containerd"}
	tests := []struct {
		name string
		file string
		line int
		want summary
	}{
		// containerd docs/historical/reports/2017-06-23.md: a container
		// named "registry" by its user keeps that name as its id.
		{"snapshot prepare", report, 1, summary{Time: "2017-06-23T23:21:30.271802153Z", Kind: schemas.KindLifecycle}},
		{"container create", report, 2, summary{Time: "2017-06-23T23:21:30.28045193Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "registry", Image: "docker.io/library/registry:latest", Runtime: "containerd"}}},
		{"runtime task-create", report, 3, summary{Time: "2017-06-23T23:21:30.347842352Z", Kind: schemas.KindLifecycle, Container: registry, PID: 30411}},
		{"task start", report, 7, summary{Time: "2017-06-23T23:21:30.369793151Z", Kind: schemas.KindContainerStart, Container: registry}},
		{"task exit with spaced value", report, 8, summary{Time: "2017-06-23T23:21:40.169884207Z", Kind: schemas.KindLifecycle, Container: registry, PID: 30411}},
		{"container delete", report, 12, summary{Time: "2017-06-23T23:21:42.061579495Z", Kind: schemas.KindContainerEnd, Container: registry}},

		// Synthetic `ctr -n k8s.io events` output: fmt.Println of the
		// envelope time, namespace, topic and json.Marshal of the event
		// (cmd/ctr/commands/events/events.go).
		{"sandbox task start", k8s, 4, summary{Time: "2024-03-12T13:20:00.211234567Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: sandboxID, Runtime: "containerd"}, PID: 48102}},
		{"create", k8s, 5, summary{Time: "2024-03-12T13:20:02.112345678Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: agentID, Image: agentImg, Runtime: "containerd"}}},
		{"update with pod labels", k8s, 7, summary{Time: "2024-03-12T13:20:05.000123456Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: agentID, Name: "agent", Image: agentImg, Runtime: "containerd"}, Pod: agentPod, Statuses: agentStatus}},
		{"update of the sandbox", k8s, 8, summary{Time: "2024-03-12T13:20:05.100123456Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Image: "registry.k8s.io/pause:3.9", Runtime: "containerd"}, Pod: agentPod}},
		{"exec added", k8s, 9, summary{Time: "2024-03-12T13:21:00.300000001Z", Kind: schemas.KindSession, Container: agent,
			Session: schemas.Session{Type: "exec"}}},
		{"exec started", k8s, 10, summary{Time: "2024-03-12T13:21:00.310000002Z", Kind: schemas.KindSession, Container: agent,
			Session: schemas.Session{Type: "exec"}, PID: 49001}},
		{"exec exit", k8s, 11, summary{Time: "2024-03-12T13:22:00.123456789Z", Kind: schemas.KindLifecycle, Container: agent, PID: 49001}},
		{"delete", k8s, 13, summary{Time: "2024-03-12T13:30:03.000000001Z", Kind: schemas.KindContainerEnd, Container: agent}},
		{"dockerd namespace", k8s, 14, summary{Time: "2024-03-12T13:40:00.5Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2", Runtime: "docker"}, PID: 50321}},
		{"image event", k8s, 16, summary{Time: "2024-03-12T13:45:01Z", Kind: schemas.KindLifecycle}},
		{"local time zone", k8s, 17, summary{Time: "2024-03-12T13:45:02Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "registry", Runtime: "containerd"}, PID: 51234}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodeLine(t, tt.file, tt.line, tt.want)
		})
	}
}

func TestDecodeTextCRILog(t *testing.T) {
	journal := "testdata/containerd-cri-journal.log"
	agent := schemas.Container{ID: agentID, Runtime: "containerd"}
	tests := []struct {
		name string
		file string
		line int
		want summary
	}{
		// Synthetic journald lines of the CRI plugin, messages as
		// internal/cri/instrument/instrumented_service.go and
		// internal/cri/server/container_create.go format them, logrus
		// quoting and journald prefix as in the excerpts below.
		{"run sandbox request", journal, 1, summary{Time: "2024-03-12T13:20:00.010234567Z", Kind: schemas.KindLifecycle, Pod: agentPod, Node: "node-1"}},
		{"generated sandbox id", journal, 2, summary{Time: "2024-03-12T13:20:00.010456789Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Runtime: "containerd"}, Pod: agentPod, Node: "node-1"}},
		{"sandbox returned", journal, 3, summary{Time: "2024-03-12T13:20:00.412345678Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Runtime: "containerd"}, Pod: agentPod, Node: "node-1"}},
		{"create request", journal, 4, summary{Time: "2024-03-12T13:20:01.900000001Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{Name: "agent"}, Node: "node-1"}},
		{"generated container id", journal, 5, summary{Time: "2024-03-12T13:20:01.900123456Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: agentID, Name: "agent", Runtime: "containerd"}, Pod: agentPod, Statuses: agentStatus, Node: "node-1"}},
		{"create returned", journal, 6, summary{Time: "2024-03-12T13:20:02.110000002Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: agentID, Name: "agent", Runtime: "containerd"}, Node: "node-1"}},
		{"start request", journal, 7, summary{Time: "2024-03-12T13:20:02.111000003Z", Kind: schemas.KindLifecycle, Container: agent, Node: "node-1"}},
		{"start returned", journal, 8, summary{Time: "2024-03-12T13:20:02.460000004Z", Kind: schemas.KindContainerStart, Container: agent, Node: "node-1"}},
		{"exec", journal, 9, summary{Time: "2024-03-12T13:21:00.290000005Z", Kind: schemas.KindSession, Container: agent, Node: "node-1",
			Session: schemas.Session{Type: "exec", Command: "nsenter -t 1 -m -u -i -n -p -- bash"}}},
		{"exec returned", journal, 10, summary{Time: "2024-03-12T13:21:00.291000006Z", Kind: schemas.KindLifecycle, Container: agent, Node: "node-1"}},
		{"exec sync with quotes", journal, 11, summary{Time: "2024-03-12T13:21:10.000000007Z", Kind: schemas.KindSession, Container: agent, Node: "node-1",
			Session: schemas.Session{Type: "exec", Command: `/bin/sh -c cat /proc/1/status | grep "^Cap"`}}},
		{"exec sync returned", journal, 12, summary{Time: "2024-03-12T13:21:10.050000008Z", Kind: schemas.KindLifecycle, Container: agent, Node: "node-1"}},
		{"attach", journal, 13, summary{Time: "2024-03-12T13:21:30.000000009Z", Kind: schemas.KindSession, Container: agent, Node: "node-1",
			Session: schemas.Session{Type: "attach"}}},
		{"task exit", journal, 15, summary{Time: "2024-03-12T13:30:02.000000011Z", Kind: schemas.KindLifecycle, Node: "node-1"}},
		{"remove request", journal, 17, summary{Time: "2024-03-12T13:30:03.000000013Z", Kind: schemas.KindLifecycle, Container: agent, Node: "node-1"}},
		{"remove returned", journal, 18, summary{Time: "2024-03-12T13:30:03.200000014Z", Kind: schemas.KindContainerEnd, Container: agent, Node: "node-1"}},
		{"create failed", journal, 19, summary{Time: "2024-03-12T13:31:00.000000015Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{Name: "agent"}, Node: "node-1"}},
		{"plugin loading", journal, 20, summary{Time: "2024-03-12T13:00:00.000000016Z", Kind: schemas.KindLifecycle, Node: "node-1"}},

		// Bare logrus lines, as containerd writes them to a log file.
		{"bare start returned", "testdata/containerd-cri-plain.log", 1, summary{Time: "2024-03-12T13:20:02.460000004Z", Kind: schemas.KindContainerStart, Container: agent}},
		{"bare plugin loading", "testdata/containerd-cri-plain.log", 2, summary{Time: "2024-03-12T13:00:00.000000016Z", Kind: schemas.KindLifecycle}},
		{"bare generated id, local offset", "testdata/containerd-cri-plain.log", 3, summary{Time: "2024-03-12T12:20:02.5Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: agentID, Name: "agent", Runtime: "containerd"}, Pod: agentPod, Statuses: agentStatus}},

		// Real lines quoted in containerd PR #10906 (containerd 2.0 CI log,
		// 2024) and ovn-kubernetes PR #1306 (containerd 1.3, 2020).
		{"CDI message", "testdata/containerd-issue-excerpts.log", 1, summary{Time: "2024-11-01T18:36:40.338344642Z", Kind: schemas.KindLifecycle, Node: "ip-172-31-11-145"}},
		{"real create returned", "testdata/containerd-issue-excerpts.log", 2, summary{Time: "2024-11-01T18:36:40.346766435Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "14fc7e6f2d112f1f5b7f96a55ab7763b41962853ee4a1f1d64549061b57af2f8", Name: "kube-controller-manager", Runtime: "containerd"},
			Node:      "ip-172-31-11-145"}},
		{"real generated sandbox id", "testdata/containerd-issue-excerpts.log", 4, summary{Time: "2020-05-06T17:42:13.067096354Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: "eed4f6efaa9e9683fd004a4eae4c8e307dd8bf55e268a0d80c72e554e981f9e5", Runtime: "containerd"},
			Pod:       schemas.Pod{Namespace: "network-policy-1149", Name: "client-a-bvxpm", UID: "5eb0b025-81e9-46bc-838d-8aece8c8f56e"}, Node: "ovn-control-plane3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodeLine(t, tt.file, tt.line, tt.want)
		})
	}
}

func TestDecodeTextRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want parse.Reason
	}{
		{"crio journald line", `Mar 12 13:20:02 node-1 crio[911]: time="2024-03-12 13:20:02.460000004Z" level=info msg="Started container" PID=48213`, parse.ReasonUnrecognized},
		{"crio bare line", `time="2024-03-12 13:20:02.460000004Z" level=info msg="Created container 4c2e: kube-system/node-agent-7xk2p/agent"`, parse.ReasonUnrecognized},
		{"dockerd relayed line", `time="2020-10-30T21:07:28.511151518Z" level=info msg="ignoring event" container=4c2e module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"`, parse.ReasonUnrecognized},
		{"kubelet line", `Mar 12 13:20:02 node-1 kubelet[700]: I0312 13:20:02.460000  700 kubelet.go:2425] "SyncLoop (PLEG)"`, parse.ReasonUnrecognized},
		{"plain text", "hello world", parse.ReasonUnrecognized},
		{"docker text event", "2017-01-05T00:35:58.859401177+08:00 container create 0fdb", parse.ReasonUnrecognized},
		{"ctr bad time", "2017-06-23 25:21:30.28045193 +0000 UTC   /containers/create   id=registry", parse.ReasonBadTime},
		{"ctr no topic", "2017-06-23 23:21:30.28045193 +0000 UTC k8s.io", parse.ReasonMissingField},
		{"ctr bad JSON", `2024-03-12 13:20:02.456789012 +0000 UTC k8s.io /tasks/start {"container_id":`, parse.ReasonInvalidJSON},
		{"ctr start without container", `2024-03-12 13:20:02.456789012 +0000 UTC k8s.io /tasks/start {"pid":1}`, parse.ReasonMissingField},
		{"containerd bad time", `Mar 12 13:20:02 node-1 containerd[812]: time="yesterday" level=info msg="StartContainer for \"4c2e\""`, parse.ReasonBadTime},
		{"containerd not logrus", `Mar 12 13:20:02 node-1 containerd[812]: panic: runtime error`, parse.ReasonBadTime},
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

func decodeLine(t *testing.T, file string, n int, want summary) {
	t.Helper()
	line, ok := lines(t, file)[n]
	if !ok {
		t.Fatalf("%s has no line %d", file, n)
	}
	var ev schemas.Event
	if err := DecodeText(line, &ev); err != nil {
		t.Fatal(err)
	}
	assertSummary(t, &ev, want)
}
