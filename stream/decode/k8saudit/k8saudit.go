package k8saudit

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// kubeletUserPrefix starts the user name of a kubelet's node credentials
// (Node authorizer convention: "system:node:<node name>").
const kubeletUserPrefix = "system:node:"

// auditEvent holds the top-level fields of one audit Event, read in a single
// pass over its keys.
type auditEvent struct {
	auditID    string
	stage      string
	verb       string
	requestURI string

	received gjson.Result // requestReceivedTimestamp
	staged   gjson.Result // stageTimestamp
	legacy   gjson.Result // v1beta1 timestamp

	user      gjson.Result
	objectRef gjson.Result
	status    gjson.Result // responseStatus
	request   gjson.Result // requestObject
	response  gjson.Result // responseObject
}

// target is the objectRef of an audit Event.
type target struct {
	resource    string
	subresource string
	namespace   string
	name        string
	uid         string
}

// Decode fills ev from one audit.k8s.io Event object (v1 or v1beta1).
func Decode(raw string, ev *schemas.Event) error {
	root := gjson.Parse(raw)
	if !root.IsObject() {
		return parse.Errorf(parse.ReasonUnrecognized, "audit event is not a JSON object")
	}
	var a auditEvent
	root.ForEach(func(key, value gjson.Result) bool {
		a.set(key.Str, value)
		return true
	})
	if a.auditID == "" && a.verb == "" && !a.objectRef.Exists() {
		return parse.Errorf(parse.ReasonMissingField, "audit event has no auditID, verb or objectRef")
	}
	if a.objectRef.Exists() && !a.objectRef.IsObject() {
		return parse.Errorf(parse.ReasonBadValue, "audit event objectRef is %s, not an object", typeName(a.objectRef))
	}
	if a.user.Exists() && !a.user.IsObject() {
		return parse.Errorf(parse.ReasonBadValue, "audit event user is %s, not an object", typeName(a.user))
	}
	t, err := a.time()
	if err != nil {
		return err
	}

	ev.Time = t
	ev.Source = schemas.SourceK8sAudit
	ev.Producer = schemas.ProducerAPIServer
	ev.NativeID = a.auditID
	ev.Stage = a.stage
	ev.Actor.User = parse.Str(a.user.Get("username"))
	if code, ok := parse.Int64(a.status.Get("code")); ok && code >= 400 {
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
		ev.Actor.Groups = stringList(a.user.Get("groups"))
	}
	return nil
}

func (a *auditEvent) set(key string, value gjson.Result) {
	switch key {
	case "auditID":
		a.auditID = parse.Str(value)
	case "stage":
		a.stage = parse.Str(value)
	case "verb":
		a.verb = parse.Str(value)
	case "requestURI":
		a.requestURI = parse.Str(value)
	case "requestReceivedTimestamp":
		a.received = value
	case "stageTimestamp":
		a.staged = value
	case "timestamp":
		a.legacy = value
	case "user":
		a.user = value
	case "objectRef":
		a.objectRef = value
	case "responseStatus":
		a.status = value
	case "requestObject":
		a.request = value
	case "responseObject":
		a.response = value
	}
}

// time returns the event time: when the API server received the request,
// else when it reached this stage, else the v1beta1 timestamp (seconds).
func (a *auditEvent) time() (time.Time, error) {
	fields := [...]struct {
		name  string
		value gjson.Result
	}{
		{"requestReceivedTimestamp", a.received},
		{"stageTimestamp", a.staged},
		{"timestamp", a.legacy},
	}
	for _, f := range fields {
		v := f.value
		if !v.Exists() || v.Type == gjson.Null || (v.Type == gjson.String && v.Str == "") {
			continue
		}
		if v.Type != gjson.String {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event %s is %s, not an RFC 3339 string", f.name, typeName(v))
		}
		t, err := parse.RFC3339(v.Str)
		if err != nil {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event %s %.64q is not an RFC 3339 time", f.name, v.Str)
		}
		return t, nil
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "audit event has no requestReceivedTimestamp, stageTimestamp or timestamp")
}

func (a *auditEvent) target() target {
	var t target
	a.objectRef.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "resource":
			t.resource = parse.Str(value)
		case "subresource":
			t.subresource = parse.Str(value)
		case "namespace":
			t.namespace = parse.Str(value)
		case "name":
			t.name = parse.Str(value)
		case "uid":
			t.uid = parse.Str(value)
		}
		return true
	})
	return t
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
				ev.Pod.UID = parse.Str(a.request.Get("preconditions.uid"))
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
	if ev.Pod.Name == "" {
		// Pods created with generateName are only named in the response.
		ev.Pod.Name = parse.Str(a.response.Get("metadata.name"))
		if ev.Pod.Name == "" {
			ev.Pod.Name = parse.Str(a.request.Get("metadata.name"))
		}
	}
	if ev.Pod.Namespace == "" {
		ev.Pod.Namespace = parse.Str(a.response.Get("metadata.namespace"))
	}
	if uid := parse.Str(a.response.Get("metadata.uid")); uid != "" {
		ev.Pod.UID = uid
	} else if ev.Pod.UID == "" {
		ev.Pod.UID = parse.Str(a.request.Get("metadata.uid"))
	}
	if node := parse.Str(a.response.Get("spec.nodeName")); node != "" {
		ev.Node = node
	} else if node := parse.Str(a.request.Get("spec.nodeName")); node != "" {
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

// stringList returns the strings of a JSON array; it allocates.
func stringList(r gjson.Result) []string {
	if !r.IsArray() {
		return nil
	}
	var out []string
	r.ForEach(func(_, v gjson.Result) bool {
		if s := parse.Str(v); s != "" {
			out = append(out, s)
		}
		return true
	})
	return out
}

func typeName(r gjson.Result) string {
	switch {
	case r.IsObject():
		return "an object"
	case r.IsArray():
		return "an array"
	}
	switch r.Type {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	}
	return "invalid JSON"
}
