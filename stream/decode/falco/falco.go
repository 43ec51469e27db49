package falco

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Falco JSON alert.
func Decode(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "falco decoder not built yet")
}
