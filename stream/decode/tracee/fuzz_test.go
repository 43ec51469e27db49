package tracee

import (
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func FuzzDecode(f *testing.F) {
	for _, path := range allFiles(f) {
		for _, line := range readLines(f, path) {
			f.Add(line)
		}
	}
	f.Add(`{"timestamp":"2025-06-03T14:22:31Z","name":"unshare","data":[{"name":"flags","value":"0x10000000"}]}`)
	f.Add(`{"timestamp":{"seconds":1748960551,"nanos":5},"name":"ptrace","data":[{"name":"request","value":16}]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var tape parse.Tape
		if tape.Parse(raw) != nil {
			return // not JSON: the dispatcher rejects it before any decoder
		}
		var ev schemas.Event
		if err := Decode(&tape, tape.Root(), &ev); err != nil {
			return
		}
		if ev.Time.IsZero() {
			t.Errorf("decoded without a time: %q", raw)
		}
		if ev.Producer != schemas.ProducerTracee || ev.Source != schemas.SourceSyscall {
			t.Errorf("producer %v source %v", ev.Producer, ev.Source)
		}
		if id, _ := schemas.NormalizeContainerID(ev.Container.ID); id != ev.Container.ID {
			t.Errorf("container id %q is not normalized (%q)", ev.Container.ID, id)
		}
		if ev.Container.Host && ev.Container.ID != "" {
			t.Errorf("host process with container id %q", ev.Container.ID)
		}
	})
}
