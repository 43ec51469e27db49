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

	privileged, images, hostPaths, volumes gjson.Result
	hostPID, hostNetwork, hostIPC          gjson.Result
	ephemeralName, ephemeralImage          string
}

func (f *auditFields) collect(key string, v gjson.Result) {
	switch key {
	case "ka.target.namespace":
		f.namespace = value(v)
	case "ka.target.name":
		f.name = value(v)
	case "ka.target.resource":
		f.resource = value(v)
	case "ka.target.subresource":
		f.subresource = value(v)
	case "ka.user.name":
		f.user = value(v)
	case "ka.verb":
		f.verb = value(v)
	case "jevt.value[/stage]":
		f.stage = value(v)
	case "ka.resp.name":
		f.respName = value(v)
	case "ka.uri.param[command]":
		f.command = value(v)
	case "ka.uri.param[container]":
		f.container = value(v)
	case "ka.response.code":
		f.code, _ = parse.Int64(v)
	case "ka.auth.decision":
		f.forbidden = value(v) == "forbid"
	case "ka.req.pod.containers.privileged":
		f.privileged = v
	case "ka.req.pod.containers.image":
		f.images = v
	case "ka.req.pod.volumes.hostpath":
		f.hostPaths = v
	case "jevt.value[/requestObject/spec/volumes]":
		f.volumes = v
	case "ka.req.pod.host_pid":
		f.hostPID = v
	case "ka.req.pod.host_network":
		f.hostNetwork = v
	case "ka.req.pod.host_ipc":
		f.hostIPC = v
	case "jevt.value[/requestObject/ephemeralContainers/0/name]":
		f.ephemeralName = value(v)
	case "jevt.value[/requestObject/ephemeralContainers/0/image]":
		f.ephemeralImage = value(v)
	}
}

// decodeAudit fills ev from a k8s_audit alert: sessions (exec, attach,
// ephemeral containers), pod specs of the pod-creation rules, and API
// requests for anything else.
func decodeAudit(fields gjson.Result, facts ruleFacts, ev *schemas.Event) {
	var f auditFields
	fields.ForEach(func(key, v gjson.Result) bool {
		f.collect(key.Str, v)
		return true
	})
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
		ev.Spec = f.podSpec(facts)
	case f.resource == "nodes" && f.subresource == "proxy":
		ev.Kind = schemas.KindAPI
	default:
		ev.Kind = schemas.KindLifecycle
	}
}

// podSpec builds the spec of a pod-creation alert from whatever the rule
// output rendered, completed by what the rule's condition guarantees.
func (f *auditFields) podSpec(facts ruleFacts) *schemas.PodSpec {
	spec := &schemas.PodSpec{
		HostPID:     facts.hostPID || anyTrue(f.hostPID),
		HostNetwork: facts.hostNetwork || anyTrue(f.hostNetwork),
		HostIPC:     facts.hostIPC || anyTrue(f.hostIPC),
	}
	images := listItems(f.images)
	privileged := listItems(f.privileged)
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
	for _, p := range listItems(f.hostPaths) {
		spec.Volumes = append(spec.Volumes, schemas.Volume{HostPath: p})
	}
	if len(spec.Volumes) == 0 {
		spec.Volumes = hostPathVolumes(f.volumes)
	}
	return spec
}

// hostPathVolumes reads the hostPath volumes of a rendered
// spec.volumes array (jevt.value[/requestObject/spec/volumes]), which Falco
// writes as a JSON string.
func hostPathVolumes(v gjson.Result) []schemas.Volume {
	if v.Type == gjson.String {
		v = gjson.Parse(v.Str)
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
func listItems(v gjson.Result) []string {
	var out []string
	if v.IsArray() {
		v.ForEach(func(_, item gjson.Result) bool {
			if s := value(item); s != "" {
				out = append(out, s)
			}
			return true
		})
		return out
	}
	s := strings.TrimSpace(value(v))
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
func anyTrue(v gjson.Result) bool {
	if v.Type == gjson.True {
		return true
	}
	for _, s := range listItems(v) {
		if s == "true" {
			return true
		}
	}
	return false
}
