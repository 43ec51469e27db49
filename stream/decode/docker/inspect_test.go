package docker

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func TestDecodeInspect(t *testing.T) {
	uid := privPod.UID
	tests := []struct {
		name  string
		file  string
		index int
		want  summary
	}{
		{
			// moby API v1.24 docs example: running, not privileged; its one
			// Mounts[] entry has a volume Name, so it is no host mount.
			name: "moby docs example",
			file: filepath.Join(publicDir, "moby-api-v1.24-container-inspect-example.json"),
			want: summary{
				Time: "2015-01-06T15:47:32.072697474Z", Kind: schemas.KindContainerStart,
				Container: schemas.Container{
					ID: "ba033ac4401106a3b513bc9d639eee123ad78ca3616b921167cd74b20e25ed39", Name: "boring_euclid",
					Image: "ubuntu", Runtime: "docker", StartTime: mustTime(t, "2015-01-06T15:47:32.072697474Z"),
				},
				Spec: &schemas.PodSpec{Containers: []schemas.ContainerSpec{{Name: "boring_euclid", Image: "ubuntu", Type: "container"}}},
			},
		},
		{
			// Synthetic dockershim container (API v1.41 field set): privileged,
			// hostPID, host root and docker.sock bind-mounted, caps added.
			name: "dockershim privileged",
			file: "testdata/inspect-dockershim-privileged.json",
			want: summary{
				Time: "2024-03-12T13:20:03.501234567Z", Kind: schemas.KindContainerStart, PID: 48213,
				Container: schemas.Container{ID: shellID, Name: "shell", Image: shellImg, Runtime: "docker", Privileged: true,
					StartTime: mustTime(t, "2024-03-12T13:20:03.501234567Z")},
				Pod:      privPod,
				Statuses: []schemas.ContainerStatus{{Name: "shell", ID: shellID}},
				Spec: &schemas.PodSpec{HostPID: true, Containers: []schemas.ContainerSpec{{
					Name: "shell", Image: shellImg, Type: "container", Privileged: true, WorkingDir: "/root",
					CapAdd: []string{"SYS_ADMIN", "SYS_PTRACE"},
					Mounts: []schemas.HostMount{
						{Source: "/var/lib/kubelet/pods/" + uid + "/volumes/kubernetes.io~projected/kube-api-access-9xq4z", Target: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
						{Source: "/var/lib/kubelet/pods/" + uid + "/etc-hosts", Target: "/etc/hosts"},
						{Source: "/var/lib/kubelet/pods/" + uid + "/containers/shell/0b1c2d3e", Target: "/dev/termination-log"},
						{Source: "/", Target: "/host"},
						{Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", ReadOnly: true},
					},
				}}},
			},
		},
		{
			// The dockershim sandbox carries hostNetwork for the whole pod.
			name: "sandbox with host network", file: "testdata/inspect-array.json", index: 0,
			want: summary{
				Time: "2024-03-12T13:19:59.002345678Z", Kind: schemas.KindContainerStart, PID: 48102,
				Container: schemas.Container{ID: sandboxID, Name: "POD", Image: "k8s.gcr.io/pause:3.2", Runtime: "docker",
					StartTime: mustTime(t, "2024-03-12T13:19:59.002345678Z")},
				Pod:  privPod,
				Spec: &schemas.PodSpec{HostPID: true, HostNetwork: true},
			},
		},
		{
			// docker run --privileged --pid=host --net=host --ipc=host
			// -v /:/host -v cache:/cache, created and never started.
			name: "plain docker never started", file: "testdata/inspect-array.json", index: 1,
			want: summary{
				Time: "2024-03-12T14:00:00.1Z", Kind: schemas.KindContainerStart,
				Container: schemas.Container{ID: plainID, Name: "debug-box", Image: "alpine:3.19", Runtime: "docker", Privileged: true},
				Spec: &schemas.PodSpec{HostPID: true, HostIPC: true, HostNetwork: true, Containers: []schemas.ContainerSpec{{
					Name: "debug-box", Image: "alpine:3.19", Type: "container", Privileged: true,
					Mounts: []schemas.HostMount{{Source: "/", Target: "/host"}},
				}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if err := decodeInspectString(objects(t, tt.file)[tt.index], &ev); err != nil {
				t.Fatal(err)
			}
			assertInvariants(t, &ev)
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestDecodeInspectSandboxWithoutHostNamespaces(t *testing.T) {
	raw := objects(t, "testdata/inspect-array.json")[0]
	raw = strings.Replace(raw, `"NetworkMode": "host"`, `"NetworkMode": "none"`, 1)
	raw = strings.Replace(raw, `"PidMode": "host"`, `"PidMode": ""`, 1)
	var ev schemas.Event
	if err := decodeInspectString(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != schemas.KindLifecycle || ev.Spec != nil {
		t.Errorf("kind %v spec %+v, want a lifecycle event without spec", ev.Kind, ev.Spec)
	}
}

func TestDecodeInspectRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want parse.Reason
	}{
		{"no id", `{"Created":"2015-01-06T15:47:31.485331387Z","HostConfig":{}}`, parse.ReasonMissingField},
		{"id not hex", `{"Id":"boring_euclid","Created":"2015-01-06T15:47:31.485331387Z","HostConfig":{}}`, parse.ReasonBadValue},
		{"no time", `{"Id":"ba033ac44011","HostConfig":{},"State":{"StartedAt":"0001-01-01T00:00:00Z"}}`, parse.ReasonBadTime},
		{"bad StartedAt", `{"Id":"ba033ac44011","HostConfig":{},"State":{"StartedAt":"06/01/2015"}}`, parse.ReasonBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := reasonOf(decodeInspectString(tt.raw, &ev)); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseBind(t *testing.T) {
	tests := []struct {
		bind string
		want schemas.HostMount
		ok   bool
	}{
		{"/:/host", schemas.HostMount{Source: "/", Target: "/host"}, true},
		{"/etc:/host/etc:ro", schemas.HostMount{Source: "/etc", Target: "/host/etc", ReadOnly: true}, true},
		{"/dev:/dev:rslave,ro,Z", schemas.HostMount{Source: "/dev", Target: "/dev", ReadOnly: true}, true},
		{"/srv:/srv:rw", schemas.HostMount{Source: "/srv", Target: "/srv"}, true},
		{"/srv:/srv:rrw", schemas.HostMount{Source: "/srv", Target: "/srv"}, true},
		{"data:/data", schemas.HostMount{}, false},
		{"/only-source", schemas.HostMount{}, false},
		{"/src:", schemas.HostMount{}, false},
	}
	for _, tt := range tests {
		got, ok := parseBind(tt.bind)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: got %+v %v, want %+v %v", tt.bind, got, ok, tt.want, tt.ok)
		}
	}
}
