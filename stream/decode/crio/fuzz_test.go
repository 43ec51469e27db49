package crio

import (
	"errors"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func FuzzDecodeText(f *testing.F) {
	for _, path := range []string{"testdata/crio-journal.log", "testdata/crio-plain.log", "testdata/crio-issue-excerpts.log"} {
		for _, line := range lines(f, path) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		var ev schemas.Event
		if err := DecodeText(line, &ev); err != nil {
			var de *parse.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *parse.Error", err)
			}
			return
		}
		if ev.Time.IsZero() {
			t.Fatal("decoded event has no time")
		}
		if ev.Source != schemas.SourceRuntime || ev.Producer != schemas.ProducerCRIO || ev.Kind == schemas.KindUnknown {
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
	})
}
