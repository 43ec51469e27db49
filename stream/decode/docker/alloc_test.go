package docker

import (
	"path/filepath"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// Routine records (lifecycle actions, image and network events) must decode
// without heap allocations.
func TestRoutineRecordsDoNotAllocate(t *testing.T) {
	moby := lines(t, filepath.Join(publicDir, "moby-api-v1.24-events-example.jsonl"))
	kube := lines(t, "testdata/events-kubernetes.jsonl")
	cli := lines(t, filepath.Join(publicDir, "docker-cli-system-events-text.log"))
	tests := []struct {
		name   string
		decode func(string, *schemas.Event) error
		record string
	}{
		{"image pull", DecodeEvent, moby[1]},
		{"network connect", DecodeEvent, moby[4]},
		{"resize", DecodeEvent, moby[6]},
		{"die", DecodeEvent, moby[7]},
		{"k8s exec_die", DecodeEvent, kube[6]},
		{"k8s kill", DecodeEvent, kube[7]},
		{"text kill", DecodeText, cli[4]},
		{"text network", DecodeText, cli[2]},
		{"text volume mount", DecodeText, cli[73]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			allocs := testing.AllocsPerRun(100, func() {
				ev.Reset()
				if err := tt.decode(tt.record, &ev); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode, want 0", allocs)
			}
		})
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	record := lines(b, "testdata/events-kubernetes.jsonl")[7]
	var ev schemas.Event
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		if err := DecodeEvent(record, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
