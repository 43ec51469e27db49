package containerd

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeJSONString parses raw and decodes it, as the dispatcher does.
func decodeJSONString(raw string, ev *schemas.Event) error {
	var t parse.Tape
	if err := t.Parse(raw); err != nil {
		return err
	}
	return DecodeJSON(&t, t.Root(), ev)
}
