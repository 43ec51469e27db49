package pipeline

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// Metrics are the pipeline's Prometheus metrics. Labels come from fixed
// sets: producers, decode reasons, configured topic names, the three sink
// kinds, two clocks.
type Metrics struct {
	records             *prometheus.CounterVec
	events              *prometheus.CounterVec
	decodeFailures      *prometheus.CounterVec
	deadLettered        prometheus.Counter
	forwarded           *prometheus.CounterVec
	alertLatency        *prometheus.HistogramVec
	partitionsOwned     prometheus.Gauge
	partitionsRestoring prometheus.Gauge
	rebuildSeconds      prometheus.Histogram
	rebuildRecords      prometheus.Counter
	lag                 *prometheus.GaugeVec
	sinkErrors          *prometheus.CounterVec
	commitErrors        prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_input_records_total", Help: "Input records read by stage 1, by topic.",
		}, []string{"topic"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_events_total", Help: "Events decoded by stage 1, by producer.",
		}, []string{"producer"}),
		decodeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_decode_failures_total", Help: "Input records that could not be decoded, by reason.",
		}, []string{"reason"}),
		deadLettered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_dead_lettered_total", Help: "Records written to the dead-letter topic.",
		}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_forwarded_total", Help: "Records written to the keyed topic, by kind (event, link, refresh, reroute).",
		}, []string{"kind"}),
		alertLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "escapewatch_alert_latency_seconds",
			Help:    "Time from the event that raised an alert version to its hand-over to the sinks, by clock: event (event time) or ingest (broker timestamp of the input record).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800},
		}, []string{"clock"}),
		partitionsOwned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "escapewatch_partitions_owned", Help: "Keyed-topic partitions this instance correlates.",
		}),
		partitionsRestoring: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "escapewatch_partitions_restoring", Help: "Owned partitions still rebuilding their state.",
		}),
		rebuildSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "escapewatch_rebuild_duration_seconds", Help: "Time to rebuild a partition's state on assignment.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60},
		}),
		rebuildRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_rebuild_records_total", Help: "Keyed records re-read to rebuild partition state.",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "escapewatch_consumer_lag", Help: "Records not yet committed, by consumer group and topic (end offset minus committed offset).",
		}, []string{"group", "topic"}),
		sinkErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "escapewatch_sink_errors_total", Help: "Failed alert deliveries, by sink.",
		}, []string{"sink"}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "escapewatch_commit_errors_total", Help: "Offset commits that failed (they are retried with the next commit).",
		}),
	}
	for _, p := range schemas.Producers() {
		m.events.WithLabelValues(p.String())
	}
	for _, r := range parse.Reasons() {
		m.decodeFailures.WithLabelValues(string(r))
	}
	for _, k := range []string{kindEvent, kindLink, kindRefresh, "reroute"} {
		m.forwarded.WithLabelValues(k)
	}
	if reg != nil {
		reg.MustRegister(m.records, m.events, m.decodeFailures, m.deadLettered, m.forwarded, m.alertLatency,
			m.partitionsOwned, m.partitionsRestoring, m.rebuildSeconds, m.rebuildRecords, m.lag, m.sinkErrors, m.commitErrors)
	}
	return m
}

// SinkError counts a failed delivery to the named sink.
func (m *Metrics) SinkError(sink string) { m.sinkErrors.WithLabelValues(sink).Inc() }
