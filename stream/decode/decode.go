package decode

import (
	"strings"
	"time"
	"unsafe"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/auditd"
	"github.com/escapewatch/escapewatch/stream/decode/containerd"
	"github.com/escapewatch/escapewatch/stream/decode/crio"
	"github.com/escapewatch/escapewatch/stream/decode/docker"
	"github.com/escapewatch/escapewatch/stream/decode/falco"
	"github.com/escapewatch/escapewatch/stream/decode/k8saudit"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
	"github.com/escapewatch/escapewatch/stream/decode/tetragon"
	"github.com/escapewatch/escapewatch/stream/decode/tracee"
)

// DefaultMaxRecordBytes is the default size limit of one record.
const DefaultMaxRecordBytes = 1 << 20

// Record is one unit of input: a Kafka message value or a line (or JSON
// document) of a file.
type Record struct {
	Value []byte
	Ref   schemas.Ref
	// Time is the broker timestamp of the record; zero when reading files.
	// Decoders never use it as event time.
	Time time.Time
}

// Options tunes a Decoder. The zero value is valid.
type Options struct {
	// MaxRecordBytes rejects larger records with ReasonTooLarge.
	// Default: DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// Decoder turns records of any supported format into events. It keeps the
// state that spans records (auditd records of one event), so use one Decoder
// per ordered input (a file, a partition). It is not safe for concurrent use.
type Decoder struct {
	max     int
	audit   auditd.Grouper
	scratch schemas.Event
	// tapes hold the structure of the record and of the payloads unwrapped
	// from it, one per wrapping depth; they are reused record to record.
	tapes [maxWrapDepth + 1]parse.Tape
}

// New returns a Decoder.
func New(opts Options) *Decoder {
	d := &Decoder{max: opts.MaxRecordBytes}
	if d.max <= 0 {
		d.max = DefaultMaxRecordBytes
	}
	return d
}

// Handler receives decoded events. The event is reused after the handler
// returns: call Detach on anything kept.
type Handler func(*schemas.Event) error

// Decode decodes one record and calls fn for each event in it: none (a blank
// line, an auditd record whose event is still open), one, or several (a
// Kubernetes EventList, a JSON array). A returned *parse.Error says why the
// record, or one of its items, could not be decoded; the other items are
// still delivered. An error from fn stops decoding and is returned as is.
func (d *Decoder) Decode(rec Record, fn Handler) error {
	if len(rec.Value) > d.max {
		return parse.Errorf(parse.ReasonTooLarge, "record of %d bytes exceeds the limit of %d", len(rec.Value), d.max)
	}
	v := trimSpace(rec.Value)
	if len(v) == 0 {
		return nil
	}
	if v[0] == '{' || v[0] == '[' {
		// One validating pass records the structure; decoders then look
		// fields up on the tape without reading the text again.
		t := &d.tapes[0]
		if err := t.Parse(parse.String(v)); err != nil {
			return err
		}
		return d.decodeJSON(t, t.Root(), rec, envelope{}, 0, fn)
	}
	return d.decodeText(parse.String(v), rec, fn)
}

// Pending returns the reference of the oldest record whose event is still
// held open (auditd records awaiting the rest of their event), if any. A
// consumer commits no offset past it.
func (d *Decoder) Pending() (schemas.Ref, bool) { return d.audit.Pending() }

// trimSpace trims ASCII white space, which is all JSON and log lines carry
// around a record (bytes.TrimSpace also handles Unicode spaces, slower).
func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\n' || b[j-1] == '\r' || b[j-1] == '\t') {
		j--
	}
	return b[i:j]
}

// Flush delivers events still held open (auditd events whose closing record
// never came). Call it at the end of an input.
func (d *Decoder) Flush(fn Handler) error {
	return d.audit.Flush(fn)
}

// envelope carries fields of a shipper's wrapper (Fluent Bit, Vector) that
// the wrapped event lacks.
type envelope struct {
	host string
}

// The member names of host fields that log shippers add to a wrapped
// record, in order of preference: Fluent Bit, Vector and Fluentd
// (node, host, hostname …), a flattened ECS "host.name", and journald's
// _HOSTNAME (HOSTNAME when Fluent Bit strips the underscores). After them
// come the nested kubernetes.host (the kubernetes filters of Fluent Bit and
// Fluentd) and host.name (Beats, ECS).
var envelopeHostKeys = [...]string{"node", "node_name", "nodeName", "host", "hostname", "host.name", "_HOSTNAME", "HOSTNAME"}

const maxWrapDepth = 2

// decodeJSON decodes a record that is a JSON object, or an array of them.
func (d *Decoder) decodeJSON(t *parse.Tape, n parse.Node, rec Record, env envelope, depth int, fn Handler) error {
	if t.Kind(n) != parse.KindArray {
		return d.decodeObject(t, n, rec, env, depth, fn)
	}
	var firstErr error
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		var err error
		if t.Kind(c) != parse.KindObject {
			err = parse.Errorf(parse.ReasonUnrecognized, "array element is not an object")
		} else {
			err = d.decodeObject(t, c, rec, env, depth, fn)
		}
		if err != nil {
			if _, ok := err.(*parse.Error); !ok {
				return err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// format is what sniffing a JSON object found.
type format uint8

const (
	formatUnknown format = iota
	formatAuditEvent
	formatAuditList
	formatFalco
	formatTetragon
	formatTracee
	formatDockerEvent
	formatDockerInspect
	formatContainerd
	formatAuditbeat
	formatWrapped
)

func (d *Decoder) decodeObject(t *parse.Tape, n parse.Node, rec Record, env envelope, depth int, fn Handler) error {
	f, wrapped := sniff(t, n)
	ev := &d.scratch
	ev.Reset()
	var err error
	raw := t.Raw(n)
	switch f {
	case formatAuditList:
		return d.decodeAuditList(t, n, rec, env, fn)
	case formatAuditEvent:
		err = k8saudit.Decode(t, n, ev)
	case formatFalco:
		err = falco.Decode(t, n, ev)
	case formatTetragon:
		err = tetragon.Decode(t, n, ev)
	case formatTracee:
		err = tracee.Decode(t, n, ev)
	case formatDockerEvent:
		err = docker.DecodeEvent(t, n, ev)
	case formatDockerInspect:
		err = docker.DecodeInspect(t, n, ev)
	case formatContainerd:
		err = containerd.DecodeJSON(t, n, ev)
	case formatAuditbeat:
		err = auditd.DecodeBeat(t, n, ev)
	case formatWrapped:
		if depth >= maxWrapDepth {
			return parse.Errorf(parse.ReasonUnrecognized, "record wrapped more than %d times", maxWrapDepth)
		}
		return d.decodeWrapped(t, n, wrapped, rec, env, depth, fn)
	default:
		return parse.Errorf(parse.ReasonUnrecognized, "JSON object of no known format")
	}
	if err != nil {
		return err
	}
	return d.deliver(ev, raw, rec, env, fn)
}

func (d *Decoder) decodeAuditList(t *parse.Tape, n parse.Node, rec Record, env envelope, fn Handler) error {
	var firstErr error
	for item := t.First(t.Get(n, "items")); item.Exists(); item = t.Next(item) {
		ev := &d.scratch
		ev.Reset()
		err := k8saudit.Decode(t, item, ev)
		if err == nil {
			err = d.deliver(ev, t.Raw(item), rec, env, fn)
			if _, ok := err.(*parse.Error); err != nil && !ok {
				return err
			}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// decodeWrapped unwraps a shipper record whose payload is a string field
// (Fluent Bit's "message" or "log") and decodes the payload.
func (d *Decoder) decodeWrapped(t *parse.Tape, n, field parse.Node, rec Record, env envelope, depth int, fn Handler) error {
	if env.host == "" {
		env.host = envelopeHost(t, n)
	}
	payload := strings.TrimSpace(t.Str(field))
	if payload == "" {
		return parse.Errorf(parse.ReasonMissingField, "wrapper field %q is empty", t.Key(field))
	}
	if payload[0] == '{' || payload[0] == '[' {
		inner := &d.tapes[depth+1]
		if err := inner.Parse(payload); err != nil {
			return parse.Errorf(parse.ReasonInvalidJSON, "wrapped %q payload: %v", t.Key(field), err.(*parse.Error).Msg)
		}
		return d.decodeJSON(inner, inner.Root(), rec, env, depth+1, fn)
	}
	return d.decodeTextEnv(payload, rec, env, fn)
}

// envelopeHost returns the wrapper's host: the first non-empty string of
// the most preferred host member, found in one walk over the members.
func envelopeHost(t *parse.Tape, n parse.Node) string {
	const nested = len(envelopeHostKeys) // kubernetes.host, then host.name
	host, rank := "", nested+2
	for c := t.First(n); c.Exists() && rank > 0; c = t.Next(c) {
		switch t.Kind(c) {
		case parse.KindString:
			key := t.Key(c)
			for r, k := range envelopeHostKeys[:min(rank, nested)] {
				if key == k {
					if h := t.Str(c); h != "" {
						host, rank = h, r
					}
					break
				}
			}
		case parse.KindObject:
			r, inner := 0, ""
			switch t.Key(c) {
			case "kubernetes":
				r, inner = nested, "host"
			case "host":
				r, inner = nested+1, "name"
			default:
				continue
			}
			if r >= rank {
				continue
			}
			if h := t.Get(c, inner); t.Kind(h) == parse.KindString && t.Str(h) != "" {
				host, rank = t.Str(h), r
			}
		}
	}
	return host
}

// deliver completes an event with what the decoder cannot know and hands it
// on.
func (d *Decoder) deliver(ev *schemas.Event, raw string, rec Record, env envelope, fn Handler) error {
	if ev.Time.IsZero() {
		return parse.Errorf(parse.ReasonBadTime, "record has no event time")
	}
	if ev.Node == "" {
		ev.Node = env.host
	}
	ev.Ref = rec.Ref
	ev.IngestTime = rec.Time
	ev.Raw = rawBytes(raw)
	return fn(ev)
}

// rawBytes views s as bytes without copying; the result is only read.
func rawBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// sniff recognises the format of a JSON object from the names (and a few
// values) of its top-level members. For wrapper records it also returns the
// payload member.
func sniff(t *parse.Tape, n parse.Node) (format, parse.Node) {
	var (
		kind, apiVersion                   string
		hasOutputFields, hasRule, hasPrio  bool
		tetragonEvent                      bool
		hasEventName, hasTraceeTS          bool
		hasWorkload, hasName               bool
		hasType, hasAction, hasActor       bool
		hasStatus, hasID, hasFrom, hasTime bool
		hasDockerID, hasHostConfig         bool
		hasTopic, hasNamespace             bool
		containerdTopic, hasEventObject    bool
		tetragonTest, hasNodeName          bool
		items                              = parse.Missing
		hasCRIContainer, hasCRIEventType   bool
		hasAuditd, hasAuditID              bool
		coalesced                          int
		wrapped                            = parse.Missing
	)
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch key := t.Key(c); key {
		case "kind":
			kind = t.Str(c)
		case "auditID":
			hasAuditID = true
		case "apiVersion":
			apiVersion = t.Str(c)
		case "output_fields":
			hasOutputFields = true
		case "rule":
			hasRule = true
		case "priority":
			hasPrio = true
		case "test":
			// Tetragon's test event; the word is common, so it counts
			// only with Tetragon's node_name beside it.
			tetragonTest = t.Kind(c) == parse.KindObject
		case "node_name":
			hasNodeName = true
		case "items":
			items = c
		case "eventName":
			hasEventName = true
		case "eventId", "timestamp":
			hasTraceeTS = true
		case "workload":
			hasWorkload = true
		case "name":
			hasName = true
		case "Type":
			hasType = true
		case "Action":
			hasAction = true
		case "Actor":
			hasActor = true
		case "status":
			hasStatus = t.Kind(c) == parse.KindString
		case "id":
			hasID = true
		case "from":
			hasFrom = true
		case "time":
			hasTime = true
		case "Id":
			hasDockerID = true
		case "HostConfig":
			hasHostConfig = true
		case "topic":
			hasTopic = true
			containerdTopic = t.Kind(c) == parse.KindString && containerd.IsTopic(t.Str(c))
		case "event":
			hasEventObject = t.Kind(c) == parse.KindObject
		case "namespace":
			hasNamespace = true
		case "containerId", "container_id":
			hasCRIContainer = true
		case "containerEventType", "container_event_type":
			hasCRIEventType = true
		case "auditd":
			hasAuditd = true
		case "record_type", "summary", "sequence":
			// go-libaudit's coalesced event, the model Auditbeat builds on
			coalesced++
		case "message", "log", "MESSAGE":
			if t.Kind(c) == parse.KindString && !wrapped.Exists() {
				wrapped = c
			}
		default:
			// Tetragon's other event members: process_* (exec, exit,
			// kprobe, tracepoint, lsm, uprobe, usdt, loader, throttle)
			// and rate_limit_info.
			if !tetragonEvent && tetragon.EventField(key) && t.Kind(c) == parse.KindObject {
				tetragonEvent = true
			}
		}
	}
	switch {
	case strings.HasPrefix(apiVersion, "audit.k8s.io/"), kind == "Event" && hasAuditID:
		// Some shippers and old test data drop apiVersion; only audit
		// events carry an auditID.
		if kind == "EventList" {
			return formatAuditList, parse.Missing
		}
		return formatAuditEvent, parse.Missing
	case kind == "EventList" && apiVersion == "" && isAuditEvent(t, t.Index(items, 0)):
		// A webhook batch whose apiVersion a shipper dropped: a core
		// v1 EventList (kubectl get events) has an apiVersion and items
		// without an auditID.
		return formatAuditList, parse.Missing
	case tetragonEvent, tetragonTest && hasNodeName:
		return formatTetragon, parse.Missing
	case hasOutputFields || (hasRule && hasPrio):
		return formatFalco, parse.Missing
	case hasEventName && hasTraceeTS, hasWorkload && hasName && hasTraceeTS:
		return formatTracee, parse.Missing
	case hasType && hasAction && hasActor, hasStatus && hasID && (hasFrom || hasTime):
		// the second form is the legacy (API < 1.22) event shape
		return formatDockerEvent, parse.Missing
	case hasDockerID && hasHostConfig:
		return formatDockerInspect, parse.Missing
	case hasTopic && hasNamespace, containerdTopic && hasEventObject, hasCRIContainer && hasCRIEventType:
		// An envelope is {timestamp, namespace, topic, event}; some
		// subscribers leave out the namespace, so a containerd topic
		// path with its event payload is enough.
		return formatContainerd, parse.Missing
	case hasAuditd, coalesced == 3:
		return formatAuditbeat, parse.Missing
	case wrapped.Exists():
		return formatWrapped, wrapped
	}
	return formatUnknown, parse.Missing
}

// isAuditEvent reports whether n is a Kubernetes audit Event, by the rule
// sniff applies to a record: an audit.k8s.io apiVersion, or an auditID.
func isAuditEvent(t *parse.Tape, n parse.Node) bool {
	if t.Kind(n) != parse.KindObject {
		return false
	}
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "auditID":
			return true
		case "apiVersion":
			if strings.HasPrefix(t.Str(c), "audit.k8s.io/") {
				return true
			}
		}
	}
	return false
}

func (d *Decoder) decodeText(s string, rec Record, fn Handler) error {
	return d.decodeTextEnv(s, rec, envelope{}, fn)
}

// decodeTextEnv decodes a non-JSON record. A record may hold several lines
// (a batch of auditd records); each is decoded on its own.
func (d *Decoder) decodeTextEnv(s string, rec Record, env envelope, fn Handler) error {
	if strings.IndexByte(s, '\n') < 0 {
		return d.decodeLine(s, rec, env, fn)
	}
	var firstErr error
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := d.decodeLine(line, rec, env, fn); err != nil {
			if _, ok := err.(*parse.Error); !ok {
				return err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

func (d *Decoder) decodeLine(line string, rec Record, env envelope, fn Handler) error {
	switch {
	case isAuditdLine(line):
		if env.host != "" && !strings.HasPrefix(line, "node=") {
			// The grouper may emit this record's event later, with
			// another record; the node prefix travels with it.
			line = "node=" + env.host + " " + line
		}
		return d.audit.Add(line, rec.Ref, fn)
	case isDockerText(line):
		return d.textEvent(docker.DecodeText, line, rec, env, fn)
	}
	// containerd and CRI-O both log through logrus; each decoder answers
	// ReasonUnrecognized quickly for lines that are not its own.
	if err := d.textEvent(containerd.DecodeText, line, rec, env, fn); parse.ReasonOf(err) != parse.ReasonUnrecognized {
		return err
	}
	if err := d.textEvent(crio.DecodeText, line, rec, env, fn); parse.ReasonOf(err) != parse.ReasonUnrecognized {
		return err
	}
	return errUnknownText
}

// errUnknownText is the answer for a line no text decoder claims: the
// last decoder's own "not a CRI-O line" would mislead a reader.
var errUnknownText = parse.Errorf(parse.ReasonUnrecognized,
	"neither JSON nor a line of a text format escapewatch reads (auditd, docker events, containerd, CRI-O)")

func (d *Decoder) textEvent(decode func(string, *schemas.Event) error, line string, rec Record, env envelope, fn Handler) error {
	ev := &d.scratch
	ev.Reset()
	if err := decode(line, ev); err != nil {
		return err
	}
	return d.deliver(ev, line, rec, env, fn)
}

// isAuditdLine matches "type=SYSCALL msg=audit(…)" with an optional
// "node=… " prefix (and records whose stamp is missing, which the auditd
// decoder then rejects with a precise reason).
func isAuditdLine(s string) bool {
	if strings.HasPrefix(s, "node=") {
		if i := strings.IndexByte(s, ' '); i > 0 {
			s = s[i+1:]
		}
	}
	return strings.HasPrefix(s, "type=") && strings.Contains(s, " msg=")
}

// isDockerText matches "<RFC3339Nano> <type> <action> …" of `docker events`.
func isDockerText(s string) bool {
	if len(s) < 21 || s[4] != '-' || s[10] != 'T' {
		return false
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return false
	}
	rest := s[i+1:]
	for _, t := range [...]string{"container ", "image ", "network ", "volume ", "daemon ", "plugin ", "service ", "node ", "secret ", "config ", "builder "} {
		if strings.HasPrefix(rest, t) {
			return true
		}
	}
	return false
}
