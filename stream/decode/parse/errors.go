package parse

import (
	"errors"
	"fmt"
)

// Reason classifies why a record could not be decoded. The set is closed so
// that it can label metrics and dead-letter headers.
type Reason string

// Decode failure reasons.
const (
	// ReasonInvalidJSON: the record looks like JSON but is not well formed.
	ReasonInvalidJSON Reason = "invalid_json"
	// ReasonUnrecognized: the record is no format escapewatch knows.
	ReasonUnrecognized Reason = "unrecognized"
	// ReasonMissingField: a field the format requires is absent or empty.
	ReasonMissingField Reason = "missing_field"
	// ReasonBadTime: the event time is missing or cannot be parsed.
	ReasonBadTime Reason = "bad_time"
	// ReasonBadValue: a field holds a value of the wrong shape.
	ReasonBadValue Reason = "bad_value"
	// ReasonTooLarge: the record exceeds the configured size limit.
	ReasonTooLarge Reason = "too_large"
)

// Reasons lists every reason, for metric label sets.
func Reasons() []Reason {
	return []Reason{ReasonInvalidJSON, ReasonUnrecognized, ReasonMissingField, ReasonBadTime, ReasonBadValue, ReasonTooLarge}
}

// Error is a decode failure.
type Error struct {
	Reason Reason
	Msg    string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Msg }

// Errorf returns an *Error with the given reason.
func Errorf(reason Reason, format string, args ...any) error {
	return &Error{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the reason of a decode error, ReasonUnrecognized for an
// error of another type, and "" for nil.
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	var de *Error
	if errors.As(err, &de) {
		return de.Reason
	}
	return ReasonUnrecognized
}
