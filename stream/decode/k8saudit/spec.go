package k8saudit

import (
	"path"
	"strings"

	"github.com/tidwall/gjson"

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
	ev.Spec = readPodSpec(pod)
}

// specSource picks the object whose spec to read: the request body, or the
// response when the policy logged no request body or the body is a JSON
// patch (whose operations only make sense against the patched pod).
func (a *auditEvent) specSource() (gjson.Result, bool) {
	switch {
	case a.request.IsObject():
		return a.request, a.request.Get("spec").IsObject()
	case a.request.IsArray():
		return a.response, patchesSpec(a.request) && a.response.Get("spec").IsObject()
	}
	return a.response, a.response.Get("spec").IsObject()
}

// patchesSpec reports whether a JSON patch has an operation under /spec.
func patchesSpec(ops gjson.Result) bool {
	found := false
	ops.ForEach(func(_, op gjson.Result) bool {
		p := parse.Str(op.Get("path"))
		found = p == "/spec" || strings.HasPrefix(p, "/spec/")
		return !found
	})
	return found
}

// readPodSpec reads the spec and owner of a Pod object.
func readPodSpec(pod gjson.Result) *schemas.PodSpec {
	var (
		spec                                     schemas.PodSpec
		volumes, containers, inits, ephemerals   gjson.Result
		serviceAccountName, legacyServiceAccount string
	)
	pod.Get("spec").ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "hostPID":
			spec.HostPID = parse.True(value)
		case "hostIPC":
			spec.HostIPC = parse.True(value)
		case "hostNetwork":
			spec.HostNetwork = parse.True(value)
		case "volumes":
			volumes = value
		case "containers":
			containers = value
		case "initContainers":
			inits = value
		case "ephemeralContainers":
			ephemerals = value
		case "serviceAccountName":
			serviceAccountName = parse.Str(value)
		case "serviceAccount":
			legacyServiceAccount = parse.Str(value)
		}
		return true
	})
	spec.Volumes = hostPathVolumes(volumes)
	spec.Containers = appendContainers(spec.Containers, containers, typeContainer, spec.Volumes)
	spec.Containers = appendContainers(spec.Containers, inits, typeInit, spec.Volumes)
	spec.Containers = appendContainers(spec.Containers, ephemerals, typeEphemeral, spec.Volumes)
	spec.ServiceAccount = serviceAccountName
	if spec.ServiceAccount == "" {
		spec.ServiceAccount = legacyServiceAccount
	}
	spec.Owner = controllerOwner(pod.Get("metadata.ownerReferences"))
	return &spec
}

// hostPathVolumes returns the hostPath volumes of a pod's volume list.
func hostPathVolumes(list gjson.Result) []schemas.Volume {
	var out []schemas.Volume
	list.ForEach(func(_, v gjson.Result) bool {
		if p := parse.Str(v.Get("hostPath.path")); p != "" {
			out = append(out, schemas.Volume{Name: parse.Str(v.Get("name")), HostPath: p})
		}
		return true
	})
	return out
}

func appendContainers(dst []schemas.ContainerSpec, list gjson.Result, kind string, volumes []schemas.Volume) []schemas.ContainerSpec {
	list.ForEach(func(_, c gjson.Result) bool {
		if c.IsObject() {
			dst = append(dst, readContainer(c, kind, volumes))
		}
		return true
	})
	return dst
}

// readContainer reads one container, resolving its volume mounts against
// the pod's hostPath volumes.
func readContainer(c gjson.Result, kind string, volumes []schemas.Volume) schemas.ContainerSpec {
	cs := schemas.ContainerSpec{Type: kind}
	var mounts gjson.Result
	c.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "name":
			cs.Name = parse.Str(value)
		case "image":
			cs.Image = parse.Str(value)
		case "workingDir":
			cs.WorkingDir = parse.Str(value)
		case "securityContext":
			cs.Privileged = parse.True(value.Get("privileged"))
			cs.CapAdd = capabilities(value.Get("capabilities.add"))
		case "volumeMounts":
			mounts = value
		}
		return true
	})
	cs.Mounts = hostMounts(mounts, volumes)
	return cs
}

func capabilities(list gjson.Result) []string {
	var out []string
	list.ForEach(func(_, v gjson.Result) bool {
		if c := schemas.NormalizeCap(parse.Str(v)); c != "" {
			out = append(out, c)
		}
		return true
	})
	return out
}

// hostMounts returns the mounts of hostPath volumes. A subPath selects a
// folder below the volume's host path; a subPathExpr is kept unexpanded
// since its variables are only known on the node.
func hostMounts(list gjson.Result, volumes []schemas.Volume) []schemas.HostMount {
	if len(volumes) == 0 {
		return nil
	}
	var out []schemas.HostMount
	list.ForEach(func(_, m gjson.Result) bool {
		var name, target, sub string
		var readOnly bool
		m.ForEach(func(key, value gjson.Result) bool {
			switch key.Str {
			case "name":
				name = parse.Str(value)
			case "mountPath":
				target = parse.Str(value)
			case "readOnly":
				readOnly = parse.True(value)
			case "subPath", "subPathExpr":
				if s := parse.Str(value); s != "" {
					sub = s
				}
			}
			return true
		})
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
		return true
	})
	return out
}

// controllerOwner returns the owner reference marked controller as
// "Kind/name".
func controllerOwner(refs gjson.Result) string {
	var owner string
	refs.ForEach(func(_, ref gjson.Result) bool {
		if !parse.True(ref.Get("controller")) {
			return true
		}
		owner = parse.Str(ref.Get("kind")) + "/" + parse.Str(ref.Get("name"))
		return false
	})
	return owner
}
