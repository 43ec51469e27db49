package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Topics names the Kafka topics of CONTRACT §6.
type Topics struct {
	// Inputs are read by stage 1; any supported format may appear in any
	// of them. Default: k8s-audit, container-runtime, syscall-events.
	Audit   string `yaml:"audit"`
	Runtime string `yaml:"runtime"`
	Syscall string `yaml:"syscall"`
	// Keyed is the internal topic of normalized events keyed by
	// correlation unit. Default: escapewatch.keyed.v1.
	Keyed string `yaml:"keyed"`
	// Alerts receives alerts keyed by alert id. Default:
	// escapewatch.alerts.v1.
	Alerts string `yaml:"alerts"`
	// DeadLetter receives records that could not be decoded, with the
	// reason in headers. Default: escapewatch.deadletter.v1.
	DeadLetter string `yaml:"deadletter"`
}

// Inputs lists the input topics that are set.
func (t Topics) Inputs() []string {
	var out []string
	for _, s := range []string{t.Audit, t.Runtime, t.Syscall} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ForFile names the input topic a producer of the named file would write
// to: audit logs to the audit topic, Docker, containerd and CRI-O records
// to the runtime topic, everything else (syscall telemetry) to the syscall
// topic. The demo and the tests use it to load sample files.
func (t Topics) ForFile(name string) string {
	p := strings.ToLower(name)
	switch {
	case strings.Contains(p, "audit") && !strings.Contains(p, "auditd") && !strings.Contains(p, "auditbeat"):
		return t.Audit
	case strings.Contains(p, "docker"), strings.Contains(p, "containerd"), strings.Contains(p, "crio"),
		strings.Contains(p, "cri-o"), strings.Contains(p, "crictl"), strings.Contains(p, "runtime"):
		return t.Runtime
	}
	return t.Syscall
}

// DefaultTopics returns CONTRACT §6's topic names.
func DefaultTopics() Topics {
	return Topics{
		Audit:      "k8s-audit",
		Runtime:    "container-runtime",
		Syscall:    "syscall-events",
		Keyed:      "escapewatch.keyed.v1",
		Alerts:     "escapewatch.alerts.v1",
		DeadLetter: "escapewatch.deadletter.v1",
	}
}

// Config configures the pipeline. Start from DefaultConfig; call Validate.
type Config struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string `yaml:"brokers"`
	Topics  Topics   `yaml:"topics"`
	// NormalizeGroup is stage 1's consumer group. Default:
	// escapewatch-normalize.
	NormalizeGroup string `yaml:"normalize_group"`
	// CorrelateGroup is stage 2's consumer group. Default:
	// escapewatch-correlate.
	CorrelateGroup string `yaml:"correlate_group"`
	// KeyedPartitions is the partition count of the keyed topic when
	// escapewatch creates it; it bounds stage 2's parallelism. Changing it
	// remaps units to partitions: treat it as a migration to a new keyed
	// topic. Default: 12.
	KeyedPartitions int `yaml:"keyed_partitions"`
	// ReplicationFactor of the topics escapewatch creates. Default: 1;
	// production clusters want 3.
	ReplicationFactor int `yaml:"replication_factor"`
	// CreateTopics creates missing topics at start (and verifies the
	// existing ones either way). Default: true.
	CreateTopics bool `yaml:"create_topics"`
	// MaxRecordBytes dead-letters larger input records. Default: 1 MiB.
	MaxRecordBytes int `yaml:"max_record_bytes"`
	// ReorderDelay holds events in stage 2 until events this much later
	// (in event time) have arrived, so that the correlator sees them in
	// event-time order. Default: 5s.
	ReorderDelay time.Duration `yaml:"reorder_delay"`
	// IdleFlush processes everything held (stage 2's reorder buffer, stage
	// 1's open auditd events) when a partition has been quiet this long.
	// Default: 1s.
	IdleFlush time.Duration `yaml:"idle_flush"`
	// CommitInterval is how often stage 2 commits progress. Default: 1s.
	CommitInterval time.Duration `yaml:"commit_interval"`
	// ShutdownTimeout bounds a graceful stop: stop fetching, flush sinks,
	// commit, leave the group. Default: 15s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// SessionTimeout of both consumer groups. Default: 10s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// HeartbeatInterval of both consumer groups. Default: 1s.
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	// MaxWait bounds one fetch wait; small values keep rebalances and
	// shutdown fast. Default: 500ms.
	MaxWait time.Duration `yaml:"max_wait"`
	// Lookback is how much event time before its watermark a partition
	// re-reads to rebuild its state when it moves to another instance. A
	// risky pod whose start lies further back is no longer known as risky
	// after the move, so raise it where sessions into old pods matter more
	// than rebuild time. Default (0): window + max(window, exec_window) +
	// skew + lateness + termination grace of the policy (25m by default).
	Lookback time.Duration `yaml:"rebuild_lookback"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Topics:            DefaultTopics(),
		NormalizeGroup:    "escapewatch-normalize",
		CorrelateGroup:    "escapewatch-correlate",
		KeyedPartitions:   12,
		ReplicationFactor: 1,
		CreateTopics:      true,
		MaxRecordBytes:    1 << 20,
		ReorderDelay:      5 * time.Second,
		IdleFlush:         time.Second,
		CommitInterval:    time.Second,
		ShutdownTimeout:   15 * time.Second,
		SessionTimeout:    10 * time.Second,
		HeartbeatInterval: time.Second,
		MaxWait:           500 * time.Millisecond,
	}
}

// Validate reports every setting that cannot work, saying what to change.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Brokers) == 0 {
		bad("brokers: none given (set --brokers, ESCAPEWATCH_BROKERS or brokers: in the config file)")
	}
	for _, b := range c.Brokers {
		if !strings.Contains(b, ":") {
			bad("brokers: %q has no port (use host:port)", b)
		}
	}
	t := c.Topics
	if len(t.Inputs()) == 0 {
		bad("topics: no input topic set")
	}
	names := map[string]string{}
	for _, x := range []struct{ role, name string }{{"audit", t.Audit}, {"runtime", t.Runtime}, {"syscall", t.Syscall},
		{"keyed", t.Keyed}, {"alerts", t.Alerts}, {"deadletter", t.DeadLetter}} {
		switch {
		case x.name == "" && (x.role == "keyed" || x.role == "alerts" || x.role == "deadletter"):
			bad("topics.%s must be set", x.role)
		case x.name == "":
		case names[x.name] != "" && x.role != "audit" && x.role != "runtime" && x.role != "syscall":
			bad("topics.%s and topics.%s are both %q; escapewatch's own topics must differ from each other and from the inputs", names[x.name], x.role, x.name)
		default:
			if names[x.name] == "" {
				names[x.name] = x.role
			}
		}
	}
	if c.NormalizeGroup == "" || c.CorrelateGroup == "" || c.NormalizeGroup == c.CorrelateGroup {
		bad("normalize_group and correlate_group must be set and differ")
	}
	if c.KeyedPartitions < 1 || c.KeyedPartitions > 10000 {
		bad("keyed_partitions must be between 1 and 10000, not %d", c.KeyedPartitions)
	}
	if c.ReplicationFactor < 1 {
		bad("replication_factor must be at least 1")
	}
	if c.MaxRecordBytes < 1024 {
		bad("max_record_bytes must be at least 1024")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		min  time.Duration
	}{{"reorder_delay", c.ReorderDelay, 0}, {"idle_flush", c.IdleFlush, 10 * time.Millisecond},
		{"commit_interval", c.CommitInterval, 10 * time.Millisecond}, {"shutdown_timeout", c.ShutdownTimeout, time.Second},
		{"session_timeout", c.SessionTimeout, time.Second}, {"heartbeat_interval", c.HeartbeatInterval, 10 * time.Millisecond},
		{"max_wait", c.MaxWait, 10 * time.Millisecond}} {
		if d.v < d.min {
			bad("%s is %s; it must be at least %s", d.name, d.v, d.min)
		}
	}
	if c.Lookback < 0 {
		bad("rebuild_lookback is %s; it must be positive, or 0 to derive it from the policy's windows", c.Lookback)
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		bad("heartbeat_interval (%s) must be shorter than session_timeout (%s)", c.HeartbeatInterval, c.SessionTimeout)
	}
	return errors.Join(errs...)
}
