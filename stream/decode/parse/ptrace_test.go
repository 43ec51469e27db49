package parse

import "testing"

// TestPtraceRequest checks the table against the request numbers of
// include/uapi/linux/ptrace.h and the x86 ptrace-abi.h.
func TestPtraceRequest(t *testing.T) {
	cases := []struct {
		n    uint64
		want string
	}{
		{0, "PTRACE_TRACEME"},
		{1, "PTRACE_PEEKTEXT"},
		{2, "PTRACE_PEEKDATA"},
		{3, "PTRACE_PEEKUSR"},
		{4, "PTRACE_POKETEXT"},
		{5, "PTRACE_POKEDATA"},
		{6, "PTRACE_POKEUSR"},
		{7, "PTRACE_CONT"},
		{8, "PTRACE_KILL"},
		{9, "PTRACE_SINGLESTEP"},
		{12, "PTRACE_GETREGS"},
		{13, "PTRACE_SETREGS"},
		{14, "PTRACE_GETFPREGS"},
		{15, "PTRACE_SETFPREGS"},
		{16, "PTRACE_ATTACH"},
		{17, "PTRACE_DETACH"},
		{24, "PTRACE_SYSCALL"},
		{0x4200, "PTRACE_SETOPTIONS"},
		{0x4201, "PTRACE_GETEVENTMSG"},
		{0x4202, "PTRACE_GETSIGINFO"},
		{0x4203, "PTRACE_SETSIGINFO"},
		{0x4204, "PTRACE_GETREGSET"},
		{0x4205, "PTRACE_SETREGSET"},
		{0x4206, "PTRACE_SEIZE"},
		{0x4207, "PTRACE_INTERRUPT"},
		{0x4208, "PTRACE_LISTEN"},
		{0x4209, "PTRACE_PEEKSIGINFO"},

		// Gaps and numbers outside the table.
		{10, ""}, {11, ""}, {18, ""}, {23, ""}, {25, ""}, {0x41ff, ""},
		{0x420a, ""}, {1 << 32, ""}, {0x4200 + 1<<32, ""}, {^uint64(0), ""},
	}
	for _, c := range cases {
		if got := PtraceRequest(c.n); got != c.want {
			t.Errorf("PtraceRequest(%#x) = %q, want %q", c.n, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = PtraceRequest(0x4206) }); n != 0 {
		t.Errorf("PtraceRequest allocates %v times", n)
	}
}

func TestPtraceRequestName(t *testing.T) {
	for s, want := range map[string]string{
		"PTRACE_ATTACH":     "PTRACE_ATTACH",
		"PTRACE_SETFPXREGS": "PTRACE_SETFPXREGS",
		"PTRACE_GETSIGMASK": "PTRACE_GETSIGMASK",
		"PTRACE_":           "",
		"PTRACE":            "",
		"ptrace_attach":     "",
		"PTRACE_attach":     "",
		"16":                "",
		"16(PTRACE_ATTACH)": "",
		"PTRACE_ATTACH ":    "",
		"":                  "",
	} {
		if got := PtraceRequestName(s); got != want {
			t.Errorf("PtraceRequestName(%q) = %q, want %q", s, got, want)
		}
	}
}
