package schemas

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDetachBounds checks that a kept event's size does not follow its
// record's: long fields are cut at a character boundary, long lists
// shortened, and short fields left as they are.
func TestDetachBounds(t *testing.T) {
	long := strings.Repeat("é", MaxFieldBytes) // two bytes a character
	mounts := make([]HostMount, MaxListLen+10)
	ev := Event{
		Process: Process{Args: long, Name: "bash"},
		Session: Session{Command: long},
		File:    File{Path: "/etc/shadow"},
		Actor:   Actor{Groups: make([]string, MaxListLen+1)},
		Spec:    &PodSpec{Containers: []ContainerSpec{{Name: "c", Mounts: mounts}}},
		Raw:     []byte(`{"x":1}`),
	}
	ev.Detach()
	for name, v := range map[string]string{"args": ev.Process.Args, "session command": ev.Session.Command} {
		if len(v) > MaxFieldBytes || !utf8.ValidString(v) || !strings.HasSuffix(v, "…") {
			t.Errorf("%s: %d bytes, valid UTF-8 %v, want at most %d ending in …", name, len(v), utf8.ValidString(v), MaxFieldBytes)
		}
	}
	if ev.Process.Name != "bash" || ev.File.Path != "/etc/shadow" {
		t.Errorf("short fields changed: %q %q", ev.Process.Name, ev.File.Path)
	}
	if n := len(ev.Spec.Containers[0].Mounts); n != MaxListLen {
		t.Errorf("%d mounts kept, want %d", n, MaxListLen)
	}
	if n := len(ev.Actor.Groups); n != MaxListLen {
		t.Errorf("%d groups kept, want %d", n, MaxListLen)
	}
	if ev.NativeID == "" || ev.Raw != nil {
		t.Errorf("native id %q, raw %q: want a content id and no raw bytes", ev.NativeID, ev.Raw)
	}
}
