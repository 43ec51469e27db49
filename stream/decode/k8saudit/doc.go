// Package k8saudit decodes Kubernetes API server audit events: one
// audit.k8s.io Event object, v1 or v1beta1, as the log backend writes it or
// as one item of a webhook EventList (the dispatcher splits the list).
//
// Every event gets Source k8s_audit, Producer apiserver, NativeID from
// auditID and Stage from stage. The stages of one request (RequestReceived,
// ResponseStarted, ResponseComplete) decode as separate events with the same
// auditID. Time is requestReceivedTimestamp, else stageTimestamp, else the
// v1beta1 timestamp. Actor.User is user.username; Actor.Groups is
// user.groups, filled only for events that are not KindLifecycle. Denied is
// set when responseStatus.code is 400 or more. Node comes from
// spec.nodeName of the response or request object, else from a kubelet user
// name (system:node:<node>).
//
// Pod is objectRef namespace, name and uid. For creates with generateName
// the name is taken from responseObject.metadata.name, else
// requestObject.metadata.name; the uid from responseObject.metadata.uid,
// objectRef.uid or requestObject.metadata.uid.
//
// Requests are classified by objectRef resource, subresource and verb:
//
//   - pods create, update, patch: KindPodSpec with Spec read from
//     requestObject.spec (the responseObject when no request body was
//     logged, or when the body is a JSON patch touching /spec): hostPID,
//     hostIPC, hostNetwork, hostPath volumes, serviceAccountName, the
//     controller ownerReference as "Kind/name", and per container,
//     initContainer (Type "init") and ephemeralContainer (Type "ephemeral")
//     its name, image, workingDir, securityContext.privileged,
//     securityContext.capabilities.add and its volumeMounts of hostPath
//     volumes (Source = host path joined with subPath). A request without
//     a spec (a label patch, a Metadata-level record) is KindLifecycle.
//   - pods/exec, pods/attach, any verb (websocket clients use get):
//     KindSession of Type "exec" or "attach" ("debug" for the
//     node-debugger-* pods of kubectl debug node/…), Container from the
//     container= query parameter of requestURI, Command from the command=
//     parameters, URL-decoded and joined with schemas.JoinArgs.
//   - pods/ephemeralcontainers update or patch (kubectl debug): KindSession
//     of Type "ephemeral" whose Container and Command (command + args) are
//     those of the last ephemeral container, and whose Spec holds the
//     ephemeral containers. Both request shapes are read: a Pod with
//     spec.ephemeralContainers (Kubernetes 1.23+) and the EphemeralContainers
//     kind with a top-level list (1.16–1.22).
//   - pods/status update or patch: KindPodStatus with Statuses (name and
//     normalized id) from status.containerStatuses, initContainerStatuses
//     and ephemeralContainerStatuses of the request object, else of the
//     response object; KindLifecycle when no container id is present.
//   - pods delete: KindPodDelete (uid also from a DeleteOptions uid
//     precondition).
//   - nodes/proxy: requests to the kubelet's exec, run and attach endpoints
//     (/api/v1/nodes/<node>/proxy/exec/<namespace>/<pod>[/<uid>]/<container>)
//     are KindSession of Type "proxy" with the pod, container and command
//     (command= parameters, or run's cmd= split at spaces); other kubelet
//     paths are KindAPI. Node is the node name without scheme or port.
//   - everything else (reads of pods, deletecollection, other subresources,
//     other resources, other node requests): KindLifecycle, decoded without
//     allocating.
//
// Records that are not an object, that have none of auditID, verb and
// objectRef, or whose timestamps do not parse are rejected with a
// *parse.Error.
package k8saudit
