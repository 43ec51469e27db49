package containerd

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeLogLine reads a logrus line of containerd; host is the syslog host
// when the line came through journald or syslog, which already proved it is
// containerd's. A bare logrus line is claimed only when it is recognisably
// containerd's: a CRI plugin message or an io.containerd plugin name.
func decodeLogLine(host, body string, ev *schemas.Event) error {
	e, ok := parse.Logrus(body)
	if !ok {
		if host == "" {
			return notContainerd
		}
		return parse.Errorf(parse.ReasonBadTime, "containerd log line has no time= and msg= fields")
	}
	known := criMessage(e.Msg, ev)
	if host == "" && !known && !mentionsContainerd(body) {
		return notContainerd
	}
	t, err := parse.RFC3339(e.Time)
	if err != nil {
		return err
	}
	if t.IsZero() {
		return parse.Errorf(parse.ReasonBadTime, "containerd log line has the zero time")
	}
	ev.Time = t
	ev.Node = host
	ev.Source = schemas.SourceRuntime
	ev.Producer = schemas.ProducerContainerd
	if ev.Kind == schemas.KindUnknown {
		ev.Kind = schemas.KindLifecycle
	}
	if ev.Container.ID != "" {
		ev.Container.Runtime = "containerd"
	}
	return nil
}

// mentionsContainerd matches containerd's own log lines that are not CRI
// messages (plugin loading, shim and snapshotter messages), and not dockerd's
// relayed libcontainerd lines.
func mentionsContainerd(body string) bool {
	return strings.Contains(body, "io.containerd.") && !strings.Contains(body, "module=libcontainerd")
}

// criMessage fills ev from a message of containerd's CRI plugin
// (internal/cri/instrument/instrumented_service.go and the container create
// path) and reports whether msg was one. msg is the logrus value, still
// escaped: quoted ids read \"<id>\".
func criMessage(msg string, ev *schemas.Event) bool {
	switch {
	case strings.HasPrefix(msg, "RunPodSandbox "):
		// "RunPodSandbox for &PodSandboxMetadata{Name:…,Uid:…,Namespace:…,Attempt:0,}
		// returns sandbox id \"<id>\"" (older: "RunPodSandbox with config &PodSandboxConfig{Metadata:&PodSandboxMetadata{…},…}").
		meta := braces(msg, "PodSandboxMetadata{")
		ev.Pod = schemas.Pod{Namespace: metaValue(meta, "Namespace"), Name: metaValue(meta, "Name"), UID: metaValue(meta, "Uid")}
		ev.Container.ID = quotedAfter(msg, " returns sandbox id ")
		ev.Kind = schemas.KindLifecycle

	case strings.HasPrefix(msg, "CreateContainer within sandbox "):
		// "… for container &ContainerMetadata{Name:…}" when asked, "… for
		// &ContainerMetadata{Name:…,Attempt:0,} returns container id \"<id>\"" when done.
		ev.Container.Name = metaValue(braces(msg, "ContainerMetadata{"), "Name")
		ev.Container.ID = quotedAfter(msg, " returns container id ")
		ev.Kind = schemas.KindLifecycle
		if ev.Container.ID != "" {
			ev.Kind = schemas.KindContainerStart
		}

	case strings.HasPrefix(msg, "Generated id "):
		// Debug level: "Generated id \"<id>\" for container \"<ctr>_<pod>_<ns>_<uid>_<attempt>\""
		// or "… for sandbox \"<pod>_<ns>_<uid>_<attempt>\"".
		id, rest := cutQuoted(msg[len("Generated id "):])
		var kube kubeIdentity
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindLifecycle
		switch {
		case strings.HasPrefix(rest, " for container "):
			if name, _ := cutQuoted(rest[len(" for container "):]); kube.fromCRIName(name) {
				ev.Kind = schemas.KindContainerStart
				ev.Container.Name = kube.container
				ev.Statuses = kube.statuses(ev.Container.ID)
			}
		case strings.HasPrefix(rest, " for sandbox "):
			name, _ := cutQuoted(rest[len(" for sandbox "):])
			kube.fromSandboxName(name)
		}
		ev.Pod = kube.pod()

	case strings.HasPrefix(msg, "StartContainer for "):
		ev.Container.ID, ev.Kind = idAndOutcome(msg[len("StartContainer for "):], schemas.KindContainerStart)

	case strings.HasPrefix(msg, "RemoveContainer for "):
		ev.Container.ID, ev.Kind = idAndOutcome(msg[len("RemoveContainer for "):], schemas.KindContainerEnd)

	case strings.HasPrefix(msg, "ExecSync for "), strings.HasPrefix(msg, "Exec for "):
		// Debug level: "ExecSync for \"<id>\" with command [<argv>] and timeout <n> (s)",
		// "Exec for \"<id>\" with command [<argv>], tty <b> and stdin <b>".
		_, rest, _ := strings.Cut(msg, " for ")
		id, rest := cutQuoted(rest)
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindLifecycle
		if command, ok := commandOf(rest); ok {
			ev.Kind = schemas.KindSession
			ev.Session = schemas.Session{Type: "exec", Command: command}
		}

	case strings.HasPrefix(msg, "Attach for "):
		// Debug level: "Attach for \"<id>\" with tty <b> and stdin <b>".
		id, rest := cutQuoted(msg[len("Attach for "):])
		ev.Container.ID = containerID(id)
		ev.Kind = schemas.KindLifecycle
		if strings.HasPrefix(rest, " with tty ") {
			ev.Kind = schemas.KindSession
			ev.Session.Type = "attach"
		}

	default:
		for _, prefix := range otherCRIMessages {
			if strings.HasPrefix(msg, prefix) {
				ev.Kind = schemas.KindLifecycle
				return true
			}
		}
		return false
	}
	return true
}

// otherCRIMessages start the CRI plugin's messages of no detection value.
var otherCRIMessages = [...]string{
	"StopPodSandbox for ", "RemovePodSandbox for ", "RemovePodSandbox \\\"", "PodSandboxStatus for ",
	"StopContainer for ", "ContainerStatus for ", "UpdateContainerResources for ",
	"ReopenContainerLog for ", "Portforward for ", "PullImage ", "ImageStatus for ",
	"RemoveImage ", "ListContainers ", "ListPodSandbox ", "TaskExit event ",
	"ImageCreate event ", "ImageUpdate event ", "ImageDelete event ",
	"TearDown network for sandbox ", "Container to stop ",
}

// idAndOutcome reads "\"<id>\"[ returns successfully| failed…]": the call
// is done (kind) only when it returned successfully.
func idAndOutcome(s string, done schemas.Kind) (string, schemas.Kind) {
	id, rest := cutQuoted(s)
	if rest == " returns successfully" {
		return containerID(id), done
	}
	return containerID(id), schemas.KindLifecycle
}

// commandOf reads the "[<argv>]" fmt prints for the command of an exec
// request: " with command [sh -c id] and timeout 10 (s)" or
// " with command [sh], tty true and stdin true".
func commandOf(rest string) (string, bool) {
	args, ok := strings.CutPrefix(rest, " with command [")
	if !ok {
		return "", false
	}
	end := strings.LastIndex(args, "] and timeout ")
	if end < 0 {
		end = strings.LastIndex(args, "], tty ")
	}
	if end < 0 {
		return "", false
	}
	return parse.Unescape(args[:end]), true
}

// cutQuoted reads a quoted string at the start of s, quoted as logrus
// escapes it inside a quoted value (\"…\") or plainly ("…").
func cutQuoted(s string) (inner, rest string) {
	quote := `\"`
	if !strings.HasPrefix(s, quote) {
		quote = `"`
		if !strings.HasPrefix(s, quote) {
			return "", s
		}
	}
	s = s[len(quote):]
	end := strings.Index(s, quote)
	if end < 0 {
		return "", s
	}
	return s[:end], s[end+len(quote):]
}

// quotedAfter returns the quoted string that follows marker in msg.
func quotedAfter(msg, marker string) string {
	_, rest, ok := strings.Cut(msg, marker)
	if !ok {
		return ""
	}
	id, _ := cutQuoted(rest)
	return containerID(id)
}

// braces returns the text of the Go struct dump that starts with open, up to
// its closing brace.
func braces(s, open string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	if end := strings.IndexByte(rest, '}'); end >= 0 {
		return rest[:end]
	}
	return rest
}

// metaValue reads Key:value from a gogo-protobuf struct dump
// "Name:web,Uid:0a1b,Namespace:default,Attempt:0,".
func metaValue(fields, key string) string {
	for fields != "" {
		var field string
		field, fields, _ = strings.Cut(fields, ",")
		if len(field) > len(key) && field[len(key)] == ':' && strings.HasPrefix(field, key) {
			return field[len(key)+1:]
		}
	}
	return ""
}
