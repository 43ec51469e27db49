package parse

import (
	"strconv"
	"strings"
	"time"
)

// RFC3339 parses an RFC 3339 timestamp with optional fractional seconds
// (Kubernetes audit microseconds, Falco and Tetragon nanoseconds) and returns
// it in UTC.
func RFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Errorf(ReasonBadTime, "cannot parse time %q", clip(s))
	}
	if t.Year() < 1970 {
		return time.Time{}, Errorf(ReasonBadTime, "time %q is before 1970", clip(s))
	}
	return t.UTC(), nil
}

// UnixAuto converts an integer timestamp whose unit is unknown: seconds,
// milliseconds, microseconds or nanoseconds since the epoch, chosen by
// magnitude so that the result lies between 2001 and 2286. Anything else
// (such as Tracee's boot-relative clock) gives an error.
func UnixAuto(n int64) (time.Time, error) {
	switch {
	case n >= 1e18:
		return time.Unix(0, n).UTC(), nil
	case n >= 1e15 && n < 1e16:
		return time.UnixMicro(n).UTC(), nil
	case n >= 1e12 && n < 1e13:
		return time.UnixMilli(n).UTC(), nil
	case n >= 1e9 && n < 1e10:
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, Errorf(ReasonBadTime, "timestamp %d is not a wall-clock time in s, ms, µs or ns", n)
}

// UnixNano converts nanoseconds since the epoch, rejecting boot-relative
// values (below 1e17, that is before 1973).
func UnixNano(n int64) (time.Time, error) {
	if n < 1e17 {
		return time.Time{}, Errorf(ReasonBadTime, "timestamp %d ns is boot-relative or not a wall-clock time", n)
	}
	return time.Unix(0, n).UTC(), nil
}

// GoTimeString parses the output of Go's time.Time.String, as `ctr events`
// prints it: "2017-06-23 23:21:30.362012776 +0000 UTC" (monotonic suffix
// "m=+…" accepted and ignored). It returns the time and the rest of s after
// the timestamp.
func GoTimeString(s string) (time.Time, string, error) {
	// date, clock, offset and zone are four space-separated fields.
	end := 0
	for field := 0; field < 4; field++ {
		for end < len(s) && s[end] == ' ' {
			end++
		}
		for end < len(s) && s[end] != ' ' {
			end++
		}
	}
	head := s[:end]
	rest := strings.TrimLeft(s[end:], " ")
	if strings.HasPrefix(rest, "m=") {
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			rest = strings.TrimLeft(rest[i:], " ")
		} else {
			rest = ""
		}
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", head)
	if err != nil {
		return time.Time{}, s, Errorf(ReasonBadTime, "cannot parse time %q", clip(head))
	}
	if t.Year() < 1970 {
		return time.Time{}, s, Errorf(ReasonBadTime, "time %q is before 1970", clip(head))
	}
	return t.UTC(), rest, nil
}

// Int parses a decimal integer without allocating.
func Int(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
