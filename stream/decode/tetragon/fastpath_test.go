package tetragon

import (
	"fmt"
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// The fast paths of capBit, normalizeID and rfc3339 must give exactly
// what the general functions give.

func TestCapBitMatchesSchemas(t *testing.T) {
	t.Parallel()
	names := []string{"", "CAP_", "ALL", "CAP_ALL", "cap_chown", " CAP_CHOWN", "CAP_CHOWN ", "CAP_CAP_CHOWN", "CAP_UNKNOWN", "Cap_SYS_ADMIN"}
	for i := 0; schemas.CapName(i) != ""; i++ {
		n := schemas.CapName(i)
		names = append(names, n, "CAP_"+n, strings.ToLower(n), "cap_"+n, n+"X", n[:len(n)-1])
		if canonicalCapBit(n) != 1<<i {
			t.Errorf("canonicalCapBit(%q) = %#x, want bit %d", n, canonicalCapBit(n), i)
		}
	}
	for _, n := range names {
		if got, want := capBit(n), schemas.CapBit(n); got != want {
			t.Errorf("capBit(%q) = %#x, want %#x", n, got, want)
		}
	}
}

// normalizeIDSlow is normalizeID without its fast path.
func normalizeIDSlow(s string) (id, runtime string) {
	id, runtime = schemas.NormalizeContainerID(s)
	for {
		next, _ := schemas.NormalizeContainerID(id)
		if next == id {
			return id, runtime
		}
		id = next
	}
}

var idSamples = []string{
	"", "://", "://abc", "containerd://", "containerd://abc", "crio://abc", "cri-o://ABC", "docker:// abc",
	"docker://abc ", " docker://abc", "\u00a0docker://abc", "a://b://abc", "docker://abc://def", "ABC", "abc", "abg",
	"containerd://16ecce28d6808e01f6b91f990b07616c0fc8dff67036231f9911191c7ff3d1cd", "16ecce28d6808e01f6b91f990b07616",
	"docker://85F791FD8DFA740A3B1C177E8F68E8FDB4803A7C8FA0E957A5EC38460CE047EF", "x:/abc", "my-container",
}

func TestNormalizeIDFastPath(t *testing.T) {
	t.Parallel()
	for _, s := range idSamples {
		id, rt := normalizeID(s)
		wid, wrt := normalizeIDSlow(s)
		if id != wid || rt != wrt {
			t.Errorf("normalizeID(%q) = %q, %q; want %q, %q", s, id, rt, wid, wrt)
		}
	}
}

func FuzzNormalizeID(f *testing.F) {
	for _, s := range idSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, rt := normalizeID(s)
		wid, wrt := normalizeIDSlow(s)
		if id != wid || rt != wrt {
			t.Errorf("normalizeID(%q) = %q, %q; want %q, %q", s, id, rt, wid, wrt)
		}
	})
}

func checkRFC3339(t *testing.T, s string) {
	t.Helper()
	got, gerr := rfc3339(s)
	want, werr := parse.RFC3339(s)
	if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Errorf("rfc3339(%q) = %v, %v; want %v, %v", s, got, gerr, want, werr)
	}
}

var timeSamples = []string{
	"", "2024-06-12T09:40:58Z", "2024-06-12T09:40:58.Z", "2024-06-12T09:40:58.1Z", "2024-06-12T09:40:58.123456789Z",
	"2024-06-12T09:40:58.1234567891Z", "2024-06-12T09:40:58.220917102+02:00", "2024-06-12t09:40:58Z", "2024-06-12T09:40:58z",
	"2024-06-12 09:40:58Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
	"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
	"2024-00-10T00:00:00Z", "2024-13-10T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z", "2024-01-01T24:00:00Z",
	"2024-01-01T23:60:00Z", "2024-01-01T23:59:60Z", "2024-01-01T23:59:59,5Z", "2024-01-01T23:59:59.5aZ", "+024-01-01T00:00:00Z",
	"2024-1-01T00:00:00Z", "20240-01-01T00:00:00Z", "2024-06-12T09:40:58.000000000Z",
}

func TestRFC3339FastPath(t *testing.T) {
	t.Parallel()
	for _, s := range timeSamples {
		checkRFC3339(t, s)
	}
	for _, year := range []int{1970, 1999, 2000, 2024, 2100, 2400} {
		for month := 0; month <= 13; month++ {
			for day := 0; day <= 32; day++ {
				checkRFC3339(t, fmt.Sprintf("%04d-%02d-%02dT23:59:59.5Z", year, month, day))
			}
		}
	}
	for _, hms := range [][3]int{{0, 0, 0}, {23, 59, 59}, {24, 0, 0}, {0, 60, 0}, {0, 0, 60}, {99, 99, 99}} {
		checkRFC3339(t, fmt.Sprintf("2024-06-12T%02d:%02d:%02dZ", hms[0], hms[1], hms[2]))
	}
	for digits := 0; digits <= 11; digits++ {
		checkRFC3339(t, "2024-06-12T09:40:58."+"987654321098"[:digits]+"Z")
	}
}

func FuzzRFC3339(f *testing.F) {
	for _, s := range timeSamples {
		f.Add(s)
	}
	f.Fuzz(checkRFC3339)
}
