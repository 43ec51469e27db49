package correlate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

func TestSmokeChain(t *testing.T) {
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var outs []Output
	out := func(o Output) { outs = append(outs, o) }
	create := &schemas.Event{Time: t0, Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer, Kind: schemas.KindPodSpec,
		NativeID: "audit-1", Stage: "ResponseComplete", Pod: schemas.Pod{Namespace: "default", Name: "web-0", UID: "uid-1"},
		Actor: schemas.Actor{User: "alice"},
		Spec: &schemas.PodSpec{HostPID: true, Containers: []schemas.ContainerSpec{{Name: "web", Image: "nginx:1.25", Privileged: true,
			Mounts: []schemas.HostMount{{Source: "/", Target: "/host"}}}}}}
	status := &schemas.Event{Time: t0.Add(3 * time.Second), Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer, Kind: schemas.KindPodStatus,
		NativeID: "audit-2", Stage: "ResponseComplete", Pod: schemas.Pod{Namespace: "default", Name: "web-0"}, Node: "node-1",
		Statuses: []schemas.ContainerStatus{{Name: "web", ID: "85f791fd8dfa740a3b1c177e8f68e8fdb4803a7c8fa0e957a5ec38460ce047ef"}}}
	nsenter := &schemas.Event{Time: t0.Add(40 * time.Second), Source: schemas.SourceSyscall, Producer: schemas.ProducerFalco, Kind: schemas.KindProcess,
		NativeID: "falco-1", Container: schemas.Container{ID: "85f791fd8dfa"}, Node: "node-1",
		Process: schemas.Process{Name: "nsenter", Args: "-t 1 -m -u -n -i -p bash", PID: 42}}
	for _, ev := range []*schemas.Event{create, status, nsenter} {
		if err := e.Process(ev, out); err != nil {
			t.Fatal(err)
		}
	}
	e.Flush(out)
	for _, o := range outs {
		b, _ := json.MarshalIndent(o.Alert, "", "  ")
		t.Logf("%s", b)
	}
}
