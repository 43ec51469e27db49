package tetragon

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Tetragon JSON export event.
func Decode(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "tetragon decoder not built yet")
}
