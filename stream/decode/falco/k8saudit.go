package falco

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// auditFields holds the output fields of a k8s_audit alert (k8saudit
// plugin, falcosecurity/plugins plugins/k8saudit).
type auditFields struct {
	namespace, name, resource, subresource string
	user, verb, stage, respName            string
	command, container                     string
	code                                   int64
	forbidden                              bool

	privileged, images, hostPaths, volumes parse.Node
	hostPID, hostNetwork, hostIPC          parse.Node
	ephemeralName, ephemeralImage          string
}

// collect records output field c; a repeated field replaces the earlier
// one.
func (f *auditFields) collect(t *parse.Tape, c parse.Node) {
	switch t.Key(c) {
	case "ka.target.namespace":
		f.namespace = value(t, c)
	case "ka.target.name":
		f.name = value(t, c)
	case "ka.target.resource":
		f.resource = value(t, c)
	case "ka.target.subresource":
		f.subresource = value(t, c)
	case "ka.user.name":
		f.user = value(t, c)
	case "ka.verb":
		f.verb = value(t, c)
	case "jevt.value[/stage]":
		f.stage = value(t, c)
	case "ka.resp.name":
		f.respName = value(t, c)
	case "ka.uri.param[command]":
		f.command = value(t, c)
	case "ka.uri.param[container]":
		f.container = value(t, c)
	case "ka.response.code":
		f.code, _ = int64Of(t, c)
	case "ka.auth.decision":
		f.forbidden = value(t, c) == "forbid"
	case "ka.req.pod.containers.privileged":
		f.privileged = c
	case "ka.req.pod.containers.image":
		f.images = c
	case "ka.req.pod.volumes.hostpath":
		f.hostPaths = c
	case "jevt.value[/requestObject/spec/volumes]":
		f.volumes = c
	case "ka.req.pod.host_pid":
		f.hostPID = c
	case "ka.req.pod.host_network":
		f.hostNetwork = c
	case "ka.req.pod.host_ipc":
		f.hostIPC = c
	case "jevt.value[/requestObject/ephemeralContainers/0/name]":
		f.ephemeralName = value(t, c)
	case "jevt.value[/requestObject/ephemeralContainers/0/image]":
		f.ephemeralImage = value(t, c)
	}
}

// decodeAudit fills ev from a k8s_audit alert: sessions (exec, attach,
// ephemeral containers), pod specs of the pod-creation rules, and API
// requests for anything else.
func decodeAudit(t *parse.Tape, fields parse.Node, facts ruleFacts, ev *schemas.Event) {
	f := auditFields{
		privileged: parse.Missing, images: parse.Missing, hostPaths: parse.Missing, volumes: parse.Missing,
		hostPID: parse.Missing, hostNetwork: parse.Missing, hostIPC: parse.Missing,
	}
	for c := t.First(fields); c.Exists(); c = t.Next(c) {
		f.collect(t, c)
	}
	ev.Actor.User = f.user
	ev.Stage = f.stage
	ev.Denied = f.code >= 400 || f.forbidden

	session := facts.session
	if session == "" && f.resource == "pods" {
		switch f.subresource {
		case "exec", "attach":
			session = "exec"
		case "ephemeralcontainers":
			session = "ephemeral"
		}
	}
	switch {
	case session != "":
		ev.Kind = schemas.KindSession
		ev.Pod = schemas.Pod{Namespace: f.namespace, Name: f.name}
		if session == "exec" && f.subresource == "attach" {
			session = "attach"
		}
		ev.Session = schemas.Session{Type: session, Container: f.container, Command: f.command}
		if session == "ephemeral" {
			ev.Session.Container = f.ephemeralName
			if f.ephemeralName != "" || f.ephemeralImage != "" {
				ev.Spec = &schemas.PodSpec{Containers: []schemas.ContainerSpec{{
					Name: f.ephemeralName, Image: f.ephemeralImage, Type: "ephemeral",
				}}}
			}
		}
	case facts.kind == schemas.KindPodSpec:
		ev.Kind = schemas.KindPodSpec
		name := f.respName
		if name == "" {
			name = f.name
		}
		ev.Pod = schemas.Pod{Namespace: f.namespace, Name: name}
		ev.Spec = f.podSpec(t, facts)
	case f.resource == "nodes" && f.subresource == "proxy":
		ev.Kind = schemas.KindAPI
	default:
		ev.Kind = schemas.KindLifecycle
	}
}

// podSpec builds the spec of a pod-creation alert from whatever the rule
// output rendered, completed by what the rule's condition guarantees.
func (f *auditFields) podSpec(t *parse.Tape, facts ruleFacts) *schemas.PodSpec {
	spec := &schemas.PodSpec{
		HostPID:     facts.hostPID || anyTrue(t, f.hostPID),
		HostNetwork: facts.hostNetwork || anyTrue(t, f.hostNetwork),
		HostIPC:     facts.hostIPC || anyTrue(t, f.hostIPC),
	}
	images := listItems(t, f.images)
	privileged := listItems(t, f.privileged)
	anyPrivileged := false
	for i := 0; i < max(len(images), len(privileged)); i++ {
		c := schemas.ContainerSpec{Type: "container"}
		if i < len(images) {
			c.Image = images[i]
		}
		if i < len(privileged) {
			c.Privileged = privileged[i] == "true"
			anyPrivileged = anyPrivileged || c.Privileged
		}
		spec.Containers = append(spec.Containers, c)
	}
	if facts.privileged && !anyPrivileged {
		// The rule fired, so some container is privileged; without the
		// per-container field the output cannot say which.
		if len(spec.Containers) == 0 {
			spec.Containers = append(spec.Containers, schemas.ContainerSpec{Type: "container"})
		}
		for i := range spec.Containers {
			spec.Containers[i].Privileged = true
		}
	}
	for _, p := range listItems(t, f.hostPaths) {
		spec.Volumes = append(spec.Volumes, schemas.Volume{HostPath: p})
	}
	if len(spec.Volumes) == 0 {
		spec.Volumes = hostPathVolumes(t, f.volumes)
	}
	return spec
}

// hostPathVolumes reads the hostPath volumes of a rendered spec.volumes
// array (jevt.value[/requestObject/spec/volumes]), which Falco writes as a
// JSON string. The string is not on the tape, and neither it nor the rare
// array form is worth a tape of its own: gjson reads them, as before.
func hostPathVolumes(t *parse.Tape, n parse.Node) []schemas.Volume {
	var v gjson.Result
	switch t.Kind(n) {
	case parse.KindString:
		v = gjson.Parse(t.Str(n))
	case parse.KindArray:
		v = t.Result(n)
	default:
		return nil
	}
	if !v.IsArray() {
		return nil
	}
	var out []schemas.Volume
	v.ForEach(func(_, vol gjson.Result) bool {
		if p := vol.Get("hostPath.path"); p.Type == gjson.String && p.Str != "" {
			out = append(out, schemas.Volume{Name: vol.Get("name").String(), HostPath: p.Str})
		}
		return true
	})
	return out
}

// listItems splits a list-valued field: a JSON array, or Falco's rendering
// of a list as "(a,b)" (a single value may come without parentheses).
func listItems(t *parse.Tape, n parse.Node) []string {
	var out []string
	if t.Kind(n) == parse.KindArray {
		for item := t.First(n); item.Exists(); item = t.Next(item) {
			if s := value(t, item); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	s := strings.TrimSpace(value(t, n))
	if len(s) >= 2 && (s[0] == '(' && s[len(s)-1] == ')' || s[0] == '[' && s[len(s)-1] == ']') {
		s = s[1 : len(s)-1]
	}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" && item != "<NA>" {
			out = append(out, item)
		}
	}
	return out
}

// anyTrue reports whether a list-valued boolean field holds true.
func anyTrue(t *parse.Tape, n parse.Node) bool {
	if t.Kind(n) == parse.KindTrue {
		return true
	}
	for _, s := range listItems(t, n) {
		if s == "true" {
			return true
		}
	}
	return false
}
