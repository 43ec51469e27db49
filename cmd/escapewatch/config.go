package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/sinks"
	"github.com/escapewatch/escapewatch/stream/pipeline"
)

// serviceConfig is the configuration of run, replay and demo. It is read
// from defaults, then a YAML file (strict: unknown keys are errors), then
// ESCAPEWATCH_* environment variables, then flags; each later source wins.
type serviceConfig struct {
	pipeline.Config `yaml:",inline"`
	// Role selects the stages this process runs: all, normalize or
	// correlate. Default: all.
	Role string `yaml:"role"`
	// Policy is a policy file; empty uses the built-in policy.
	Policy string `yaml:"policy"`
	// MetricsAddr serves /metrics, /healthz and /readyz; empty disables.
	// Default: :9464.
	MetricsAddr string    `yaml:"metrics_addr"`
	Log         logConfig `yaml:"log"`
	Sinks       sinkSet   `yaml:"sinks"`
}

type logConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error. Default: info.
	Format string `yaml:"format"` // text or json. Default: text.
}

type sinkSet struct {
	// Kafka publishes to topics.alerts. Default: on, native, info.
	Kafka sinkConfig `yaml:"kafka"`
	// Stdout prints alerts. Default: off, text, info.
	Stdout sinkConfig `yaml:"stdout"`
	// File appends JSON lines to Path. Default: off, native, info.
	File sinkConfig `yaml:"file"`
}

type sinkConfig struct {
	Enabled     bool         `yaml:"enabled"`
	Path        string       `yaml:"path"`
	Format      sinks.Format `yaml:"format"`
	MinSeverity string       `yaml:"min_severity"`
}

func defaultServiceConfig() serviceConfig {
	return serviceConfig{
		Config:      pipeline.DefaultConfig(),
		Role:        "all",
		MetricsAddr: ":9464",
		Log:         logConfig{Level: "info", Format: "text"},
		Sinks: sinkSet{
			Kafka:  sinkConfig{Enabled: true, Format: sinks.FormatNative, MinSeverity: "info"},
			Stdout: sinkConfig{Format: sinks.FormatText, MinSeverity: "info"},
			File:   sinkConfig{Format: sinks.FormatNative, MinSeverity: "info"},
		},
	}
}

// setting is one configuration value reachable by flag and environment.
type setting struct {
	name  string // flag name; the variable is ESCAPEWATCH_ + upper snake case
	usage string
	kind  valueKind
	set   func(c *serviceConfig, v string) error
	show  func(c *serviceConfig) string
}

// valueKind decides the type of a setting's flag, so that --help shows it
// and a boolean flag needs no value.
type valueKind uint8

const (
	kindString valueKind = iota
	kindInt
	kindDuration
	kindBool
)

func envName(flagName string) string {
	return "ESCAPEWATCH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// accessor reads and writes one setting as text.
type accessor struct {
	kind valueKind
	set  func(c *serviceConfig, v string) error
	show func(c *serviceConfig) string
}

func mk(name, usage string, a accessor) setting {
	return setting{name: name, usage: usage, kind: a.kind, set: a.set, show: a.show}
}

func strA(get func(*serviceConfig) *string) accessor {
	return accessor{
		set:  func(c *serviceConfig, v string) error { *get(c) = v; return nil },
		show: func(c *serviceConfig) string { return *get(c) },
	}
}

func numA(get func(*serviceConfig) *int) accessor {
	return accessor{
		kind: kindInt,
		set: func(c *serviceConfig, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			*get(c) = n
			return nil
		},
		show: func(c *serviceConfig) string { return strconv.Itoa(*get(c)) },
	}
}

func durA(get func(*serviceConfig) *time.Duration) accessor {
	return accessor{
		kind: kindDuration,
		set: func(c *serviceConfig, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration (use e.g. 500ms, 5s, 1m)", v)
			}
			*get(c) = d
			return nil
		},
		show: func(c *serviceConfig) string { return get(c).String() },
	}
}

func boolA(get func(*serviceConfig) *bool) accessor {
	return accessor{
		kind: kindBool,
		set: func(c *serviceConfig, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			*get(c) = b
			return nil
		},
		show: func(c *serviceConfig) string { return strconv.FormatBool(*get(c)) },
	}
}

func formatA(get func(*serviceConfig) *sinks.Format) accessor {
	return accessor{
		set:  func(c *serviceConfig, v string) error { return get(c).UnmarshalText([]byte(v)) },
		show: func(c *serviceConfig) string { return get(c).String() },
	}
}

// serviceSettings lists every setting of run, replay and demo.
func serviceSettings() []setting {
	return []setting{
		mk("brokers", "Kafka bootstrap brokers, comma separated host:port", accessor{
			set:  func(c *serviceConfig, v string) error { c.Brokers = splitList(v); return nil },
			show: func(c *serviceConfig) string { return strings.Join(c.Brokers, ",") },
		}),
		mk("role", "stages to run: all, normalize or correlate", strA(func(c *serviceConfig) *string { return &c.Role })),
		mk("policy", "policy file (default: built-in policy)", strA(func(c *serviceConfig) *string { return &c.Policy })),
		mk("metrics-addr", "address of /metrics, /healthz and /readyz (empty: off)", strA(func(c *serviceConfig) *string { return &c.MetricsAddr })),
		mk("log-level", "debug, info, warn or error", strA(func(c *serviceConfig) *string { return &c.Log.Level })),
		mk("log-format", "text or json", strA(func(c *serviceConfig) *string { return &c.Log.Format })),
		mk("topic-audit", "Kubernetes audit input topic", strA(func(c *serviceConfig) *string { return &c.Topics.Audit })),
		mk("topic-runtime", "container runtime input topic", strA(func(c *serviceConfig) *string { return &c.Topics.Runtime })),
		mk("topic-syscall", "syscall telemetry input topic", strA(func(c *serviceConfig) *string { return &c.Topics.Syscall })),
		mk("topic-keyed", "internal topic of normalized events keyed by unit", strA(func(c *serviceConfig) *string { return &c.Topics.Keyed })),
		mk("topic-alerts", "alert topic", strA(func(c *serviceConfig) *string { return &c.Topics.Alerts })),
		mk("topic-deadletter", "dead-letter topic", strA(func(c *serviceConfig) *string { return &c.Topics.DeadLetter })),
		mk("normalize-group", "consumer group of stage 1", strA(func(c *serviceConfig) *string { return &c.NormalizeGroup })),
		mk("correlate-group", "consumer group of stage 2", strA(func(c *serviceConfig) *string { return &c.CorrelateGroup })),
		mk("keyed-partitions", "partitions of the keyed topic when created", numA(func(c *serviceConfig) *int { return &c.KeyedPartitions })),
		mk("replication-factor", "replication of the topics escapewatch creates", numA(func(c *serviceConfig) *int { return &c.ReplicationFactor })),
		mk("create-topics", "create missing topics at start", boolA(func(c *serviceConfig) *bool { return &c.CreateTopics })),
		mk("max-record-bytes", "dead-letter input records larger than this", numA(func(c *serviceConfig) *int { return &c.MaxRecordBytes })),
		mk("reorder-delay", "event time stage 2 waits to put events in order", durA(func(c *serviceConfig) *time.Duration { return &c.ReorderDelay })),
		mk("idle-flush", "process held events after a partition is quiet this long", durA(func(c *serviceConfig) *time.Duration { return &c.IdleFlush })),
		mk("rebuild-lookback", "event time a moved partition re-reads to rebuild its state (0: from the policy's windows)", durA(func(c *serviceConfig) *time.Duration { return &c.Lookback })),
		mk("commit-interval", "how often stage 2 commits", durA(func(c *serviceConfig) *time.Duration { return &c.CommitInterval })),
		mk("shutdown-timeout", "bound of a graceful stop", durA(func(c *serviceConfig) *time.Duration { return &c.ShutdownTimeout })),
		mk("max-wait", "longest wait of one fetch; keeps rebalances and shutdown quick", durA(func(c *serviceConfig) *time.Duration { return &c.MaxWait })),
		mk("session-timeout", "consumer group session timeout", durA(func(c *serviceConfig) *time.Duration { return &c.SessionTimeout })),
		mk("heartbeat-interval", "consumer group heartbeat interval", durA(func(c *serviceConfig) *time.Duration { return &c.HeartbeatInterval })),
		mk("kafka-sink", "publish alerts to the alert topic", boolA(func(c *serviceConfig) *bool { return &c.Sinks.Kafka.Enabled })),
		mk("alerts-format", "format on the alert topic: native, ocsf or ecs", formatA(func(c *serviceConfig) *sinks.Format { return &c.Sinks.Kafka.Format })),
		mk("alerts-min-severity", "lowest severity published to the alert topic", strA(func(c *serviceConfig) *string { return &c.Sinks.Kafka.MinSeverity })),
		mk("stdout", "also print alerts on stdout", boolA(func(c *serviceConfig) *bool { return &c.Sinks.Stdout.Enabled })),
		mk("stdout-format", "stdout format: text, native, ocsf or ecs", formatA(func(c *serviceConfig) *sinks.Format { return &c.Sinks.Stdout.Format })),
		mk("stdout-min-severity", "lowest severity printed on stdout", strA(func(c *serviceConfig) *string { return &c.Sinks.Stdout.MinSeverity })),
		mk("alerts-file", "also append alerts as JSON lines to this file", accessor{
			set: func(c *serviceConfig, v string) error {
				c.Sinks.File.Path, c.Sinks.File.Enabled = v, v != ""
				return nil
			},
			show: func(c *serviceConfig) string { return c.Sinks.File.Path },
		}),
		mk("file-format", "alert file format: native, ocsf or ecs", formatA(func(c *serviceConfig) *sinks.Format { return &c.Sinks.File.Format })),
		mk("file-min-severity", "lowest severity written to the file", strA(func(c *serviceConfig) *string { return &c.Sinks.File.MinSeverity })),
	}
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// configFlags registers --config and every setting on fs; load applies them.
type configFlags struct {
	file     *string
	settings []setting
	// values return the text of each setting's flag as given.
	values map[string]func() string
}

func addConfigFlags(fs *flag.FlagSet) *configFlags {
	cf := &configFlags{
		file:     fs.String("config", "", "YAML configuration `file` (env ESCAPEWATCH_CONFIG)"),
		settings: serviceSettings(),
		values:   map[string]func() string{},
	}
	def := defaultServiceConfig()
	for _, s := range cf.settings {
		usage := s.usage + " (env " + envName(s.name) + ")"
		switch s.kind {
		case kindBool:
			v := fs.Bool(s.name, s.show(&def) == "true", usage)
			cf.values[s.name] = func() string { return strconv.FormatBool(*v) }
		case kindInt:
			n, _ := strconv.Atoi(s.show(&def))
			v := fs.Int(s.name, n, usage)
			cf.values[s.name] = func() string { return strconv.Itoa(*v) }
		case kindDuration:
			d, _ := time.ParseDuration(s.show(&def))
			v := fs.Duration(s.name, d, usage)
			cf.values[s.name] = func() string { return v.String() }
		default:
			v := fs.String(s.name, s.show(&def), usage)
			cf.values[s.name] = func() string { return *v }
		}
	}
	return cf
}

// load builds the configuration: defaults, the file, the environment, the
// flags set on the command line. A variable that is set applies even when
// empty (ESCAPEWATCH_METRICS_ADDR= turns the endpoint off).
func (cf *configFlags) load(fs *flag.FlagSet, lookupEnv func(string) (string, bool)) (serviceConfig, error) {
	cfg := defaultServiceConfig()
	file := *cf.file
	if file == "" {
		file, _ = lookupEnv("ESCAPEWATCH_CONFIG")
	}
	if file != "" {
		if err := loadConfigFile(file, &cfg); err != nil {
			return cfg, err
		}
	}
	var errs []error
	for _, s := range cf.settings {
		if v, ok := lookupEnv(envName(s.name)); ok {
			if err := s.set(&cfg, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(s.name), err))
			}
		}
	}
	fs.Visit(func(f *flag.Flag) {
		for _, s := range cf.settings {
			if s.name == f.Name {
				if err := s.set(&cfg, cf.values[s.name]()); err != nil {
					errs = append(errs, fmt.Errorf("--%s: %w", s.name, err))
				}
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate()
}

func loadConfigFile(path string, cfg *serviceConfig) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: holds more than one YAML document; keep one", path)
	}
	return nil
}

func (c *serviceConfig) validate() error {
	var errs []error
	if err := c.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	switch c.Role {
	case "all", "normalize", "correlate":
	default:
		errs = append(errs, fmt.Errorf("role %q: want all, normalize or correlate", c.Role))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want text or json", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	for _, s := range []struct {
		name string
		c    sinkConfig
	}{{"kafka", c.Sinks.Kafka}, {"stdout", c.Sinks.Stdout}, {"file", c.Sinks.File}} {
		if _, err := schemas.ParseSeverity(s.c.MinSeverity); err != nil {
			errs = append(errs, fmt.Errorf("sinks.%s.min_severity: %w", s.name, err))
		}
		if s.name == "kafka" && s.c.Format == sinks.FormatText {
			errs = append(errs, errors.New("sinks.kafka.format: text is for people; use native, ocsf or ecs on the alert topic"))
		}
	}
	if c.Sinks.File.Enabled && c.Sinks.File.Path == "" {
		errs = append(errs, errors.New("sinks.file: enabled without a path"))
	}
	if c.Role != "normalize" && !c.Sinks.Kafka.Enabled && !c.Sinks.Stdout.Enabled && !c.Sinks.File.Enabled {
		errs = append(errs, errors.New("sinks: every sink is off; alerts would go nowhere"))
	}
	return errors.Join(errs...)
}
