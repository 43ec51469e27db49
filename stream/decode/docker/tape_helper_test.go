package docker

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeEventString parses raw and decodes it, as the dispatcher does.
func decodeEventString(raw string, ev *schemas.Event) error {
	var t parse.Tape
	if err := t.Parse(raw); err != nil {
		return err
	}
	return DecodeEvent(&t, t.Root(), ev)
}

// decodeInspectString parses raw and decodes it, as the dispatcher does.
func decodeInspectString(raw string, ev *schemas.Event) error {
	var t parse.Tape
	if err := t.Parse(raw); err != nil {
		return err
	}
	return DecodeInspect(&t, t.Root(), ev)
}
