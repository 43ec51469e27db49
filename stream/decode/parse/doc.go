// Package parse holds the small helpers every producer decoder shares:
// decode errors with a reason from a fixed set, timestamp parsing for the
// shapes producers write, and zero-copy access to JSON through gjson.
//
// Helpers here never allocate on success unless they say so.
package parse
