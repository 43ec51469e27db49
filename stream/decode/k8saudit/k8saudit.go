package k8saudit

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one audit.k8s.io Event object (v1 or v1beta1).
func Decode(raw string, ev *schemas.Event) error {
	return parse.Errorf(parse.ReasonUnrecognized, "k8s audit decoder not built yet")
}
