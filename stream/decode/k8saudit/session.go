package k8saudit

import (
	"net/url"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Session types of schemas.Session.
const (
	sessionEphemeral = "ephemeral"
	sessionDebug     = "debug"
	sessionProxy     = "proxy"
)

// nodeDebugPodPrefix starts the name of the pod `kubectl debug node/<n>`
// creates (kubectl debug.go generateNodeDebugPod: "node-debugger-<node>-<rand>").
const nodeDebugPodPrefix = "node-debugger-"

// nodesPathPrefix starts the request URI of a nodes/proxy request:
// /api/v1/nodes/<node>/proxy/<kubelet path>.
const nodesPathPrefix = "/api/v1/nodes/"

// decodeExec reads a pods/exec or pods/attach request. The container and
// the command are only in the query of the request URI:
// …/exec?command=sh&command=-c&command=id&container=app&stdin=true.
func (a *auditEvent) decodeExec(subresource string, ev *schemas.Event) {
	ev.Kind = schemas.KindSession
	ev.Session.Type = subresource
	if strings.HasPrefix(ev.Pod.Name, nodeDebugPodPrefix) {
		ev.Session.Type = sessionDebug
	}
	_, query, _ := strings.Cut(a.requestURI, "?")
	if c := queryValues(query, "container"); len(c) > 0 {
		ev.Session.Container = c[0]
	}
	if words := queryValues(query, "command"); len(words) > 0 {
		ev.Session.Command = schemas.JoinArgs(words)
	}
}

// decodeEphemeral reads a pods/ephemeralcontainers update or patch
// (`kubectl debug <pod>`). The new container is the last of the list. Its
// Spec holds only the ephemeral containers: the rest of the pod is known
// from its create.
func (a *auditEvent) decodeEphemeral(ev *schemas.Event) {
	t := a.t
	ev.Kind = schemas.KindSession
	ev.Session.Type = sessionEphemeral
	pod, list := a.request, ephemeralContainers(t, a.request)
	if t.Kind(list) != parse.KindArray {
		pod, list = a.response, ephemeralContainers(t, a.response)
	}
	// A patch names the volumes it mounts; the pod's volumes are in the
	// response.
	volumes := lookup(t, pod, "spec", "volumes")
	if !volumes.Exists() {
		volumes = lookup(t, a.response, "spec", "volumes")
	}
	containers := appendContainers(t, nil, list, typeEphemeral, hostPathVolumes(t, volumes))
	if len(containers) == 0 {
		return
	}
	ev.Spec = &schemas.PodSpec{Containers: containers}
	ev.Session.Container = containers[len(containers)-1].Name
	last := parse.Missing
	for c := t.First(list); c.Exists(); c = t.Next(c) {
		if t.Kind(c) == parse.KindObject {
			last = c
		}
	}
	if argv := append(stringList(t, t.Get(last, "command")), stringList(t, t.Get(last, "args"))...); len(argv) > 0 {
		ev.Session.Command = schemas.JoinArgs(argv)
	}
}

// ephemeralContainers finds the ephemeral container list in either request
// shape: a Pod with spec.ephemeralContainers (Kubernetes 1.23 and later) or
// the EphemeralContainers kind of 1.16–1.22 with a top-level list.
func ephemeralContainers(t *parse.Tape, obj parse.Node) parse.Node {
	if list := lookup(t, obj, "spec", "ephemeralContainers"); t.Kind(list) == parse.KindArray {
		return list
	}
	return t.Get(obj, "ephemeralContainers")
}

// decodeNodeProxy reads a nodes/proxy request. The kubelet's exec, run and
// attach endpoints reached through it
// (/exec/<namespace>/<pod>[/<uid>]/<container>, kubelet server.go
// InstallDebuggingHandlers) are sessions that bypass pods/exec; any other
// kubelet path is kept as an API request.
func (a *auditEvent) decodeNodeProxy(ev *schemas.Event) {
	ev.Kind = schemas.KindAPI
	uriPath, query, _ := strings.Cut(a.requestURI, "?")
	rest, ok := strings.CutPrefix(uriPath, nodesPathPrefix)
	if !ok {
		return
	}
	node, rest, _ := strings.Cut(rest, "/")
	if node = nodeName(node); node != "" {
		ev.Node = node
	}
	kubeletPath, ok := strings.CutPrefix(rest, "proxy/")
	if !ok {
		return
	}
	endpoint, rest, _ := strings.Cut(kubeletPath, "/")
	if endpoint != "exec" && endpoint != "run" && endpoint != "attach" {
		return
	}
	var seg [5]string
	n := 0
	for s := range strings.SplitSeq(strings.TrimSuffix(rest, "/"), "/") {
		if n == len(seg) {
			return
		}
		seg[n] = s
		n++
	}
	var pod schemas.Pod
	var container string
	switch n {
	case 3:
		pod = schemas.Pod{Namespace: seg[0], Name: seg[1]}
		container = seg[2]
	case 4:
		pod = schemas.Pod{Namespace: seg[0], Name: seg[1], UID: seg[2]}
		container = seg[3]
	default:
		return
	}
	if pod.Namespace == "" || pod.Name == "" || container == "" {
		return
	}
	ev.Kind = schemas.KindSession
	ev.Pod = pod
	ev.Session.Type = sessionProxy
	ev.Session.Container = container
	words := queryValues(query, "command")
	// run takes the whole command line in one cmd parameter and splits it
	// at spaces (kubelet server.go getRun).
	for _, line := range queryValues(query, "cmd") {
		words = append(words, strings.Fields(line)...)
	}
	if len(words) > 0 {
		ev.Session.Command = schemas.JoinArgs(words)
	}
}

// queryValues returns the URL-decoded values of key in a query string, in
// order. It allocates.
func queryValues(query, key string) []string {
	var out []string
	for part := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k != key {
			continue
		}
		if dec, err := url.QueryUnescape(v); err == nil {
			v = dec
		}
		out = append(out, v)
	}
	return out
}
