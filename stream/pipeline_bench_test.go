package stream_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

const corpusSize = 20000

// pass runs the whole detection path over the corpus once: decode, classify
// (the relevance gate of stage 1), detach what is kept, and correlate it. It
// returns the number of alert versions handed out.
func pass(c *corpus, pol *correlate.Policy) int {
	eng, err := correlate.NewEngine(correlate.Config{Policy: pol, Mode: correlate.EmitEager})
	if err != nil {
		panic(err)
	}
	alerts := 0
	out := func(o correlate.Output) {
		if o.Alert != nil {
			alerts++
		}
	}
	process := func(ev *schemas.Event) error {
		_ = eng.Process(ev, out)
		return nil
	}
	norm := stream.NewNormalizer(decode.Options{}, func(ev *schemas.Event) bool { return correlate.Relevant(ev, pol) })
	for _, r := range c.records {
		_ = norm.Normalize(decode.Record{Value: r}, process)
	}
	_ = norm.Flush(process)
	eng.Flush(out)
	return alerts
}

// validate is the baseline: one gjson validation pass over the same bytes,
// the least any JSON consumer must do. Text records are scanned for their
// line ends.
func validate(c *corpus) int {
	ok := 0
	for _, r := range c.records {
		if r[0] == '{' {
			if gjson.ValidBytes(r) {
				ok++
			}
			continue
		}
		for _, b := range r {
			if b == '\n' {
				ok++
			}
		}
	}
	return ok
}

// tapeOnly parses every JSON record onto a tape, the first step of the
// engine's pass, to show what the structure pass itself costs.
func tapeOnly(c *corpus) int {
	var t parse.Tape
	ok := 0
	for _, r := range c.records {
		if r[0] == '{' && t.Parse(parse.String(r)) == nil {
			ok++
		}
	}
	return ok
}

// BenchmarkPipelineVsValidate measures the engine (decode + classify +
// correlate, one core) against a validation pass over the same corpus in
// the same run, alternating the two so machine noise hits both. Reported:
// throughput of each, their ratio (engine speed as a fraction of the
// validation pass), and allocations per record.
func BenchmarkPipelineVsValidate(b *testing.B) {
	c := newCorpus(corpusSize, 1)
	pol := correlate.DefaultPolicy()
	b.Logf("corpus: %s", c)
	var engine, valid, tape time.Duration
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var mallocs uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if validate(c) == 0 {
			b.Fatal("nothing valid")
		}
		t1 := time.Now()
		valid += t1.Sub(t0)
		tapeOnly(c)
		tape += time.Since(t1)
		t1 = time.Now()
		runtime.ReadMemStats(&before)
		if pass(c, pol) == 0 {
			b.Fatal("no alerts")
		}
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		engine += time.Since(t1)
	}
	b.StopTimer()
	mb := float64(c.bytes) * float64(b.N) / 1e6
	b.ReportMetric(mb/valid.Seconds(), "validate-MB/s")
	b.ReportMetric(mb/engine.Seconds(), "engine-MB/s")
	b.ReportMetric(valid.Seconds()/engine.Seconds(), "engine/validate")
	b.ReportMetric(valid.Seconds()/tape.Seconds(), "tape/validate")
	b.ReportMetric(float64(mallocs)/float64(b.N*len(c.records)), "allocs/record")
	b.ReportMetric(float64(engine.Nanoseconds())/float64(b.N*len(c.records)), "engine-ns/record")
}

// BenchmarkRoutineRecords runs only routine (irrelevant) records through
// the same path and reports allocations per record: the budget is at most
// one.
func BenchmarkRoutineRecords(b *testing.B) {
	c := newCorpus(corpusSize, 2)
	routine := &corpus{}
	for _, r := range c.records {
		if !isRelevant(r) {
			routine.records = append(routine.records, r)
			routine.bytes += len(r)
		}
	}
	pol := correlate.DefaultPolicy()
	norm := stream.NewNormalizer(decode.Options{}, func(ev *schemas.Event) bool { return correlate.Relevant(ev, pol) })
	kept := 0
	keep := func(*schemas.Event) error { kept++; return nil }
	var before, after runtime.MemStats
	b.ResetTimer()
	runtime.ReadMemStats(&before)
	for i := 0; i < b.N; i++ {
		for _, r := range routine.records {
			_ = norm.Normalize(decode.Record{Value: r}, keep)
		}
	}
	runtime.ReadMemStats(&after)
	b.StopTimer()
	if kept > 0 {
		b.Fatalf("%d routine records were kept", kept)
	}
	n := float64(b.N * len(routine.records))
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/record")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/record")
}

// isRelevant tells the generator's relevant records apart by a marker only
// they carry.
func isRelevant(r []byte) bool {
	for _, m := range []string{`"verb":"create"`, `/status"`, `nsenter`, `/exec?`, `release_agent`} {
		if contains(r, m) {
			return true
		}
	}
	return false
}

func contains(b []byte, s string) bool {
	n := len(s)
	for i := 0; i+n <= len(b); i++ {
		if string(b[i:i+n]) == s {
			return true
		}
	}
	return false
}

// TestCorpusShape keeps the benchmark honest: the corpus must be mostly
// routine, about 1% relevant, about 1 KB a record, decode without errors,
// and produce alerts.
func TestCorpusShape(t *testing.T) {
	c := newCorpus(5000, 3)
	avg := float64(c.bytes) / float64(len(c.records))
	if avg < 700 || avg > 1400 {
		t.Errorf("average record size %.0f B, want about 1 KB", avg)
	}
	if share := float64(c.relevant) / float64(len(c.records)); share < 0.005 || share > 0.02 {
		t.Errorf("relevant share %.3f, want about 0.01", share)
	}
	pol := correlate.DefaultPolicy()
	norm := stream.NewNormalizer(decode.Options{}, func(ev *schemas.Event) bool { return correlate.Relevant(ev, pol) })
	for i, r := range c.records {
		if err := norm.Normalize(decode.Record{Value: r}, func(*schemas.Event) error { return nil }); err != nil {
			t.Fatalf("record %d does not decode: %v\n%s", i, err, r)
		}
	}
	st := norm.Stats()
	if st.Kept < c.relevant/2 || st.Kept > c.relevant*3 {
		t.Errorf("kept %d events for %d relevant records", st.Kept, c.relevant)
	}
	if pass(c, pol) == 0 {
		t.Error("the corpus raises no alert")
	}
}
