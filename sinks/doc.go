// Package sinks delivers alerts: to a Kafka topic, to standard output or to
// a JSON-lines file, each in the native, OCSF or ECS format and with its own
// minimum severity.
//
// A Sink's Send returns only once the alert is durably handed over (written
// and flushed, or acknowledged by the broker), so a caller may commit the
// input offsets that produced it: delivery is at least once, and every
// version of an alert carries the same id for deduplication downstream.
package sinks
