package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadFor(t *testing.T, args []string, env map[string]string) (serviceConfig, error) {
	t.Helper()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cf := addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parsing %v: %v", args, err)
	}
	return cf.load(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

// TestConfigPrecedence checks the order of the sources: defaults, then the
// file, then ESCAPEWATCH_* variables, then flags.
func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", `
brokers: [file:9092]
reorder_delay: 7s
commit_interval: 3s
keyed_partitions: 6
metrics_addr: ":9999"
sinks:
  stdout: {enabled: false}
`)
	cfg, err := loadFor(t, []string{"--config", file, "--commit-interval", "250ms", "--stdout"},
		map[string]string{"ESCAPEWATCH_REORDER_DELAY": "9s", "ESCAPEWATCH_COMMIT_INTERVAL": "2s", "ESCAPEWATCH_METRICS_ADDR": ""})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"brokers from the file", cfg.Brokers[0], "file:9092"},
		{"keyed partitions from the file", cfg.KeyedPartitions, 6},
		{"reorder delay: env over file", cfg.ReorderDelay, 9 * time.Second},
		{"commit interval: flag over env over file", cfg.CommitInterval, 250 * time.Millisecond},
		{"metrics address: an empty variable turns it off", cfg.MetricsAddr, ""},
		{"stdout: a bare boolean flag", cfg.Sinks.Stdout.Enabled, true},
		{"idle flush: the default", cfg.IdleFlush, time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestConfigErrorsSayWhatToFix checks that a bad configuration fails with
// a message naming the setting and what to do.
func TestConfigErrorsSayWhatToFix(t *testing.T) {
	for _, c := range []struct {
		name string
		file string
		args []string
		env  map[string]string
		want []string
	}{
		{name: "no brokers", want: []string{"brokers: none given", "ESCAPEWATCH_BROKERS"}},
		{name: "unknown key", file: "brokers: [a:1]\nbrokerz: [b:2]\n", want: []string{"brokerz", "not found"}},
		{name: "two documents", file: "brokers: [a:1]\n---\nrole: all\n", want: []string{"more than one YAML document"}},
		{name: "bad duration in env", args: []string{"--brokers", "a:1"}, env: map[string]string{"ESCAPEWATCH_IDLE_FLUSH": "soon"},
			want: []string{"ESCAPEWATCH_IDLE_FLUSH", "not a duration"}},
		{name: "same topic twice", args: []string{"--brokers", "a:1", "--topic-alerts", "escapewatch.keyed.v1"}, want: []string{"topics.keyed and topics.alerts"}},
		{name: "heartbeat too long", args: []string{"--brokers", "a:1", "--heartbeat-interval", "20s"}, want: []string{"heartbeat_interval", "shorter than session_timeout"}},
		{name: "text on the alert topic", args: []string{"--brokers", "a:1", "--alerts-format", "text"}, want: []string{"sinks.kafka.format"}},
		{name: "every sink off", args: []string{"--brokers", "a:1", "--kafka-sink=false"}, want: []string{"every sink is off"}},
		{name: "bad role", args: []string{"--brokers", "a:1", "--role", "both"}, want: []string{`role "both"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.file != "" {
				args = append([]string{"--config", writeFile(t, "c.yaml", c.file)}, args...)
			}
			_, err := loadFor(t, args, c.env)
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestValidateConfig checks that validate reads a service configuration as
// run would, and the policy it names.
func TestValidateConfig(t *testing.T) {
	policy := writeFile(t, "p.yaml", "windows:\n  window: 5m\n")
	good := writeFile(t, "c.yaml", "brokers: [a:9092]\npolicy: "+policy+"\n")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"validate", "--config", good}, stdio{out: &out, err: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "brokers a:9092") || !strings.Contains(out.String(), "window 5m0s") {
		t.Errorf("validate output does not describe the config and its policy:\n%s", out.String())
	}
	bad := writeFile(t, "bad.yaml", "brokers: [a]\nshutdown_timeout: 1ms\n")
	out.Reset()
	errb.Reset()
	if code := run(t.Context(), []string{"validate", "--config", bad}, stdio{out: &out, err: &errb}); code != 1 {
		t.Fatalf("exit %d for a bad config", code)
	}
	for _, w := range []string{`"a" has no port`, "shutdown_timeout"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("validate does not explain %q:\n%s", w, errb.String())
		}
	}
}
