package auditd

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Grouper assembles raw auditd records into events.
type Grouper struct{}

// Add takes one raw audit record line and calls fn for every event it
// completes.
func (g *Grouper) Add(line string, ref schemas.Ref, fn func(*schemas.Event) error) error {
	return parse.Errorf(parse.ReasonUnrecognized, "auditd decoder not built yet")
}

// Flush emits every event still pending.
func (g *Grouper) Flush(fn func(*schemas.Event) error) error { return nil }

// DecodeBeat fills ev from one Auditbeat JSON document.
func DecodeBeat(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "auditbeat decoder not built yet")
}
