package docker

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeEvent fills ev from one `docker events` JSON object.
func DecodeEvent(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "docker decoder not built yet")
}

// DecodeInspect fills ev from one `docker inspect` container object.
func DecodeInspect(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "docker decoder not built yet")
}

// DecodeText fills ev from one line of the `docker events` text output.
func DecodeText(line string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "docker decoder not built yet")
}
