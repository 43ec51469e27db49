// Package files reads inputs for offline scans: it expands paths into
// files, splits each file into records with their line numbers (JSON lines,
// text log lines, or the elements of a file that is one JSON document), and
// merges the events of many files into one stream in event-time order with
// memory bounded by a per-file reorder buffer.
package files
