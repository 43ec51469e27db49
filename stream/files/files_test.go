package files

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

type rec struct {
	line  int
	value string
	err   bool
}

func readAll(t *testing.T, input string, max int) []rec {
	t.Helper()
	var out []rec
	err := Records(strings.NewReader(input), max, func(r Record) error {
		out = append(out, rec{line: r.Line, value: string(r.Value), err: r.Err != nil})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecords(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []rec
	}{
		{"json lines", "{\"a\":1}\n\n{\"b\":2}\n", []rec{{1, `{"a":1}`, false}, {3, `{"b":2}`, false}}},
		{"crlf and no final newline", "x=1\r\ny=2", []rec{{1, "x=1", false}, {2, "y=2", false}}},
		{"pretty object", "{\n  \"a\": 1,\n  \"b\": [2]\n}\n", []rec{{1, "{\n  \"a\": 1,\n  \"b\": [2]\n}\n", false}}},
		{"pretty array", "[\n  {\"a\": 1},\n  {\n    \"b\": 2\n  }\n]\n", []rec{{2, `{"a": 1}`, false}, {3, "{\n    \"b\": 2\n  }", false}}},
		{"stream of pretty values", "{\n \"a\": 1\n}\n{\n \"b\": 2\n}\n", []rec{{1, "{\n \"a\": 1\n}", false}, {4, "{\n \"b\": 2\n}", false}}},
		{"malformed first line keeps the rest", "{\"a\":\n{\"b\":2}\n", []rec{{1, `{"a":`, false}, {2, `{"b":2}`, false}}},
		{"text log", "type=EOE msg=audit(1.0:1):\n", []rec{{1, "type=EOE msg=audit(1.0:1):", false}}},
		{"too long line", "short\n" + strings.Repeat("x", 40) + "\nafter\n", []rec{{1, "short", false}, {2, "", true}, {3, "after", false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readAll(t, c.input, 32)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestCollect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b/audit.jsonl", "{}\n")
	write("a.log", "x\n")
	write("notes.txt", "ignored\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("{\"z\":1}\n"))
	_ = zw.Close()
	write("c.json.gz", gz.String())

	ins, err := Collect([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		names = append(names, filepath.Base(in.Name))
	}
	if strings.Join(names, ",") != "a.log,audit.jsonl,c.json.gz" {
		t.Fatalf("inputs = %v", names)
	}
	rc, err := ins[2].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := []string{}
	_ = Records(rc, 1<<20, func(r Record) error { got = append(got, string(r.Value)); return nil })
	if len(got) != 1 || got[0] != `{"z":1}` {
		t.Fatalf("gzip records = %q", got)
	}
	if _, err := Collect([]string{filepath.Join(dir, "missing.jsonl")}, nil); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Fatalf("missing input: err = %v", err)
	}
}

func TestMergeOrdersByEventTime(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// input 0 is slightly out of order; input 1 interleaves with it.
	inputs := [][]int{{0, 3, 1, 6, 4}, {2, 2, 5, 7}}
	produce := func(_ context.Context, i int, emit func(*schemas.Event) error) error {
		for j, s := range inputs[i] {
			ev := &schemas.Event{Time: base.Add(time.Duration(s) * time.Second), Ref: schemas.Ref{File: fmt.Sprint(i), Line: j + 1}}
			if err := emit(ev); err != nil {
				return err
			}
		}
		return nil
	}
	var got []string
	err := Merge(context.Background(), len(inputs), 2, produce, func(ev *schemas.Event) error {
		got = append(got, fmt.Sprintf("%d:%s/%d", ev.Time.Second(), ev.Ref.File, ev.Ref.Line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "0:0/1 1:0/3 2:1/1 2:1/2 3:0/2 4:0/5 5:1/3 6:0/4 7:1/4"
	if strings.Join(got, " ") != want {
		t.Fatalf("order = %s\nwant    %s", strings.Join(got, " "), want)
	}
}

func TestMergeStopsOnError(t *testing.T) {
	boom := fmt.Errorf("boom")
	produce := func(ctx context.Context, i int, emit func(*schemas.Event) error) error {
		for j := 0; j < 100000; j++ {
			if err := emit(&schemas.Event{Time: time.Unix(int64(j), 0)}); err != nil {
				return err
			}
		}
		return nil
	}
	n := 0
	err := Merge(context.Background(), 3, 16, produce, func(*schemas.Event) error {
		n++
		if n == 10 {
			return boom
		}
		return nil
	})
	if err != boom {
		t.Fatalf("err = %v", err)
	}
}
