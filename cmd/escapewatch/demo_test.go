package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/stream/streamtest"
)

// TestDemo runs the zero-setup demo as a user would: it must print critical
// chain alerts read back from the alert topic within a minute.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	began := time.Now()
	code := run(ctx, []string{"demo", "--quiet", "3s"}, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	if code != 0 || ctx.Err() != nil {
		t.Fatalf("demo: exit %d after %s, %v\nstdout:\n%s\nstderr:\n%s", code, time.Since(began), ctx.Err(), out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{"embedded Kafka-protocol broker on 127.0.0.1:", "CRITICAL ESC-C01", "CRITICAL ESC-C02", "CRITICAL ESC-C03", "escalate: YES"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	m := regexp.MustCompile(`(\d+) alert\(s\) read back from the alert topic \((\d+) critical`).FindStringSubmatch(text)
	want := len(streamtest.ScanAlerts(t, []string{"demodata"}, correlate.DefaultPolicy()))
	if m == nil || m[1] != strconv.Itoa(want) {
		t.Errorf("demo summary %q; scan of the same samples raises %d alerts:\n%s", m, want, text)
	}
	t.Logf("demo took %s: %s", time.Since(began).Round(time.Millisecond), m)
}

// TestDemoDataMatchesScenarios keeps the demo's embedded samples equal to
// the scenario files they are copied from, so the demo shows what the
// suite tests.
func TestDemoDataMatchesScenarios(t *testing.T) {
	n := 0
	err := fs.WalkDir(demodata, "demodata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		embedded, err := demodata.ReadFile(path)
		if err != nil {
			return err
		}
		source := filepath.Join("..", "..", "testdata", "scenarios", strings.TrimPrefix(path, "demodata/"))
		want, err := os.ReadFile(source)
		if err != nil {
			t.Errorf("%s has no scenario file: %v", path, err)
			return nil
		}
		if !bytes.Equal(embedded, want) {
			t.Errorf("%s differs from %s; copy it again", path, source)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the demo embeds no samples")
	}
}

// TestReadmeShowsCurrentAlert keeps the alert shown in the README equal to
// what scan raises for scenario 01 today.
func TestReadmeShowsCurrentAlert(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	alerts := streamtest.ScanAlerts(t, []string{"../../testdata/scenarios/01-privileged-hostpid-nsenter"}, correlate.DefaultPolicy())
	for _, a := range alerts {
		if a.Rule.ID != "ESC-C01" {
			continue
		}
		for _, want := range []string{a.ID, a.Summary, `"escalate": true`} {
			if !bytes.Contains(readme, []byte(want)) {
				t.Errorf("README lacks %q of scenario 01's ESC-C01; paste the alert again", want)
			}
		}
		return
	}
	t.Fatal("scenario 01 raises no ESC-C01")
}
