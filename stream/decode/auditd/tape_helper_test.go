package auditd

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeBeatString parses raw and decodes it, as the dispatcher does.
func decodeBeatString(raw string, ev *schemas.Event) error {
	var t parse.Tape
	if err := t.Parse(raw); err != nil {
		return err
	}
	return DecodeBeat(&t, t.Root(), ev)
}
