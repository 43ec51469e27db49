package crio

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeText fills ev from one CRI-O log line: logrus text, bare or behind a
// journald / syslog prefix "<time> <host> crio[<pid>]: ". A bare line is
// taken when it carries CRI-O's own time layout, its gRPC method field
// (name=/runtime.v1…) or a CRI-O message; any other line gives
// ReasonUnrecognized.
func DecodeText(line string, ev *schemas.Event) error {
	line = strings.TrimSpace(line)
	host, body := "", line
	if !strings.HasPrefix(line, "time=") {
		var tag string
		var ok bool
		if host, tag, body, ok = parse.SplitSyslog(line); !ok || tag != "crio" {
			return notCRIO
		}
	}
	e, ok := parse.Logrus(body)
	if !ok {
		if host == "" {
			return notCRIO
		}
		return parse.Errorf(parse.ReasonBadTime, "CRI-O log line has no time= and msg= fields")
	}
	known := crioMessage(e, ev)
	if host == "" && !known && !hasCRIOTimeLayout(e.Time) && !strings.HasPrefix(e.Field("name"), "/runtime.") {
		return notCRIO
	}
	t, err := logTime(e.Time)
	if err != nil {
		return err
	}
	ev.Time = t
	ev.Node = host
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerCRIO
	if ev.Kind == schemas.KindUnknown {
		ev.Kind = schemas.KindLifecycle
	}
	if ev.Container.ID != "" {
		ev.Container.Runtime = "cri-o"
	}
	return nil
}

var notCRIO = parse.Errorf(parse.ReasonUnrecognized, "not a CRI-O line")

// crioTimeLayout is the logrus TimestampFormat CRI-O sets (cmd/crio/main.go).
const crioTimeLayout = "2006-01-02 15:04:05.999999999Z07:00"

func hasCRIOTimeLayout(s string) bool {
	return len(s) > 19 && s[4] == '-' && s[10] == ' ' && s[13] == ':'
}

// logTime parses CRI-O's time layout or RFC 3339 (logrus's default).
func logTime(s string) (time.Time, error) {
	var t time.Time
	var err error
	if hasCRIOTimeLayout(s) {
		t, err = time.Parse(crioTimeLayout, s)
	} else {
		t, err = parse.RFC3339(s)
	}
	if err != nil || t.IsZero() {
		return time.Time{}, parse.Errorf(parse.ReasonBadTime, "cannot parse CRI-O log time %q", s)
	}
	return t.UTC(), nil
}

// crioMessage fills ev from a CRI-O message and reports whether msg was one
// escapewatch knows. msg is the logrus value, still escaped.
//
// Messages (cri-o/cri-o server/*.go): "Created container <id>: <desc>",
// "Started container" with fields PID, containerID, description and
// sandboxID (cri-o PR #5134, 2021; before: "Started container <id>: <desc>"),
// "Stopped container <id>: <desc>", "Removed container <id>: <desc>",
// "Running pod sandbox: <desc>", "Ran pod sandbox <id> with infra
// container: <desc>", where <desc> is "<namespace>/<pod>/<container>"
// ("…/POD" for the sandbox). Exec: "exec'd [<argv>] in <desc>" (info, in
// early releases) and, at debug level, the gRPC interceptor's
// "Request: &ExecSyncRequest{ContainerId:…,Cmd:[…],…}" and
// "Request: &ExecRequest{…}" / "Request: &AttachRequest{…}".
func crioMessage(e parse.LogLine, ev *schemas.Event) bool {
	msg := e.Msg
	switch {
	case msg == "Started container":
		desc := parseDescription(e.Field("description"))
		desc.fill(ev)
		ev.Container.ID = containerID(e.Field("containerID"))
		if pid, ok := parse.Int(e.Field("PID")); ok && pid > 0 {
			ev.Process.PID = pid
		}
		desc.startKind(ev)

	case strings.HasPrefix(msg, "Started container "), strings.HasPrefix(msg, "Started container: "):
		// Older releases: "Started container <id>: <desc>", and before that
		// "Started container: <desc>".
		rest := msg[len("Started container"):]
		id, d, _ := strings.Cut(rest[1:], ": ")
		if after, ok := strings.CutPrefix(rest, ": "); ok {
			id, d = "", after
		}
		desc := parseDescription(d)
		desc.fill(ev)
		ev.Container.ID = containerID(id)
		desc.startKind(ev)

	case strings.HasPrefix(msg, "Created container "):
		id, d, _ := strings.Cut(msg[len("Created container "):], ": ")
		desc := parseDescription(d)
		desc.fill(ev)
		ev.Container.ID = containerID(id)
		desc.startKind(ev)

	case strings.HasPrefix(msg, "Removed container "):
		id, d, _ := strings.Cut(msg[len("Removed container "):], ": ")
		desc := parseDescription(d)
		desc.fill(ev)
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindContainerEnd
		if desc.sandbox() {
			ev.Kind = schemas.KindLifecycle
		}

	case strings.HasPrefix(msg, "Stopped container "):
		id, d, _ := strings.Cut(msg[len("Stopped container "):], ": ")
		parseDescription(d).fill(ev)
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindLifecycle

	case strings.HasPrefix(msg, "Creating container: "), strings.HasPrefix(msg, "Running pod sandbox: "):
		_, d, _ := strings.Cut(msg, ": ")
		parseDescription(d).fill(ev)
		ev.Kind = schemas.KindLifecycle

	case strings.HasPrefix(msg, "Ran pod sandbox "):
		id, d, _ := strings.Cut(msg[len("Ran pod sandbox "):], " with infra container: ")
		parseDescription(d).fill(ev)
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindLifecycle

	case strings.HasPrefix(msg, "exec'd "):
		argv, d, ok := cutLast(msg[len("exec'd "):], " in ")
		if !ok || !strings.HasPrefix(argv, "[") || !strings.HasSuffix(argv, "]") {
			return false
		}
		desc := parseDescription(d)
		desc.fill(ev)
		ev.Kind = schemas.KindSession
		ev.Session = schemas.Session{Type: "exec", Container: desc.container, Command: parse.Unescape(argv[1 : len(argv)-1])}

	default:
		if session, request, ok := streamRequest(msg); ok {
			ev.Kind = schemas.KindSession
			ev.Container.ID = containerID(requestValue(request, "ContainerId"))
			ev.Session.Type = session
			if session == "exec" {
				ev.Session.Command = parse.Unescape(requestCommand(request))
			}
			return true
		}
		for _, prefix := range otherCRIOMessages {
			if strings.HasPrefix(msg, prefix) {
				ev.Kind = schemas.KindLifecycle
				if id, ok := strings.CutPrefix(msg, prefix); ok && prefix[len(prefix)-2] == ':' {
					ev.Container.ID = containerID(firstWord(id))
				}
				return true
			}
		}
		return false
	}
	return true
}

// otherCRIOMessages start CRI-O messages of no detection value; those
// ending in ": " are followed by a container or sandbox id.
var otherCRIOMessages = [...]string{
	"Starting container: ", "Stopping container: ", "Removing container: ",
	"Stopping pod sandbox: ", "Stopped pod sandbox: ", "Removing pod sandbox: ", "Removed pod sandbox: ",
	"Stopped pod sandbox (already stopped): ", "Checking image status: ", "Pulling image: ", "Pulled image: ",
	"Image status: ", "Got pod network ", "Adding pod ", "Deleting pod ", "Checking pod ",
}

// streamRequest recognises the debug dump of an exec, exec-sync or attach
// request: "Request: &ExecSyncRequest{…}" (internal/log/interceptors),
// "request: …" in older releases and "ExecSyncRequest &ExecSyncRequest{…}"
// in early ones. It returns the session type and the struct text.
func streamRequest(msg string) (session, request string, ok bool) {
	for _, r := range [...]struct{ marker, session string }{
		{"&ExecSyncRequest{", "exec"},
		{"&ExecRequest{", "exec"},
		{"&AttachRequest{", "attach"},
	} {
		i := strings.Index(msg, r.marker)
		if i < 0 {
			continue
		}
		switch strings.TrimSpace(msg[:i]) {
		case "Request:", "request:", "ExecSyncRequest", "ExecRequest", "AttachRequest":
			return r.session, msg[i+len(r.marker):], true
		}
	}
	return "", "", false
}

// requestValue reads Key:value from a gogo-protobuf struct dump.
func requestValue(fields, key string) string {
	for fields != "" {
		var field string
		field, fields, _ = strings.Cut(fields, ",")
		if len(field) > len(key) && field[len(key)] == ':' && strings.HasPrefix(field, key) {
			return field[len(key)+1:]
		}
	}
	return ""
}

// requestCommand reads Cmd:[<argv>] from a request dump; the argv may hold
// commas and brackets, so it ends at the field that follows it.
func requestCommand(request string) string {
	_, argv, ok := strings.Cut(request, "Cmd:[")
	if !ok {
		return ""
	}
	for _, next := range [...]string{"],Timeout:", "],Tty:", "],Stdin:"} {
		if end := strings.LastIndex(argv, next); end >= 0 {
			return argv[:end]
		}
	}
	if end := strings.LastIndexByte(argv, ']'); end >= 0 {
		return argv[:end]
	}
	return ""
}

// description is CRI-O's "<namespace>/<pod>/<container>" of a container.
type description struct {
	namespace, pod, container string
}

func parseDescription(s string) description {
	ns, rest, ok := strings.Cut(s, "/")
	if !ok {
		return description{}
	}
	pod, ctr, ok := strings.Cut(rest, "/")
	if !ok || strings.IndexByte(ctr, '/') >= 0 {
		return description{}
	}
	return description{namespace: ns, pod: pod, container: ctr}
}

// sandbox reports the infra container of a pod sandbox.
func (d description) sandbox() bool { return d.container == "POD" }

func (d description) fill(ev *schemas.Event) {
	ev.Pod.Namespace, ev.Pod.Name = d.namespace, d.pod
	ev.Container.Name = d.container
}

// startKind sets a container start, with the container's link to its pod;
// the sandbox's infra container is lifecycle.
func (d description) startKind(ev *schemas.Event) {
	if d.sandbox() {
		ev.Kind = schemas.KindLifecycle
		return
	}
	ev.Kind = schemas.KindContainerStart
	if ev.Container.ID != "" && d.container != "" && d.pod != "" {
		ev.Statuses = []schemas.ContainerStatus{{Name: d.container, ID: ev.Container.ID}}
	}
}

// containerID normalizes a CRI-O container id (64 hex); anything else is no
// id.
func containerID(s string) string {
	id, _ := schemas.NormalizeContainerID(s)
	if !schemas.IsHex(id) {
		return ""
	}
	return id
}

func cutLast(s, sep string) (before, after string, ok bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " ,"); i >= 0 {
		return s[:i]
	}
	return s
}
