package k8saudit

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// kubeletUserPrefix starts the user name of a kubelet's node credentials
// (Node authorizer convention: "system:node:<node name>").
const kubeletUserPrefix = "system:node:"

// auditEvent holds the top-level fields of one audit Event, read in a single
// pass over its members. Routine records are decided from these and the
// objectRef alone; the request and response objects are only read for the
// requests that matter.
type auditEvent struct {
	t *parse.Tape

	auditID    string
	stage      string
	verb       string
	requestURI string
	username   string // user.username
	code       int64  // responseStatus.code
	hasCode    bool

	received  parse.Node // requestReceivedTimestamp
	staged    parse.Node // stageTimestamp
	legacy    parse.Node // v1beta1 timestamp
	user      parse.Node
	objectRef parse.Node
	request   parse.Node // requestObject
	response  parse.Node // responseObject
}

// target is the objectRef of an audit Event.
type target struct {
	resource    string
	subresource string
	namespace   string
	name        string
	uid         string
}

// Decode fills ev from one audit.k8s.io Event object (v1 or v1beta1) at
// node n of a validated tape.
func Decode(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	if t.Kind(n) != parse.KindObject {
		return parse.Errorf(parse.ReasonUnrecognized, "audit event is not a JSON object")
	}
	a := auditEvent{
		t:        t,
		received: parse.Missing, staged: parse.Missing, legacy: parse.Missing,
		user: parse.Missing, objectRef: parse.Missing,
		request: parse.Missing, response: parse.Missing,
	}
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		a.set(t.Key(c), c)
	}
	if a.auditID == "" && a.verb == "" && !a.objectRef.Exists() {
		return parse.Errorf(parse.ReasonMissingField, "audit event has no auditID, verb or objectRef")
	}
	if a.objectRef.Exists() && t.Kind(a.objectRef) != parse.KindObject {
		return parse.Errorf(parse.ReasonBadValue, "audit event objectRef is %s, not an object", typeName(t, a.objectRef))
	}
	if a.user.Exists() && t.Kind(a.user) != parse.KindObject {
		return parse.Errorf(parse.ReasonBadValue, "audit event user is %s, not an object", typeName(t, a.user))
	}
	at, err := a.time()
	if err != nil {
		return err
	}

	ev.Time = at
	ev.Source = schemas.SourceK8sAudit
	ev.Producer = schemas.ProducerAPIServer
	ev.NativeID = a.auditID
	ev.Stage = a.stage
	ev.Actor.User = a.username
	if a.hasCode && a.code >= 400 {
		ev.Denied = true
	}
	if node, ok := strings.CutPrefix(ev.Actor.User, kubeletUserPrefix); ok {
		ev.Node = node
	}

	ref := a.target()
	switch ref.resource {
	case "pods":
		ev.Pod = schemas.Pod{Namespace: ref.namespace, Name: ref.name, UID: ref.uid}
		a.decodePod(ref, ev)
	case "nodes":
		if ref.name != "" {
			ev.Node = nodeName(ref.name)
		}
		a.decodeNode(ref, ev)
	default:
		ev.Kind = schemas.KindLifecycle
	}
	if ev.Kind != schemas.KindLifecycle {
		ev.Actor.Groups = stringList(t, t.Get(a.user, "groups"))
	}
	return nil
}

// set records one top-level member. A repeated member overrides the earlier
// one, as in every JSON reader that keeps the last duplicate.
func (a *auditEvent) set(key string, c parse.Node) {
	t := a.t
	switch key {
	case "auditID":
		a.auditID = t.Str(c)
	case "stage":
		a.stage = t.Str(c)
	case "verb":
		a.verb = t.Str(c)
	case "requestURI":
		a.requestURI = t.Str(c)
	case "requestReceivedTimestamp":
		a.received = c
	case "stageTimestamp":
		a.staged = c
	case "timestamp":
		a.legacy = c
	case "user":
		a.user = c
		a.username = t.Str(t.Get(c, "username"))
	case "objectRef":
		a.objectRef = c
	case "responseStatus":
		a.code, a.hasCode = intValue(t, t.Get(c, "code"))
	case "requestObject":
		a.request = c
	case "responseObject":
		a.response = c
	}
}

// time returns the event time: when the API server received the request,
// else when it reached this stage, else the v1beta1 timestamp (seconds).
func (a *auditEvent) time() (time.Time, error) {
	t := a.t
	fields := [...]struct {
		name  string
		value parse.Node
	}{
		{"requestReceivedTimestamp", a.received},
		{"stageTimestamp", a.staged},
		{"timestamp", a.legacy},
	}
	for _, f := range fields {
		v := f.value
		kind := t.Kind(v)
		if !v.Exists() || kind == parse.KindNull || (kind == parse.KindString && t.Str(v) == "") {
			continue
		}
		if kind != parse.KindString {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event %s is %s, not an RFC 3339 string", f.name, typeName(t, v))
		}
		s := t.Str(v)
		at, err := parse.RFC3339(s)
		if err != nil {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event %s %.64q is not an RFC 3339 time", f.name, s)
		}
		return at, nil
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event has no requestReceivedTimestamp, stageTimestamp or timestamp")
}

func (a *auditEvent) target() target {
	t := a.t
	var ref target
	for c := t.First(a.objectRef); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "resource":
			ref.resource = t.Str(c)
		case "subresource":
			ref.subresource = t.Str(c)
		case "namespace":
			ref.namespace = t.Str(c)
		case "name":
			ref.name = t.Str(c)
		case "uid":
			ref.uid = t.Str(c)
		}
	}
	return ref
}

// decodePod classifies a request on pods or one of their subresources.
func (a *auditEvent) decodePod(ref target, ev *schemas.Event) {
	switch ref.subresource {
	case "":
		switch a.verb {
		case "create", "update", "patch":
			a.podDetails(ev)
			a.decodePodSpec(ev)
		case "delete":
			a.podDetails(ev)
			ev.Kind = schemas.KindPodDelete
			if ev.Pod.UID == "" {
				// The kubelet deletes with a uid precondition.
				ev.Pod.UID = a.t.Str(lookup(a.t, a.request, "preconditions", "uid"))
			}
		default:
			// get, list, watch and deletecollection: the hot path.
			ev.Kind = schemas.KindLifecycle
		}
	case "exec", "attach":
		// Websocket clients open exec and attach with GET, so every verb counts.
		a.podDetails(ev)
		a.decodeExec(ref.subresource, ev)
	case "ephemeralcontainers":
		if a.verb != "update" && a.verb != "patch" {
			ev.Kind = schemas.KindLifecycle
			return
		}
		a.podDetails(ev)
		a.decodeEphemeral(ev)
	case "status":
		if a.verb != "update" && a.verb != "patch" {
			ev.Kind = schemas.KindLifecycle
			return
		}
		a.podDetails(ev)
		a.decodeStatus(ev)
	default:
		ev.Kind = schemas.KindLifecycle
	}
}

// podDetails completes the pod and node from the request and response
// objects, for the requests that matter.
func (a *auditEvent) podDetails(ev *schemas.Event) {
	t := a.t
	if ev.Pod.Name == "" {
		// Pods created with generateName are only named in the response.
		ev.Pod.Name = t.Str(lookup(t, a.response, "metadata", "name"))
		if ev.Pod.Name == "" {
			ev.Pod.Name = t.Str(lookup(t, a.request, "metadata", "name"))
		}
	}
	if ev.Pod.Namespace == "" {
		ev.Pod.Namespace = t.Str(lookup(t, a.response, "metadata", "namespace"))
	}
	if uid := t.Str(lookup(t, a.response, "metadata", "uid")); uid != "" {
		ev.Pod.UID = uid
	} else if ev.Pod.UID == "" {
		ev.Pod.UID = t.Str(lookup(t, a.request, "metadata", "uid"))
	}
	if node := t.Str(lookup(t, a.response, "spec", "nodeName")); node != "" {
		ev.Node = node
	} else if node := t.Str(lookup(t, a.request, "spec", "nodeName")); node != "" {
		ev.Node = node
	}
}

// decodeNode classifies a request on nodes: only the proxy subresource,
// which reaches the kubelet API through the API server, matters.
func (a *auditEvent) decodeNode(ref target, ev *schemas.Event) {
	if ref.subresource != "proxy" {
		ev.Kind = schemas.KindLifecycle
		return
	}
	a.decodeNodeProxy(ev)
}

// nodeName strips the scheme and port that a nodes/proxy request may add
// to the node name: "node-1", "node-1:10250" or "https:node-1:10250".
func nodeName(s string) string {
	first, rest, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	if second, _, ok := strings.Cut(rest, ":"); ok {
		return second
	}
	return first
}

// stringList returns the non-empty strings of a JSON array; it allocates.
func stringList(t *parse.Tape, list parse.Node) []string {
	if t.Kind(list) != parse.KindArray {
		return nil
	}
	var out []string
	for c := t.First(list); c.Exists(); c = t.Next(c) {
		if s := t.Str(c); s != "" {
			out = append(out, s)
		}
	}
	return out
}
