package streamtest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/files"
)

// Record is one input record of a scenario, as scan reads it, with the
// topic its producer would write it to and its event time (zero when it
// does not decode).
type Record struct {
	Topic string
	Value []byte
	Time  time.Time
}

// ScenarioRecords splits the files of the scenario folders into records
// exactly as scan does. topicFor names the input topic of a file.
func ScenarioRecords(t testing.TB, dirs []string, topicFor func(file string) string) []Record {
	t.Helper()
	ins, err := files.Collect(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, in := range ins {
		rc, err := in.Open()
		if err != nil {
			t.Fatal(err)
		}
		topic := topicFor(in.Name)
		dec := decode.New(decode.Options{})
		err = files.Records(rc, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			if r.Err != nil {
				return nil
			}
			rec := Record{Topic: topic, Value: slices.Clone(r.Value)}
			_ = dec.Decode(decode.Record{Value: r.Value}, func(ev *schemas.Event) error {
				if rec.Time.IsZero() || ev.Time.Before(rec.Time) {
					rec.Time = ev.Time
				}
				return nil
			})
			out = append(out, rec)
			return nil
		})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// ProduceRecords writes records to their topics.
func ProduceRecords(t testing.TB, brokers []string, recs []Record) {
	t.Helper()
	by := map[string][][]byte{}
	var topics []string
	for _, r := range recs {
		if by[r.Topic] == nil {
			topics = append(topics, r.Topic)
		}
		by[r.Topic] = append(by[r.Topic], r.Value)
	}
	for _, topic := range topics {
		Produce(t, brokers, topic, by[topic]...)
	}
}

// SplitAt splits records into those before t and the rest; records that
// do not decode go with the first part.
func SplitAt(recs []Record, at time.Time) (before, after []Record) {
	for _, r := range recs {
		if !r.Time.IsZero() && !r.Time.Before(at) {
			after = append(after, r)
		} else {
			before = append(before, r)
		}
	}
	return before, after
}

// ScanAlerts runs the offline path (the same normalizer and correlator as
// scan, inputs merged in event time) over the scenario folders and returns
// the final alerts, sorted by id.
func ScanAlerts(t testing.TB, dirs []string, pol *correlate.Policy) []*schemas.Alert {
	t.Helper()
	ins, err := files.Collect(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := correlate.NewEngine(correlate.Config{Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []*schemas.Alert
	out := func(o correlate.Output) {
		if o.Alert != nil {
			alerts = append(alerts, o.Alert)
		}
	}
	produce := func(ctx context.Context, i int, emit func(*schemas.Event) error) error {
		rc, err := ins[i].Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		norm := stream.NewNormalizer(decode.Options{}, func(ev *schemas.Event) bool { return correlate.Relevant(ev, pol) })
		err = files.Records(rc, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			_ = norm.Normalize(decode.Record{Value: r.Value}, emit)
			return nil
		})
		if err != nil {
			return err
		}
		return norm.Flush(emit)
	}
	if err := files.Merge(context.Background(), len(ins), 0, produce, func(ev *schemas.Event) error {
		_ = eng.Process(ev, out)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eng.Flush(out)
	sort.Slice(alerts, func(i, j int) bool { return alerts[i].ID < alerts[j].ID })
	return alerts
}

// IDs returns the ids of alerts.
func IDs(alerts []*schemas.Alert) []string {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	return ids
}

// ScenarioPolicy loads the scenario's own policy.yml, if it has one, else
// the built-in policy.
func ScenarioPolicy(t testing.TB, dir string) *correlate.Policy {
	t.Helper()
	p := filepath.Join(dir, "policy.yml")
	if _, err := os.Stat(p); err != nil {
		return correlate.DefaultPolicy()
	}
	pol, err := correlate.LoadPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
