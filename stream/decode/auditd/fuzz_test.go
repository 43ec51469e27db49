package auditd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// FuzzGrouper feeds the lines of each input to a Grouper. Seeds: every raw
// log and every YAML event of the fixtures and of testdata/.
func FuzzGrouper(f *testing.F) {
	logs, _ := filepath.Glob(filepath.Join(publicDir, "*.log"))
	own, _ := filepath.Glob("testdata/*.log")
	for _, path := range append(logs, own...) {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
		for line := range strings.SplitSeq(string(raw), "\n") {
			f.Add(line)
		}
	}
	yamls, _ := filepath.Glob(filepath.Join(publicDir, "*.yaml"))
	for _, path := range yamls {
		for _, lines := range yamlEvents(f, path) {
			f.Add(strings.Join(lines, "\n"))
		}
	}
	f.Fuzz(func(t *testing.T, input string) {
		var g Grouper
		check := func(ev *schemas.Event) error {
			if ev.Time.IsZero() {
				t.Errorf("event %q without a time", ev.NativeID)
			}
			if ev.Producer != schemas.ProducerAuditd || ev.Source != schemas.SourceSyscall || ev.Kind == schemas.KindUnknown {
				t.Errorf("event %q: producer %v source %v kind %v", ev.NativeID, ev.Producer, ev.Source, ev.Kind)
			}
			if ev.NativeID == "" || !strings.HasPrefix(ev.NativeID, ev.Node+":") {
				t.Errorf("NativeID %q, node %q", ev.NativeID, ev.Node)
			}
			if ev.Container != (schemas.Container{}) {
				t.Errorf("raw auditd names a container: %+v", ev.Container)
			}
			if len(g.open) > maxOpenGroups {
				t.Errorf("%d open events", len(g.open))
			}
			return nil
		}
		for line := range strings.SplitSeq(input, "\n") {
			_ = g.Add(line, schemas.Ref{}, check)
		}
		_ = g.Flush(check)
		if len(g.open) != 0 {
			t.Errorf("%d events open after Flush", len(g.open))
		}
	})
}

func FuzzDecodeBeat(f *testing.F) {
	docs, _ := filepath.Glob("testdata/*.json")
	docs = append(docs, filepath.Join(publicDir, "auditbeat-meta-execve.json"))
	for _, path := range docs {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	for _, doc := range goldenEvents(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Parse onto a tape first, as the dispatcher does; skip what it
		// rejects.
		var tape parse.Tape
		if tape.Parse(raw) != nil {
			return
		}
		var ev schemas.Event
		if err := DecodeBeat(&tape, tape.Root(), &ev); err != nil {
			return
		}
		if ev.Time.IsZero() {
			t.Errorf("decoded without a time: %q", raw)
		}
		if ev.Producer != schemas.ProducerAuditd || ev.Source != schemas.SourceSyscall || ev.Kind == schemas.KindUnknown {
			t.Errorf("producer %v source %v kind %v", ev.Producer, ev.Source, ev.Kind)
		}
		if id, _ := schemas.NormalizeContainerID(ev.Container.ID); id != ev.Container.ID {
			t.Errorf("container id %q is not normalized (%q)", ev.Container.ID, id)
		}
	})
}
