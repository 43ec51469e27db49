package docker

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Routine records (lifecycle actions, image and network events) must decode
// without heap allocations. As in the dispatcher, one Tape is reused from
// record to record and a JSON record is parsed onto it before decoding.
func TestRoutineRecordsDoNotAllocate(t *testing.T) {
	moby := lines(t, filepath.Join(publicDir, "moby-api-v1.24-events-example.jsonl"))
	kube := lines(t, "testdata/events-kubernetes.jsonl")
	cli := lines(t, filepath.Join(publicDir, "docker-cli-system-events-text.log"))
	tests := []struct {
		name   string
		decode recordDecoder
		record string
	}{
		{"image pull", onTape(DecodeEvent), moby[1]},
		{"network connect", onTape(DecodeEvent), moby[4]},
		{"resize", onTape(DecodeEvent), moby[6]},
		{"die", onTape(DecodeEvent), moby[7]},
		{"k8s exec_die", onTape(DecodeEvent), kube[6]},
		{"k8s kill", onTape(DecodeEvent), kube[7]},
		{"text kill", asText(DecodeText), cli[4]},
		{"text network", asText(DecodeText), cli[2]},
		{"text volume mount", asText(DecodeText), cli[73]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				tape parse.Tape
				ev   schemas.Event
			)
			allocs := testing.AllocsPerRun(100, func() {
				ev.Reset()
				if err := tt.decode(&tape, tt.record, &ev); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode, want 0", allocs)
			}
		})
	}
}

// recordDecoder decodes one record, on tape when it is JSON.
type recordDecoder func(tape *parse.Tape, record string, ev *schemas.Event) error

// onTape parses a JSON record onto tape, reusing it, then decodes it.
func onTape(decode func(*parse.Tape, parse.Node, *schemas.Event) error) recordDecoder {
	return func(tape *parse.Tape, record string, ev *schemas.Event) error {
		if err := tape.Parse(record); err != nil {
			return err
		}
		return decode(tape, tape.Root(), ev)
	}
}

func asText(decode func(string, *schemas.Event) error) recordDecoder {
	return func(_ *parse.Tape, line string, ev *schemas.Event) error { return decode(line, ev) }
}

// BenchmarkDecodeEvent decodes a routine event (a Kubernetes container's
// kill, with its labels) from a tape parsed once; BenchmarkParseDecodeEvent
// also parses it, as the dispatcher does for every record.
func BenchmarkDecodeEvent(b *testing.B) {
	record := lines(b, "testdata/events-kubernetes.jsonl")[7]
	var (
		tape parse.Tape
		ev   schemas.Event
	)
	if err := tape.Parse(record); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		if err := DecodeEvent(&tape, tape.Root(), &ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDecodeEvent(b *testing.B) {
	record := lines(b, "testdata/events-kubernetes.jsonl")[7]
	var (
		tape parse.Tape
		ev   schemas.Event
	)
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		if err := tape.Parse(record); err != nil {
			b.Fatal(err)
		}
		if err := DecodeEvent(&tape, tape.Root(), &ev); err != nil {
			b.Fatal(err)
		}
	}
}
