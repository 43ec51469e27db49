package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/sinks"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/files"
	"github.com/escapewatch/escapewatch/stream/pipeline"
)

// demodata holds copies of scenarios of the test suite (attacks and benign
// traffic); a test keeps them equal to testdata/scenarios.
//
//go:embed demodata
var demodata embed.FS

func runDemo(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(s.err)
	follow := fs.Bool("follow", false, "keep running after the sample traffic and print the broker address for your own events")
	port := fs.Int("port", 0, "loopback port of the embedded broker (0: any free port)")
	metrics := fs.String("metrics-addr", "", "serve /metrics, /healthz and /readyz on this address")
	quiet := fs.Duration("quiet", 4*time.Second, "without --follow, stop once no new alert arrived for this long")
	fs.Usage = func() {
		fmt.Fprint(s.err, `Usage: escapewatch demo [--follow] [--port N]

Starts an in-process Kafka-protocol broker on loopback, creates the topics,
produces sample attack and benign traffic into the three input topics, runs
the real pipeline against it through the Kafka client, and prints the alerts
it reads back from the alert topic.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelWarn}))

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(*port), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch demo: starting the embedded broker:", err)
		return 1
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	fmt.Fprintf(s.out, "escapewatch demo: embedded Kafka-protocol broker on %s\n", strings.Join(brokers, ","))

	cfg := defaultServiceConfig()
	cfg.Brokers = brokers
	cfg.MetricsAddr = *metrics
	cfg.KeyedPartitions = 4
	cfg.IdleFlush = 300 * time.Millisecond
	cfg.CommitInterval = 500 * time.Millisecond
	cfg.SessionTimeout = 6 * time.Second
	cfg.HeartbeatInterval = 500 * time.Millisecond
	cfg.MaxWait = 200 * time.Millisecond
	// The samples arrive as one burst spanning months of event time: let
	// stage 2 put the whole burst in event-time order before correlating
	// it (IdleFlush releases it once the burst is in).
	cfg.ReorderDelay = 10 * 365 * 24 * time.Hour
	pol, err := loadPolicy("")
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch demo:", err)
		return 1
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	started := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		done <- serve(runCtx, cfg, pol, log, stdio{out: s.err, err: s.err}, func(*service) { close(started) })
	}()
	select {
	case <-started:
	case code := <-done:
		return code
	}

	produced, err := produceDemo(runCtx, brokers, cfg.Topics)
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch demo: producing sample traffic:", err)
		return 1
	}
	fmt.Fprintf(s.out, "escapewatch demo: produced %d sample records (attacks and benign traffic) into %s\n\n",
		produced, strings.Join(cfg.Topics.Inputs(), ", "))
	if *follow {
		fmt.Fprintf(s.out, `Produce your own events (any supported format, one per line), for example:
  kcat -b %s -t %s -P -l my-events.jsonl
Alerts appear below and on topic %s. Stop with Ctrl-C.

`, brokers[0], cfg.Topics.Syscall, cfg.Topics.Alerts)
	}

	seen := &alertPrinter{s: s}
	quietFor := *quiet
	if *follow {
		quietFor = 0
	}
	err = watchAlerts(runCtx, brokers, cfg.Topics.Alerts, quietFor, seen.print)
	stop()
	code := <-done
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(s.err, "escapewatch demo: reading alerts:", err)
		return 1
	}
	seen.summary()
	return code
}

// produceDemo writes the embedded samples, record by record as scan would
// read them, to the input topic each file belongs to.
func produceDemo(ctx context.Context, brokers []string, topics pipeline.Topics) (int, error) {
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond,
		Balancer: &kafka.RoundRobin{}}
	defer w.Close()
	var msgs []kafka.Message
	err := fs.WalkDir(demodata, "demodata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := demodata.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		topic := topics.ForFile(path)
		return files.Records(f, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			if r.Err == nil {
				msgs = append(msgs, kafka.Message{Topic: topic, Value: slices.Clone(r.Value)})
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	return len(msgs), w.WriteMessages(ctx, msgs...)
}

// watchAlerts reads the alert topic from the start and hands each record to
// fn until ctx ends or, when quiet > 0, no record arrived for that long.
func watchAlerts(ctx context.Context, brokers []string, topic string, quiet time.Duration, fn func(kafka.Message)) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return err
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return fmt.Errorf("alert topic %s is missing", topic)
	}
	msgs := make(chan kafka.Message)
	var wg sync.WaitGroup
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, p := range meta.Topics[0].Partitions {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				m, err := r.FetchMessage(rctx)
				if err != nil {
					return
				}
				select {
				case msgs <- m:
				case <-rctx.Done():
					return
				}
			}
		}()
	}
	defer wg.Wait()
	defer cancel()
	var timeout <-chan time.Time
	last := time.Now()
	for {
		if quiet > 0 {
			timeout = time.After(time.Until(last.Add(quiet)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return nil
		case m := <-msgs:
			last = time.Now()
			fn(m)
		}
	}
}

// alertPrinter prints each alert once, when its first version arrives, and
// counts them by severity.
type alertPrinter struct {
	s     stdio
	mu    sync.Mutex
	ids   map[string]bool
	count map[schemas.Severity]int
}

func (p *alertPrinter) print(m kafka.Message) {
	var a schemas.Alert
	if err := json.Unmarshal(m.Value, &a); err != nil {
		fmt.Fprintf(p.s.err, "escapewatch demo: unreadable alert record: %v\n", err)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids, p.count = map[string]bool{}, map[schemas.Severity]int{}
	}
	if p.ids[a.ID] {
		return
	}
	p.ids[a.ID] = true
	p.count[a.Severity]++
	// Chains and other critical findings in full, as an analyst reads them;
	// the rest on a line each.
	if a.Severity >= schemas.SeverityCritical {
		fmt.Fprintln(p.s.out)
		_ = sinks.WriteText(p.s.out, &a)
		return
	}
	_ = sinks.WriteTextLine(p.s.out, &a)
}

func (p *alertPrinter) summary() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []string
	for s := schemas.SeverityCritical; ; s-- {
		if n := p.count[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
		if s == schemas.SeverityInfo {
			break
		}
	}
	fmt.Fprintf(p.s.out, "\nescapewatch demo: %d alert(s) read back from the alert topic (%s)\n", len(p.ids), strings.Join(parts, ", "))
	fmt.Fprintln(p.s.out, "Every alert in full: escapewatch scan --format text cmd/escapewatch/demodata (the same samples, offline)")
}
