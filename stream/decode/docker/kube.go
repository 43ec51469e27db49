package docker

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// Labels kubelet (dockershim, cri-dockerd) sets on the containers it creates.
// Docker copies container labels into the Actor.Attributes of every container
// event, and docker inspect shows them in Config.Labels.
const (
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodName       = "io.kubernetes.pod.name"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
	labelDockerType    = "io.kubernetes.docker.type"
)

// kubeIdentity is the Kubernetes identity of a Docker container, from its
// labels or from its dockershim name.
type kubeIdentity struct {
	namespace, podName, uid, container string
	sandbox                            bool
}

// label records key=value when it is one of kubelet's labels.
func (k *kubeIdentity) label(key, value string) {
	switch key {
	case labelPodNamespace:
		k.namespace = value
	case labelPodName:
		k.podName = value
	case labelPodUID:
		k.uid = value
	case labelContainerName:
		k.container = value
	case labelDockerType:
		k.sandbox = value == "podsandbox"
	}
}

// fromName fills what the labels left empty from a dockershim container name,
// "k8s_<container>_<pod>_<namespace>_<uid>_<attempt>" ("k8s_POD_…" for the
// sandbox), with or without the leading "/" of docker inspect.
func (k *kubeIdentity) fromName(name string) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(name, "/"), "k8s_")
	if !ok {
		return
	}
	var part [4]string
	for i := range part {
		var found bool
		part[i], rest, found = strings.Cut(rest, "_")
		if !found || part[i] == "" {
			return
		}
	}
	if !isDigits(rest) {
		return
	}
	if k.container == "" {
		k.container = part[0]
	}
	if k.podName == "" {
		k.podName = part[1]
	}
	if k.namespace == "" {
		k.namespace = part[2]
	}
	if k.uid == "" {
		k.uid = part[3]
	}
	if part[0] == "POD" {
		k.sandbox = true
	}
}

func (k *kubeIdentity) pod() schemas.Pod {
	return schemas.Pod{Namespace: k.namespace, Name: k.podName, UID: k.uid}
}

// statuses links the container id to its Kubernetes container name, for
// container starts of a named pod.
func (k *kubeIdentity) statuses(id string) []schemas.ContainerStatus {
	if id == "" || k.container == "" || k.sandbox || (k.podName == "" && k.uid == "") {
		return nil
	}
	return []schemas.ContainerStatus{{Name: k.container, ID: id}}
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

// containerID normalizes a Docker container id. Docker ids are hex; anything
// else (the abbreviated "0fdb...ff37" of the docs, a name) is not an id and
// gives "".
func containerID(s string) string {
	id, _ := schemas.NormalizeContainerID(s)
	if !schemas.IsHex(id) {
		return ""
	}
	return id
}
