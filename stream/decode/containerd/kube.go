package containerd

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// Labels kubelet puts on CRI containers (containerd keeps them as container
// labels), the kind label containerd's CRI plugin adds, and the OCI
// annotations it writes into the container spec
// (internal/cri/annotations/annotations.go).
const (
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodName       = "io.kubernetes.pod.name"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
	labelCRIKind       = "io.cri-containerd.kind"

	annotationSandboxNamespace = "io.kubernetes.cri.sandbox-namespace"
	annotationSandboxName      = "io.kubernetes.cri.sandbox-name"
	annotationSandboxUID       = "io.kubernetes.cri.sandbox-uid"
	annotationContainerName    = "io.kubernetes.cri.container-name"
	annotationContainerType    = "io.kubernetes.cri.container-type"
)

// kubeIdentity is the Kubernetes identity of a CRI container.
type kubeIdentity struct {
	namespace, podName, uid, container string
	sandbox                            bool
}

// label records key=value when it is a Kubernetes label or CRI annotation.
func (k *kubeIdentity) label(key, value string) {
	switch key {
	case labelPodNamespace, annotationSandboxNamespace:
		k.namespace = value
	case labelPodName, annotationSandboxName:
		k.podName = value
	case labelPodUID, annotationSandboxUID:
		k.uid = value
	case labelContainerName, annotationContainerName:
		k.container = value
	case labelCRIKind, annotationContainerType:
		k.sandbox = value == "sandbox"
	}
}

func (k *kubeIdentity) named() bool { return k.podName != "" || k.uid != "" }

func (k *kubeIdentity) pod() schemas.Pod {
	return schemas.Pod{Namespace: k.namespace, Name: k.podName, UID: k.uid}
}

// statuses links a container id to its Kubernetes container name.
func (k *kubeIdentity) statuses(id string) []schemas.ContainerStatus {
	if id == "" || k.container == "" || k.sandbox || !k.named() {
		return nil
	}
	return []schemas.ContainerStatus{{Name: k.container, ID: id}}
}

// fromCRIName reads the name containerd's CRI plugin gives a container,
// "<container>_<pod>_<namespace>_<pod uid>_<attempt>" (makeContainerName in
// internal/cri/server/helpers.go).
func (k *kubeIdentity) fromCRIName(name string) bool {
	var part [4]string
	rest := name
	for i := range part {
		var found bool
		part[i], rest, found = strings.Cut(rest, "_")
		if !found || part[i] == "" {
			return false
		}
	}
	if !isDigits(rest) {
		return false
	}
	k.container, k.podName, k.namespace, k.uid = part[0], part[1], part[2], part[3]
	return true
}

// fromSandboxName reads the name of a pod sandbox,
// "<pod>_<namespace>_<pod uid>_<attempt>" (makeSandboxName).
func (k *kubeIdentity) fromSandboxName(name string) bool {
	var part [3]string
	rest := name
	for i := range part {
		var found bool
		part[i], rest, found = strings.Cut(rest, "_")
		if !found || part[i] == "" {
			return false
		}
	}
	if !isDigits(rest) {
		return false
	}
	k.podName, k.namespace, k.uid, k.sandbox = part[0], part[1], part[2], true
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// containerID normalizes an id. containerd lets clients name containers
// ("registry"), so names are kept; a value that does not normalize to itself
// (a second scheme, space after the scheme) is no id.
func containerID(s string) string {
	id, _ := schemas.NormalizeContainerID(s)
	if again, _ := schemas.NormalizeContainerID(id); again != id {
		return ""
	}
	return id
}

// runtimeOf names the engine behind a containerd namespace: dockerd keeps its
// containers in "moby".
func runtimeOf(namespace string) string {
	if namespace == "moby" {
		return "docker"
	}
	return "containerd"
}
