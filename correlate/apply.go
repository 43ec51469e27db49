package correlate

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// Bounds of per-instance memory besides the configurable ones.
const (
	maxStarts   = 16
	maxSessions = 32
	maxMounts   = 8
	maxRecon    = 16
	maxNotes    = 8
	// sessionMerge is how close two records of one session are: kubectl
	// exec is seen by the API server, the runtime and the syscall sensor.
	sessionMerge = 10 * time.Second
)

// applySpec takes the security context of a pod or container.
func (e *Engine) applySpec(in *instance, ev *schemas.Event, it *evItem) {
	s := ev.Spec
	in.sawSpec = true
	if ev.Source == schemas.SourceK8sAudit {
		if in.creator.User == "" && ev.Actor.User != "" && ev.Kind == schemas.KindPodSpec {
			in.creator = ev.Actor
		}
		if ev.Kind == schemas.KindPodSpec {
			in.createSeen = true
		}
	}
	if s.Owner != "" {
		in.owner = s.Owner
	}
	if s.ServiceAccount != "" {
		in.serviceAccount = s.ServiceAccount
	}
	startAt := ev.Time
	if !ev.Container.StartTime.IsZero() {
		startAt = ev.Container.StartTime
	}
	for i := range s.Containers {
		cs := &s.Containers[i]
		name := cs.Name
		if name == "" {
			name = ev.Container.Name
		}
		if name == "" && !in.unit.pod {
			name = schemas.ShortID(ev.Container.ID)
		}
		if name == "" {
			name = "container"
		}
		c := in.container(name)
		if len(s.Containers) == 1 {
			c.addID(ev.Container.ID)
		}
		if cs.Image != "" {
			c.image = cs.Image
		}
		if cs.Type != "" {
			c.typ = cs.Type
		}
		c.specSeen = true
		newRules := e.containerRisk(c, cs)
		if newRules != 0 {
			it.rules |= newRules
			for _, r := range newRules.IDs() {
				e.raiseStart(in, c, r, it, startAt)
			}
			e.recordStart(in, c.name, startAt, it)
			continue
		}
		// The same risk confirmed by another record (docker inspect after
		// the audit create): evidence for the open start alerts.
		for _, r := range containerRules(c).IDs() {
			it.rules = it.rules.With(r)
			e.addEvidence(in.alerts[startKey(r, c.name)], it)
		}
	}

	var podNew RuleSet
	if s.HostPID && !in.hostPID {
		in.hostPID, podNew = true, podNew.With(RuleS02)
	}
	if s.HostIPC && !in.hostIPC {
		in.hostIPC, podNew = true, podNew.With(RuleS02)
	}
	if s.HostNetwork && !in.hostNet {
		in.hostNet, podNew = true, podNew.With(RuleS02)
	}
	for _, v := range s.Volumes {
		v.HostPath = cleanPath(v.HostPath)
		rules := e.mountRules(v.HostPath)
		if rules == 0 || hasVolume(in.volumes, v) {
			continue
		}
		in.volumes = append(in.volumes, v)
		podNew |= rules
	}
	if in.hostPID || in.hostIPC || in.hostNet {
		it.rules = it.rules.With(RuleS02)
	}
	e.refreshPodSeverity(in)
	if podNew == 0 {
		if in.hostPID || in.hostIPC || in.hostNet {
			e.addEvidence(in.alerts[startKey(RuleS02, "")], it)
		}
		return
	}
	it.rules |= podNew
	if podNew.Has(RuleS02) {
		e.raiseStart(in, nil, RuleS02, it, startAt)
	}
	unmounted := in.unmountedRiskyVolumes()
	for _, r := range []RuleID{RuleS04, RuleS05} {
		if !podNew.Has(r) {
			continue
		}
		for _, v := range unmounted {
			if e.mountRules(v.HostPath).Has(r) {
				e.raiseStart(in, nil, r, it, startAt)
				break
			}
		}
	}
	e.recordStart(in, "", startAt, it)
}

func hasVolume(vs []schemas.Volume, v schemas.Volume) bool {
	for _, x := range vs {
		if x.HostPath == v.HostPath && x.Name == v.Name {
			return true
		}
	}
	return false
}

// containerRisk records the risk flags of a container spec and returns the
// start rules it newly raises.
func (e *Engine) containerRisk(c *ctrState, cs *schemas.ContainerSpec) RuleSet {
	var rules RuleSet
	if cs.Privileged && !c.privileged {
		c.privileged = true
		rules = rules.With(RuleS01)
	}
	for _, name := range cs.CapAdd {
		n := schemas.NormalizeCap(name)
		if n == "ALL" {
			if c.caps != e.pol.dangerousCaps {
				c.caps = e.pol.dangerousCaps
				c.capNames = append(c.capNames[:0], "ALL")
				rules = rules.With(RuleS03)
			}
			continue
		}
		bit := schemas.CapBit(n)
		if bit&e.pol.dangerousCaps != 0 && c.caps&bit == 0 {
			c.caps |= bit
			c.capNames = append(c.capNames, n)
			rules = rules.With(RuleS03)
		}
	}
	for _, m := range cs.Mounts {
		// Judge the clean path: "/var/lib/kubelet/pods/../../.." is /var.
		m.Source = cleanPath(m.Source)
		if hasMount(c.mounts, m) || runtimeManaged(m.Source) {
			continue
		}
		c.mounts = append(c.mounts, m)
		r := e.mountRules(m.Source)
		if r.Has(RuleS04) {
			c.sensitive = append(c.sensitive, m)
			if m.Source == "/" && !m.ReadOnly {
				c.rootRW = true
			}
		}
		if r.Has(RuleS05) {
			c.sockets = append(c.sockets, m)
		}
		rules |= r
	}
	if cs.WorkingDir != "" && isProcFD(cs.WorkingDir) && c.workdir == "" {
		c.workdir = cs.WorkingDir
		rules = rules.With(RuleS06)
	}
	return rules
}

// runtimeManaged reports host paths the kubelet or the runtime mount into
// every container (service account tokens, /etc/hosts, resolv.conf,
// termination logs): they are not host mounts anyone asked for.
func runtimeManaged(src string) bool {
	for _, prefix := range [...]string{"/var/lib/kubelet/pods/", "/var/lib/docker/containers/",
		"/run/containerd/io.containerd.grpc.v1.cri/", "/var/run/containerd/io.containerd.grpc.v1.cri/",
		"/var/lib/containerd/io.containerd.grpc.v1.cri/", "/var/lib/containers/storage/",
		"/run/containers/storage/", "/var/run/containers/storage/"} {
		if strings.HasPrefix(src, prefix) {
			return true
		}
	}
	return false
}

func hasMount(ms []schemas.HostMount, m schemas.HostMount) bool {
	for _, x := range ms {
		if x.Target == m.Target && cleanPath(x.Source) == cleanPath(m.Source) {
			return true
		}
	}
	return false
}

// containerRules returns the start rules a container's flags stand for.
func containerRules(c *ctrState) RuleSet {
	var r RuleSet
	if c.privileged {
		r = r.With(RuleS01)
	}
	if c.caps != 0 {
		r = r.With(RuleS03)
	}
	if len(c.sensitive) > 0 {
		r = r.With(RuleS04)
	}
	if len(c.sockets) > 0 {
		r = r.With(RuleS05)
	}
	if c.workdir != "" {
		r = r.With(RuleS06)
	}
	return r
}

// mountRules judges a host path mounted into a container: ESC-S04 when it
// is, or is a parent of, a sensitive path; ESC-S05 when it is, or is a parent
// of, a runtime socket ("/" is left to ESC-S04, which already says
// everything).
func (e *Engine) mountRules(src string) RuleSet {
	src = cleanPath(src)
	var r RuleSet
	for _, s := range e.pol.sensitive {
		if src == s || isParent(src, s) {
			r = r.With(RuleS04)
			break
		}
	}
	if src != "/" {
		if isRuntimeSocket(src, e.pol) {
			r = r.With(RuleS05)
		} else {
			for _, s := range e.pol.sockets {
				if isParent(src, s) {
					r = r.With(RuleS05)
					break
				}
			}
		}
	}
	return r
}

func isParent(dir, p string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

// under reports whether path lies at or below dir.
func under(path, dir string) bool {
	if dir == "" || !strings.HasPrefix(dir, "/") {
		return false
	}
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return strings.HasPrefix(path, "/")
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}

func startKey(rule RuleID, scope string) string { return rule.String() + "|" + scope }

// raiseStart raises a start rule for a container (nil: the pod) unless the
// rule is off or the workload is allowlisted for it.
func (e *Engine) raiseStart(in *instance, c *ctrState, rule RuleID, it *evItem, at time.Time) {
	if e.allowedStart(in, c, rule) {
		return
	}
	a := e.openAlert(in, rule, startKey(rule, scopeOf(c)), c, it, at, e.pol.Windows.Window.D())
	if a == nil {
		return
	}
	e.addEvidence(a, it)
	switch rule {
	case RuleS04:
		if c != nil && c.rootRW {
			e.setSeverity(a, schemas.SeverityHigh)
		}
	case RuleS02:
		e.refreshPodSeverity(in)
	}
}

// refreshPodSeverity sets ESC-S02's severity: medium for hostPID together
// with a privileged container or SYS_PTRACE / SYS_ADMIN.
func (e *Engine) refreshPodSeverity(in *instance) {
	a := in.alerts[startKey(RuleS02, "")]
	if a == nil || !in.hostPID {
		return
	}
	strong := schemas.CapBit("SYS_PTRACE") | schemas.CapBit("SYS_ADMIN")
	for _, c := range in.containers {
		if c.privileged || c.caps&strong != 0 {
			e.setSeverity(a, schemas.SeverityMedium)
			return
		}
	}
}

// recordStart remembers a risky start and joins it with what was seen just
// before it: actions up to skew earlier (clocks disagree) and sessions.
func (e *Engine) recordStart(in *instance, scope string, at time.Time, it *evItem) {
	if len(in.starts) >= maxStarts {
		in.starts = in.starts[1:]
	}
	in.starts = append(in.starts, startRec{at: at, scope: scope, ev: it})
	w := e.pol.Windows
	for i := range in.actions {
		rec := &in.actions[i]
		if rec.allowed || rec.hit.Rule == RuleA15 {
			continue
		}
		if scope != "" && rec.container != "" && rec.container != scope {
			continue
		}
		if rec.at.Before(at.Add(-w.Skew.D())) || rec.at.After(at.Add(w.Window.D())) {
			continue
		}
		e.chainC01(in, in.findContainer(rec.container), rec)
	}
	for _, s := range in.sessions {
		if s.risky || s.ev == it || s.at.Before(at.Add(-w.Skew.D())) {
			continue
		}
		if scope != "" && s.container != "" && s.container != scope {
			continue
		}
		s.risky = true
		e.raiseSession(in, in.findContainer(s.container), s)
	}
}

// findContainer returns the named container without creating it.
func (in *instance) findContainer(name string) *ctrState {
	if name == "" {
		return nil
	}
	for _, c := range in.containers {
		if c.name == name {
			return c
		}
	}
	return nil
}

// applyFacts takes risk that syscall producers report about the container a
// process runs in (Falco container.privileged, Tetragon capabilities) and
// notes runtime restarts of risky containers.
func (e *Engine) applyFacts(in *instance, c *ctrState, ev *schemas.Event, it *evItem) {
	if c == nil {
		return
	}
	at := ev.Time
	if !ev.Container.StartTime.IsZero() && ev.Container.StartTime.Before(at) {
		at = ev.Container.StartTime
	}
	var rules RuleSet
	caps := ev.Container.Caps
	if ev.Container.CapsKnown {
		c.capsSeen = true
	}
	if (ev.Container.Privileged || (ev.Container.CapsKnown && caps&schemas.AllCaps == schemas.AllCaps)) && !c.privileged {
		c.privileged = true
		rules = rules.With(RuleS01)
	}
	if ev.Container.CapsKnown && !c.privileged {
		if extra := caps & e.pol.dangerousCaps &^ schemas.DefaultRuntimeCaps &^ c.caps; extra != 0 {
			c.caps |= extra
			c.capNames = append(c.capNames, schemas.CapNames(extra)...)
			rules = rules.With(RuleS03)
		}
	}
	if rules != 0 {
		it.rules |= rules
		for _, r := range rules.IDs() {
			e.raiseStart(in, c, r, it, at)
		}
		e.refreshPodSeverity(in)
		e.recordStart(in, c.name, at, it)
		return
	}
	if ev.Kind == schemas.KindContainerStart && ev.Spec == nil && in.riskyFor(c) {
		e.recordStart(in, c.name, ev.Time, it)
	}
}

// applySession records an entry into the unit and raises ESC-S07 when the
// target carries risk flags.
func (e *Engine) applySession(in *instance, c *ctrState, ev *schemas.Event, it *evItem) {
	target := c
	if name := ev.Session.Container; name != "" {
		if target = in.findContainer(name); target == nil {
			target = in.container(name)
		}
	}
	name := scopeOf(target)
	cmd := ev.Session.Command
	if cmd == "" && ev.Kind == schemas.KindProcess {
		cmd = commandLine(ev.Process.Command(), ev.Process.ArgList())
	}
	for i := len(in.sessions) - 1; i >= 0; i-- {
		s := in.sessions[i]
		if d := ev.Time.Sub(s.at); d > sessionMerge || d < -sessionMerge {
			continue
		}
		if s.container != "" && name != "" && s.container != name {
			continue
		}
		if s.command != "" && cmd != "" && !sameCommand(s.command, cmd) {
			continue
		}
		// Another record of the same session.
		if s.user == "" {
			s.user, s.groups = ev.Actor.User, ev.Actor.Groups
		}
		if s.command == "" {
			s.command = cmd
		}
		if s.alert != nil {
			it.rules = it.rules.With(RuleS07)
			e.addEvidence(s.alert, it)
		}
		return
	}
	kind := ev.Session.Type
	if kind == "" {
		kind = "exec"
	}
	s := &sessionRec{at: ev.Time, container: name, user: ev.Actor.User, groups: ev.Actor.Groups,
		command: cmd, kind: kind, nativeID: it.native, ev: it}
	if len(in.sessions) >= maxSessions {
		in.sessions = in.sessions[1:]
	}
	in.sessions = append(in.sessions, s)
	if in.riskyFor(target) {
		s.risky = true
		e.raiseSession(in, target, s)
	}
}

// sameCommand compares session commands loosely: the API server sees
// "bash", the syscall sensor "/bin/bash".
func sameCommand(a, b string) bool {
	if a == b {
		return true
	}
	if a == "" || b == "" {
		return false
	}
	fa, _, _ := strings.Cut(a, " ")
	fb, _, _ := strings.Cut(b, " ")
	return schemas.Base(fa) == schemas.Base(fb)
}

func (e *Engine) raiseSession(in *instance, c *ctrState, s *sessionRec) {
	if s.alert == nil {
		// Repeated sessions of the same command into the same container
		// (exec probes, a script looping over kubectl exec) extend one
		// alert per exec window instead of raising one each.
		for _, a := range sortedAlerts(in.alerts) {
			o := a.session
			if a.rule != RuleS07 || a.final || o == nil || o.container != s.container ||
				!(o.command == s.command || sameCommand(o.command, s.command)) ||
				s.at.After(a.anchorAt.Add(e.pol.Windows.ExecWindow.D())) {
				continue
			}
			s.alert = a
			s.ev.rules = s.ev.rules.With(RuleS07)
			e.addEvidence(a, s.ev)
			break
		}
	}
	if s.alert == nil && !e.allowedFor(in, c, RuleS07, allowSubject{users: []string{s.user}, groups: s.groups}) {
		a := e.openAlert(in, RuleS07, "ESC-S07|"+s.nativeID, c, s.ev, s.at, e.pol.Windows.ExecWindow.D())
		if a != nil {
			a.session = s
			s.ev.rules = s.ev.rules.With(RuleS07)
			e.addEvidence(a, s.ev)
			s.alert = a
		}
	}
	// Actions recorded before the session was known to be risky; an
	// allowlisted one counts too (chainC02 says why).
	w := e.pol.Windows
	for i := range in.actions {
		rec := &in.actions[i]
		if rec.hit.Rule == RuleA15 || rec.at.Before(s.at.Add(-w.Skew.D())) || rec.at.After(s.at.Add(w.ExecWindow.D())) {
			continue
		}
		e.chainC02(in, in.findContainer(rec.container), rec)
	}
}

// applyHit takes one rule an event matched on its own.
func (e *Engine) applyHit(in *instance, c *ctrState, ev *schemas.Event, it *evItem, h Hit) {
	if h.Rule == RuleS06 {
		it.rules = it.rules.With(RuleS06)
		if c != nil && c.workdir == "" {
			c.workdir = ev.Process.Cwd
			e.raiseStart(in, c, RuleS06, it, ev.Time)
			e.recordStart(in, c.name, ev.Time, it)
		} else if c == nil {
			e.raiseStart(in, nil, RuleS06, it, ev.Time)
		}
		return
	}
	if !h.Rule.isAction() || !e.pol.Enabled(h.Rule) {
		// A disabled rule is as if it did not exist: it completes no
		// chain either.
		return
	}
	it.rules = it.rules.With(h.Rule)
	allowed := e.allowedAction(in, c, ev, h.Rule)
	rec := actionRec{at: ev.Time, hit: h, severity: e.actionSeverity(in, c, h), container: scopeOf(c), ev: it, allowed: allowed,
		recon: h.Rule != RuleA15 && e.reconBefore(in, scopeOf(c), ev.Time)}
	if len(in.actions) >= e.pol.Limits.MaxActions {
		in.actions = in.actions[1:]
		e.m.actionsDropped.Inc()
	}
	in.actions = append(in.actions, rec)
	switch h.Rule {
	case RuleA02, RuleA16:
		in.unshareKeyctl = addNote(in.unshareKeyctl, h.Detail)
	case RuleA08:
		in.sockAccess = addNote(in.sockAccess, h.Detail)
	case RuleA15:
		if len(in.recon) >= maxRecon {
			in.recon = in.recon[1:]
		}
		in.recon = append(in.recon, reconRec{at: ev.Time, container: rec.container})
		if !allowed {
			e.reconRaise(in, rec)
		}
		return
	case RuleA03:
		if h.BlockDevice && h.Target != "" {
			if len(in.mounts) >= maxMounts {
				in.mounts = in.mounts[1:]
			}
			in.mounts = append(in.mounts, mountRec{at: ev.Time, target: h.Target, container: rec.container, ev: it, nativeID: it.native})
		}
	}
	if allowed {
		// The agents of an allowlisted family do this on their own (at
		// start, on every node): no alert of the action itself and no
		// escape chain from the container's start. Someone who opened a
		// session into the container and then acts is not the agent,
		// though: that still completes ESC-C02.
		e.chainC02(in, c, &rec)
		return
	}
	e.raiseAction(in, c, &rec)
	e.chainC01(in, c, &rec)
	e.chainC02(in, c, &rec)
	if h.Rule == RuleA09 && h.Target != "" {
		e.checkDiskTakeover(in, c, it, h.Target, true)
	}
}

type reconRec struct {
	at        time.Time
	container string
}

func addNote(notes []string, n string) []string {
	if n == "" || len(notes) >= maxNotes {
		return notes
	}
	for _, x := range notes {
		if x == n {
			return notes
		}
	}
	return append(notes, n)
}

// actionSeverity is the severity of a standalone action alert before
// reconnaissance: the rule's, its conditional raise and one level more in a
// container with risk flags, at most high. Reconnaissance raises the alert
// once more (raiseAction, reconRaise), once per alert however many recon
// events there were.
func (e *Engine) actionSeverity(in *instance, c *ctrState, h Hit) schemas.Severity {
	sev := h.Severity
	if s, ok := e.pol.severityOf(h.Rule); ok {
		sev = s
	}
	if h.Rule == RuleA03 && h.BlockDevice && in.privilegedFor(c) && sev < schemas.SeverityHigh {
		sev = schemas.SeverityHigh
	}
	if h.Rule == RuleA15 {
		return sev
	}
	// ESC-A13 needs a sensitive host mount; only risk beyond that mount
	// raises it.
	if (h.Rule != RuleA13 && in.riskyFor(c)) || (h.Rule == RuleA13 && in.riskyBeyondMounts(c)) {
		sev = sev.Raise(1, schemas.SeverityHigh)
	}
	return sev
}

// actionAlertSeverity is an action alert's severity: the highest of its
// actions, raised one level (at most high) when reconnaissance preceded any
// of them.
func actionAlertSeverity(a *alertState) schemas.Severity {
	if a.recon {
		return a.actionSev.Raise(1, schemas.SeverityHigh)
	}
	return a.actionSev
}

func (e *Engine) reconBefore(in *instance, scope string, at time.Time) bool {
	win := e.pol.Windows.Window.D()
	for _, r := range in.recon {
		if (scope == "" || r.container == "" || r.container == scope) && !r.at.After(at) && !r.at.Before(at.Add(-win)) {
			return true
		}
	}
	return false
}

// reconRaise raises the open action alerts of the container that
// reconnaissance now precedes within the window.
func (e *Engine) reconRaise(in *instance, rec actionRec) {
	win := e.pol.Windows.Window.D()
	for _, a := range sortedAlerts(in.alerts) {
		if !a.rule.isAction() || a.final {
			continue
		}
		if rec.container != "" && a.ctr != nil && a.ctr.name != rec.container {
			continue
		}
		if rec.at.Sub(a.anchorAt) > win || a.anchorAt.Sub(rec.at) > win {
			continue
		}
		a.recon = true
		e.setSeverity(a, actionAlertSeverity(a))
		e.addEvidence(a, rec.ev)
	}
}

// raiseAction raises or extends the standalone alert of an action rule:
// one alert per rule and container for each window.
func (e *Engine) raiseAction(in *instance, c *ctrState, rec *actionRec) {
	key := startKey(rec.hit.Rule, scopeOf(c))
	a := in.alerts[key]
	if a != nil && (a.final || rec.at.After(a.anchorAt.Add(e.pol.Windows.Window.D()))) {
		a = nil
	}
	if a == nil {
		if old := in.alerts[key]; old != nil && !old.final {
			// The old alert stays open until it closes; keep it reachable
			// under its anchor so it is finalized, and start a new one.
			old.key = key + "|" + old.id
			in.alerts[old.key] = old
		}
		a = e.openAlert(in, rec.hit.Rule, key, c, rec.ev, rec.at, e.pol.Windows.Window.D())
		if a == nil {
			return
		}
		a.detail = rec.hit.Detail
		// Whoever opened a session just before acted, not the pod's author.
		a.session = e.sessionBefore(in, c, rec.at)
	}
	e.addEvidence(a, rec.ev)
	if rec.severity > a.actionSev {
		a.actionSev = rec.severity
		a.detail = rec.hit.Detail
	}
	a.recon = a.recon || rec.recon
	e.setSeverity(a, actionAlertSeverity(a))
}

// sessionBefore returns the latest session into container c (or the pod)
// that an action at t may belong to.
func (e *Engine) sessionBefore(in *instance, c *ctrState, t time.Time) *sessionRec {
	w := e.pol.Windows
	var best *sessionRec
	for _, s := range in.sessions {
		if c != nil && s.container != "" && s.container != c.name {
			continue
		}
		if t.Before(s.at.Add(-w.Skew.D())) || t.After(s.at.Add(w.ExecWindow.D())) {
			continue
		}
		if best == nil || s.at.After(best.at) {
			best = s
		}
	}
	return best
}

// chainC01 joins an action with the risky start of its container or pod.
func (e *Engine) chainC01(in *instance, c *ctrState, rec *actionRec) {
	if e.allowSet(in, c).Has(RuleC01) {
		return
	}
	w := e.pol.Windows
	s := in.earliestStart(c, rec.at, w.Window.D(), w.Skew.D())
	if s == nil {
		return
	}
	if c == nil {
		c = in.findContainer(s.scope)
	}
	a := e.openAlert(in, RuleC01, "ESC-C01|"+s.scope+"|"+s.ev.native, c, s.ev, s.at, w.Window.D()+w.Skew.D())
	if a == nil {
		return
	}
	if a.detail == "" {
		a.detail = rec.hit.Detail
	}
	e.addEvidence(a, s.ev)
	e.addEvidence(a, rec.ev)
}

// chainC02 joins an action with a session into the risky container or pod.
// It also joins actions the container is allowlisted for: an agent may
// enter the host's namespaces, but a person in a shell inside it doing the
// same is a session escape. Only an allowlisting of the session's user
// (for ESC-C02 or for the action's rule) excuses it.
func (e *Engine) chainC02(in *instance, c *ctrState, rec *actionRec) {
	if e.allowSet(in, c).Has(RuleC02) {
		return
	}
	w := e.pol.Windows
	var best *sessionRec
	for _, s := range in.sessions {
		if !s.risky {
			continue
		}
		if s.container != "" && c != nil && s.container != c.name {
			continue
		}
		if rec.at.Before(s.at.Add(-w.Skew.D())) || rec.at.After(s.at.Add(w.ExecWindow.D())) {
			continue
		}
		if best == nil || s.at.Before(best.at) {
			best = s
		}
	}
	if best == nil {
		return
	}
	s := allowSubject{users: []string{best.user}, groups: best.groups, namespace: in.namespace}
	if c != nil {
		s.image = c.image
	}
	if u := e.pol.userAllowed(s); u.Has(RuleC02) || u.Has(rec.hit.Rule) {
		return
	}
	if c == nil {
		c = in.findContainer(best.container)
	}
	a := e.openAlert(in, RuleC02, "ESC-C02|"+best.nativeID, c, best.ev, best.at, w.ExecWindow.D()+w.Skew.D())
	if a == nil {
		return
	}
	a.session = best
	if a.detail == "" {
		a.detail = rec.hit.Detail
	}
	e.addEvidence(a, best.ev)
	e.addEvidence(a, rec.ev)
}

// checkDiskTakeover completes ESC-C03: after a block device mount, a chroot
// into the mount point or a write below it in the same container.
func (e *Engine) checkDiskTakeover(in *instance, c *ctrState, it *evItem, path string, chroot bool) {
	if len(in.mounts) == 0 || e.allowSet(in, c).Has(RuleC03) {
		return
	}
	w := e.pol.Windows
	for _, m := range in.mounts {
		if m.ev == it {
			continue
		}
		if c != nil && m.container != "" && m.container != c.name {
			continue
		}
		if it.at.Before(m.at.Add(-w.Skew.D())) || it.at.After(m.at.Add(w.Window.D())) || !under(path, m.target) {
			continue
		}
		a := e.openAlert(in, RuleC03, "ESC-C03|"+m.nativeID, c, m.ev, m.at, w.Window.D()+w.Skew.D())
		if a == nil {
			return
		}
		if a.detail == "" {
			if chroot {
				a.detail = "chroot into " + path + " after mounting a block device on " + m.target
			} else {
				a.detail = "write to " + path + " on the block device mounted at " + m.target
			}
		}
		it.rules = it.rules.With(RuleC03)
		e.addEvidence(a, m.ev)
		e.addEvidence(a, it)
		return
	}
}

// checkHostPath raises ESC-A13 for an access below a sensitive host mount of
// the container.
func (e *Engine) checkHostPath(in *instance, c *ctrState, ev *schemas.Event, it *evItem, path string, write bool) {
	cs := in.containers
	if c != nil {
		cs = []*ctrState{c}
	}
	for _, x := range cs {
		for _, m := range x.sensitive {
			if m.Target == "/" || !under(path, m.Target) {
				continue
			}
			sev := schemas.SeverityMedium
			if write {
				sev = schemas.SeverityHigh
			}
			e.applyHit(in, x, ev, it, Hit{Rule: RuleA13, Severity: sev, Write: write,
				Detail: accessVerb(write) + path + " (host " + m.Source + " mounted at " + m.Target + ")"})
			return
		}
	}
}

// allowSet returns the rules a container is allowlisted for, by image,
// namespace and creator; for an unknown container, the rules every known
// container of the pod is allowlisted for.
func (e *Engine) allowSet(in *instance, c *ctrState) RuleSet {
	if c != nil {
		key := c.image + "\x00" + in.namespace + "\x00" + in.creator.User
		if c.allowImage != key {
			c.allowImage = key
			c.allow = e.pol.allowed(allowSubject{image: c.image, namespace: in.namespace,
				users: []string{in.creator.User}, groups: in.creator.Groups})
		}
		return c.allow
	}
	if len(in.containers) == 0 {
		return e.pol.allowed(allowSubject{namespace: in.namespace, users: []string{in.creator.User}, groups: in.creator.Groups})
	}
	set := ^RuleSet(0)
	for _, x := range in.containers {
		set &= e.allowSet(in, x)
	}
	return set
}

func (e *Engine) allowedStart(in *instance, c *ctrState, rule RuleID) bool {
	return e.allowSet(in, c).Has(rule)
}

// allowedFor adds the session user to the container's allowlisting.
func (e *Engine) allowedFor(in *instance, c *ctrState, rule RuleID, s allowSubject) bool {
	if e.allowSet(in, c).Has(rule) {
		return true
	}
	s.namespace = in.namespace
	if c != nil {
		s.image = c.image
	}
	return e.pol.allowed(s).Has(rule)
}

// allowedAction reports whether an action is allowlisted: for its
// container, or for the process that acted (entries with processes).
func (e *Engine) allowedAction(in *instance, c *ctrState, ev *schemas.Event, rule RuleID) bool {
	if e.allowSet(in, c).Has(rule) {
		return true
	}
	if !e.pol.hasProcessEntries() {
		return false
	}
	s := allowSubject{namespace: in.namespace, users: []string{in.creator.User}, groups: in.creator.Groups,
		process: ev.Process.Command(), exe: ev.Process.Exe}
	if c != nil {
		s.image = c.image
	}
	return e.pol.allowed(s).Has(rule)
}
