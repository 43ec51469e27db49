package correlate

import (
	"slices"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// calicoNode is a calico-node pod created by the DaemonSet controller, as
// in probe p12b: privileged, hostPID and hostNetwork, all allowlisted.
func calicoNode(pod string) []*schemas.Event {
	spec := schemas.PodSpec{HostPID: true, HostNetwork: true,
		Containers: []schemas.ContainerSpec{ctr("calico-node", "quay.io/calico/node:v3.27.0", true)}}
	return []*schemas.Event{
		podCreate(0, "kube-system", pod, "uid-"+pod, "system:serviceaccount:kube-system:daemon-set-controller", spec),
		podStatus(5, "kube-system", pod, "uid-"+pod, status("calico-node")),
	}
}

// TestAllowlistedActionAfterSession: an allowlisted container's own host
// actions raise nothing, but the same action after someone opened a session
// into it completes ESC-C02, unless the policy trusts that person.
func TestAllowlistedActionAfterSession(t *testing.T) {
	cases := []struct {
		name    string
		policy  string
		session bool
		want    []string
	}{
		{"agent's own nsenter", "", false, nil},
		{"nsenter after an exec", "", true, []string{"ESC-S07/medium/calico-node", "ESC-C02/critical/calico-node"}},
		{"session user allowlisted for C02", `
allowlist:
  - name: sre
    users: [mallory@example.com]
    rules: [ESC-S07, ESC-C02]
`, true, nil},
		{"session user allowlisted for the action", `
allowlist:
  - name: sre
    users: ["group:sre"]
    rules: [ESC-A01, ESC-A13]
`, true, []string{"ESC-S07/medium/calico-node"}},
		{"session user allowlisted for sessions only", `
allowlist:
  - name: sre
    users: [mallory@example.com]
    rules: [ESC-S07]
`, true, []string{"ESC-C02/critical/calico-node"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := DefaultPolicy()
			if c.policy != "" {
				pol = mustPolicy(t, c.policy)
			}
			evs := calicoNode("calico-node-b1")
			if c.session {
				ex := execInto(7200, "kube-system", "calico-node-b1", "calico-node", "mallory@example.com", "sh")
				ex.Actor.Groups = []string{"sre"}
				evs = append(evs, ex)
			}
			evs = append(evs,
				falcoExec(7230, cid("calico-node"), "node-1", "nsenter", "-t 1 -m -u -i -n -p sh"),
				falcoOpen(7240, cid("calico-node"), "node-1", "/proc/1/root/etc/shadow", false))
			got := ruleList(scanEvents(t, pol, evs...))
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("alerts %v, want %v", got, want)
			}
		})
	}
}

// TestAllowlistedSessionEscapeEvidence checks the C02 of an allowlisted
// container shows the session and both actions.
func TestAllowlistedSessionEscapeEvidence(t *testing.T) {
	evs := append(calicoNode("calico-node-b1"),
		execInto(7200, "kube-system", "calico-node-b1", "calico-node", "mallory@example.com", "sh"),
		falcoExec(7230, cid("calico-node"), "node-1", "nsenter", "-t 1 -m -u -i -n -p sh"),
		falcoOpen(7240, cid("calico-node"), "node-1", "/proc/1/root/etc/shadow", false))
	c02 := find(scanEvents(t, nil, evs...), "ESC-C02")
	if len(c02) != 1 {
		t.Fatalf("want one ESC-C02, got %d", len(c02))
	}
	a := c02[0]
	if len(a.Evidence) != 3 || a.Actor.User != "mallory@example.com" || !a.Escalate {
		t.Errorf("C02 evidence %d, actor %q, escalate %v", len(a.Evidence), a.Actor.User, a.Escalate)
	}
}

// TestReconRaisesOnce: reconnaissance raises an action alert by one level
// at most, however many recon events come before or after it (probe p07).
func TestReconRaisesOnce(t *testing.T) {
	keyctl := func(sec float64) *schemas.Event { return falcoExec(sec, cid("app"), "node-1", "keyctl", "show") }
	cgroup := func(sec float64) *schemas.Event { return falcoOpen(sec, cid("app"), "node-1", "/proc/1/cgroup", false) }
	capsh := func(sec float64) *schemas.Event { return falcoExec(sec, cid("app"), "node-1", "capsh", "--print") }
	cases := []struct {
		name string
		evs  []*schemas.Event
		want schemas.Severity // of the ESC-A16 alert
	}{
		{"no recon", []*schemas.Event{keyctl(30)}, schemas.SeverityLow},
		{"recon before", []*schemas.Event{cgroup(30), keyctl(40)}, schemas.SeverityMedium},
		{"three recon after", []*schemas.Event{keyctl(30), cgroup(40), capsh(41), falcoOpen(42, cid("app"), "node-1", "/proc/sched_debug", false)},
			schemas.SeverityMedium},
		{"recon before and after", []*schemas.Event{cgroup(30), capsh(31), keyctl(40), falcoExec(50, cid("app"), "node-1", "fdisk", "-l")},
			schemas.SeverityMedium},
		{"recon outside the window", []*schemas.Event{cgroup(30), keyctl(30 + 11*60)}, schemas.SeverityLow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := []*schemas.Event{
				podCreate(0, "probe", "p07", "uid-p07", "dev@example.com", schemas.PodSpec{Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", false)}}),
				podStatus(5, "probe", "p07", "uid-p07", status("app")),
			}
			alerts := find(scanEvents(t, nil, append(evs, c.evs...)...), "ESC-A16")
			if len(alerts) != 1 {
				t.Fatalf("want one ESC-A16, got %d", len(alerts))
			}
			if alerts[0].Severity != c.want {
				t.Errorf("severity %s, want %s", alerts[0].Severity, c.want)
			}
		})
	}
}

// TestAlertIDsDistinct: alerts anchored at the same event for different
// containers (ESC-S01 of two containers of one pod spec, their ESC-C01s)
// have distinct ids, and a replay gives the same ids (probe p05).
func TestAlertIDsDistinct(t *testing.T) {
	events := func() []*schemas.Event {
		spec := schemas.PodSpec{Containers: []schemas.ContainerSpec{ctr("a", "ghcr.io/example/app:1", true),
			ctr("b", "ghcr.io/example/app:1", true)}}
		return []*schemas.Event{
			podCreate(0, "probe", "p05", "uid-p05", "dev@example.com", spec),
			podStatus(5, "probe", "p05", "uid-p05", status("a"), status("b")),
			falcoExec(30, cid("a"), "node-1", "nsenter", "-t 1 -m sh"),
			falcoExec(31, cid("b"), "node-1", "nsenter", "-t 1 -m sh"),
		}
	}
	first := scanEvents(t, nil, events()...)
	if len(find(first, "ESC-S01")) != 2 || len(find(first, "ESC-C01")) != 2 {
		t.Fatalf("want ESC-S01 and ESC-C01 for both containers, got %v", ruleList(first))
	}
	seen := map[string]string{}
	for _, a := range first {
		if other, dup := seen[a.ID]; dup {
			t.Errorf("%s and %s share id %s", other, a.Rule.ID+"/"+a.Container.Name, a.ID)
		}
		seen[a.ID] = a.Rule.ID + "/" + a.Container.Name
	}
	again := scanEvents(t, nil, events()...)
	for i := range first {
		if first[i].ID != again[i].ID {
			t.Errorf("replay gave %s another id: %s, then %s", first[i].Rule.ID, first[i].ID, again[i].ID)
		}
	}
}
