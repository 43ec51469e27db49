package correlate

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the correlator's counters. All labels come from fixed sets
// (rule codes, severities, eviction reasons).
type Metrics struct {
	alerts          *prometheus.CounterVec
	lateEvents      prometheus.Counter
	unattributed    prometheus.Counter
	duplicates      prometheus.Counter
	evictions       *prometheus.CounterVec
	trackedUnits    prometheus.Gauge
	heldEvents      prometheus.Gauge
	heldOverflow    prometheus.Counter
	evidenceDropped prometheus.Counter
	actionsDropped  prometheus.Counter
	linksLearned    prometheus.Counter
	clockAhead      prometheus.Counter
}

// NewMetrics creates the correlator metrics and registers them on reg; a
// nil reg keeps them unregistered. Engines of several partitions share one
// Metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_alerts_total", Help: "Alerts raised, by rule and severity (counted once per alert id).",
		}, []string{"rule", "severity"}),
		lateEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_late_events_total", Help: "Events dropped because they arrived after the allowed lateness.",
		}),
		unattributed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_unattributed_events_total", Help: "Events that name neither a pod nor a container (host processes).",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_duplicate_events_total", Help: "Audit events counted once although seen in several stages.",
		}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_state_evictions_total", Help: "Correlation state dropped, by reason (capacity, expired, instances).",
		}, []string{"reason"}),
		trackedUnits: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "escapewatch_tracked_units", Help: "Pods and plain containers with correlation state.",
		}),
		heldEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "escapewatch_held_events", Help: "Events held until their container's pod is known.",
		}),
		heldOverflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_held_overflow_total", Help: "Events judged at once because the hold buffer was full.",
		}),
		evidenceDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_evidence_dropped_total", Help: "Evidence items left out of alerts by the per-alert cap.",
		}),
		actionsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_actions_dropped_total", Help: "Remembered host actions dropped by the per-pod cap.",
		}),
		linksLearned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_container_links_total", Help: "Container-to-pod links learned or changed.",
		}),
		clockAhead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_clock_ahead_events_total",
			Help: "Events stamped further ahead of their record's broker time than the clock skew; they advance the watermark only that far.",
		}),
	}
	for _, r := range []string{"capacity", "expired", "instances"} {
		m.evictions.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.alerts, m.lateEvents, m.unattributed, m.duplicates, m.evictions, m.trackedUnits,
			m.heldEvents, m.heldOverflow, m.evidenceDropped, m.actionsDropped, m.linksLearned, m.clockAhead)
	}
	return m
}
