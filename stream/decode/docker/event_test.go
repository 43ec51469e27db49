package docker

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Ids used by the synthetic records in testdata/.
const (
	shellID   = "a41f0e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2"
	sandboxID = "5d3c0a1e9b7f4c2d8e6a0b1c3d5e7f9a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"
	plainID   = "c0ffee4ba5e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1"
	shellImg  = "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"
	mobyID    = "ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743"
)

var privPod = schemas.Pod{Namespace: "default", Name: "priv-shell-6d8f9c7b5-x2lqv", UID: "7e9c2f0a-5b1d-4c8e-9f3a-2d6b8e0c4a17"}

func TestDecodeEventDecodesEveryRecord(t *testing.T) {
	for _, path := range []string{
		filepath.Join(publicDir, "moby-api-v1.24-events-example.jsonl"),
		"testdata/events-kubernetes.jsonl",
	} {
		for n, line := range lines(t, path) {
			var ev schemas.Event
			if err := decodeEventString(line, &ev); err != nil {
				t.Errorf("%s:%d: %v", path, n, err)
				continue
			}
			assertInvariants(t, &ev)
		}
	}
}

func TestDecodeEvent(t *testing.T) {
	moby := filepath.Join(publicDir, "moby-api-v1.24-events-example.jsonl")
	mobyCtr := schemas.Container{ID: mobyID, Name: "my-container", Image: "alpine", Runtime: "docker"}
	shell := schemas.Container{ID: shellID, Name: "shell", Image: shellImg, Runtime: "docker"}
	plain := schemas.Container{ID: plainID, Name: "debug-box", Image: "alpine:3.19", Runtime: "docker"}
	tests := []struct {
		name string
		file string
		line int
		want summary
	}{
		{"image pull", moby, 1, summary{Time: "2016-04-29T15:18:21.301854122Z", Kind: schemas.KindLifecycle}},
		{"create", moby, 2, summary{Time: "2016-04-29T15:18:21.381709551Z", Kind: schemas.KindContainerStart, Container: mobyCtr}},
		{"attach", moby, 3, summary{Time: "2016-04-29T15:18:21.383858412Z", Kind: schemas.KindSession, Container: mobyCtr,
			Session: schemas.Session{Type: "attach", Container: "my-container"}}},
		{"network connect", moby, 4, summary{Time: "2016-04-29T15:18:21.394865557Z", Kind: schemas.KindLifecycle}},
		{"start", moby, 5, summary{Time: "2016-04-29T15:18:21.607533796Z", Kind: schemas.KindContainerStart, Container: mobyCtr}},
		{"die", moby, 7, summary{Time: "2016-04-29T15:18:25.079144137Z", Kind: schemas.KindLifecycle, Container: mobyCtr}},
		{"destroy", moby, 9, summary{Time: "2016-04-29T15:18:25.338056026Z", Kind: schemas.KindContainerEnd, Container: mobyCtr}},

		// Synthetic dockershim records (testdata/events-kubernetes.jsonl):
		// moby API v1.41 events with both the legacy and the current fields,
		// Attributes = kubelet labels + image + name as dockershim sets them.
		{"sandbox start", "testdata/events-kubernetes.jsonl", 1, summary{Time: "2024-03-12T13:20:00.123456789Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Name: "POD", Image: "k8s.gcr.io/pause:3.2", Runtime: "docker"}, Pod: privPod}},
		{"k8s create", "testdata/events-kubernetes.jsonl", 2, summary{Time: "2024-03-12T13:20:02.123456789Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: privPod, Statuses: []schemas.ContainerStatus{{Name: "shell", ID: shellID}}}},
		{"exec_create", "testdata/events-kubernetes.jsonl", 4, summary{Time: "2024-03-12T13:21:00.123456789Z", Kind: schemas.KindSession,
			Container: shell, Pod: privPod, Session: schemas.Session{Type: "exec", Container: "shell", Command: "nsenter -t 1 -m -u -i -n -p -- bash"}}},
		{"exec_start", "testdata/events-kubernetes.jsonl", 5, summary{Time: "2024-03-12T13:21:00.123456789Z", Kind: schemas.KindSession,
			Container: shell, Pod: privPod, Session: schemas.Session{Type: "exec", Container: "shell", Command: "nsenter -t 1 -m -u -i -n -p -- bash"}}},
		{"exec_die", "testdata/events-kubernetes.jsonl", 6, summary{Time: "2024-03-12T13:22:00.123456789Z", Kind: schemas.KindLifecycle,
			Container: shell, Pod: privPod}},
		{"k8s destroy", "testdata/events-kubernetes.jsonl", 9, summary{Time: "2024-03-12T13:25:10.123456789Z", Kind: schemas.KindContainerEnd,
			Container: shell, Pod: privPod}},
		{"sandbox destroy", "testdata/events-kubernetes.jsonl", 10, summary{Time: "2024-03-12T13:25:11.123456789Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Name: "POD", Image: "k8s.gcr.io/pause:3.2", Runtime: "docker"}, Pod: privPod}},
		{"plain attach", "testdata/events-kubernetes.jsonl", 12, summary{Time: "2024-03-12T13:26:40.123456789Z", Kind: schemas.KindSession,
			Container: plain, Session: schemas.Session{Type: "attach", Container: "debug-box"}}},
		{"health_status", "testdata/events-kubernetes.jsonl", 14, summary{Time: "2024-03-12T13:27:10.123456789Z", Kind: schemas.KindLifecycle, Container: plain}},
		{"exec with trailing space", "testdata/events-kubernetes.jsonl", 15, summary{Time: "2024-03-12T13:27:20.123456789Z", Kind: schemas.KindSession,
			Container: plain, Session: schemas.Session{Type: "exec", Container: "debug-box", Command: "sh -c cat /proc/1/cgroup"}}},
		// Pre-1.22 daemons: status/id/from and seconds only.
		{"legacy create", "testdata/events-kubernetes.jsonl", 17, summary{Time: "2024-03-12T13:28:20Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: plainID, Image: "alpine:3.19", Runtime: "docker"}}},
		{"legacy exec_start", "testdata/events-kubernetes.jsonl", 18, summary{Time: "2024-03-12T13:28:21Z", Kind: schemas.KindSession,
			Container: schemas.Container{ID: plainID, Image: "alpine:3.19", Runtime: "docker"}, Session: schemas.Session{Type: "exec", Command: "bash"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, ok := lines(t, tt.file)[tt.line]
			if !ok {
				t.Fatalf("%s has no line %d", tt.file, tt.line)
			}
			var ev schemas.Event
			if err := decodeEventString(line, &ev); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestDecodeEventRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want parse.Reason
	}{
		{"no time", `{"Type":"container","Action":"start","Actor":{"ID":"` + mobyID + `"}}`, parse.ReasonBadTime},
		{"string time", `{"Type":"container","Action":"start","Actor":{"ID":"` + mobyID + `"},"time":"yesterday"}`, parse.ReasonBadTime},
		{"boot-relative timeNano", `{"Type":"container","Action":"start","Actor":{"ID":"` + mobyID + `"},"timeNano":12345}`, parse.ReasonBadTime},
		{"no action", `{"Type":"container","Actor":{"ID":"` + mobyID + `"},"time":1461943101}`, parse.ReasonMissingField},
		{"no actor", `{"Type":"container","Action":"start","Actor":{},"time":1461943101}`, parse.ReasonMissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := reasonOf(decodeEventString(tt.raw, &ev)); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContainerKind(t *testing.T) {
	tests := []struct {
		action  string
		kind    schemas.Kind
		session string
		command string
	}{
		{"create", schemas.KindContainerStart, "", ""},
		{"start", schemas.KindContainerStart, "", ""},
		{"exec_create: /bin/sh", schemas.KindSession, "exec", "/bin/sh"},
		{"exec_start: bash -l", schemas.KindSession, "exec", "bash -l"},
		{"exec_start", schemas.KindSession, "exec", ""},
		{"exec_startx", schemas.KindLifecycle, "", ""},
		{"exec_die", schemas.KindLifecycle, "", ""},
		{"attach", schemas.KindSession, "attach", ""},
		{"destroy", schemas.KindContainerEnd, "", ""},
		{"oom", schemas.KindLifecycle, "", ""},
		{"health_status: unhealthy", schemas.KindLifecycle, "", ""},
	}
	for _, tt := range tests {
		kind, session, command := containerKind(tt.action)
		if kind != tt.kind || session != tt.session || command != tt.command {
			t.Errorf("%q: got %v %q %q, want %v %q %q", tt.action, kind, session, command, tt.kind, tt.session, tt.command)
		}
	}
}

func TestDockershimName(t *testing.T) {
	tests := []struct {
		name string
		want kubeIdentity
	}{
		{"k8s_shell_web-1_prod_0a1b-2c_3", kubeIdentity{namespace: "prod", podName: "web-1", uid: "0a1b-2c", container: "shell"}},
		{"/k8s_POD_web-1_prod_0a1b-2c_0", kubeIdentity{namespace: "prod", podName: "web-1", uid: "0a1b-2c", container: "POD", sandbox: true}},
		{"k8s_shell_web-1_prod_0a1b-2c", kubeIdentity{}},
		{"k8s_shell_web-1_prod_0a1b-2c_x", kubeIdentity{}},
		{"k8s__web-1_prod_uid_0", kubeIdentity{}},
		{"boring_euclid", kubeIdentity{}},
	}
	for _, tt := range tests {
		var got kubeIdentity
		got.fromName(tt.name)
		if got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
