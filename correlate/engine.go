package correlate

import (
	"container/heap"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/escapewatch/escapewatch/schemas"
)

// EmitMode says when alerts leave the engine.
type EmitMode uint8

// Emit modes.
const (
	// EmitFinal hands out each alert once, in its final state, when no more
	// evidence can reach it (the window closed, or the pod ended). Scan
	// mode uses it so output is complete and reproducible.
	EmitFinal EmitMode = iota
	// EmitEager hands out an alert as soon as it is raised, again whenever
	// its severity changes, and once more in its final state if anything
	// changed. Every version carries the same id.
	EmitEager
)

// Config configures an Engine.
type Config struct {
	// Policy tunes detection. Default: DefaultPolicy().
	Policy *Policy
	// Mode chooses when alerts are handed out. Default: EmitFinal.
	Mode EmitMode
	// Owns reports whether this engine owns a unit key. An event that
	// resolves to a unit owned elsewhere is handed back as a Reroute
	// output. Default: owns every key.
	Owns func(key string) bool
	// Metrics receives the engine's counters; nil records nothing.
	Metrics *Metrics
	// RefreshEvery, when set, hands out (Output.Refresh) the events that
	// set a live risky pod's or container's specification and container
	// ids again each time this much event time has passed. Streaming
	// writes them back to the keyed topic, so that a partition rebuilt from
	// a lookback of history still knows pods started long before it (a
	// session into one may come at any time). 0 never refreshes.
	RefreshEvery time.Duration
}

// Output is what the engine hands out: an alert version or an event that
// belongs to another engine.
type Output struct {
	Alert *schemas.Alert
	// Final is set on the last version of an alert.
	Final bool
	// Reroute is an event to deliver to the owner of Key.
	Reroute *schemas.Event
	// Refresh are the retained events of the unit Key to write back (see
	// Config.RefreshEvery); pass them to Restore when rebuilding.
	Refresh []*schemas.Event
	Key     string
}

// Engine correlates events per unit in event time. It is not safe for
// concurrent use: streaming runs one Engine per partition.
type Engine struct {
	pol     *Policy
	mode    EmitMode
	owns    func(string) bool
	m       *Metrics
	refresh time.Duration

	units *simplelru.LRU[string, *unit]
	links *simplelru.LRU[string, podLink]

	held      map[string][]*heldEvent
	heldCount int
	heldQ     heldQueue
	alertQ    alertQueue
	expiryQ   expiryQueue
	refreshQ  refreshQueue

	wm       time.Time
	seq      uint64
	pending  []Output
	dirty    []*alertState
	removing bool // a unit is being removed on purpose, not evicted
	// restoring is set while Restore applies an event: it rebuilds state
	// and raises no alert.
	restoring bool
	// tracked and heldShown are this engine's share of the shared gauges.
	tracked, heldShown int
}

// podLink is what the engine knows of a container id's pod. node is the
// host the linking record named, if it named one.
type podLink struct {
	namespace, name, uid, container, node string
}

type heldEvent struct {
	ev      *schemas.Event
	release time.Time
	link    string
	seq     uint64
	done    bool
}

// NewEngine returns an engine.
func NewEngine(cfg Config) (*Engine, error) {
	p := cfg.Policy
	if p == nil {
		p = DefaultPolicy()
	}
	e := &Engine{pol: p, mode: cfg.Mode, owns: cfg.Owns, m: cfg.Metrics, refresh: cfg.RefreshEvery, held: map[string][]*heldEvent{}}
	if e.m == nil {
		e.m = NewMetrics(nil)
	}
	var err error
	e.units, err = simplelru.NewLRU[string, *unit](p.Limits.MaxUnits, e.onUnitEvicted)
	if err != nil {
		return nil, err
	}
	e.links, err = simplelru.NewLRU[string, podLink](p.Limits.MaxUnits*4, nil)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Watermark returns the newest event time the engine has seen.
func (e *Engine) Watermark() time.Time { return e.wm }

// ErrLate is returned for an event older than the watermark minus the
// allowed lateness; it is counted and ignored.
var ErrLate = errors.New("event arrived later than the allowed lateness")

// ErrNoUnit is returned for an event that names neither a pod nor a
// container (host processes, unattributed auditd records).
var ErrNoUnit = errors.New("event names no pod or container")

// Process correlates one event and calls out for every output it causes.
// The engine keeps the event: it must be detached from its record
// (schemas.Event.Detach) and not modified afterwards.
func (e *Engine) Process(ev *schemas.Event, out func(Output)) error {
	err := e.process(ev)
	e.drain(out)
	return err
}

// LearnLinks takes only the container-to-pod links an event carries, and
// releases events held for those containers; it reports whether a link was
// new. Streaming uses it for the copy of a link-bearing event that stage 1
// sends to the containers' own units. Links do not depend on event time (a
// container id belongs to one pod for ever), so they may be learned as soon
// as they arrive.
func (e *Engine) LearnLinks(ev *schemas.Event, out func(Output)) bool {
	learned := e.learnLinks(ev)
	e.drain(out)
	return learned
}

// Restore applies a refreshed event (Output.Refresh, read back while
// rebuilding) whatever its age: it sets the specification, container ids
// and risk flags it carries, raises no alert, and leaves the watermark
// alone. An event the unit already keeps is ignored, so a refresh read back
// by the engine that wrote it changes nothing.
func (e *Engine) Restore(ev *schemas.Event, out func(Output)) {
	e.learnLinks(ev)
	key, _ := e.resolve(ev)
	if key != "" && (e.owns == nil || e.owns(key)) && !e.keeps(key, ev.NativeID) {
		e.restoring = true
		e.apply(key, ev)
		e.restoring = false
	}
	e.drain(out)
}

// keeps reports whether a unit retains the event of this native id.
func (e *Engine) keeps(key, native string) bool {
	u, ok := e.units.Peek(key)
	if !ok {
		return false
	}
	for _, in := range u.instances {
		if in.keeps(native) {
			return true
		}
	}
	return false
}

// Resolve returns the unit key of an event, filling in the pod of an event
// that names only its container when the engine has learned that
// container's pod. Streaming uses it to hand such an event to its pod's
// owner as soon as it arrives rather than after the reorder delay.
func (e *Engine) Resolve(ev *schemas.Event) string {
	key, _ := e.resolve(ev)
	return key
}

// resolve returns the unit key of an event and whether it names only a
// container whose pod is not known (yet).
func (e *Engine) resolve(ev *schemas.Event) (key string, unlinked bool) {
	key = UnitKey(ev)
	if !strings.HasPrefix(key, "ctr/") {
		return key, false
	}
	l, ok := e.links.Get(linkKey(ev.Container.ID))
	if !ok || !e.sameHost(ev, l) {
		return key, true
	}
	l.fill(ev)
	return PodKey(l.namespace, l.name), false
}

// sameHost reports whether a record that names its container by id may join
// the linked pod. A full id is unique anywhere; a shorter one matches by
// prefix only on the pod's own host when both the record and the pod name
// their host (CONTRACT §4): 12 hex characters can recur across a fleet.
func (e *Engine) sameHost(ev *schemas.Event, l podLink) bool {
	if ev.Node == "" || len(ev.Container.ID) >= schemas.FullIDLen {
		return true
	}
	node := l.node
	if node == "" {
		node = e.podNode(l)
	}
	return node == "" || sameNode(node, ev.Node)
}

// sameNode compares host names as producers write them: the kubelet's node
// name and a sensor's hostname may differ in case or in the domain
// ("worker-3" and "worker-3.dc2.example").
func sameNode(a, b string) bool {
	host := func(s string) string {
		if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s, "0123456789.") != "" {
			return s[:i] // a name, not an IPv4 address
		}
		return s
	}
	return strings.EqualFold(host(a), host(b))
}

// podNode returns the node of the linked pod's instance, when this engine
// tracks it.
func (e *Engine) podNode(l podLink) string {
	u, ok := e.units.Peek(PodKey(l.namespace, l.name))
	if !ok {
		return ""
	}
	for i := len(u.instances) - 1; i >= 0; i-- {
		if in := u.instances[i]; l.uid == "" || in.uid == "" || in.uid == l.uid {
			return in.node
		}
	}
	return ""
}

// Flush ends the input: held events are judged, every open alert is
// finalized and handed out. The engine stays usable.
func (e *Engine) Flush(out func(Output)) {
	for e.heldQ.Len() > 0 {
		h := heap.Pop(&e.heldQ).(*heldEvent)
		e.releaseHeld(h)
	}
	for e.alertQ.Len() > 0 {
		x := heap.Pop(&e.alertQ).(alertEntry)
		if x.at.Equal(x.a.closeAt) && !x.a.final {
			e.finalize(x.a)
		}
	}
	e.drain(out)
}

func (e *Engine) drain(out func(Output)) {
	e.flushDirty()
	for i := range e.pending {
		out(e.pending[i])
		e.pending[i] = Output{}
	}
	e.pending = e.pending[:0]
	e.showGauges(e.units.Len(), e.heldCount)
}

// showGauges moves this engine's share of the gauges that several engines
// (one per partition) add up.
func (e *Engine) showGauges(tracked, held int) {
	e.m.trackedUnits.Add(float64(tracked - e.tracked))
	e.m.heldEvents.Add(float64(held - e.heldShown))
	e.tracked, e.heldShown = tracked, held
}

// Close withdraws the engine's share of the gauges; call it when a
// partition's engine is dropped. It does not finalize alerts.
func (e *Engine) Close() { e.showGauges(0, 0) }

func (e *Engine) process(ev *schemas.Event) error {
	lateness := e.pol.Windows.Lateness.D()
	if !e.wm.IsZero() && ev.Time.Before(e.wm.Add(-lateness)) {
		e.m.lateEvents.Inc()
		return ErrLate
	}
	at := WatermarkTime(ev, e.pol.Windows.Skew.D())
	if at.Before(ev.Time) {
		e.m.clockAhead.Inc()
	}
	if at.After(e.wm) {
		e.wm = at
		e.housekeep()
	}
	return e.route(ev, true)
}

// WatermarkTime is how far an event may advance a watermark: its event
// time, but no more than maxAhead past its record's broker time when that
// is known. One sensor whose clock runs a day ahead would otherwise move a
// partition's watermark a day on, and every correct event after it would
// count as late.
func WatermarkTime(ev *schemas.Event, maxAhead time.Duration) time.Time {
	if !ev.IngestTime.IsZero() {
		if limit := ev.IngestTime.Add(maxAhead); ev.Time.After(limit) {
			return limit
		}
	}
	return ev.Time
}

// route finds the unit of an event and applies it there, or holds it until
// its container's pod is known, or hands it to the unit's owner.
func (e *Engine) route(ev *schemas.Event, mayHold bool) error {
	e.learnLinks(ev)
	key, unlinked := e.resolve(ev)
	if key == "" {
		e.m.unattributed.Inc()
		return ErrNoUnit
	}
	if unlinked && mayHold && e.pol.Windows.LinkWait > 0 && !e.isPlain(key) && !plainEvidence(ev) {
		e.hold(ev)
		return nil
	}
	if e.owns != nil && !e.owns(key) {
		e.pending = append(e.pending, Output{Reroute: ev, Key: key})
		return nil
	}
	e.apply(key, ev)
	return nil
}

func (l podLink) fill(ev *schemas.Event) {
	ev.Pod.Namespace, ev.Pod.Name = l.namespace, l.name
	if ev.Pod.UID == "" {
		ev.Pod.UID = l.uid
	}
	if ev.Container.Name == "" {
		ev.Container.Name = l.container
	}
}

// plainEvidence reports whether a record shows its container has no pod:
// Docker reports the Kubernetes labels of every container it runs for the
// kubelet, so a Docker record without them is a plain container.
func plainEvidence(ev *schemas.Event) bool {
	return ev.Producer == schemas.ProducerDocker && ev.Pod.IsZero() && ev.Container.ID != ""
}

func (e *Engine) isPlain(key string) bool {
	u, ok := e.units.Peek(key)
	return ok && u.plain
}

// learnLinks records which pod the container ids of an event belong to and
// releases events held for them; it reports whether a link was new.
func (e *Engine) learnLinks(ev *schemas.Event) (learned bool) {
	if ev.Pod.Namespace == "" || ev.Pod.Name == "" {
		return false
	}
	link := func(id, name string) {
		if id == "" {
			return
		}
		k := linkKey(id)
		l := podLink{namespace: ev.Pod.Namespace, name: ev.Pod.Name, uid: ev.Pod.UID, container: name, node: ev.Node}
		if old, ok := e.links.Peek(k); ok && old == l {
			return
		} else if ok && old.namespace == l.namespace && old.name == l.name {
			if l.uid == "" {
				l.uid = old.uid
			}
			if old.node != "" {
				l.node = old.node // the first host named stays, as for the pod
			}
			if old == l {
				return
			}
		}
		e.links.Add(k, l)
		e.m.linksLearned.Inc()
		learned = true
		if held := e.held[k]; len(held) > 0 {
			delete(e.held, k)
			for _, h := range held {
				if !h.done {
					h.done = true
					e.heldCount--
					_ = e.route(h.ev, false)
				}
			}
		}
	}
	if ev.Container.ID != "" && !ev.Container.Host {
		link(ev.Container.ID, ev.Container.Name)
	}
	for _, s := range ev.Statuses {
		link(s.ID, s.Name)
	}
	return learned
}

func (e *Engine) hold(ev *schemas.Event) {
	if e.heldCount >= e.pol.Limits.MaxHeld {
		e.m.heldOverflow.Inc()
		_ = e.route(ev, false)
		return
	}
	e.seq++
	h := &heldEvent{ev: ev, release: ev.Time.Add(e.pol.Windows.LinkWait.D()), link: linkKey(ev.Container.ID), seq: e.seq}
	e.held[h.link] = append(e.held[h.link], h)
	e.heldCount++
	heap.Push(&e.heldQ, h)
}

func (e *Engine) releaseHeld(h *heldEvent) {
	if h.done {
		return
	}
	h.done = true
	e.heldCount--
	list := e.held[h.link]
	for i, x := range list {
		if x == h {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(e.held, h.link)
	} else {
		e.held[h.link] = list
	}
	_ = e.route(h.ev, false)
}

// housekeep runs what the watermark makes due: held events whose wait is
// over, alerts that can no longer change, units with nothing left to join.
func (e *Engine) housekeep() {
	for e.heldQ.Len() > 0 && !e.heldQ[0].release.After(e.wm) {
		e.releaseHeld(heap.Pop(&e.heldQ).(*heldEvent))
	}
	lateness := e.pol.Windows.Lateness.D()
	for e.alertQ.Len() > 0 && e.alertQ[0].at.Add(lateness).Before(e.wm) {
		x := heap.Pop(&e.alertQ).(alertEntry)
		if !x.at.Equal(x.a.closeAt) || x.a.final {
			continue // superseded entry
		}
		e.finalize(x.a)
	}
	e.refreshDue()
	for e.expiryQ.Len() > 0 && e.expiryQ[0].at.Before(e.wm) {
		x := heap.Pop(&e.expiryQ).(expiry)
		u, ok := e.units.Peek(x.key)
		if !ok || u != x.unit {
			continue
		}
		u.queued = false
		if at := e.expiryOf(u); at.After(e.wm) {
			u.queued = true
			heap.Push(&e.expiryQ, expiry{at: at, key: x.key, unit: u})
			continue
		}
		e.removing = true
		e.units.Remove(x.key) // onUnitEvicted finalizes its alerts
		e.removing = false
		e.m.evictions.WithLabelValues("expired").Inc()
	}
}

// expiryOf returns when a unit may be forgotten: never while it holds open
// alerts or a live pod with risk flags (a session may come at any time),
// otherwise once no window can reach back to its last event.
func (e *Engine) expiryOf(u *unit) time.Time {
	w := e.pol.Windows
	horizon := w.Window.D() + max(w.Window.D(), w.ExecWindow.D()) + w.Skew.D() + w.Lateness.D() + w.TerminationGrace.D()
	for _, in := range u.instances {
		if len(in.alerts) > 0 {
			return e.wm.Add(horizon)
		}
		// A live pod with risk flags may see a session at any time, and
		// one whose spec was seen answers the playbook from it: keep them
		// (the LRU cap still bounds memory).
		if in.ended.IsZero() && (in.riskyFor(nil) || in.sawSpec) {
			return e.wm.Add(24 * time.Hour)
		}
	}
	return u.lastSeen.Add(horizon)
}

func (e *Engine) onUnitEvicted(key string, u *unit) {
	for _, in := range u.instances {
		e.finalizeInstance(in)
	}
	if !e.removing {
		e.m.evictions.WithLabelValues("capacity").Inc()
	}
}

func (e *Engine) finalizeInstance(in *instance) {
	for _, a := range sortedAlerts(in.alerts) {
		if !a.final {
			e.finalize(a)
		}
	}
}

func (e *Engine) getUnit(key string, ev *schemas.Event) *unit {
	if u, ok := e.units.Get(key); ok {
		return u
	}
	u := &unit{key: key, pod: strings.HasPrefix(key, "pod/")}
	e.units.Add(key, u)
	return u
}

// instanceFor finds the pod (or container) instance an event belongs to: by
// pod uid, by container id, else the instance alive at the event's time. A
// pod recreated under the same name gets a new instance, so it never
// inherits the old one's flags.
func (e *Engine) instanceFor(u *unit, ev *schemas.Event) *instance {
	grace := e.pol.Windows.TerminationGrace.D()
	skew := e.pol.Windows.Skew.D()
	uid := ev.Pod.UID
	if uid != "" {
		for i := len(u.instances) - 1; i >= 0; i-- {
			if in := u.instances[i]; in.uid == uid {
				if in.alive(ev.Time, grace) {
					return in
				}
				// The pod's state ended after its grace; a late record (its
				// uid often only filled in from a container link) starts
				// afresh without the old flags.
				break
			}
		}
	}
	if id := ev.Container.ID; id != "" {
		for i := len(u.instances) - 1; i >= 0; i-- {
			in := u.instances[i]
			// A container's state ends with its pod's, after the grace,
			// whichever way the record names it.
			if in.containerByID(id) != nil && (uid == "" || in.uid == "") && in.alive(ev.Time, grace) {
				if later := laterPodOf(u, in, ev.Time, skew); later != nil {
					return later // foldEarly merges in into it
				}
				if in.uid == "" {
					in.uid = uid
				}
				return in
			}
		}
	}
	var early *instance
	for i := len(u.instances) - 1; i >= 0; i-- {
		in := u.instances[i]
		if uid != "" && in.uid != "" {
			continue // a different pod of the same name
		}
		if !in.created.IsZero() && ev.Time.Before(in.created.Add(-skew)) && i > 0 {
			continue // older than this pod: belongs to an earlier one
		}
		if !in.alive(ev.Time, grace) {
			break
		}
		if uid != "" && e.newPodTakesName(in, ev) {
			early = in
			break
		}
		if in.uid == "" {
			in.uid = uid
		}
		return in
	}
	e.seq++
	in := &instance{unit: u, seq: e.seq, uid: uid, created: ev.Time, alerts: map[string]*alertState{}, early: early}
	if len(u.instances) >= maxInstances {
		e.finalizeInstance(u.instances[0])
		u.instances = u.instances[1:]
		e.m.evictions.WithLabelValues("instances").Inc()
	}
	u.instances = append(u.instances, in)
	return in
}

// newPodTakesName reports whether an audit record of a pod spec with a uid
// is the creation of a new pod under the name of instance in, which was
// known only from runtime or syscall records (no uid, no audit spec) since
// before this pod could exist. The record names no verb, so a spec update
// of the same pod looks alike; it is told apart by its container ids, which
// a pod being created does not have yet.
func (e *Engine) newPodTakesName(in *instance, ev *schemas.Event) bool {
	if ev.Source != schemas.SourceK8sAudit || ev.Kind != schemas.KindPodSpec || in.uid != "" || in.createSeen {
		return false
	}
	if !in.created.Before(ev.Time.Add(-e.pol.Windows.Skew.D())) {
		return false // seen within the clock skew of the create: this pod's own records
	}
	for _, s := range ev.Statuses {
		if in.containerByID(s.ID) != nil {
			return false
		}
	}
	return in.containerByID(ev.Container.ID) == nil
}

// laterPodOf returns the pod created after instance early that may be the
// same pod (its early field), when a record at t names one of early's
// containers: no container of an older pod of that name still runs once a
// new pod took the name, so a container seen alive then is the new pod's.
func laterPodOf(u *unit, early *instance, t time.Time, skew time.Duration) *instance {
	for _, in := range u.instances {
		if in.early == early && !t.Before(in.created.Add(-skew)) {
			return in
		}
	}
	return nil
}

// foldEarly merges in.early into in once a record shows they share a
// container. in.early holds the records of the pod name stamped before in's
// creation, beyond the skew, by sensors that named no pod uid: another pod
// of that name (which in must not inherit), or in's own records from a
// sensor whose clock lags more than the skew. A shared container id tells.
func (e *Engine) foldEarly(in *instance, ev *schemas.Event) {
	old := in.early
	if old == nil {
		return
	}
	u := in.unit
	if !slices.Contains(u.instances, old) {
		in.early = nil // evicted meanwhile
		return
	}
	shared := old.containerByID(ev.Container.ID) != nil
	for _, s := range ev.Statuses {
		shared = shared || old.containerByID(s.ID) != nil
	}
	if !shared {
		return
	}
	in.early = nil
	u.instances = slices.DeleteFunc(u.instances, func(x *instance) bool { return x == old })

	names := map[string]string{} // old container name -> name in in
	for _, x := range old.containers {
		var c *ctrState
		for _, id := range x.ids {
			if c = in.containerByID(id); c != nil {
				break
			}
		}
		if c == nil {
			c = in.container(x.name)
		}
		c.absorb(x)
		names[x.name] = c.name
	}
	rename := func(name string) string {
		if n, ok := names[name]; ok {
			return n
		}
		return name
	}
	for _, a := range sortedAlerts(old.alerts) {
		a.inst = in
		if a.ctr != nil {
			a.ctr = in.findContainer(rename(a.ctr.name))
		}
		if in.alerts[a.key] != nil {
			a.key += "|" + a.id
		}
		in.alerts[a.key] = a
	}
	for i := range old.starts {
		old.starts[i].scope = rename(old.starts[i].scope)
	}
	in.starts = keepLast(append(old.starts, in.starts...), maxStarts)
	for _, s := range old.sessions {
		s.container = rename(s.container)
	}
	in.sessions = keepLast(append(old.sessions, in.sessions...), maxSessions)
	for i := range old.mounts {
		old.mounts[i].container = rename(old.mounts[i].container)
	}
	in.mounts = keepLast(append(old.mounts, in.mounts...), maxMounts)
	for i := range old.recon {
		old.recon[i].container = rename(old.recon[i].container)
	}
	in.recon = keepLast(append(old.recon, in.recon...), maxRecon)
	for i := range old.actions {
		old.actions[i].container = rename(old.actions[i].container)
	}
	all := len(old.actions) + len(in.actions)
	in.actions = keepLast(append(old.actions, in.actions...), e.pol.Limits.MaxActions)
	moved := max(len(old.actions)-(all-len(in.actions)), 0) // the old actions kept, first in the list
	for _, n := range old.unshareKeyctl {
		in.unshareKeyctl = addNote(in.unshareKeyctl, n)
	}
	for _, n := range old.sockAccess {
		in.sockAccess = addNote(in.sockAccess, n)
	}
	in.sawSyscall = in.sawSyscall || old.sawSyscall
	in.sawSpec = in.sawSpec || old.sawSpec
	if in.node == "" {
		in.node = old.node
	}
	if old.created.Before(in.created) {
		in.created = old.created
	}
	// The old records now sit in a pod with risk flags: join them as if
	// they had arrived after its start.
	for i := range in.actions[:moved] {
		rec := &in.actions[i]
		if rec.hit.Rule == RuleA15 {
			continue
		}
		c := in.findContainer(rec.container)
		if !rec.allowed {
			e.chainC01(in, c, rec)
		}
		e.chainC02(in, c, rec)
	}
	for _, s := range in.sessions {
		if !s.risky && in.riskyFor(in.findContainer(s.container)) {
			s.risky = true
			e.raiseSession(in, in.findContainer(s.container), s)
		}
	}
}

// keepLast returns the last n elements of s.
func keepLast[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// apply correlates an event within its unit.
func (e *Engine) apply(key string, ev *schemas.Event) {
	u := e.getUnit(key, ev)
	if ev.Time.After(u.lastSeen) {
		u.lastSeen = ev.Time
	}
	if ev.Source == schemas.SourceK8sAudit && ev.NativeID != "" {
		if ev.Stage == "RequestReceived" && ev.Kind == schemas.KindPodSpec {
			return // outcome unknown; the completed stage says whether it was allowed
		}
		if u.seenAudit(ev.NativeID) && !e.restoring {
			e.m.duplicates.Inc()
			return
		}
		u.rememberAudit(ev.NativeID)
	}
	if ev.Denied {
		return
	}
	if !u.pod && plainEvidence(ev) && !u.plain {
		u.plain = true
		e.releaseFor(linkKey(ev.Container.ID))
	}
	in := e.instanceFor(u, ev)
	e.foldEarly(in, ev)
	hits := Classify(ev, e.pol)
	it := e.item(ev, &hits)
	c := e.identify(in, ev)

	switch ev.Kind {
	case schemas.KindPodDelete:
		e.end(in, ev.Time)
	case schemas.KindContainerEnd:
		if c != nil {
			c.ended = ev.Time
		}
		if !u.pod {
			e.end(in, ev.Time)
		}
	}
	if ev.Spec != nil {
		e.applySpec(in, ev, it)
	}
	e.applyFacts(in, c, ev, it)
	if ev.Kind == schemas.KindSession || ev.Session.Type != "" {
		e.applySession(in, c, ev, it)
	}
	for _, h := range hits.All() {
		e.applyHit(in, c, ev, it, h)
	}
	if hits.HostPath != "" {
		e.checkHostPath(in, c, ev, it, hits.HostPath, hits.HostPathWrite)
	}
	if ev.File.Write && ev.File.Path != "" && !hits.Has(RuleA09) {
		e.checkDiskTakeover(in, c, it, ev.File.Path, false)
	}
	if ev.Source == schemas.SourceSyscall {
		in.sawSyscall = true
	}
	if ev.Spec != nil && in.riskyFor(nil) {
		in.keep(ev)
		e.queueRefresh(in)
	}
	e.touch(in)
}

// queueRefresh schedules an instance's first refresh.
func (e *Engine) queueRefresh(in *instance) {
	if e.refresh > 0 && !in.refreshQueued {
		in.refreshQueued = true
		heap.Push(&e.refreshQ, refreshEntry{at: e.wm.Add(e.refresh), seq: in.seq, inst: in})
	}
}

// refreshDue hands out the retained events of every instance whose refresh
// is due and that is still tracked, alive and risky, and schedules the
// next one; other instances leave the queue.
func (e *Engine) refreshDue() {
	for e.refreshQ.Len() > 0 && !e.refreshQ[0].at.After(e.wm) {
		x := heap.Pop(&e.refreshQ).(refreshEntry)
		in := x.inst
		u, ok := e.units.Peek(in.unit.key)
		if !ok || u != in.unit || !slices.Contains(u.instances, in) || !in.ended.IsZero() || !in.riskyFor(nil) {
			in.refreshQueued = false
			continue
		}
		e.pending = append(e.pending, Output{Refresh: in.refreshEvents(), Key: u.key})
		heap.Push(&e.refreshQ, refreshEntry{at: e.wm.Add(e.refresh), seq: in.seq, inst: in})
	}
}

// releaseFor judges at once the events held for a container that turned out
// to have no pod.
func (e *Engine) releaseFor(link string) {
	held := e.held[link]
	delete(e.held, link)
	for _, h := range held {
		if !h.done {
			h.done = true
			e.heldCount--
			_ = e.route(h.ev, false)
		}
	}
}

func (e *Engine) item(ev *schemas.Event, hits *Hits) *evItem {
	e.seq++
	return &evItem{at: ev.Time, native: ev.NativeID, seq: e.seq, summary: summarize(ev, hits),
		source: ev.Source, prod: ev.Producer, ref: ev.Ref}
}

// identify records what the event says about the instance and returns the
// container it concerns, if it names one.
func (e *Engine) identify(in *instance, ev *schemas.Event) *ctrState {
	if in.namespace == "" {
		in.namespace, in.name = ev.Pod.Namespace, ev.Pod.Name
	}
	if in.cluster == "" {
		in.cluster = ev.Cluster
	}
	// The first record to name the host (the pod's spec or status, or the
	// first runtime or syscall record) sets it; a record from another host
	// does not move the pod there.
	if ev.Node != "" && in.node == "" {
		in.node = ev.Node
	}
	if ev.Time.Before(in.created) {
		in.created = ev.Time
	}
	for _, s := range ev.Statuses {
		if s.ID == "" {
			continue
		}
		c := in.containerByID(s.ID)
		if c == nil && s.Name != "" {
			c = in.container(s.Name)
		}
		if c != nil {
			c.addID(s.ID)
		}
	}
	if ev.Container.Host || (ev.Container.ID == "" && ev.Container.Name == "") {
		return nil
	}
	var c *ctrState
	if ev.Container.ID != "" {
		c = in.containerByID(ev.Container.ID)
	}
	if c == nil {
		name := ev.Container.Name
		if name == "" && !in.unit.pod {
			name = schemas.ShortID(ev.Container.ID)
		}
		if name == "" {
			if len(in.containers) == 1 && len(in.containers[0].ids) == 0 {
				c = in.containers[0]
			} else {
				return nil
			}
		} else {
			c = in.container(name)
		}
	}
	c.addID(ev.Container.ID)
	if c.image == "" && ev.Container.Image != "" {
		c.image = ev.Container.Image
	}
	if ev.Kind == schemas.KindContainerStart && (c.started.IsZero() || ev.Time.Before(c.started)) {
		c.started = ev.Time
	}
	return c
}

func (e *Engine) end(in *instance, at time.Time) {
	if !in.ended.IsZero() && !at.Before(in.ended) {
		return
	}
	in.ended = at
	closeBy := at.Add(e.pol.Windows.TerminationGrace.D())
	for _, a := range in.alerts {
		if a.closeAt.After(closeBy) {
			a.closeAt = closeBy
			e.queue(a)
		}
	}
}

// touch makes sure the unit is queued for expiry. One queue entry per unit
// suffices: expiry only moves later, and a due entry re-queues itself.
func (e *Engine) touch(in *instance) {
	u := in.unit
	if !u.queued {
		u.queued = true
		heap.Push(&e.expiryQ, expiry{at: e.expiryOf(u), key: u.key, unit: u})
	}
}
