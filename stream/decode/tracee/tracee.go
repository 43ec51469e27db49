package tracee

import (
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Tracee JSON event at node n of a validated tape,
// in any of its layouts: flat (≤ v0.10), nested trace.Event (v0.11–v0.24)
// or v1beta1 (main branch).
func Decode(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	if t.Kind(n) != parse.KindObject {
		return parse.Errorf(parse.ReasonUnrecognized, "Tracee event is not a JSON object")
	}
	r := record{
		t:         t,
		timestamp: parse.Missing,
		args:      parse.Missing,
		metadata:  parse.Missing,
		threat:    parse.Missing,
		detected:  parse.Missing,
	}
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		r.set(t.Key(c), c)
	}
	if r.name == "" {
		return parse.Errorf(parse.ReasonMissingField, "Tracee event has no eventName or name")
	}
	at, err := eventTime(t, r.timestamp)
	if err != nil {
		return err
	}
	ev.Time = at
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerTracee
	r.fillWorkload(ev)

	if r.isSignature() {
		decodeSignature(&r, ev)
		return nil
	}
	decodeBase(&r, ev)
	return nil
}

// record gathers the top-level fields of a Tracee event; the three layouts
// use different keys for the same facts, and one pass over the members
// fills whichever are present.
type record struct {
	t *parse.Tape

	timestamp parse.Node
	name      string
	eventID   int64
	hasID     bool
	args      parse.Node // args (layouts 1–2) or data (layout 3)
	metadata  parse.Node
	threat    parse.Node
	detected  parse.Node // layout 3 detected_from: the triggering event
	syscall   string     // layout 2 originating syscall of derived events

	containerID, containerName, containerImage string
	podName, podNamespace, podUID              string

	processName, exe, parentName string
	pid, uid, returnValue        int64
	hasUID, hasReturn            bool
}

func (r *record) set(key string, v parse.Node) {
	t := r.t
	switch key {
	case "timestamp":
		r.timestamp = v
	case "eventName", "name":
		r.name = str(t, v)
	case "eventId":
		r.eventID, r.hasID = intValue(t, v)
	case "args", "data":
		r.args = v
	case "metadata":
		r.metadata = v
	case "threat":
		r.threat = v
	case "detected_from":
		r.detected = v
	case "syscall":
		r.syscall = str(t, v)
	case "containerId":
		if r.containerID == "" {
			r.containerID = str(t, v)
		}
	case "containerName":
		r.containerName = str(t, v)
	case "containerImage":
		r.containerImage = str(t, v)
	case "container":
		r.setContainer(v)
	case "podName":
		r.podName = str(t, v)
	case "podNamespace":
		r.podNamespace = str(t, v)
	case "podUID":
		r.podUID = str(t, v)
	case "kubernetes":
		for c := t.First(v); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "podName":
				r.podName = str(t, c)
			case "podNamespace":
				r.podNamespace = str(t, c)
			case "podUID":
				r.podUID = str(t, c)
			}
		}
	case "processName":
		r.processName = str(t, v)
	case "executable":
		r.exe = str(t, t.Get(v, "path"))
	case "hostProcessId":
		r.pid, _ = intValue(t, v)
	case "userId":
		r.uid, r.hasUID = intValue(t, v)
	case "returnValue":
		r.returnValue, r.hasReturn = intValue(t, v)
	case "workload":
		r.setWorkload(v)
	}
}

// setContainer reads container{id,name,image} of layout 2 and the
// workload.container{id,name,image{name}} of layout 3.
func (r *record) setContainer(v parse.Node) {
	t := r.t
	for c := t.First(v); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "id":
			if id := str(t, c); id != "" {
				r.containerID = id
			}
		case "name":
			r.containerName = str(t, c)
		case "image":
			if t.Kind(c) == parse.KindObject {
				r.containerImage = str(t, t.Get(c, "name"))
			} else {
				r.containerImage = str(t, c)
			}
		}
	}
}

func (r *record) setWorkload(v parse.Node) {
	t := r.t
	for c := t.First(v); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "process":
			r.setProcess(c)
		case "container":
			r.setContainer(c)
		case "k8s":
			r.podName = str(t, lookup(t, c, "pod", "name"))
			r.podUID = str(t, lookup(t, c, "pod", "uid"))
			r.podNamespace = str(t, lookup(t, c, "namespace", "name"))
		}
	}
}

// setProcess reads workload.process of layout 3. Numbers may come bare (the
// custom marshaller) or in protojson {"value":n} wrappers (the docs page).
func (r *record) setProcess(v parse.Node) {
	t := r.t
	for c := t.First(v); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "executable":
			r.exe = str(t, t.Get(c, "path"))
		case "host_pid":
			r.pid, _ = intValue(t, unwrap(t, c))
		case "real_user":
			r.uid, r.hasUID = intValue(t, unwrap(t, t.Get(c, "id")))
		case "thread":
			r.processName = str(t, t.Get(c, "name"))
		case "ancestors":
			parent := firstAncestor(t, c)
			if p := str(t, lookup(t, parent, "executable", "path")); p != "" {
				r.parentName = schemas.Base(p)
			} else {
				r.parentName = str(t, lookup(t, parent, "thread", "name"))
			}
		}
	}
}

// firstAncestor returns element 0 of the ancestors list (or a member named
// "0" should the list come as an object).
func firstAncestor(t *parse.Tape, list parse.Node) parse.Node {
	if t.Kind(list) == parse.KindArray {
		return t.First(list)
	}
	return t.Get(list, "0")
}

// unwrap returns the value inside a protojson wrapper message.
func unwrap(t *parse.Tape, v parse.Node) parse.Node {
	if t.Kind(v) == parse.KindObject {
		return t.Get(v, "value")
	}
	return v
}

// fillWorkload sets container, pod and process fields common to all events.
func (r *record) fillWorkload(ev *schemas.Event) {
	id, runtime := schemas.NormalizeContainerID(r.containerID)
	ev.Container.ID = id
	ev.Container.Runtime = runtime
	ev.Container.Name = r.containerName
	ev.Container.Image = r.containerImage
	// Tracee reports an empty container id for host processes.
	ev.Container.Host = id == ""
	ev.Pod = schemas.Pod{Namespace: r.podNamespace, Name: r.podName, UID: r.podUID}

	p := &ev.Process
	p.Name = r.processName
	p.Exe = r.exe
	p.PID = r.pid
	p.UID = r.uid
	p.ParentName = r.parentName
}

// isSignature reports whether the event is a detection: it carries
// signature metadata (layouts 1–2), a threat or detected_from (layout 3), or
// an id in Tracee's signature range.
func (r *record) isSignature() bool {
	t := r.t
	return t.Kind(r.metadata) == parse.KindObject || t.Kind(r.threat) == parse.KindObject ||
		t.Kind(r.detected) == parse.KindObject ||
		(r.hasID && r.eventID >= firstSignatureID && r.eventID < lastSignatureID)
}

// Tracee numbers signature events from 6000 to 6999 (pkg/events ids
// StartSignatureID, MaxSignatureID).
const (
	firstSignatureID = 6000
	lastSignatureID  = 7000
)

// eventTime reads the event time: integer nanoseconds in layouts 1–2, an
// RFC 3339 string in layout 3 ({seconds,nanos} in the docs' protojson shape).
func eventTime(t *parse.Tape, ts parse.Node) (time.Time, error) {
	switch t.Kind(ts) {
	case parse.KindNumber:
		n, ok := intValue(t, ts)
		if !ok {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee timestamp %s is not an integer", t.Raw(ts))
		}
		if n < 1e17 {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime,
				"Tracee timestamp %d is boot-relative (monotonic) nanoseconds; run Tracee with wall-clock timestamps", n)
		}
		return parse.UnixNano(n)
	case parse.KindString:
		return parse.RFC3339(t.Str(ts))
	case parse.KindObject:
		sec, ok := intValue(t, t.Get(ts, "seconds"))
		if ok && sec > 0 {
			nanos, _ := intValue(t, t.Get(ts, "nanos"))
			return time.Unix(sec, nanos).UTC(), nil
		}
	}
	if !ts.Exists() {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee event has no timestamp")
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee timestamp has an unknown shape: %.40s", t.Raw(ts))
}
