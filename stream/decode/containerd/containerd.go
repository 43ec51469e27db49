package containerd

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeJSON fills ev from a containerd event envelope or a CRI container
// event in JSON.
func DecodeJSON(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "containerd decoder not built yet")
}

// DecodeText fills ev from one `ctr events` line or containerd CRI log line.
func DecodeText(line string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "containerd decoder not built yet")
}
