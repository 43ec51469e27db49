package containerd

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func FuzzDecodeJSON(f *testing.F) {
	for _, path := range []string{"testdata/envelope.jsonl", "testdata/crictl-events.jsonl"} {
		for _, line := range lines(f, path) {
			f.Add(line)
		}
	}
	f.Add(objects(f, "testdata/crictl-event-created.json")[0])
	f.Fuzz(func(t *testing.T, raw string) {
		// Parse onto a tape first, as the dispatcher does; skip what it
		// rejects.
		var tape parse.Tape
		if tape.Parse(raw) != nil {
			return
		}
		checkDecode(t, func(_ string, ev *schemas.Event) error { return DecodeJSON(&tape, tape.Root(), ev) }, raw)
	})
}

func FuzzDecodeText(f *testing.F) {
	for _, path := range []string{
		filepath.Join(publicDir, "ctr-events-2017-dev-report.log"),
		"testdata/ctr-events-k8s.log",
		"testdata/containerd-cri-journal.log",
		"testdata/containerd-cri-plain.log",
		"testdata/containerd-issue-excerpts.log",
	} {
		for _, line := range lines(f, path) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) { checkDecode(t, DecodeText, line) })
}

// checkDecode asserts the invariants every decoder keeps on any input.
func checkDecode(t *testing.T, decode func(string, *schemas.Event) error, raw string) {
	var ev schemas.Event
	if err := decode(raw, &ev); err != nil {
		var de *parse.Error
		if !errors.As(err, &de) {
			t.Fatalf("error %v is not a *parse.Error", err)
		}
		return
	}
	if ev.Time.IsZero() {
		t.Fatal("decoded event has no time")
	}
	if ev.Source != schemas.SourceRuntime || ev.Kind == schemas.KindUnknown ||
		(ev.Producer != schemas.ProducerContainerd && ev.Producer != schemas.ProducerCRIO) {
		t.Fatalf("source %v producer %v kind %v", ev.Source, ev.Producer, ev.Kind)
	}
	if id, _ := schemas.NormalizeContainerID(ev.Container.ID); id != ev.Container.ID {
		t.Fatalf("container id %q is not normalized", ev.Container.ID)
	}
	for _, s := range ev.Statuses {
		if id, _ := schemas.NormalizeContainerID(s.ID); id != s.ID || s.ID == "" {
			t.Fatalf("status id %q is empty or not normalized", s.ID)
		}
	}
}
