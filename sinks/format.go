package sinks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// Format is the shape alerts are written in.
type Format uint8

// Formats. Text is for people at a terminal; the others are one JSON object
// per line for machines.
const (
	FormatNative Format = iota
	FormatOCSF
	FormatECS
	FormatText
)

var formatNames = [...]string{"native", "ocsf", "ecs", "text"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", f)
}

// ParseFormat parses "native", "ocsf" or "ecs".
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if n == s {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(formatNames[:], ", "))
}

// UnmarshalText implements encoding.TextUnmarshaler, for flags and YAML.
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Encode renders an alert: one line of JSON without the newline, or for
// FormatText a block of lines ending in a blank line.
func (f Format) Encode(a *schemas.Alert) ([]byte, error) {
	switch f {
	case FormatText:
		var b bytes.Buffer
		err := WriteText(&b, a)
		return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
	case FormatOCSF:
		return json.Marshal(schemas.ToOCSF(a))
	case FormatECS:
		return json.Marshal(schemas.ToECS(a))
	}
	return json.Marshal(a)
}
