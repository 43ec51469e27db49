package correlate

import "github.com/escapewatch/escapewatch/schemas"

// Relevant reports whether the correlator needs an event: anything that
// describes a pod or container (specs, links, sessions, lifecycle ends) and
// any event that matches a rule on its own or reports a risky container.
// Everything else (ordinary process runs, routine API reads, image pulls) is
// dropped before correlation; streaming stage 1 forwards only relevant
// events. It does not allocate for events it drops.
func Relevant(ev *schemas.Event, p *Policy) bool {
	switch ev.Kind {
	case schemas.KindUnknown, schemas.KindLifecycle, schemas.KindAPI:
		return false
	case schemas.KindPodSpec, schemas.KindPodStatus, schemas.KindPodDelete, schemas.KindSession,
		schemas.KindContainerStart, schemas.KindContainerEnd:
		return !ev.Denied && HasUnit(ev)
	}
	if ev.Container.Host || !HasUnit(ev) {
		return false
	}
	if ev.Session.Type != "" {
		return true
	}
	hits := Classify(ev, p)
	if hits.Len() > 0 || hits.HostPath != "" {
		return true
	}
	return reportsRisk(ev, p)
}

// reportsRisk reports whether a syscall producer says the container is
// privileged or holds dangerous capabilities beyond the runtime defaults,
// unless its image is allowlisted for that.
func reportsRisk(ev *schemas.Event, p *Policy) bool {
	c := ev.Container
	var rule RuleID
	switch {
	case c.Privileged || (c.CapsKnown && c.Caps&schemas.AllCaps == schemas.AllCaps):
		rule = RuleS01
	case c.CapsKnown && c.Caps&p.dangerousCaps&^schemas.DefaultRuntimeCaps != 0:
		rule = RuleS03
	default:
		return false
	}
	if c.Image == "" {
		return true
	}
	return !p.allowed(allowSubject{image: c.Image, namespace: ev.Pod.Namespace}).Has(rule)
}

// HasUnit reports, without allocating, whether UnitKey would give a key.
func HasUnit(ev *schemas.Event) bool {
	return (ev.Pod.Namespace != "" && ev.Pod.Name != "") || (!ev.Container.Host && ev.Container.ID != "")
}
