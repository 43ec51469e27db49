package schemas

// Hand-built alerts shared by the golden and schema tests.

// testAlert is a named alert whose golden files are
// testdata/<name>.{native,ocsf,ecs}.golden.json.
type testAlert struct {
	name  string
	alert *Alert
}

func testAlerts() []testAlert {
	return []testAlert{
		{"c01_pod", podChainAlert()},
		{"a08_docker", dockerSocketAlert()},
	}
}

// podChainAlert is an ESC-C01 escape chain in a Kubernetes pod: a privileged
// pod with hostPID and the host's / mounted (audit log), then nsenter into
// PID 1's namespaces (Falco).
func podChainAlert() *Alert {
	const (
		first = "2026-03-14T09:26:53.589793238Z"
		last  = "2026-03-14T09:28:11.123456789Z"
		node  = "ip-10-0-3-17.eu-west-1.compute.internal"
	)
	return &Alert{
		ID:        "4f5064cc-4a00-5fbc-aa5e-908e7d667980",
		Rule:      RuleRef{ID: "ESC-C01", Name: "Escape chain: risky container start followed by a host-level action", Version: 1},
		Severity:  SeverityCritical,
		MITRE:     T1611,
		FirstSeen: first,
		LastSeen:  last,
		Summary: "Escape chain in pod payments/debug-7f9c (container shell): nsenter --target 1 --mount --uts --ipc --net --pid -- bash, " +
			"within 78s of a risky start (PRIV, HOSTPID, MNT:/host)",
		Container: &AlertCtr{
			ID:         "3f2a9c1d0b7e4a5f8c6d2e1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7",
			Name:       "shell",
			Image:      "docker.io/library/alpine:3.19",
			Privileged: true,
			Risk:       []string{"PRIV", "HOSTPID", "MNT:/host"},
		},
		Kubernetes: &AlertK8s{
			Cluster:   "prod-eu-1",
			Namespace: "payments",
			Pod:       "debug-7f9c",
			PodUID:    "7c1f6a52-3d1e-4f0b-9b0e-2a8d3c5e7f10",
			Node:      node,
		},
		Host:  AlertHost{Name: node},
		Actor: AlertActor{User: "jane@example.com", Groups: []string{"system:authenticated", "payments-devs"}},
		Evidence: []Evidence{
			{
				Source:   SourceK8sAudit,
				Producer: ProducerAPIServer,
				Time:     first,
				Summary:  "jane@example.com created pod payments/debug-7f9c: container shell privileged, hostPID, host / mounted at /host (writable)",
				Rules:    []string{"ESC-S01", "ESC-S02", "ESC-S04", "ESC-C01"},
				Ref:      Ref{Topic: "k8s-audit", Partition: 2, Offset: 184467},
			},
			{
				Source:   SourceSyscall,
				Producer: ProducerFalco,
				Time:     last,
				Summary:  "nsenter --target 1 --mount --uts --ipc --net --pid -- bash in container shell (setns into PID 1's namespaces)",
				Rules:    []string{"ESC-A01", "ESC-C01"},
				Ref:      Ref{Topic: "syscall-events", Partition: 0, Offset: 99321},
			},
		},
		Escalate: true,
		EscalationReason: "Confirmed escape chain: nsenter --target 1 --mount --uts --ipc --net --pid -- bash in a container with risk flags " +
			"(PRIV, HOSTPID, MNT:/host); treat the node as compromised.",
		Questions: []Question{
			{Question: QuestionHostMounts, Answer: AnswerYes, Detail: "shell: host / at /host (writable)"},
			{Question: QuestionPrivileged, Answer: AnswerYes, Detail: "shell: privileged; pod: hostPID"},
			{Question: QuestionSyscalls, Answer: AnswerNo, Detail: "Syscall telemetry was seen for it, with no unshare, keyctl or related call."},
			{Question: QuestionDockerSock, Answer: AnswerNo, Detail: "Syscall telemetry was seen for it, with no access to a runtime socket."},
		},
		Containment: []string{
			"Isolate the pod: kubectl -n payments label pod debug-7f9c escapewatch.io/quarantine=true --overwrite",
			"Stop scheduling on the node and treat it as compromised: kubectl cordon " + node,
			"Preserve evidence: kubectl -n payments get pod debug-7f9c -o yaml > debug-7f9c.yaml; on " + node + ": crictl inspect 3f2a9c1d0b7e",
			"Remove the pod: kubectl -n payments delete pod debug-7f9c",
			"Revert the configuration: remove privileged, hostPID and the hostPath mount of / from the pod manifest",
			"Review access: kubectl auth can-i --list -n payments --as=jane@example.com",
		},
	}
}

// dockerSocketAlert is an ESC-A08 alert on a plain Docker container: the
// Docker socket reached from inside a container (auditd, scan mode).
func dockerSocketAlert() *Alert {
	const (
		first = "2026-03-14T11:02:40.5Z"
		last  = "2026-03-14T11:02:41.25Z"
	)
	return &Alert{
		ID:        "b8efa82f-8733-527c-96c0-07cdf2a71b3e",
		Rule:      RuleRef{ID: "ESC-A08", Name: "Container runtime socket accessed", Version: 2},
		Severity:  SeverityHigh,
		MITRE:     T1611,
		FirstSeen: first,
		LastSeen:  last,
		Summary:   "Container runtime socket accessed in container ci-runner (9d8c7b6a5f4e): connect to /var/run/docker.sock by docker",
		Container: &AlertCtr{
			ID:    "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544",
			Name:  "ci-runner",
			Image: "registry.example.com:5000/ci/runner:2.4@sha256:0d6f8c2b7a1e9f3c5b4a6d8e0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a",
			Risk:  []string{},
		},
		Host:  AlertHost{Name: "build-host-3"},
		Actor: AlertActor{Groups: []string{}},
		Evidence: []Evidence{
			{
				Source:   SourceSyscall,
				Producer: ProducerAuditd,
				Time:     first,
				Summary:  "docker ps: connect to unix socket /var/run/docker.sock in container ci-runner",
				Rules:    []string{"ESC-A08"},
				Ref:      Ref{File: "captures/build-host-3/audit.log", Line: 2211},
			},
			{
				Source:   SourceSyscall,
				Producer: ProducerAuditd,
				Time:     last,
				Summary:  "docker run --privileged -v /:/mnt alpine: connect to unix socket /var/run/docker.sock in container ci-runner",
				Rules:    []string{"ESC-A08"},
				Ref:      Ref{File: "captures/build-host-3/audit.log", Line: 2240},
			},
		},
		EvidenceDropped:  3,
		Escalate:         true,
		EscalationReason: "Access to the host's container runtime socket, a full host takeover primitive: connect to /var/run/docker.sock by docker.",
		Questions: []Question{
			{Question: QuestionHostMounts, Answer: AnswerUnknown, Detail: "No pod or container specification was seen for it (audit log at Request level, docker inspect or CRI events would tell)."},
			{Question: QuestionPrivileged, Answer: AnswerUnknown, Detail: "No pod or container specification was seen for it."},
			{Question: QuestionSyscalls, Answer: AnswerNo, Detail: "Syscall telemetry was seen for it, with no unshare, keyctl or related call."},
			{Question: QuestionDockerSock, Answer: AnswerYes, Detail: "docker connected to /var/run/docker.sock (5 times)"},
		},
		Containment: []string{
			"Isolate the container: docker pause 9d8c7b6a5f4e, then disconnect it from its networks",
			"Treat build-host-3 as compromised: look for persistence (cron, systemd units, authorized_keys, new setuid files), then rebuild it",
			"Audit the image: docker image inspect registry.example.com:5000/ci/runner:2.4 and rebuild it from a trusted base",
		},
	}
}
