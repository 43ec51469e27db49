package tracee

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Decode fills ev from one Tracee JSON event in any of its layouts: flat
// (≤ v0.10), nested trace.Event (v0.11–v0.24) or v1beta1 (main branch).
func Decode(raw string, ev *schemas.Event) error {
	root := gjson.Parse(raw)
	if !root.IsObject() {
		return parse.Errorf(parse.ReasonUnrecognized, "Tracee event is not a JSON object")
	}
	var r record
	root.ForEach(func(key, value gjson.Result) bool {
		r.set(key.Str, value)
		return true
	})
	if r.name == "" {
		return parse.Errorf(parse.ReasonMissingField, "Tracee event has no eventName or name")
	}
	t, err := eventTime(r.timestamp)
	if err != nil {
		return err
	}
	ev.Time = t
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
// use different keys for the same facts, and one pass over the keys fills
// whichever are present.
type record struct {
	timestamp gjson.Result
	name      string
	eventID   int64
	hasID     bool
	args      gjson.Result // args (layouts 1–2) or data (layout 3)
	metadata  gjson.Result
	threat    gjson.Result
	detected  gjson.Result // layout 3 detected_from: the triggering event
	syscall   string       // layout 2 originating syscall of derived events

	containerID, containerName, containerImage string
	podName, podNamespace, podUID              string

	processName, exe, parentName string
	pid, uid, returnValue        int64
	hasUID, hasReturn            bool
}

func (r *record) set(key string, v gjson.Result) {
	switch key {
	case "timestamp":
		r.timestamp = v
	case "eventName", "name":
		r.name = v.Str
	case "eventId":
		r.eventID, r.hasID = parse.Int64(v)
	case "args", "data":
		r.args = v
	case "metadata":
		r.metadata = v
	case "threat":
		r.threat = v
	case "detected_from":
		r.detected = v
	case "syscall":
		r.syscall = v.Str
	case "containerId":
		if r.containerID == "" {
			r.containerID = v.Str
		}
	case "containerName":
		r.containerName = v.Str
	case "containerImage":
		r.containerImage = v.Str
	case "container":
		r.setContainer(v)
	case "podName":
		r.podName = v.Str
	case "podNamespace":
		r.podNamespace = v.Str
	case "podUID":
		r.podUID = v.Str
	case "kubernetes":
		v.ForEach(func(k, pv gjson.Result) bool {
			switch k.Str {
			case "podName":
				r.podName = pv.Str
			case "podNamespace":
				r.podNamespace = pv.Str
			case "podUID":
				r.podUID = pv.Str
			}
			return true
		})
	case "processName":
		r.processName = v.Str
	case "executable":
		r.exe = v.Get("path").Str
	case "hostProcessId":
		r.pid, _ = parse.Int64(v)
	case "userId":
		r.uid, r.hasUID = parse.Int64(v)
	case "returnValue":
		r.returnValue, r.hasReturn = parse.Int64(v)
	case "workload":
		r.setWorkload(v)
	}
}

// setContainer reads container{id,name,image} of layout 2 and the
// workload.container{id,name,image{name}} of layout 3.
func (r *record) setContainer(v gjson.Result) {
	v.ForEach(func(k, cv gjson.Result) bool {
		switch k.Str {
		case "id":
			if cv.Str != "" {
				r.containerID = cv.Str
			}
		case "name":
			r.containerName = cv.Str
		case "image":
			if cv.IsObject() {
				r.containerImage = cv.Get("name").Str
			} else {
				r.containerImage = cv.Str
			}
		}
		return true
	})
}

func (r *record) setWorkload(v gjson.Result) {
	v.ForEach(func(k, wv gjson.Result) bool {
		switch k.Str {
		case "process":
			r.setProcess(wv)
		case "container":
			r.setContainer(wv)
		case "k8s":
			r.podName = wv.Get("pod.name").Str
			r.podUID = wv.Get("pod.uid").Str
			r.podNamespace = wv.Get("namespace.name").Str
		}
		return true
	})
}

// setProcess reads workload.process of layout 3. Numbers may come bare (the
// custom marshaller) or in protojson {"value":n} wrappers (the docs page).
func (r *record) setProcess(v gjson.Result) {
	v.ForEach(func(k, pv gjson.Result) bool {
		switch k.Str {
		case "executable":
			r.exe = pv.Get("path").Str
		case "host_pid":
			r.pid, _ = parse.Int64(unwrap(pv))
		case "real_user":
			r.uid, r.hasUID = parse.Int64(unwrap(pv.Get("id")))
		case "thread":
			r.processName = pv.Get("name").Str
		case "ancestors":
			parent := pv.Get("0")
			if p := parent.Get("executable.path").Str; p != "" {
				r.parentName = schemas.Base(p)
			} else {
				r.parentName = parent.Get("thread.name").Str
			}
		}
		return true
	})
}

// unwrap returns the value inside a protojson wrapper message.
func unwrap(v gjson.Result) gjson.Result {
	if v.IsObject() {
		return v.Get("value")
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
	return r.metadata.IsObject() || r.threat.IsObject() || r.detected.IsObject() ||
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
func eventTime(ts gjson.Result) (time.Time, error) {
	switch ts.Type {
	case gjson.Number:
		n, ok := parse.Int64(ts)
		if !ok {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee timestamp %s is not an integer", ts.Raw)
		}
		if n < 1e17 {
			return time.Time{}, parse.Errorf(parse.ReasonBadTime,
				"Tracee timestamp %d is boot-relative (monotonic) nanoseconds; run Tracee with wall-clock timestamps", n)
		}
		return parse.UnixNano(n)
	case gjson.String:
		return parse.RFC3339(ts.Str)
	case gjson.JSON:
		if ts.IsObject() {
			sec, ok := parse.Int64(ts.Get("seconds"))
			if ok && sec > 0 {
				nanos, _ := parse.Int64(ts.Get("nanos"))
				return time.Unix(sec, nanos).UTC(), nil
			}
		}
	}
	if !ts.Exists() {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee event has no timestamp")
	}
	return time.Time{}, parse.Errorf(parse.ReasonBadTime, "Tracee timestamp has an unknown shape: %.40s", ts.Raw)
}
