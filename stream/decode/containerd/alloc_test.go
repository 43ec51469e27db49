package containerd

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// Routine records, and the lines of other programs that the dispatcher
// offers to this decoder first, must decode without heap allocations.
func TestRoutineRecordsDoNotAllocate(t *testing.T) {
	report := lines(t, filepath.Join(publicDir, "ctr-events-2017-dev-report.log"))
	ctr := lines(t, "testdata/ctr-events-k8s.log")
	journal := lines(t, "testdata/containerd-cri-journal.log")
	plain := lines(t, "testdata/containerd-cri-plain.log")
	envelope := lines(t, "testdata/envelope.jsonl")
	cri := lines(t, "testdata/crictl-events.jsonl")
	tests := []struct {
		name    string
		decode  func(string, *schemas.Event) error
		record  string
		foreign bool
	}{
		{"2017 snapshot prepare", DecodeText, report[1], false},
		{"2017 task exit", DecodeText, report[8], false},
		{"ctr snapshot prepare", DecodeText, ctr[1], false},
		{"ctr task exit", DecodeText, ctr[11], false},
		{"ctr image event", DecodeText, ctr[16], false},
		{"CRI start request", DecodeText, journal[7], false},
		{"CRI exec sync returned", DecodeText, journal[12], false},
		{"CRI task exit", DecodeText, journal[15], false},
		{"CRI stop returned", DecodeText, journal[16], false},
		{"plugin loading", DecodeText, plain[2], false},
		{"envelope snapshot", DecodeJSON, envelope[4], false},
		{"CRI stopped event", DecodeJSON, cri[4], false},
		{"crio line", DecodeText, `Mar 12 13:20:02 node-1 crio[911]: time="2024-03-12 13:20:02.460000004Z" level=info msg="Started container" PID=48213`, true},
		{"bare foreign logrus line", DecodeText, `time="2020-10-30T21:07:28.511151518Z" level=info msg="ignoring event" container=4c2e module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"`, true},
		{"kubelet line", DecodeText, `Mar 12 13:20:02 node-1 kubelet[700]: I0312 13:20:02.460000  700 kubelet.go:2425] "SyncLoop (PLEG)"`, true},
		{"free text", DecodeText, "hello world", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			allocs := testing.AllocsPerRun(100, func() {
				ev.Reset()
				if err := tt.decode(tt.record, &ev); (err != nil) != tt.foreign {
					t.Fatalf("decode error %v", err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode, want 0", allocs)
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
