package correlate

import (
	"cmp"
	"container/heap"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/escapewatch/escapewatch/schemas"
)

// alertNamespace is the uuid v5 namespace of alert ids.
var alertNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://escapewatch.dev/alerts/v1"))

// AlertID derives an alert id from the rule, its version, the correlation
// unit, the alert's key within the unit (rule and scope: the container, the
// pod, the session or the mount it is about) and the native id of the
// anchoring event (the risky start, session, mount or first action). One
// event can anchor several alerts (ESC-S01 for two containers of one pod
// spec), so the key must be part of the name. Everything in it comes from
// the records, never from the clock or the order of arrival, so the same
// inputs give the same id on any replica, on replay and in scan mode.
func AlertID(rule RuleID, version int, unitKey, key, anchor string) string {
	name := rule.String() + "|" + strconv.Itoa(version) + "|" + unitKey + "|" + key + "|" + anchor
	return uuid.NewSHA1(alertNamespace, []byte(name)).String()
}

// alertState is an alert while it can still change.
type alertState struct {
	rule     RuleID
	id       string
	key      string
	seq      uint64
	inst     *instance
	ctr      *ctrState
	anchorAt time.Time
	closeAt  time.Time
	first    time.Time
	last     time.Time
	severity schemas.Severity
	evidence []*evItem
	dropped  int
	detail   string
	session  *sessionRec
	final    bool
	// actionSev is the highest severity of an action alert's actions
	// before reconnaissance; recon says reconnaissance raised it (once).
	actionSev schemas.Severity
	recon     bool

	version int // changes that matter to a reader
	emitted int // version last handed out; -1 never
	dirty   bool
}

func scopeOf(c *ctrState) string {
	if c == nil {
		return ""
	}
	return c.name
}

// openAlert returns the alert of the instance with this key, raising it if
// needed. It returns nil for disabled rules.
func (e *Engine) openAlert(in *instance, rule RuleID, key string, c *ctrState, anchor *evItem, anchorAt time.Time, span time.Duration) *alertState {
	if a := in.alerts[key]; a != nil && !a.final {
		return a
	}
	if !e.pol.Enabled(rule) || e.restoring {
		return nil
	}
	e.seq++
	a := &alertState{
		rule:     rule,
		id:       AlertID(rule, 1, in.unit.key, key, anchor.native),
		key:      key,
		seq:      e.seq,
		inst:     in,
		ctr:      c,
		anchorAt: anchorAt,
		closeAt:  anchorAt.Add(span),
		first:    anchor.at,
		last:     anchor.at,
		severity: rule.Info().Severity,
		emitted:  -1,
	}
	if s, ok := e.pol.severityOf(rule); ok {
		a.severity = s
	}
	if !in.ended.IsZero() {
		if by := in.ended.Add(e.pol.Windows.TerminationGrace.D()); by.Before(a.closeAt) {
			a.closeAt = by
		}
	}
	if a.closeAt.Before(anchor.at) {
		a.closeAt = anchor.at
	}
	in.alerts[key] = a
	e.queue(a)
	e.changed(a)
	return a
}

func (e *Engine) queue(a *alertState) {
	heap.Push(&e.alertQ, alertEntry{at: a.closeAt, a: a})
}

// addEvidence adds an event to an alert, once, within the per-alert cap.
func (e *Engine) addEvidence(a *alertState, it *evItem) {
	if a == nil || it == nil {
		return
	}
	for _, x := range a.evidence {
		if x == it || (x.native != "" && x.native == it.native) {
			return
		}
	}
	if it.at.Before(a.first) {
		a.first = it.at
	}
	if it.at.After(a.last) {
		a.last = it.at
	}
	if len(a.evidence) >= e.pol.Limits.MaxEvidence {
		a.dropped++
		e.m.evidenceDropped.Inc()
		return
	}
	a.evidence = append(a.evidence, it)
	a.version++
}

// setSeverity raises an alert's severity; eager mode hands the new version
// out.
func (e *Engine) setSeverity(a *alertState, s schemas.Severity) {
	if a == nil || s <= a.severity {
		return
	}
	if o, ok := e.pol.severityOf(a.rule); ok && a.rule.Info().Class == ClassChain {
		s = o // a configured chain severity is fixed
	}
	a.severity = s
	e.changed(a)
}

// changed marks an alert for eager emission.
func (e *Engine) changed(a *alertState) {
	a.version++
	if e.mode == EmitEager && !a.dirty {
		a.dirty = true
		e.dirty = append(e.dirty, a)
	}
}

// flushDirty hands out the alerts raised or raised in severity by the last
// event (eager mode).
func (e *Engine) flushDirty() {
	for _, a := range e.dirty {
		a.dirty = false
		if !a.final {
			e.emit(a, false)
		}
	}
	e.dirty = e.dirty[:0]
}

// finalize closes an alert and hands out its final version.
func (e *Engine) finalize(a *alertState) {
	if a.final {
		return
	}
	a.final = true
	if e.mode == EmitFinal || a.emitted != a.version {
		e.emit(a, true)
	}
	if in := a.inst; in.alerts[a.key] == a {
		delete(in.alerts, a.key)
	}
}

func (e *Engine) emit(a *alertState, final bool) {
	if a.emitted < 0 {
		e.m.alerts.WithLabelValues(a.rule.String(), a.severity.String()).Inc()
	}
	a.emitted = a.version
	e.pending = append(e.pending, Output{Alert: e.assemble(a), Final: final})
}

func sortedAlerts(m map[string]*alertState) []*alertState {
	out := make([]*alertState, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *alertState) int { return cmp.Compare(x.seq, y.seq) })
	return out
}
