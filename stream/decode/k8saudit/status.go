package k8saudit

import (
	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeStatus reads the container ids of a pods/status update, usually
// the kubelet's strategic merge patch. Without any id it is a plain status
// change.
func (a *auditEvent) decodeStatus(ev *schemas.Event) {
	statuses := containerStatuses(a.request.Get("status"))
	if len(statuses) == 0 {
		statuses = containerStatuses(a.response.Get("status"))
	}
	if len(statuses) == 0 {
		ev.Kind = schemas.KindLifecycle
		return
	}
	ev.Kind = schemas.KindPodStatus
	ev.Statuses = statuses
}

// containerStatuses links container names to ids in a pod status, skipping
// containers not yet started (no containerID).
func containerStatuses(status gjson.Result) []schemas.ContainerStatus {
	var out []schemas.ContainerStatus
	status.ForEach(func(key, list gjson.Result) bool {
		switch key.Str {
		case "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses":
			list.ForEach(func(_, s gjson.Result) bool {
				if id, _ := schemas.NormalizeContainerID(parse.Str(s.Get("containerID"))); id != "" {
					out = append(out, schemas.ContainerStatus{Name: parse.Str(s.Get("name")), ID: id})
				}
				return true
			})
		}
		return true
	})
	return out
}
