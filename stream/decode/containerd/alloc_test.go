package containerd

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Routine records, and the lines of other programs that the dispatcher
// offers to this decoder first, must decode without heap allocations. As in
// the dispatcher, one Tape is reused from record to record and a JSON
// record is parsed onto it before decoding.
func TestRoutineRecordsDoNotAllocate(t *testing.T) {
	report := lines(t, filepath.Join(publicDir, "ctr-events-2017-dev-report.log"))
	ctr := lines(t, "testdata/ctr-events-k8s.log")
	journal := lines(t, "testdata/containerd-cri-journal.log")
	plain := lines(t, "testdata/containerd-cri-plain.log")
	envelope := lines(t, "testdata/envelope.jsonl")
	cri := lines(t, "testdata/crictl-events.jsonl")
	tests := []struct {
		name    string
		decode  recordDecoder
		record  string
		foreign bool
	}{
		{"2017 snapshot prepare", asText(DecodeText), report[1], false},
		{"2017 task exit", asText(DecodeText), report[8], false},
		{"ctr snapshot prepare", asText(DecodeText), ctr[1], false},
		{"ctr task exit", asText(DecodeText), ctr[11], false},
		{"ctr image event", asText(DecodeText), ctr[16], false},
		{"CRI start request", asText(DecodeText), journal[7], false},
		{"CRI exec sync returned", asText(DecodeText), journal[12], false},
		{"CRI task exit", asText(DecodeText), journal[15], false},
		{"CRI stop returned", asText(DecodeText), journal[16], false},
		{"plugin loading", asText(DecodeText), plain[2], false},
		{"envelope snapshot", onTape(DecodeJSON), envelope[4], false},
		{"CRI stopped event", onTape(DecodeJSON), cri[4], false},
		{"crio line", asText(DecodeText), `Mar 12 13:20:02 node-1 crio[911]: time="2024-03-12 13:20:02.460000004Z" level=info msg="Started container" PID=48213`, true},
		{"bare foreign logrus line", asText(DecodeText), `time="2020-10-30T21:07:28.511151518Z" level=info msg="ignoring event" container=4c2e module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"`, true},
		{"kubelet line", asText(DecodeText), `Mar 12 13:20:02 node-1 kubelet[700]: I0312 13:20:02.460000  700 kubelet.go:2425] "SyncLoop (PLEG)"`, true},
		{"free text", asText(DecodeText), "hello world", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				tape parse.Tape
				ev   schemas.Event
			)
			allocs := testing.AllocsPerRun(100, func() {
				ev.Reset()
				if err := tt.decode(&tape, tt.record, &ev); (err != nil) != tt.foreign {
					t.Fatalf("decode error %v", err)
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

// BenchmarkDecodeJSON decodes routine records from a tape parsed once: an
// envelope (a task start) and a CRI event (a container stopped).
func BenchmarkDecodeJSON(b *testing.B) {
	for _, bm := range []struct {
		name, file string
		line       int
	}{
		{"envelope", "testdata/envelope.jsonl", 1},
		{"cri-stopped", "testdata/crictl-events.jsonl", 4},
	} {
		b.Run(bm.name, func(b *testing.B) {
			record := lines(b, bm.file)[bm.line]
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
				if err := DecodeJSON(&tape, tape.Root(), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeTextForeignLine(b *testing.B) {
	line := `Mar 12 13:20:02 node-1 crio[911]: time="2024-03-12 13:20:02.460000004Z" level=info msg="Started container" PID=48213`
	var ev schemas.Event
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		_ = DecodeText(line, &ev)
	}
}
