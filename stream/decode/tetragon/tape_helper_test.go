package tetragon

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeString parses raw and decodes it, as the dispatcher does.
func decodeString(raw string, ev *schemas.Event) error {
	var t parse.Tape
	if err := t.Parse(raw); err != nil {
		return err
	}
	return Decode(&t, t.Root(), ev)
}
