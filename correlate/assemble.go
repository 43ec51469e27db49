package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// assemble builds the native alert from an alert's state and what the
// engine knows of its pod or container at this moment.
func (e *Engine) assemble(a *alertState) *schemas.Alert {
	in := a.inst
	r := a.rule.Info()
	out := &schemas.Alert{
		ID:              a.id,
		Rule:            schemas.RuleRef{ID: r.Code, Name: r.Name, Version: r.Version},
		Severity:        a.severity,
		MITRE:           schemas.T1611,
		FirstSeen:       formatTime(a.first),
		LastSeen:        formatTime(a.last),
		EvidenceDropped: a.dropped,
	}
	c := a.ctr
	if c == nil {
		c = soleContainer(in)
	}
	if c != nil && len(c.ids) > 0 {
		out.Container = &schemas.AlertCtr{ID: c.longestID(), Name: c.name, Image: c.image,
			Privileged: c.privileged, Risk: in.riskFlags(c)}
	}
	if in.unit.pod {
		out.Kubernetes = &schemas.AlertK8s{Cluster: in.cluster, Namespace: in.namespace, Pod: in.name,
			PodUID: in.uid, Node: in.node}
	}
	out.Host.Name = in.node
	out.Actor = schemas.AlertActor{User: in.creator.User, Groups: in.creator.Groups}
	if s := a.session; s != nil {
		out.Actor = schemas.AlertActor{User: s.user, Groups: s.groups}
	}
	if out.Actor.Groups == nil {
		out.Actor.Groups = []string{}
	}
	items := slices.Clone(a.evidence)
	slices.SortFunc(items, func(x, y *evItem) int {
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return cmp.Compare(x.seq, y.seq)
	})
	out.Evidence = make([]schemas.Evidence, len(items))
	for i, it := range items {
		out.Evidence[i] = it.evidence()
	}
	// A risky-start alert raised for the pod (its host namespaces, a
	// hostPath volume no container mounts) is about the pod, even when the
	// pod has one container.
	scope := c
	if in.unit.pod && a.ctr == nil && a.rule.isStart() && a.rule != RuleS07 {
		scope = nil
	}
	out.Summary = e.summary(a, scope)
	out.Escalate, out.EscalationReason = e.escalation(a, c)
	out.Questions = e.questions(in)
	out.Containment = e.containment(a, c, out.Escalate)
	return out
}

// soleContainer is the container of an instance when there is exactly one.
func soleContainer(in *instance) *ctrState {
	if len(in.containers) == 1 {
		return in.containers[0]
	}
	return nil
}

// where names the pod or container an alert is about.
func where(in *instance, c *ctrState) string {
	if in.unit.pod {
		s := "pod " + in.namespace + "/" + in.name
		if c != nil {
			s += " (container " + c.name + ")"
		}
		return s
	}
	if c != nil {
		if id := c.longestID(); id != "" && c.name != schemas.ShortID(id) {
			return "container " + c.name + " (" + schemas.ShortID(id) + ")"
		}
		return "container " + c.name
	}
	return "container " + strings.TrimPrefix(in.unit.key, "ctr/")
}

func (e *Engine) summary(a *alertState, c *ctrState) string {
	in := a.inst
	w := where(in, c)
	switch a.rule {
	case RuleS01:
		return "Privileged " + w
	case RuleS02:
		var ns []string
		if in.hostPID {
			ns = append(ns, "PID")
		}
		if in.hostIPC {
			ns = append(ns, "IPC")
		}
		if in.hostNet {
			ns = append(ns, "network")
		}
		return strings.ToUpper(w[:1]) + w[1:] + " shares the host's " + strings.Join(ns, ", ") + " namespace(s)"
	case RuleS03:
		names := ""
		if c != nil {
			names = strings.Join(c.capNames, ", ")
		}
		return strings.ToUpper(w[:1]) + w[1:] + " adds dangerous capabilities " + names
	case RuleS04:
		return strings.ToUpper(w[:1]) + w[1:] + " mounts " + e.mountList(in, c, RuleS04)
	case RuleS05:
		return strings.ToUpper(w[:1]) + w[1:] + " mounts the container runtime socket: " + e.mountList(in, c, RuleS05)
	case RuleS06:
		dir := ""
		if c != nil {
			dir = c.workdir
		}
		return strings.ToUpper(w[:1]) + w[1:] + " uses working directory " + dir + " (runc CVE-2024-21626)"
	case RuleS07:
		s := a.session
		who := s.user
		if who == "" {
			who = "someone"
		}
		text := who + " opened " + article(s.kind) + " " + s.kind + " session into risky " + w
		if s.command != "" {
			text += ": " + s.command
		}
		return text
	case RuleC01:
		when := "within " + roundDur(a.last.Sub(a.anchorAt)) + " of a risky start"
		if a.first.Before(a.anchorAt) {
			when = "stamped " + roundDur(a.anchorAt.Sub(a.first)) + " before its risky start (the sources' clocks disagree)"
		}
		return "Escape chain in " + w + ": " + a.detail + ", " + when + " (" + strings.Join(in.riskFlags(c), ", ") + ")"
	case RuleC02:
		s := a.session
		who := s.user + "'s"
		if s.user == "" {
			who = article(s.kind)
		}
		return "Session escape in " + w + ": after " + who + " " + s.kind + " session" + commandNote(s.command) + ", " + a.detail
	case RuleC03:
		return "Host disk takeover in " + w + ": " + a.detail
	}
	return a.rule.Info().Name + " in " + w + ": " + a.detail
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func commandNote(cmd string) string {
	if cmd == "" {
		return ""
	}
	return " (" + cmd + ")"
}

func roundDur(d interface{ Seconds() float64 }) string {
	s := d.Seconds()
	switch {
	case s < 0:
		return "0s"
	case s < 120:
		return fmt.Sprintf("%.0fs", s)
	default:
		return fmt.Sprintf("%.0fm", s/60)
	}
}

// mountList describes the host mounts of c that raise rule (ESC-S04 or
// ESC-S05); for the pod (c nil), the hostPath volumes no container mounts,
// which the pod-level alert is about, or every container's mounts when
// there are none.
func (e *Engine) mountList(in *instance, c *ctrState, rule RuleID) string {
	var parts []string
	add := func(ms []schemas.HostMount) {
		for _, m := range ms {
			mode := "writable"
			if m.ReadOnly {
				mode = "read-only"
			}
			parts = append(parts, fmt.Sprintf("host %s at %s (%s)", m.Source, m.Target, mode))
		}
	}
	if c == nil {
		for _, v := range in.unmountedRiskyVolumes() {
			if e.mountRules(v.HostPath).Has(rule) {
				parts = append(parts, "hostPath volume "+v.Name+" ("+v.HostPath+") that no container mounts")
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
	}
	cs := in.containers
	if c != nil {
		cs = []*ctrState{c}
	}
	for _, x := range cs {
		if rule == RuleS04 {
			add(x.sensitive)
		} else {
			add(x.sockets)
		}
	}
	return strings.Join(parts, "; ")
}

// escalation follows the playbook: escalate confirmed indications of escape
// or host access, exploit attempts and rogue operations in privileged
// containers; not posture alone.
func (e *Engine) escalation(a *alertState, c *ctrState) (bool, string) {
	in := a.inst
	flags := strings.Join(in.riskFlags(c), ", ")
	switch a.rule {
	case RuleC01, RuleC02, RuleC03:
		return true, "Confirmed escape chain: " + a.detail + " in a container with risk flags (" + flags + "); treat the node as compromised."
	case RuleS06:
		return true, "Exploit attempt against the container runtime (runc CVE-2024-21626: working directory under /proc/*/fd)."
	}
	if a.rule.isStart() {
		if a.rule == RuleS07 {
			return false, "Posture: an interactive session into a container with risk flags (" + flags + "); no host-level action seen in it yet."
		}
		return false, "Posture finding: the container or pod is set up with risk flags (" + flags + "); no host-level action seen."
	}
	if reason, ok := escalatingActions[a.rule]; ok {
		return true, reason + ": " + a.detail + "."
	}
	if in.riskyFor(c) {
		return true, "Rogue operation in a container with risk flags (" + flags + "): " + a.detail + "."
	}
	return false, "Suspicious but not conclusive alone: " + a.detail + " in a container without risk flags."
}

var escalatingActions = map[RuleID]string{
	RuleA01: "Execution of a host-level control utility (host namespace entry)",
	RuleA03: "Mount of host resources from inside a container",
	RuleA04: "Write to a cgroup release_agent, the classic privileged-container escape (CVE-2022-0492)",
	RuleA05: "Hijack of a kernel usermode helper (core_pattern / modprobe) that runs as root on the host",
	RuleA06: "Write to the host's SysRq interface",
	RuleA07: "Kernel module load from a container",
	RuleA08: "Access to the host's container runtime socket, a full host takeover primitive",
	RuleA10: "Raw access to host disks or kernel memory",
	RuleA12: "Overwrite of the runtime binary through /proc/*/exe (runc CVE-2019-5736)",
	RuleA13: "Access to the host filesystem through a host mount",
}

// questions answers the four playbook questions from what the engine saw
// for the pod or container.
func (e *Engine) questions(in *instance) []schemas.Question {
	var mounts []string
	for _, c := range in.containers {
		for _, m := range c.mounts {
			mode := "writable"
			if m.ReadOnly {
				mode = "read-only"
			}
			mounts = append(mounts, fmt.Sprintf("%s: host %s at %s (%s)", c.name, m.Source, m.Target, mode))
		}
	}
	for _, v := range in.unmountedRiskyVolumes() {
		mounts = append(mounts, "hostPath volume "+v.Name+" ("+v.HostPath+") mounted by no container")
	}
	q1 := answer(len(mounts) > 0, in.sawSpec,
		strings.Join(mounts, "; "),
		"The specification seen for it mounts no host path.",
		"No pod or container specification was seen for it (audit log at Request level, docker inspect or CRI events would tell).")

	var priv []string
	for _, c := range in.containers {
		var p []string
		if c.privileged {
			p = append(p, "privileged")
		}
		if len(c.capNames) > 0 {
			p = append(p, "adds "+strings.Join(c.capNames, ", "))
		}
		if len(p) > 0 {
			priv = append(priv, c.name+": "+strings.Join(p, ", "))
		}
	}
	var ns []string
	if in.hostPID {
		ns = append(ns, "hostPID")
	}
	if in.hostIPC {
		ns = append(ns, "hostIPC")
	}
	if in.hostNet {
		ns = append(ns, "hostNetwork")
	}
	if len(ns) > 0 {
		priv = append(priv, "pod: "+strings.Join(ns, ", "))
	}
	sawPriv := in.sawSpec
	for _, c := range in.containers {
		sawPriv = sawPriv || c.specSeen || c.capsSeen
	}
	q2 := answer(len(priv) > 0, sawPriv, strings.Join(priv, "; "),
		"The specification seen for it has no privileged container, added dangerous capability or host namespace.",
		"No pod or container specification was seen for it.")

	q3 := answer(len(in.unshareKeyctl) > 0, in.sawSyscall, strings.Join(in.unshareKeyctl, "; "),
		"Syscall telemetry was seen for it, with no unshare, keyctl or related call.",
		"No syscall telemetry (Falco, Tetragon, Tracee, auditd) was seen for it.")

	var sockMounts []string
	for _, c := range in.containers {
		for _, m := range c.sockets {
			sockMounts = append(sockMounts, c.name+" mounts "+m.Source+" at "+m.Target)
		}
	}
	noSock := "Syscall telemetry was seen for it, with no access to a runtime socket."
	unknownSock := "No syscall telemetry was seen for it."
	if len(sockMounts) > 0 {
		note := " The socket is mounted (" + strings.Join(sockMounts, "; ") + ")."
		noSock += note
		unknownSock += note
	}
	q4 := answer(len(in.sockAccess) > 0, in.sawSyscall, strings.Join(in.sockAccess, "; "), noSock, unknownSock)

	return []schemas.Question{
		{Question: schemas.QuestionHostMounts, Answer: q1.answer, Detail: q1.detail},
		{Question: schemas.QuestionPrivileged, Answer: q2.answer, Detail: q2.detail},
		{Question: schemas.QuestionSyscalls, Answer: q3.answer, Detail: q3.detail},
		{Question: schemas.QuestionDockerSock, Answer: q4.answer, Detail: q4.detail},
	}
}

type answered struct{ answer, detail string }

func answer(yes, known bool, yesDetail, noDetail, unknownDetail string) answered {
	switch {
	case yes:
		return answered{schemas.AnswerYes, yesDetail}
	case known:
		return answered{schemas.AnswerNo, noDetail}
	}
	return answered{schemas.AnswerUnknown, unknownDetail}
}

// containment turns the playbook (isolate, revert, patch, review access,
// audit the image) into commands with the real names filled in.
func (e *Engine) containment(a *alertState, c *ctrState, escalate bool) []string {
	in := a.inst
	id := ""
	image := ""
	if c != nil {
		id = c.longestID()
		image = c.image
	}
	var steps []string
	flags := in.riskFlags(c)
	if in.unit.pod {
		ns, pod := in.namespace, in.name
		steps = append(steps, fmt.Sprintf("Isolate the pod: kubectl -n %s label pod %s escapewatch.io/quarantine=true --overwrite && "+
			`echo '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"escapewatch-quarantine","namespace":"%s"},"spec":{"podSelector":{"matchLabels":{"escapewatch.io/quarantine":"true"}},"policyTypes":["Ingress","Egress"]}}' | kubectl apply -f -`,
			ns, pod, ns))
		if escalate && in.node != "" {
			steps = append(steps, fmt.Sprintf("Stop scheduling on the node and treat it as compromised: kubectl cordon %s; after collecting evidence drain it (kubectl drain %s --ignore-daemonsets --delete-emptydir-data) and rebuild it from a clean image", in.node, in.node))
		}
		evid := fmt.Sprintf("Preserve evidence: kubectl -n %s get pod %s -o yaml > %s.yaml", ns, pod, pod)
		if id != "" {
			where := "on the node"
			if in.node != "" {
				where = "on " + in.node
			}
			evid += fmt.Sprintf("; %s: crictl inspect %s and crictl logs %s", where, schemas.ShortID(id), schemas.ShortID(id))
		}
		steps = append(steps, evid)
		remove := fmt.Sprintf("Remove the pod: kubectl -n %s delete pod %s", ns, pod)
		if in.owner != "" {
			remove += fmt.Sprintf(" (its owner %s recreates it: fix or scale down the owner first)", in.owner)
		}
		steps = append(steps, remove)
		if len(flags) > 0 {
			target := "the pod manifest"
			if in.owner != "" {
				target = "the pod template of " + in.owner
			}
			steps = append(steps, fmt.Sprintf("Revert the configuration: remove %s from %s, and enforce Pod Security Admission on the namespace: kubectl label namespace %s pod-security.kubernetes.io/enforce=restricted --overwrite",
				describeFlags(flags), target, ns))
		}
		users := []string{}
		if u := in.creator.User; u != "" && !systemUser(u) {
			users = append(users, u)
		}
		if s := a.session; s != nil && s.user != "" && !systemUser(s.user) && !slices.Contains(users, s.user) {
			users = append(users, s.user)
		}
		review := fmt.Sprintf("Review access: who may create privileged pods and use pods/exec, pods/attach and pods/ephemeralcontainers in %s", ns)
		for _, u := range users {
			review += fmt.Sprintf("; kubectl auth can-i --list -n %s --as=%s", ns, u)
		}
		steps = append(steps, review)
	} else {
		short := schemas.ShortID(id)
		if short == "" {
			short = strings.TrimPrefix(in.unit.key, "ctr/")
		}
		host := in.node
		if host == "" {
			host = "the Docker host"
		}
		steps = append(steps, fmt.Sprintf("Isolate the container: docker pause %s, then disconnect it from its networks (docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' %s; docker network disconnect <network> %s)", short, short, short))
		if escalate {
			steps = append(steps, fmt.Sprintf("Treat %s as compromised: look for persistence (cron, systemd units, authorized_keys, new setuid files), then rebuild it", host))
		}
		steps = append(steps, fmt.Sprintf("Preserve evidence: docker inspect %s > %s.json; docker diff %s; docker export -o %s.tar %s", short, short, short, short, short))
		steps = append(steps, fmt.Sprintf("Remove the container: docker rm -f %s", short))
		if len(flags) > 0 {
			steps = append(steps, "Revert the configuration: run it without "+dockerFlags(flags))
		}
		steps = append(steps, fmt.Sprintf("Review access: who can reach the Docker socket on %s (members of the docker group, containers mounting /var/run/docker.sock)", host))
	}
	if image != "" {
		steps = append(steps, fmt.Sprintf("Audit the image %s: scan it (e.g. trivy image %s) and verify its provenance", image, image))
	}
	steps = append(steps, patchAdvice(a, in.node))
	return steps
}

// systemUser reports Kubernetes' own identities (controllers, nodes),
// whose access is not the one to review: the owner's author is.
func systemUser(u string) bool {
	return strings.HasPrefix(u, "system:serviceaccount:kube-system:") || strings.HasPrefix(u, "system:node:") ||
		strings.HasPrefix(u, "system:kube-")
}

func describeFlags(flags []string) string {
	var parts []string
	for _, f := range flags {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "PRIV":
			parts = append(parts, "privileged: true")
		case "HOSTPID":
			parts = append(parts, "hostPID: true")
		case "HOSTIPC":
			parts = append(parts, "hostIPC: true")
		case "HOSTNET":
			parts = append(parts, "hostNetwork: true")
		case "CAP":
			parts = append(parts, "capability "+v)
		case "MNT", "SOCK":
			parts = append(parts, "the hostPath mounted at "+v)
		case "VOL":
			parts = append(parts, "the hostPath volume "+v)
		case "PROCFD":
			parts = append(parts, "workingDir "+v)
		}
	}
	return strings.Join(parts, ", ")
}

func dockerFlags(flags []string) string {
	var parts []string
	for _, f := range flags {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "PRIV":
			parts = append(parts, "--privileged")
		case "HOSTPID":
			parts = append(parts, "--pid=host")
		case "HOSTIPC":
			parts = append(parts, "--ipc=host")
		case "HOSTNET":
			parts = append(parts, "--network=host")
		case "CAP":
			parts = append(parts, "--cap-add "+v)
		case "MNT", "SOCK":
			parts = append(parts, "the bind mount at "+v)
		case "PROCFD":
			parts = append(parts, "--workdir "+v)
		}
	}
	return strings.Join(parts, ", ")
}

func patchAdvice(a *alertState, node string) string {
	on := "on the node"
	if node != "" {
		on = "on " + node
	}
	has := func(r RuleID) bool {
		if a.rule == r {
			return true
		}
		for _, it := range a.evidence {
			if it.rules.Has(r) {
				return true
			}
		}
		return false
	}
	switch {
	case has(RuleS06):
		return "Patch runc " + on + " to 1.1.12 or later (CVE-2024-21626) and keep containerd / CRI-O current"
	case has(RuleA12):
		return "Patch runc " + on + " (CVE-2019-5736 and later runc escapes) and check the runc binary's integrity"
	case has(RuleA04):
		return "Patch the kernel " + on + " (CVE-2022-0492), prefer cgroup v2, and keep seccomp/AppArmor on so containers cannot mount cgroupfs"
	case has(RuleA05):
		return "Restore kernel.core_pattern and kernel.modprobe " + on + ", patch runc (CVE-2025-31133, CVE-2025-52565, CVE-2025-52881) and keep /proc/sys read-only in containers"
	case has(RuleA07):
		return "Check " + on + " for unexpected kernel modules (lsmod), restrict module loading (kernel.modules_disabled, lockdown) and patch the kernel"
	}
	return "Keep the kernel and the container runtime " + on + " patched; the default seccomp and AppArmor profiles block most of these primitives"
}
