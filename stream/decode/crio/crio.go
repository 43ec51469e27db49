package crio

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeText fills ev from one CRI-O log line.
func DecodeText(line string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "cri-o decoder not built yet")
}
