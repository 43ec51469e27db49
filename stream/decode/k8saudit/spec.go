package k8saudit

import (
	"path"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Container types of schemas.ContainerSpec.
const (
	typeContainer = "container"
	typeInit      = "init"
	typeEphemeral = "ephemeral"
)

// decodePodSpec reads the security context of a pod create, update or
// patch. A request that carries no spec (a label patch, a Metadata-level
// record) tells nothing about it and becomes KindLifecycle.
func (a *auditEvent) decodePodSpec(ev *schemas.Event) {
	pod, ok := a.specSource()
	if !ok {
		ev.Kind = schemas.KindLifecycle
		return
	}
	ev.Kind = schemas.KindPodSpec
	ev.Spec = readPodSpec(a.t, pod)
}

// specSource picks the object whose spec to read: the request body, or the
// response when the policy logged no request body or the body is a JSON
// patch (whose operations only make sense against the patched pod).
func (a *auditEvent) specSource() (parse.Node, bool) {
	t := a.t
	switch t.Kind(a.request) {
	case parse.KindObject:
		return a.request, t.Kind(t.Get(a.request, "spec")) == parse.KindObject
	case parse.KindArray:
		return a.response, patchesSpec(t, a.request) && t.Kind(t.Get(a.response, "spec")) == parse.KindObject
	}
	return a.response, t.Kind(t.Get(a.response, "spec")) == parse.KindObject
}

// patchesSpec reports whether a JSON patch has an operation under /spec.
func patchesSpec(t *parse.Tape, ops parse.Node) bool {
	for op := t.First(ops); op.Exists(); op = t.Next(op) {
		if p := t.Str(t.Get(op, "path")); p == "/spec" || strings.HasPrefix(p, "/spec/") {
			return true
		}
	}
	return false
}

// readPodSpec reads the spec and owner of a Pod object.
func readPodSpec(t *parse.Tape, pod parse.Node) *schemas.PodSpec {
	var (
		spec                                     schemas.PodSpec
		serviceAccountName, legacyServiceAccount string
	)
	volumes, containers, inits, ephemerals := parse.Missing, parse.Missing, parse.Missing, parse.Missing
	for c := t.First(t.Get(pod, "spec")); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "hostPID":
			spec.HostPID = t.Bool(c)
		case "hostIPC":
			spec.HostIPC = t.Bool(c)
		case "hostNetwork":
			spec.HostNetwork = t.Bool(c)
		case "volumes":
			volumes = c
		case "containers":
			containers = c
		case "initContainers":
			inits = c
		case "ephemeralContainers":
			ephemerals = c
		case "serviceAccountName":
			serviceAccountName = t.Str(c)
		case "serviceAccount":
			legacyServiceAccount = t.Str(c)
		}
	}
	spec.Volumes = hostPathVolumes(t, volumes)
	spec.Containers = appendContainers(t, spec.Containers, containers, typeContainer, spec.Volumes)
	spec.Containers = appendContainers(t, spec.Containers, inits, typeInit, spec.Volumes)
	spec.Containers = appendContainers(t, spec.Containers, ephemerals, typeEphemeral, spec.Volumes)
	spec.ServiceAccount = serviceAccountName
	if spec.ServiceAccount == "" {
		spec.ServiceAccount = legacyServiceAccount
	}
	spec.Owner = controllerOwner(t, lookup(t, pod, "metadata", "ownerReferences"))
	return &spec
}

// hostPathVolumes returns the hostPath volumes of a pod's volume list.
func hostPathVolumes(t *parse.Tape, list parse.Node) []schemas.Volume {
	var out []schemas.Volume
	for v := t.First(list); v.Exists(); v = t.Next(v) {
		if p := t.Str(lookup(t, v, "hostPath", "path")); p != "" {
			out = append(out, schemas.Volume{Name: t.Str(t.Get(v, "name")), HostPath: p})
		}
	}
	return out
}

func appendContainers(t *parse.Tape, dst []schemas.ContainerSpec, list parse.Node, kind string, volumes []schemas.Volume) []schemas.ContainerSpec {
	for c := t.First(list); c.Exists(); c = t.Next(c) {
		if t.Kind(c) == parse.KindObject {
			dst = append(dst, readContainer(t, c, kind, volumes))
		}
	}
	return dst
}

// readContainer reads one container, resolving its volume mounts against
// the pod's hostPath volumes.
func readContainer(t *parse.Tape, c parse.Node, kind string, volumes []schemas.Volume) schemas.ContainerSpec {
	cs := schemas.ContainerSpec{Type: kind}
	mounts := parse.Missing
	for m := t.First(c); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "name":
			cs.Name = t.Str(m)
		case "image":
			cs.Image = t.Str(m)
		case "workingDir":
			cs.WorkingDir = t.Str(m)
		case "securityContext":
			cs.Privileged = t.Bool(t.Get(m, "privileged"))
			cs.CapAdd = capabilities(t, lookup(t, m, "capabilities", "add"))
		case "volumeMounts":
			mounts = m
		}
	}
	cs.Mounts = hostMounts(t, mounts, volumes)
	return cs
}

// capabilities normalizes a capability list; a lone name counts as a list
// of one.
func capabilities(t *parse.Tape, list parse.Node) []string {
	var out []string
	for v := firstItem(t, list); v.Exists(); v = nextItem(t, list, v) {
		if c := schemas.NormalizeCap(t.Str(v)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// hostMounts returns the mounts of hostPath volumes. A subPath selects a
// folder below the volume's host path; a subPathExpr is kept unexpanded
// since its variables are only known on the node. An item that is not an
// object is a mount without a name (matching a volume without a name).
func hostMounts(t *parse.Tape, list parse.Node, volumes []schemas.Volume) []schemas.HostMount {
	if len(volumes) == 0 {
		return nil
	}
	var out []schemas.HostMount
	for m := firstItem(t, list); m.Exists(); m = nextItem(t, list, m) {
		var name, target, sub string
		var readOnly bool
		for f := t.First(m); f.Exists(); f = t.Next(f) {
			switch t.Key(f) {
			case "name":
				name = t.Str(f)
			case "mountPath":
				target = t.Str(f)
			case "readOnly":
				readOnly = t.Bool(f)
			case "subPath", "subPathExpr":
				if s := t.Str(f); s != "" {
					sub = s
				}
			}
		}
		for _, v := range volumes {
			if v.Name == name {
				source := v.HostPath
				if sub != "" {
					source = path.Join(source, sub)
				}
				out = append(out, schemas.HostMount{Source: source, Target: target, ReadOnly: readOnly})
				break
			}
		}
	}
	return out
}

// controllerOwner returns the owner reference marked controller as
// "Kind/name".
func controllerOwner(t *parse.Tape, refs parse.Node) string {
	for ref := t.First(refs); ref.Exists(); ref = t.Next(ref) {
		if t.Bool(t.Get(ref, "controller")) {
			return t.Str(t.Get(ref, "kind")) + "/" + t.Str(t.Get(ref, "name"))
		}
	}
	return ""
}
