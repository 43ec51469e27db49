package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/stream/pipeline"
)

func runReplay(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(s.err)
	from := fs.String("from", "", "start of the range, RFC 3339 (required)")
	to := fs.String("to", "", "end of the range, RFC 3339 (default: now)")
	alertsTopic := fs.String("alerts-topic", "", "publish the replayed alerts to this `topic` (default: topics.alerts)")
	cf := addConfigFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(s.err, `Usage: escapewatch replay --from RFC3339 [--to RFC3339] [--alerts-topic T] [flags]

Re-runs detection over the records of the input topics whose timestamps fall
in the range: the same normalizer and correlator as the live pipeline, with
fresh state, in one process. The range is fixed when the replay starts; it
exits when it is read. Alerts carry the same ids the live run gave.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var r pipeline.ReplayRange
	var err error
	if r.From, err = time.Parse(time.RFC3339Nano, *from); *from == "" || err != nil {
		fmt.Fprintf(s.err, "escapewatch replay: --from %q is not an RFC 3339 time (e.g. 2026-11-30T09:00:00Z)\n", *from)
		return 2
	}
	r.To = time.Now()
	if *to != "" {
		if r.To, err = time.Parse(time.RFC3339Nano, *to); err != nil {
			fmt.Fprintf(s.err, "escapewatch replay: --to %q is not an RFC 3339 time\n", *to)
			return 2
		}
	}
	if !r.To.After(r.From) {
		fmt.Fprintln(s.err, "escapewatch replay: --to must be after --from")
		return 2
	}
	cfg, pol, code := loadService("replay", fs, cf, s)
	if code != 0 {
		return code
	}
	if *alertsTopic != "" {
		cfg.Topics.Alerts = *alertsTopic
	}
	log := newLogger(cfg.Log, s.err)
	if _, err := pipeline.EnsureTopics(ctx, cfg.Config, cfg.CreateTopics); err != nil {
		log.Error("topics are not usable", "err", err)
		return 1
	}
	pm := pipeline.NewMetrics(nil)
	sink, err := buildSinks(cfg, s.out, pm)
	if err != nil {
		log.Error("sinks are not usable", "err", err)
		return 1
	}
	defer sink.Close()
	progress := func(p pipeline.Progress) {
		rate := 0.0
		if p.Elapsed > 0 {
			rate = float64(p.Done) / p.Elapsed.Seconds()
		}
		fmt.Fprintf(s.err, "replay: %5.1f%% (%d/%d records), %.0f records/s, ETA %s, %d events kept, %d alert(s)\n",
			100*p.Fraction(), p.Done, p.Total, rate, p.ETA().Round(time.Second), p.Events, p.Alerts)
	}
	res, err := pipeline.Replay(ctx, cfg.Config, pol, correlate.NewMetrics(nil), r, sink, progress, log)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(s.err, "escapewatch replay: interrupted")
			return 1
		}
		fmt.Fprintln(s.err, "escapewatch replay:", err)
		return 1
	}
	var failed []string
	for reason, n := range res.Failed {
		failed = append(failed, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(failed)
	skipped := "none"
	if len(failed) > 0 {
		skipped = strings.Join(failed, ", ")
	}
	fmt.Fprintf(s.err, "escapewatch replay: %s .. %s: %d record(s) from %d partition(s), skipped %s, %d event(s) kept, %d late, %d alert(s) to %s in %s\n",
		r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), res.Done, res.Segments, skipped, res.Events, res.Late,
		res.Alerts, cfg.Topics.Alerts, res.Elapsed.Round(time.Millisecond))
	return 0
}
