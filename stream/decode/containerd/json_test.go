package containerd

import (
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func TestDecodeJSONDecodesEveryRecord(t *testing.T) {
	records := objects(t, "testdata/crictl-event-created.json")
	for _, path := range []string{"testdata/envelope.jsonl", "testdata/crictl-events.jsonl"} {
		for _, line := range lines(t, path) {
			records = append(records, line)
		}
	}
	for i, raw := range records {
		var ev schemas.Event
		if err := decodeJSONString(raw, &ev); err != nil {
			t.Errorf("record %d: %v", i, err)
			continue
		}
		assertInvariants(t, &ev)
	}
}

func TestDecodeJSONEnvelope(t *testing.T) {
	agent := schemas.Container{ID: agentID, Runtime: "containerd"}
	tests := []struct {
		name string
		line int
		want summary
	}{
		// protojson of the Envelope with its Any payload resolved.
		{"task start", 1, summary{Time: "2024-03-12T13:20:02.456789012Z", Kind: schemas.KindContainerStart, Container: agent, PID: 48213}},
		{"exec started", 2, summary{Time: "2024-03-12T13:21:00.310000002Z", Kind: schemas.KindSession, Container: agent,
			Session: schemas.Session{Type: "exec"}, PID: 49001}},
		// encoding/json of the Go types: Timestamp as {seconds, nanos}.
		{"container delete", 3, summary{Time: "2024-03-12T13:20:03.000005Z", Kind: schemas.KindContainerEnd, Container: agent}},
		{"snapshot", 4, summary{Time: "2024-03-12T13:20:00.101234567Z", Kind: schemas.KindLifecycle}},
		// A subscriber that forwards only {timestamp, topic, event}: the
		// namespace is not needed, the runtime is containerd's.
		{"exec started without namespace", 5, summary{Time: "2024-03-12T13:21:05.120000003Z", Kind: schemas.KindSession, Container: agent,
			Session: schemas.Session{Type: "exec"}, PID: 49107}},
	}
	records := lines(t, "testdata/envelope.jsonl")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeJSONString(records[tt.line], &ev); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestIsTopic(t *testing.T) {
	topics := []string{"/tasks/start", "/tasks/exec-started", "/tasks/?", "/containers/update", "/images/delete",
		"/namespaces/create", "/snapshot/prepare", "/content/delete", "/sandboxes/create"}
	others := []string{"", "/", "/tasks", "/tasks/", "tasks/start", "/news/today", "projects/p/topics/t"}
	for _, topic := range topics {
		if !IsTopic(topic) {
			t.Errorf("IsTopic(%q) = false, want true", topic)
		}
	}
	for _, topic := range others {
		if IsTopic(topic) {
			t.Errorf("IsTopic(%q) = true, want false", topic)
		}
	}
}

func TestDecodeJSONCRIEvent(t *testing.T) {
	agentMounts := []schemas.HostMount{
		{Source: "/", Target: "/host"},
		{Source: "/run/containerd/containerd.sock", Target: "/var/run/containerd/containerd.sock"},
		{Source: "/var/lib/kubelet/pods/" + agentPod.UID + "/volumes/kubernetes.io~projected/kube-api-access-q8v5m", Target: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
		{Source: "/var/lib/kubelet/pods/" + agentPod.UID + "/etc-hosts", Target: "/etc/hosts"},
		{Source: "/var/lib/kubelet/pods/" + agentPod.UID + "/containers/agent/1f2e3d4c", Target: "/dev/termination-log"},
	}
	agentSpec := func() *schemas.PodSpec {
		return &schemas.PodSpec{HostPID: true, HostNetwork: true, Containers: []schemas.ContainerSpec{{
			Name: "agent", Image: agentImg, Type: "container", Mounts: agentMounts,
		}}}
	}
	agent := schemas.Container{ID: agentID, Name: "agent", Image: agentImg, Runtime: "containerd"}
	started := agent
	started.StartTime = mustTime(t, "2024-03-12T13:20:02.4Z")
	tests := []struct {
		name string
		raw  string
		want summary
	}{
		// Synthetic `crictl events -o json` records: protojson with
		// EmitDefaultValues (cri-tools cmd/crictl/util.go
		// protobufObjectToJSON) of k8s.io/cri-api ContainerEventResponse;
		// the pod runs with hostPID and hostNetwork and mounts / and the
		// containerd socket.
		{"sandbox started", lines(t, "testdata/crictl-events.jsonl")[1], summary{Time: "2024-03-12T13:20:01Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Runtime: "containerd"}, Pod: agentPod}},
		{"created, pretty printed", objects(t, "testdata/crictl-event-created.json")[0], summary{Time: "2024-03-12T13:20:02.1Z", Kind: schemas.KindContainerStart,
			Container: agent, Pod: agentPod, Statuses: agentStatus, Spec: agentSpec()}},
		{"started", lines(t, "testdata/crictl-events.jsonl")[3], summary{Time: "2024-03-12T13:20:02.45Z", Kind: schemas.KindContainerStart,
			Container: started, Pod: agentPod, Spec: agentSpec(),
			Statuses: []schemas.ContainerStatus{{Name: "agent", ID: agentID}, {Name: "metrics", ID: metricsID}}}},
		{"stopped", lines(t, "testdata/crictl-events.jsonl")[4], summary{Time: "2024-03-12T13:30:02Z", Kind: schemas.KindLifecycle,
			Container: agent, Pod: agentPod}},
		{"deleted", lines(t, "testdata/crictl-events.jsonl")[5], summary{Time: "2024-03-12T13:30:03Z", Kind: schemas.KindContainerEnd,
			Container: schemas.Container{ID: agentID, Runtime: "containerd"}, Pod: agentPod}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeJSONString(tt.raw, &ev); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestDecodeJSONCRIEventFromCRIO(t *testing.T) {
	raw := lines(t, "testdata/crictl-events.jsonl")[2]
	raw = strings.Replace(raw, `"annotations":{"io.kubernetes.container.hash"`, `"annotations":{"io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.container.hash"`, 1)
	var ev schemas.Event
	if err := decodeJSONString(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Producer != schemas.ProducerCRIO || ev.Container.Runtime != "cri-o" {
		t.Errorf("producer %v runtime %q, want crio and cri-o", ev.Producer, ev.Container.Runtime)
	}
}

func TestDecodeJSONRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want parse.Reason
	}{
		{"envelope without timestamp", `{"namespace":"k8s.io","topic":"/tasks/start","event":{"container_id":"4c2e"}}`, parse.ReasonBadTime},
		{"envelope with numeric timestamp", `{"timestamp":1710249602,"namespace":"k8s.io","topic":"/tasks/start","event":{"container_id":"4c2e"}}`, parse.ReasonBadTime},
		{"envelope with bad timestamp", `{"timestamp":"12 March","namespace":"k8s.io","topic":"/tasks/start","event":{"container_id":"4c2e"}}`, parse.ReasonBadTime},
		{"envelope with bad nanos", `{"timestamp":{"seconds":1710249603,"nanos":-1},"namespace":"k8s.io","topic":"/tasks/start","event":{"container_id":"4c2e"}}`, parse.ReasonBadTime},
		{"envelope with empty topic", `{"timestamp":"2024-03-12T13:20:02Z","namespace":"k8s.io","topic":"","event":{}}`, parse.ReasonMissingField},
		{"undecoded Any payload", `{"timestamp":"2024-03-12T13:20:02Z","namespace":"k8s.io","topic":"/tasks/start","event":{"type_url":"containerd.events.TaskStart","value":"CkA0YzJl"}}`, parse.ReasonMissingField},
		{"CRI without id", `{"containerEventType":"CONTAINER_STARTED_EVENT","createdAt":"1710249602450000000"}`, parse.ReasonMissingField},
		{"CRI with seconds", `{"containerId":"4c2e","containerEventType":"CONTAINER_STARTED_EVENT","createdAt":"1710249602"}`, parse.ReasonBadTime},
		{"CRI without time", `{"containerId":"4c2e","containerEventType":"CONTAINER_STARTED_EVENT"}`, parse.ReasonBadTime},
		{"CRI unknown type", `{"containerId":"4c2e","containerEventType":"CONTAINER_PAUSED_EVENT","createdAt":"1710249602450000000"}`, parse.ReasonBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := reasonOf(decodeJSONString(tt.raw, &ev)); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}
