// Package pipeline runs detection on Kafka in two stages.
//
// Stage 1 (Normalizer) reads the input topics in a consumer group, decodes
// every record, and forwards the events the correlator needs to the keyed
// topic, keyed by correlation unit (pod or plain container) with the
// Murmur2 partitioner of the Java client. Records it cannot decode go to
// the dead-letter topic with the reason and their source position in
// headers. It commits input offsets only after these writes are
// acknowledged by all in-sync replicas.
//
// Stage 2 (Correlator) reads the keyed topic in a second consumer group
// with one goroutine and one correlation engine per assigned partition. On
// assignment, a partition rebuilds its state by re-reading its records from
// a lookback of event time before its committed watermark up to its
// committed offset, without emitting; then it goes live. It commits only
// after the sinks acknowledged every alert the committed records produced,
// through the generation that owns the partition, with the partition's
// event-time watermark and its rebuild offset in the commit metadata.
// Twice per lookback it writes the events that set each live risky pod's
// specification and container ids back to the keyed topic ("refresh"
// records), so that a rebuild, which reads only the lookback, still knows
// pods started long before.
//
// Delivery guarantee: at least once. A crash, a kill or a rebalance
// re-processes from the last commit and re-emits alerts with the same
// deterministic ids (uuid v5 of rule, version, unit, scope and anchoring event),
// so consumers deduplicate by id. There is no exactly-once: kafka-go has no
// idempotent or transactional producer, and the state is a function of the
// log anyway.
//
// Replay re-runs the same normalizer and correlator over a time range of
// the input topics, in one process with fresh state, and returns when the
// range (fixed when it starts) is read.
package pipeline
