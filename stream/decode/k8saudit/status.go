package k8saudit

import (
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeStatus reads the container ids of a pods/status update, usually
// the kubelet's strategic merge patch. Without any id it is a plain status
// change.
func (a *auditEvent) decodeStatus(ev *schemas.Event) {
	t := a.t
	statuses := containerStatuses(t, t.Get(a.request, "status"))
	if len(statuses) == 0 {
		statuses = containerStatuses(t, t.Get(a.response, "status"))
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
func containerStatuses(t *parse.Tape, status parse.Node) []schemas.ContainerStatus {
	var out []schemas.ContainerStatus
	for list := t.First(status); list.Exists(); list = t.Next(list) {
		switch t.Key(list) {
		case "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses":
			for s := t.First(list); s.Exists(); s = t.Next(s) {
				if id, _ := schemas.NormalizeContainerID(t.Str(t.Get(s, "containerID"))); id != "" {
					out = append(out, schemas.ContainerStatus{Name: t.Str(t.Get(s, "name")), ID: id})
				}
			}
		}
	}
	return out
}
