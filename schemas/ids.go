package schemas

import (
	"encoding/hex"
	"hash/fnv"
	"strings"
)

// FullIDLen is the length of a full container id in hex.
const FullIDLen = 64

// ShortIDLen is the length of the short ids Docker and Falco print; the
// correlator keys plain containers by this prefix so every form of one id
// reaches the same state.
const ShortIDLen = 12

// NormalizeContainerID strips a runtime scheme (docker://, containerd://,
// cri-o://, crio://) and surrounding space from a container id and lower-cases
// it. It returns the runtime named by the scheme, if any. Ids that are not hex
// (containerd lets users name containers) are returned unchanged apart from
// trimming; compare them exactly.
func NormalizeContainerID(s string) (id, runtime string) {
	s = strings.TrimSpace(s)
	for {
		i := strings.Index(s, "://")
		if i <= 0 {
			break
		}
		if runtime == "" {
			runtime = s[:i]
			if runtime == "crio" {
				runtime = "cri-o"
			}
		}
		s = strings.TrimSpace(s[i+3:])
	}
	if !IsHex(s) {
		return s, runtime
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'F' {
			return strings.ToLower(s), runtime
		}
	}
	return s, runtime
}

// IsHex reports whether s is non-empty and only hex digits.
func IsHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// IsFullID reports whether id is a full 64-hex container id.
func IsFullID(id string) bool { return len(id) == FullIDLen && IsHex(id) }

// ShortID returns the first ShortIDLen characters of a hex id, or the id
// itself when it is shorter or not hex.
func ShortID(id string) string {
	if len(id) > ShortIDLen && IsHex(id) {
		return id[:ShortIDLen]
	}
	return id
}

// SameContainer reports whether two normalized ids name the same container:
// equal, or one a prefix of the other with at least ShortIDLen hex
// characters.
func SameContainer(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= ShortIDLen && IsHex(a) && strings.HasPrefix(b, a)
}

// ContentID derives a stable identifier from a record's bytes, for records
// whose producer gives none. Identical bytes give the same id on any replica
// and on replay.
func ContentID(raw []byte) string {
	h := fnv.New64a()
	_, _ = h.Write(raw)
	var sum [8]byte
	return "h:" + hex.EncodeToString(h.Sum(sum[:0]))
}
