package k8saudit

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{filepath.Join(fixtureDir, "*.json"), filepath.Join("testdata", "*.json")} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range files {
			f.Add(readRecord(f, path))
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var tape parse.Tape
		if tape.Parse(raw) != nil {
			return // not JSON: the dispatcher rejects it before any decoder
		}
		var ev schemas.Event
		if err := Decode(&tape, tape.Root(), &ev); err != nil {
			return
		}
		if ev.Time.IsZero() || ev.Time.Location() != time.UTC {
			t.Errorf("time %v: want a non-zero UTC time", ev.Time)
		}
		if ev.Source != schemas.SourceK8sAudit || ev.Producer != schemas.ProducerAPIServer {
			t.Errorf("source %v producer %v", ev.Source, ev.Producer)
		}
		if ev.Kind == schemas.KindUnknown {
			t.Error("kind not set")
		}
		if id, _ := schemas.NormalizeContainerID(ev.Container.ID); id != ev.Container.ID {
			t.Errorf("container id %q is not normalized", ev.Container.ID)
		}
		for _, s := range ev.Statuses {
			if id, _ := schemas.NormalizeContainerID(s.ID); s.ID == "" || id != s.ID {
				t.Errorf("status id %q is empty or not normalized", s.ID)
			}
		}
		switch {
		case ev.Kind == schemas.KindPodSpec && ev.Spec == nil:
			t.Error("pod_spec event without a spec")
		case ev.Spec != nil && ev.Kind != schemas.KindPodSpec && ev.Kind != schemas.KindSession:
			t.Errorf("%v event with a spec", ev.Kind)
		case ev.Kind == schemas.KindPodStatus && len(ev.Statuses) == 0:
			t.Error("pod_status event without statuses")
		}
		if ev.Kind == schemas.KindLifecycle && ev.Actor.Groups != nil {
			t.Error("groups allocated for a lifecycle event")
		}
	})
}
