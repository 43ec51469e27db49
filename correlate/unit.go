package correlate

import (
	"slices"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// UnitKey returns the correlation unit of an event from its own fields:
// "pod/<namespace>/<name>" when it names a pod, "ctr/<id prefix>" when it
// names only a container, and "" when it names neither or reports a host
// process. Stage 1 keys the internal topic by it.
func UnitKey(ev *schemas.Event) string {
	if ev.Pod.Namespace != "" && ev.Pod.Name != "" {
		return PodKey(ev.Pod.Namespace, ev.Pod.Name)
	}
	if ev.Container.Host {
		return ""
	}
	if ev.Container.ID != "" {
		return ContainerKey(ev.Container.ID)
	}
	return ""
}

// LinkKeys returns the unit keys of the containers an event links to its
// pod (its own container id and the ids in Statuses). Streaming sends a
// copy of such an event to each, so that an event naming only one of those
// containers, keyed by it, learns its pod there.
func LinkKeys(ev *schemas.Event) []string {
	if ev.Pod.Namespace == "" || ev.Pod.Name == "" {
		return nil
	}
	var keys []string
	add := func(id string) {
		if id == "" {
			return
		}
		k := ContainerKey(id)
		for _, x := range keys {
			if x == k {
				return
			}
		}
		keys = append(keys, k)
	}
	if !ev.Container.Host {
		add(ev.Container.ID)
	}
	for _, s := range ev.Statuses {
		add(s.ID)
	}
	return keys
}

// PodKey is the unit key of a pod.
func PodKey(namespace, name string) string { return "pod/" + namespace + "/" + name }

// ContainerKey is the unit key of a plain container (or of a container whose
// pod is not known yet). Every form of one id (12 characters, Tetragon's
// truncated prefix, full 64) gives the same key.
func ContainerKey(id string) string { return "ctr/" + schemas.ShortID(id) }

// linkKey is the key of a container id in the link index.
func linkKey(id string) string { return schemas.ShortID(id) }

// unit is the state of one correlation unit: a pod name (with every pod
// that bore it) or a plain container.
type unit struct {
	key       string
	pod       bool
	instances []*instance // oldest first
	// audit holds recent audit ids, so the stages of one request count once.
	audit     [32]string
	auditNext int
	lastSeen  time.Time
	// plain is set for a container unit once a runtime record shows the
	// container has no pod.
	plain bool
	// queued is set while the unit has an entry in the expiry queue.
	queued bool
}

const maxInstances = 4

func (u *unit) seenAudit(id string) bool {
	return slices.Contains(u.audit[:], id)
}

func (u *unit) rememberAudit(id string) {
	u.audit[u.auditNext] = id
	u.auditNext = (u.auditNext + 1) % len(u.audit)
}

// instance is one pod (one uid) or one plain container.
type instance struct {
	unit *unit
	seq  uint64

	uid, cluster, namespace, name, node string
	// created is the earliest event time the instance is known from;
	// createSeen says whether the creation itself was observed.
	created    time.Time
	createSeen bool
	ended      time.Time

	creator        schemas.Actor
	owner          string
	serviceAccount string

	// early is an instance of the same pod name known only from records
	// stamped before this pod's creation; foldEarly merges it in if a
	// container id shows it was this pod all along.
	early *instance

	hostPID, hostIPC, hostNet bool
	podRiskAt                 time.Time
	volumes                   []schemas.Volume
	containers                []*ctrState

	starts   []startRec
	sessions []*sessionRec
	actions  []actionRec
	mounts   []mountRec
	recon    []reconRec

	// kept are the events that set the instance's specification and
	// container ids, newest last, re-published by Engine refreshes.
	kept          []*schemas.Event
	refreshQueued bool

	sawSpec    bool
	sawSyscall bool
	// notes gathered for the playbook questions
	unshareKeyctl []string
	sockAccess    []string

	alerts map[string]*alertState
}

// maxKept bounds the specification events an instance keeps for refreshes.
const maxKept = 8

// keep retains a specification event of a risky instance: the newest one
// of its kind for its container (a pod's spec, a container's start), so
// that a refresh carries the specification as it stands.
func (in *instance) keep(ev *schemas.Event) {
	for i, k := range in.kept {
		if k.NativeID == ev.NativeID && ev.NativeID != "" {
			return
		}
		if k.Kind == ev.Kind && k.Container.ID == ev.Container.ID && k.Container.Name == ev.Container.Name {
			if !ev.Time.Before(k.Time) {
				in.kept[i] = ev
			}
			return
		}
	}
	if len(in.kept) == maxKept {
		in.kept = append(in.kept[:0], in.kept[1:]...)
	}
	in.kept = append(in.kept, ev)
}

// keeps reports whether the instance retains the event of this native id.
func (in *instance) keeps(native string) bool {
	if native == "" {
		return false
	}
	for _, k := range in.kept {
		if k.NativeID == native {
			return true
		}
	}
	return false
}

// refreshEvents are what a refresh writes back for the instance: its kept
// specification events and, for a pod, a status event with the container
// ids it has learned, so that records naming only a container still find
// the pod after a rebuild.
func (in *instance) refreshEvents() []*schemas.Event {
	out := slices.Clone(in.kept)
	if !in.unit.pod {
		return out
	}
	var statuses []schemas.ContainerStatus
	for _, c := range in.containers {
		for _, id := range c.ids {
			statuses = append(statuses, schemas.ContainerStatus{Name: c.name, ID: id})
		}
	}
	if len(statuses) == 0 {
		return out
	}
	return append(out, &schemas.Event{Time: in.created, Source: schemas.SourceK8sAudit, Producer: schemas.ProducerAPIServer,
		Kind: schemas.KindPodStatus, NativeID: "refresh/" + in.unit.key + "/" + in.uid, Cluster: in.cluster, Node: in.node,
		Pod: schemas.Pod{Namespace: in.namespace, Name: in.name, UID: in.uid}, Statuses: statuses})
}

// ctrState is one container of an instance.
type ctrState struct {
	name  string
	ids   []string
	image string
	typ   string

	privileged bool
	caps       uint64 // dangerous capabilities added
	capNames   []string
	mounts     []schemas.HostMount
	sensitive  []schemas.HostMount // mounts that raise ESC-S04
	sockets    []schemas.HostMount // mounts that raise ESC-S05
	rootRW     bool                // "/" mounted writable
	workdir    string              // under /proc/*/fd (ESC-S06)

	specSeen bool
	// capsSeen is set once a syscall sensor reported the capabilities of
	// a process in the container.
	capsSeen bool
	started  time.Time
	ended    time.Time

	allow      RuleSet
	allowImage string // image the allow set was computed for
}

// startRec is a risky start: the moment a container or pod with risk flags
// started (or was seen starting).
type startRec struct {
	at    time.Time
	scope string // container name; "" for the pod
	ev    *evItem
}

// sessionRec is an interactive session into the unit.
type sessionRec struct {
	at        time.Time
	container string
	user      string
	groups    []string
	command   string
	kind      string
	nativeID  string
	risky     bool
	ev        *evItem
	alert     *alertState // the ESC-S07 alert, when risky
}

// actionRec is a host-level action remembered for later joins and for the
// playbook questions.
type actionRec struct {
	at        time.Time
	hit       Hit
	severity  schemas.Severity
	container string
	ev        *evItem
	allowed   bool
	// recon is set when escape reconnaissance preceded the action in its
	// container within the window.
	recon bool
}

// mountRec is a block device mount, the first half of ESC-C03.
type mountRec struct {
	at        time.Time
	target    string
	container string
	ev        *evItem
	nativeID  string
}

func (in *instance) alive(t time.Time, grace time.Duration) bool {
	return in.ended.IsZero() || !t.After(in.ended.Add(grace))
}

// container returns the container with the given name, creating it.
func (in *instance) container(name string) *ctrState {
	for _, c := range in.containers {
		if c.name == name {
			return c
		}
	}
	if len(in.containers) >= maxContainers {
		return in.containers[len(in.containers)-1]
	}
	c := &ctrState{name: name}
	in.containers = append(in.containers, c)
	return c
}

const maxContainers = 32

// containerByID finds a container by any form of its id.
func (in *instance) containerByID(id string) *ctrState {
	if id == "" {
		return nil
	}
	for _, c := range in.containers {
		for _, x := range c.ids {
			if schemas.SameContainer(x, id) {
				return c
			}
		}
	}
	return nil
}

// absorb takes what was learned of the same container under another
// instance: its ids, image and risk flags.
func (c *ctrState) absorb(x *ctrState) {
	for _, id := range x.ids {
		c.addID(id)
	}
	if c.image == "" {
		c.image = x.image
	}
	if c.typ == "" {
		c.typ = x.typ
	}
	c.privileged = c.privileged || x.privileged
	for _, n := range x.capNames {
		if !slices.Contains(c.capNames, n) {
			c.capNames = append(c.capNames, n)
		}
	}
	c.caps |= x.caps
	for _, m := range x.mounts {
		if !hasMount(c.mounts, m) {
			c.mounts = append(c.mounts, m)
		}
	}
	for _, m := range x.sensitive {
		if !hasMount(c.sensitive, m) {
			c.sensitive = append(c.sensitive, m)
		}
	}
	for _, m := range x.sockets {
		if !hasMount(c.sockets, m) {
			c.sockets = append(c.sockets, m)
		}
	}
	c.rootRW = c.rootRW || x.rootRW
	if c.workdir == "" {
		c.workdir = x.workdir
	}
	c.specSeen = c.specSeen || x.specSeen
	c.capsSeen = c.capsSeen || x.capsSeen
	if c.started.IsZero() || (!x.started.IsZero() && x.started.Before(c.started)) {
		c.started = x.started
	}
	c.allowImage = "" // the image may be new: compute the allow set again
}

// addID records an id of the container, keeping the longest form of each.
func (c *ctrState) addID(id string) {
	if id == "" {
		return
	}
	for i, x := range c.ids {
		if schemas.SameContainer(x, id) {
			if len(id) > len(x) {
				c.ids[i] = id
			}
			return
		}
	}
	if len(c.ids) < 8 {
		c.ids = append(c.ids, id)
	}
}

// longestID is the id alerts show: full when known, else the longest seen.
func (c *ctrState) longestID() string {
	best := ""
	for _, x := range c.ids {
		if len(x) > len(best) {
			best = x
		}
	}
	return best
}

// risky reports whether the container carries any risk flag of its own.
func (c *ctrState) risky() bool {
	return c.privileged || c.caps != 0 || len(c.sensitive) > 0 || len(c.sockets) > 0 || c.workdir != ""
}

// podRisky reports whether the pod carries pod-level risk flags.
func (in *instance) podRisky() bool {
	return in.hostPID || in.hostIPC || in.hostNet || len(in.unmountedRiskyVolumes()) > 0
}

// riskyFor reports whether an action in container c (nil: unknown) runs
// with risk flags: the pod's own, plus the container's, or any container's
// when the container is unknown.
func (in *instance) riskyFor(c *ctrState) bool {
	if in.podRisky() {
		return true
	}
	if c != nil {
		return c.risky()
	}
	for _, x := range in.containers {
		if x.risky() {
			return true
		}
	}
	return false
}

// riskyBeyondMounts is riskyFor without the sensitive host mounts.
func (in *instance) riskyBeyondMounts(c *ctrState) bool {
	if in.hostPID || in.hostIPC || in.hostNet {
		return true
	}
	cs := in.containers
	if c != nil {
		cs = []*ctrState{c}
	}
	for _, x := range cs {
		if x.privileged || x.caps != 0 || len(x.sockets) > 0 || x.workdir != "" {
			return true
		}
	}
	return false
}

// privilegedFor reports ESC-S01's flag for c, or for any container when c
// is unknown.
func (in *instance) privilegedFor(c *ctrState) bool {
	if c != nil {
		return c.privileged
	}
	for _, x := range in.containers {
		if x.privileged {
			return true
		}
	}
	return false
}

// riskFlags lists the flags that apply to container c (all containers when
// nil), in a fixed order.
func (in *instance) riskFlags(c *ctrState) []string {
	flags := []string{}
	var cs []*ctrState
	if c != nil {
		cs = []*ctrState{c}
	} else {
		cs = in.containers
	}
	has := func(f string) bool { return slices.Contains(flags, f) }
	add := func(f string) {
		if !has(f) {
			flags = append(flags, f)
		}
	}
	for _, x := range cs {
		if x.privileged {
			add("PRIV")
		}
	}
	if in.hostPID {
		add("HOSTPID")
	}
	if in.hostIPC {
		add("HOSTIPC")
	}
	if in.hostNet {
		add("HOSTNET")
	}
	for _, x := range cs {
		for _, n := range x.capNames {
			add("CAP:" + n)
		}
	}
	for _, x := range cs {
		for _, m := range x.sensitive {
			add("MNT:" + m.Target)
		}
	}
	for _, x := range cs {
		for _, m := range x.sockets {
			add("SOCK:" + m.Target)
		}
	}
	for _, x := range cs {
		if x.workdir != "" {
			add("PROCFD:" + x.workdir)
		}
	}
	for _, v := range in.unmountedRiskyVolumes() {
		add("VOL:" + v.HostPath)
	}
	return flags
}

// unmountedRiskyVolumes returns sensitive hostPath volumes that no container
// mounts; they are reported against the pod. The policy judged them when
// they were recorded.
func (in *instance) unmountedRiskyVolumes() []schemas.Volume {
	var out []schemas.Volume
	for _, v := range in.volumes {
		mounted := false
		src := cleanPath(v.HostPath) // mount sources are clean: "/etc/kubernetes/manifests/" is theirs too
		for _, c := range in.containers {
			for _, m := range c.mounts {
				if under(m.Source, src) {
					mounted = true
				}
			}
		}
		if !mounted {
			out = append(out, v)
		}
	}
	return out
}

// earliestStart returns the earliest risky start of the scope within
// [t-window, t+skew] that applies to container c (nil: any).
func (in *instance) earliestStart(c *ctrState, t time.Time, window, skew time.Duration) *startRec {
	var best *startRec
	for i := range in.starts {
		s := &in.starts[i]
		if c != nil && s.scope != "" && s.scope != c.name {
			continue
		}
		if s.at.Before(t.Add(-window)) || s.at.After(t.Add(skew)) {
			continue
		}
		if best == nil || s.at.Before(best.at) {
			best = s
		}
	}
	return best
}
