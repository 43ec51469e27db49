package docker

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func FuzzDecodeEvent(f *testing.F) {
	for _, path := range []string{filepath.Join(publicDir, "moby-api-v1.24-events-example.jsonl"), "testdata/events-kubernetes.jsonl"} {
		for _, line := range lines(f, path) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) { checkTapeDecode(t, DecodeEvent, raw) })
}

func FuzzDecodeInspect(f *testing.F) {
	for _, path := range []string{filepath.Join(publicDir, "moby-api-v1.24-container-inspect-example.json"), "testdata/inspect-dockershim-privileged.json", "testdata/inspect-array.json"} {
		for _, obj := range objects(f, path) {
			f.Add(obj)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) { checkTapeDecode(t, DecodeInspect, raw) })
}

func FuzzDecodeText(f *testing.F) {
	for _, path := range []string{filepath.Join(publicDir, "docker-cli-system-events-text.log"), "testdata/events-text.log"} {
		for _, line := range lines(f, path) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) { checkDecode(t, DecodeText, line) })
}

// checkTapeDecode parses raw onto a tape, as the dispatcher does, and checks
// the decoder on it; inputs the tape rejects are skipped.
func checkTapeDecode(t *testing.T, decode func(*parse.Tape, parse.Node, *schemas.Event) error, raw string) {
	var tape parse.Tape
	if tape.Parse(raw) != nil {
		return
	}
	checkDecode(t, func(_ string, ev *schemas.Event) error { return decode(&tape, tape.Root(), ev) }, raw)
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
	if ev.Source != schemas.SourceRuntime || ev.Producer != schemas.ProducerDocker || ev.Kind == schemas.KindUnknown {
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
