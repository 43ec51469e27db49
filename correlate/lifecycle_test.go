package correlate

import (
	"slices"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

func appPod(privileged bool) schemas.PodSpec {
	return schemas.PodSpec{Containers: []schemas.ContainerSpec{ctr("app", "ghcr.io/example/app:1", privileged)}}
}

// TestInstanceBoundaries covers when a record joins a pod's state and when
// it must not (probe p09 and scenario 25): the termination grace holds for
// records that name only a container id, a new pod that takes the name of
// one known only from sensor records inherits nothing, and a lagging
// sensor's records stamped before the pod's creation are still the pod's
// when their container id says so.
func TestInstanceBoundaries(t *testing.T) {
	const ns = "probe"
	priv := func(sec float64, id string) *schemas.Event {
		ev := inPod(falcoExec(sec, id, "node-1", "sleep", "1"), ns, "p09", "app")
		ev.Container.Privileged = true
		return ev
	}
	cases := []struct {
		name string
		evs  []*schemas.Event
		want []string
	}{
		{"action within the grace of a deleted pod", []*schemas.Event{
			podCreate(0, ns, "p09", "u1", "dev@example.com", appPod(true)),
			podStatus(5, ns, "p09", "u1", status("app")),
			podDelete(100, ns, "p09", "u1"),
			falcoExec(120, cid("app"), "node-1", "keyctl", "show"),
		}, []string{"ESC-S01/low/app", "ESC-A16/medium/app", "ESC-C01/critical/app"}},
		{"action by container id after the grace", []*schemas.Event{
			podCreate(0, ns, "p09", "u1", "dev@example.com", appPod(true)),
			podStatus(5, ns, "p09", "u1", status("app")),
			podDelete(100, ns, "p09", "u1"),
			falcoExec(140, cid("app"), "node-1", "chroot", "/host sh"),
		}, []string{"ESC-S01/low/app", "ESC-A09/medium/app"}},
		{"name reused after a pod known only from Falco", []*schemas.Event{
			priv(10, cid("old")),
			podCreate(300, ns, "p09", "u2", "dev@example.com", appPod(false)),
			podStatus(305, ns, "p09", "u2", schemas.ContainerStatus{Name: "app", ID: cid("new")}),
			inPod(falcoExec(330, cid("new"), "node-1", "nsenter", "-t 1 -m sh"), ns, "p09", "app"),
		}, []string{"ESC-S01/low/app", "ESC-A01/high/app"}},
		{"lagging sensor's record before the create is the pod's", []*schemas.Event{
			inPod(falcoExec(-90, cid("app"), "node-1", "nsenter", "--target 1 --mount sh"), ns, "p09", "app"),
			podCreate(0, ns, "p09", "u1", "system:serviceaccount:kube-system:daemon-set-controller", appPod(true)),
			podStatus(5, ns, "p09", "u1", status("app")),
		}, []string{"ESC-A01/high/app", "ESC-S01/low/app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alerts := scanEvents(t, nil, c.evs...)
			got := ruleList(alerts)
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("alerts %v, want %v", got, want)
			}
		})
	}
}

// TestLaggingSensorRecordFolded checks that the lagging sensor's early
// action, once its container id shows it is the pod's, reports the pod's
// uid and flags.
func TestLaggingSensorRecordFolded(t *testing.T) {
	alerts := scanEvents(t, nil,
		inPod(falcoExec(-90, cid("app"), "node-1", "nsenter", "--target 1 --mount sh"), "probe", "p25", "app"),
		podCreate(0, "probe", "p25", "u1", "system:serviceaccount:kube-system:daemon-set-controller", appPod(true)),
		podStatus(5, "probe", "p25", "u1", status("app")),
	)
	a01 := find(alerts, "ESC-A01")
	if len(a01) != 1 {
		t.Fatalf("alerts %v", ruleList(alerts))
	}
	if a := a01[0]; a.Kubernetes.PodUID != "u1" || a.Container == nil || !a.Container.Privileged {
		t.Errorf("folded alert: uid %q, container %+v", a.Kubernetes.PodUID, a.Container)
	}
}

// TestShortIDOnAnotherHost: a short container id matches a full one by
// prefix only on the same host, when both name a host (CONTRACT §4, probe
// p17); a full id needs no host.
func TestShortIDOnAnotherHost(t *testing.T) {
	cases := []struct {
		name  string
		node  string
		full  bool
		joins bool
	}{
		{"same host", "node-1", false, true},
		{"same host, with its domain", "NODE-1.dc2.example", false, true},
		{"no host named", "", false, true},
		{"another host", "node-2", false, false},
		{"another host by address", "10.0.1.7", false, false},
		{"full id from another host", "node-2", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			create := podCreate(0, "probe", "p17", "u1", "dev@example.com", appPod(true))
			create.Node = "node-1" // spec.nodeName
			ev := falcoExec(30, cid("app"), c.node, "nsenter", "-t 1 -m sh")
			if c.full {
				ev.Container.ID = cid("app")
			}
			alerts := scanEvents(t, nil, create, podStatus(5, "probe", "p17", "u1", status("app")), ev)
			a01 := find(alerts, "ESC-A01")
			if len(a01) != 1 {
				t.Fatalf("alerts %v", ruleList(alerts))
			}
			joined := a01[0].Kubernetes != nil
			if joined != c.joins {
				t.Errorf("joined the pod = %v, want %v (alerts %v)", joined, c.joins, ruleList(alerts))
			}
			if c.joins != (len(find(alerts, "ESC-C01")) == 1) {
				t.Errorf("ESC-C01 expected only when the record joins the pod: %v", ruleList(alerts))
			}
		})
	}
}

// TestNodeKeptFromFirstRecord: a record from another host does not move the
// pod there (probe p17).
func TestNodeKeptFromFirstRecord(t *testing.T) {
	create := podCreate(0, "probe", "p17", "u1", "dev@example.com", appPod(true))
	create.Node = "node-1"
	stray := inPod(falcoExec(30, cid("app"), "node-2", "nsenter", "-t 1 -m sh"), "probe", "p17", "app")
	alerts := scanEvents(t, nil, create, podStatus(5, "probe", "p17", "u1", status("app")), stray)
	for _, a := range alerts {
		if a.Kubernetes == nil || a.Kubernetes.Node != "node-1" || a.Host.Name != "node-1" {
			t.Errorf("%s: node %+v, host %q; want node-1", a.Rule.ID, a.Kubernetes, a.Host.Name)
		}
	}
}

func TestSameNode(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"node-1", "node-1", true},
		{"worker-3", "worker-3.dc2.example", true},
		{"ip-10-0-1-5.ec2.internal", "IP-10-0-1-5.eu-west-1.compute.internal", true},
		{"node-1", "node-2", false},
		{"10.0.1.5", "10.0.2.7", false},
		{"10.0.1.5", "10.0.1.5", true},
	} {
		if got := sameNode(c.a, c.b); got != c.want {
			t.Errorf("sameNode(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// TestClockAheadDoesNotPoisonWatermark sends one record from a sensor whose
// clock runs a day ahead: it must not make the correct records after it
// late, so the chain that follows is still raised.
func TestClockAheadDoesNotPoisonWatermark(t *testing.T) {
	ingest := func(ev *schemas.Event, sec float64) *schemas.Event { ev.IngestTime = ts(sec); return ev }
	id := cid("api")
	ahead := ingest(falcoExec(86400, cid("other"), "node-9", "ls", "-l"), 1)
	ahead.Pod = schemas.Pod{Namespace: "tools", Name: "other"}
	alerts := scanEvents(t, DefaultPolicy(),
		ingest(podCreate(0, "pay", "api", "u1", "dev@example.com", schemas.PodSpec{Containers: []schemas.ContainerSpec{ctr("api", "example/api:1", true)}}), 0),
		ingest(podStatus(1, "pay", "api", "u1", schemas.ContainerStatus{Name: "api", ID: id}), 1),
		ahead,
		ingest(falcoExec(30, id, "node-1", "nsenter", "-t 1 -m sh"), 30),
	)
	if len(find(alerts, "ESC-C01")) != 1 {
		t.Fatalf("alerts %v: the nsenter after the fast clock's record was dropped as late", ruleList(alerts))
	}
	eng, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = eng.Process(ahead, func(Output) {})
	if got, want := eng.Watermark(), ts(1).Add(DefaultPolicy().Windows.Skew.D()); !got.Equal(want) {
		t.Errorf("watermark %s after the fast record, want its broker time plus the skew, %s", got, want)
	}
}
