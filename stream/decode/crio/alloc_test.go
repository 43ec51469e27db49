package crio

import (
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// Routine CRI-O lines, and the lines of other programs that the dispatcher
// offers to this decoder, must decode without heap allocations.
func TestRoutineRecordsDoNotAllocate(t *testing.T) {
	journal := lines(t, "testdata/crio-journal.log")
	plain := lines(t, "testdata/crio-plain.log")
	tests := []struct {
		name    string
		line    string
		foreign bool
	}{
		{"running sandbox", journal[1], false},
		{"starting", journal[5], false},
		{"exec sync response", journal[9], false},
		{"stopping", journal[11], false},
		{"stopped", journal[12], false},
		{"warning", journal[15], false},
		{"bare startup", plain[2], false},
		{"kubelet line", `Mar 12 13:20:02 node-2 kubelet[700]: I0312 13:20:02.460000  700 kubelet.go:2425] "SyncLoop (PLEG)"`, true},
		{"bare foreign logrus line", `time="2020-10-30T21:07:28.511151518Z" level=info msg="ignoring event" module=libcontainerd namespace=moby`, true},
		{"free text", "hello world", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			allocs := testing.AllocsPerRun(100, func() {
				ev.Reset()
				if err := DecodeText(tt.line, &ev); (err != nil) != tt.foreign {
					t.Fatalf("decode error %v", err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode, want 0", allocs)
			}
		})
	}
}
