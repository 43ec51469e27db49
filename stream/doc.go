// Package stream moves events from inputs to the correlator: it normalizes
// records into events (decoding every supported format and keeping only
// what detection needs), and, in its sub-packages, runs the Kafka
// pipeline.
package stream
