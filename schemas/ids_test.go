package schemas

import "testing"

func TestNormalizeContainerID(t *testing.T) {
	cases := []struct{ in, id, rt string }{
		{"docker://85F791FD8DFA", "85f791fd8dfa", "docker"},
		{"containerd://057dc8d712ab", "057dc8d712ab", "containerd"},
		{"crio://abc123abc123", "abc123abc123", "cri-o"},
		{"cri-o://abc123abc123", "abc123abc123", "cri-o"},
		{" registry ", "registry", ""},
		{"a://b://c", "c", "a"},
		{"docker:// abc", "abc", "docker"},
	}
	for _, c := range cases {
		id, rt := NormalizeContainerID(c.in)
		if id != c.id || rt != c.rt {
			t.Errorf("NormalizeContainerID(%q) = %q, %q; want %q, %q", c.in, id, rt, c.id, c.rt)
		}
		if again, _ := NormalizeContainerID(id); again != id {
			t.Errorf("not idempotent: %q -> %q", id, again)
		}
	}
}

func TestSameContainer(t *testing.T) {
	full := "85f791fd8dfa740a3b1c177e8f68e8fdb4803a7c8fa0e957a5ec38460ce047ef"
	if !SameContainer(full, "85f791fd8dfa") || !SameContainer("85f791fd8dfa740a3b1c177e", full) {
		t.Error("prefixes of at least 12 hex must match")
	}
	if SameContainer(full, "85f791fd8d") {
		t.Error("a 10-character prefix is too short to match")
	}
	if SameContainer(full, "") || SameContainer("registry", "registry-2") {
		t.Error("empty or non-hex ids match only exactly")
	}
}
