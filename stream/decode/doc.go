// Package decode turns input records of every supported format into
// normalized events (schemas.Event).
//
// The format of each record is recognised on its own, so one topic or file
// may mix formats: JSON objects by their top-level keys, JSON arrays element
// by element, text lines by their shape. Shipper wrappers (Fluent Bit's
// "message"/"log" string fields, journald's "MESSAGE") are unwrapped and
// their host field kept (node, host, hostname, _HOSTNAME, kubernetes.host,
// host.name …). A recognised record of no detection value decodes to a
// KindLifecycle event rather than an error.
// Each producer's field mapping lives in its own sub-package as pure
// functions over bytes; this package only dispatches.
//
// Decoding reads the record in place through gjson and does not copy
// strings: the events handed to a Handler point into the record and are
// reused. A consumer that keeps an event calls Detach on it.
package decode
