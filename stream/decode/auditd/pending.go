package auditd

import "github.com/escapewatch/escapewatch/schemas"

// Pending returns the reference of the first record of the oldest event
// still held open, so that a consumer commits no offset past a record whose
// event has not been emitted yet.
func (g *Grouper) Pending() (schemas.Ref, bool) {
	if len(g.open) == 0 {
		return schemas.Ref{}, false
	}
	oldest := g.open[0].ref
	for _, gr := range g.open[1:] {
		if gr.ref.Topic == oldest.Topic && gr.ref.Partition == oldest.Partition && gr.ref.Offset < oldest.Offset {
			oldest = gr.ref
		}
	}
	return oldest, true
}
