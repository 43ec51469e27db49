package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/sinks"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
	"github.com/escapewatch/escapewatch/stream/files"
)

// maxReportsPerFile bounds the skipped-record lines printed per input; the
// rest are only counted.
const maxReportsPerFile = 50

func runScan(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(s.err)
	policyFile := fs.String("policy", "", "policy `file` (default: built-in policy)")
	formatName := fs.String("format", "native", "alert `format`: native, ocsf, ecs (JSON lines) or text (for reading)")
	minSeverity := fs.String("min-severity", "info", "write only alerts at or above this `severity`")
	reorder := fs.Int("reorder", files.DefaultReorder, "sort each input within a window of this many kept `events`")
	maxRecord := fs.Int("max-record-bytes", decode.DefaultMaxRecordBytes, "skip records larger than this many `bytes`")
	quiet := fs.Bool("quiet", false, "print no summary on stderr (skipped records are still reported)")
	fs.Usage = func() {
		fmt.Fprint(s.err, `Usage: escapewatch scan [--policy FILE] [--format native|ocsf|ecs] PATH...

Reads events from files, folders (recursively: *.json, *.jsonl, *.ndjson, *.log
and their .gz forms) or - (stdin), in event-time order, and writes alerts to
stdout as JSON lines, each in its final state. Diagnostics go to stderr.
Exit status: 0 when the inputs were read, 2 for usage errors, 1 when an input
cannot be opened.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(s.err, "escapewatch scan: no PATH given")
		fs.Usage()
		return 2
	}
	format, err := sinks.ParseFormat(*formatName)
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch scan: --format:", err)
		return 2
	}
	minSev, err := schemas.ParseSeverity(*minSeverity)
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch scan: --min-severity:", err)
		return 2
	}
	pol, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(s.err, "escapewatch scan: %v\n", err)
		return 2
	}
	inputs, err := files.Collect(fs.Args(), s.in)
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch scan:", err)
		return 1
	}

	sc := &scanner{pol: pol, maxRecord: *maxRecord, stderr: s.err, inputs: inputs, stats: make([]inputStats, len(inputs))}
	out := sinks.NewWriter(s.out, format, minSev, false)
	engine, err := correlate.NewEngine(correlate.Config{Policy: pol, Mode: correlate.EmitFinal})
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch scan:", err)
		return 2
	}
	var alerts, late int
	var sendErr error
	emit := func(o correlate.Output) {
		if o.Alert == nil || sendErr != nil {
			return
		}
		alerts++
		sendErr = out.Send(ctx, o.Alert)
	}
	err = files.Merge(ctx, len(inputs), *reorder, sc.produce, func(ev *schemas.Event) error {
		if err := engine.Process(ev, emit); errors.Is(err, correlate.ErrLate) {
			late++
		}
		return sendErr
	})
	engine.Flush(emit)
	if ferr := out.Flush(); sendErr == nil {
		sendErr = ferr
	}
	if err != nil || sendErr != nil {
		var oe *openError
		if errors.As(err, &oe) {
			fmt.Fprintln(s.err, "escapewatch scan:", oe.err)
			return 1
		}
		fmt.Fprintln(s.err, "escapewatch scan:", errors.Join(err, sendErr))
		return 1
	}
	if !*quiet {
		sc.summary(alerts, late)
	}
	return 0
}

// openError marks an input that could not be opened (exit status 1).
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }

type scanner struct {
	pol       *correlate.Policy
	maxRecord int
	inputs    []files.Input
	stats     []inputStats

	mu     sync.Mutex // serializes stderr
	stderr io.Writer
}

type inputStats struct {
	norm         stream.NormalizeStats
	unattributed int
	reported     int
}

// produce decodes input i and emits the events the correlator needs,
// detached from the records they came from.
func (sc *scanner) produce(ctx context.Context, i int, emit func(*schemas.Event) error) error {
	in := sc.inputs[i]
	st := &sc.stats[i]
	rc, err := in.Open()
	if err != nil {
		return &openError{err}
	}
	defer rc.Close()
	norm := stream.NewNormalizer(decode.Options{MaxRecordBytes: sc.maxRecord}, func(ev *schemas.Event) bool {
		if correlate.Relevant(ev, sc.pol) {
			return true
		}
		if ev.Kind != schemas.KindLifecycle && !correlate.HasUnit(ev) {
			st.unattributed++
		}
		return false
	})
	defer func() { st.norm = norm.Stats() }()
	err = files.Records(rc, sc.maxRecord, func(r files.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := r.Err
		if err == nil {
			err = norm.Normalize(decode.Record{Value: r.Value, Ref: schemas.Ref{File: in.Name, Line: r.Line}}, emit)
		} else {
			err = parse.Errorf(parse.ReasonTooLarge, "%v", err)
			norm.Count(err)
		}
		var pe *parse.Error
		if errors.As(err, &pe) {
			if st.reported < maxReportsPerFile {
				st.reported++
				sc.skip(in.Name, r.Line, string(pe.Reason), pe.Msg)
			}
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", in.Name, err)
	}
	return norm.Flush(emit)
}

func (sc *scanner) skip(file string, line int, reason, msg string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	fmt.Fprintf(sc.stderr, "%s:%d: skipped (%s): %s\n", file, line, reason, msg)
}

func (sc *scanner) summary(alerts, late int) {
	var records, events, kept, unattributed int
	skipped := map[string]int{}
	for i, st := range sc.stats {
		records += st.norm.Records
		events += st.norm.Events
		kept += st.norm.Kept
		unattributed += st.unattributed
		n := 0
		for r, c := range st.norm.Failed {
			skipped[string(r)] += c
			n += c
		}
		if n > st.reported {
			fmt.Fprintf(sc.stderr, "%s: %d more skipped record(s) not listed\n", sc.inputs[i].Name, n-st.reported)
		}
	}
	reasons := make([]string, 0, len(skipped))
	for r := range skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	var parts []string
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", skipped[r], r))
	}
	skip := "none skipped"
	if len(parts) > 0 {
		skip = "skipped: " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(sc.stderr, "escapewatch scan: %d file(s), %d record(s) (%s); %d event(s), %d kept for correlation, %d naming no pod or container (host activity), %d late; %d alert(s)\n",
		len(sc.inputs), records, skip, events, kept, unattributed, late, alerts)
}
