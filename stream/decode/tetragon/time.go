package tetragon

import (
	"time"

	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// rfc3339 is parse.RFC3339 with a fast path for the one form protojson
// writes, "2006-01-02T15:04:05Z" with 0 to 9 fraction digits: an exec
// event carries two such times (the event's and the container's start),
// and time.Parse is a fifth of the decoding. Anything else, and every
// error, goes through parse.RFC3339.
func rfc3339(s string) (time.Time, error) {
	if t, ok := fastRFC3339(s); ok {
		return t, nil
	}
	return parse.RFC3339(s)
}

// fastRFC3339 parses "YYYY-MM-DDTHH:MM:SS[.F{1,9}]Z" with the range checks
// of time.Parse, accepting years 1970 to 9999.
func fastRFC3339(s string) (time.Time, bool) {
	n := len(s)
	if n < 20 || n == 21 || n > 30 || s[n-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok := digits(s[0:4])
	month, ok1 := digits(s[5:7])
	day, ok2 := digits(s[8:10])
	hour, ok3 := digits(s[11:13])
	minute, ok4 := digits(s[14:16])
	sec, ok5 := digits(s[17:19])
	if !(ok && ok1 && ok2 && ok3 && ok4 && ok5) || year < 1970 ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if n > 20 {
		if s[19] != '.' {
			return time.Time{}, false
		}
		frac, ok := digits(s[20 : n-1])
		if !ok {
			return time.Time{}, false
		}
		for i := n - 21; i < 9; i++ {
			frac *= 10
		}
		nsec = frac
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// digits parses a short run of decimal digits.
func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn is the length of a month of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
