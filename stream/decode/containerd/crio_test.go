package containerd

import (
	"strings"
	"testing"
)

// mentionsCRIO must answer as strings.Contains does.
func TestMentionsCRIOIsContains(t *testing.T) {
	for _, s := range []string{"", "-", "io.kubernetes.cri-o.", "xio.kubernetes.cri-o.", "io.kubernetes.cri-o", "-io.kubernetes.cri-o.x", "io.kubernetes.cri-oio.kubernetes.cri-o.", "io.kubernetes.cri--o.", "cri-o.", "io.kubernetes.cri-o.ContainerType"} {
		if mentionsCRIO(s) != strings.Contains(s, "io.kubernetes.cri-o.") {
			t.Errorf("%q", s)
		}
	}
}

func FuzzMentionsCRIO(f *testing.F) {
	f.Add("io.kubernetes.cri-o.")
	f.Fuzz(func(t *testing.T, s string) {
		if mentionsCRIO(s) != strings.Contains(s, "io.kubernetes.cri-o.") {
			t.Errorf("%q", s)
		}
	})
}
