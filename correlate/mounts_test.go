package correlate

import (
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// TestHostPathPodAlerts covers probe p04: a hostPath with a trailing slash
// is the path without it, a volume no container mounts gets one pod-level
// ESC-S04 that says which volume, and pod-level findings are described as
// the pod's, not as its only container's.
func TestHostPathPodAlerts(t *testing.T) {
	mounted := func(hostPath string) schemas.PodSpec {
		return schemas.PodSpec{Volumes: []schemas.Volume{{Name: "h", HostPath: hostPath}},
			Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false,
				schemas.HostMount{Source: hostPath, Target: "/host"})}}
	}
	cases := []struct {
		name     string
		spec     schemas.PodSpec
		rule     string
		count    int
		summary  string // the alert summary contains it
		evidence string // the evidence summary contains it
	}{
		{"trailing slash", mounted("/etc/kubernetes/manifests/"), "ESC-S04", 1,
			"(container app) mounts host /etc/kubernetes/manifests at /host", "mounts host /etc/kubernetes/manifests/ at /host"},
		{"dot-dot path", mounted("/var/lib/kubelet/pods/../../.."), "ESC-S04", 1,
			"mounts host /var at /host", "mounts host"},
		{"unmounted volume", schemas.PodSpec{Volumes: []schemas.Volume{{Name: "h", HostPath: "/etc"}},
			Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false)}}, "ESC-S04", 1,
			"Pod probe/p04 mounts hostPath volume h (/etc) that no container mounts", "hostPath volume h (/etc) mounted by no container"},
		{"unmounted socket folder", schemas.PodSpec{Volumes: []schemas.Volume{{Name: "s", HostPath: "/run/k3s/containerd"}},
			Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false)}}, "ESC-S05", 1,
			"Pod probe/p04 mounts the container runtime socket: hostPath volume s (/run/k3s/containerd)", "hostPath volume s"},
		{"host PID namespace", schemas.PodSpec{HostPID: true,
			Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false)}}, "ESC-S02", 1,
			"Pod probe/p04 shares the host's PID namespace(s)", "hostPID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts := scanEvents(t, nil, podCreate(0, "probe", "p04", "uid-p04", "dev@example.com", c.spec))
			got := find(alerts, c.rule)
			if len(got) != c.count {
				t.Fatalf("%d %s alerts, want %d: %v", len(got), c.rule, c.count, ruleList(alerts))
			}
			a := got[0]
			if !strings.Contains(a.Summary, c.summary) {
				t.Errorf("summary %q, want it to contain %q", a.Summary, c.summary)
			}
			if ev := a.Evidence[0].Summary; !strings.Contains(ev, c.evidence) || strings.Contains(ev, "no risky settings") {
				t.Errorf("evidence %q, want it to contain %q", ev, c.evidence)
			}
			ids := map[string]bool{}
			for _, x := range alerts {
				if ids[x.ID] {
					t.Errorf("duplicate id %s", x.ID)
				}
				ids[x.ID] = true
			}
		})
	}
}

// TestMountRulesRuntimeSocketFolders: the folder of a runtime socket counts
// as the socket (ESC-S05), k3s's containerd included (probe p14).
func TestMountRulesRuntimeSocketFolders(t *testing.T) {
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]bool{
		"/run/k3s/containerd":                               true,
		"/run/k3s/containerd/containerd.sock":               true,
		"/var/run/k3s/containerd":                           true,
		"/run/containerd":                                   true,
		"/var/run/crio":                                     true,
		"/run/k3s/containerd/io.containerd.runtime.v2.task": false,
		"/var/log":  false,
		"/run/user": false,
	} {
		if got := e.mountRules(src).Has(RuleS05); got != want {
			t.Errorf("%s: S05 = %v, want %v", src, got, want)
		}
	}
}

// TestSameMountPathAccess: host paths mounted at the same place inside the
// container (/var/lib/kubelet at /var/lib/kubelet) are host access too
// (probe p13); an ordinary container's own /etc is not.
func TestSameMountPathAccess(t *testing.T) {
	cases := []struct {
		name       string
		src, dst   string
		path       string
		write      bool
		wantA13    bool
		wantDetail string
	}{
		{"kubelet pki", "/var/lib/kubelet", "/var/lib/kubelet", "/var/lib/kubelet/pki/kubelet-client-current.pem", false, true,
			"host /var/lib/kubelet mounted at /var/lib/kubelet"},
		{"kubernetes admin.conf", "/etc/kubernetes", "/etc/kubernetes", "/etc/kubernetes/admin.conf", false, true, "admin.conf"},
		{"manifest write", "/etc/kubernetes/manifests", "/etc/kubernetes/manifests", "/etc/kubernetes/manifests/evil.yaml", true, true, "write to"},
		{"root's ssh keys", "/root", "/root", "/root/.ssh/authorized_keys", true, true, "/root/.ssh"},
		{"modules", "/lib/modules", "/lib/modules", "/lib/modules/6.1.0/modules.dep", false, true, "/lib/modules"},
		{"not mounted", "/var/lib/kubelet", "/host/kubelet", "/var/lib/kubelet/pki/x.pem", false, false, ""},
		{"the container's own /etc", "/etc/kubernetes", "/etc/kubernetes", "/etc/passwd", false, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := schemas.PodSpec{Volumes: []schemas.Volume{{Name: "h", HostPath: c.src}},
				Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false, schemas.HostMount{Source: c.src, Target: c.dst})}}
			access := falcoOpen(30, cid("app"), "node-1", c.path, c.write)
			if !Relevant(access, DefaultPolicy()) && c.wantA13 {
				t.Fatal("stage 1 drops the access")
			}
			alerts := scanEvents(t, nil, podCreate(0, "probe", "p13", "u1", "dev@example.com", spec),
				podStatus(5, "probe", "p13", "u1", status("app")), access)
			a13 := find(alerts, "ESC-A13")
			if (len(a13) == 1) != c.wantA13 {
				t.Fatalf("ESC-A13 raised = %v, want %v: %v", len(a13) == 1, c.wantA13, ruleList(alerts))
			}
			if c.wantA13 && !strings.Contains(a13[0].Summary, c.wantDetail) {
				t.Errorf("summary %q, want %q", a13[0].Summary, c.wantDetail)
			}
		})
	}
}

// TestSameMountPathsFromPolicy: the paths kept for ESC-A13 follow the
// policy's sensitive paths, leaving out those every container has.
func TestSameMountPathsFromPolicy(t *testing.T) {
	want := []string{"/etc/kubernetes", "/root", "/home", "/boot", "/lib/modules", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd"}
	if got := DefaultPolicy().sameMountPaths; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("default: %v, want %v", got, want)
	}
	p := mustPolicy(t, "extra_sensitive_paths: [/var/lib/etcd, /proc/sys]\n")
	if got := p.sameMountPaths; got[len(got)-1] != "/var/lib/etcd" || strings.Contains(strings.Join(got, " "), "/proc") {
		t.Errorf("with extras: %v", got)
	}
}
