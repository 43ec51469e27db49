package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/escapewatch/escapewatch/correlate"
	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/sinks"
	"github.com/escapewatch/escapewatch/stream/pipeline"
)

func runRun(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(s.err)
	cf := addConfigFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(s.err, `Usage: escapewatch run [--config FILE] [flags]

Runs the streaming service: stage 1 reads the input topics, decodes and
re-keys what detection needs; stage 2 correlates per pod or container in event
time and publishes alerts. Both stages run here unless --role picks one.
Settings come from defaults, then --config, then ESCAPEWATCH_* variables, then
flags.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(s.err, "escapewatch run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, pol, code := loadService("run", fs, cf, s)
	if code != 0 {
		return code
	}
	log := newLogger(cfg.Log, s.err)
	return serve(ctx, cfg, pol, log, s, nil)
}

// loadService loads the configuration and the policy, reporting every
// problem; code is non-zero when the command must stop.
func loadService(cmd string, fs *flag.FlagSet, cf *configFlags, s stdio) (serviceConfig, *correlate.Policy, int) {
	cfg, err := cf.load(fs, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(s.err, "escapewatch %s: the configuration is not valid:\n", cmd)
		for _, line := range errorLines(err) {
			fmt.Fprintf(s.err, "  - %s\n", line)
		}
		return cfg, nil, 2
	}
	pol, err := loadPolicy(cfg.Policy)
	if err != nil {
		fmt.Fprintf(s.err, "escapewatch %s: %v\n", cmd, err)
		return cfg, nil, 2
	}
	return cfg, pol, 0
}

func newLogger(c logConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// service is what serve started, for callers that need to look inside
// (demo, tests).
type service struct {
	registry *prometheus.Registry
	ready    func() bool
	addr     net.Addr
}

// serve runs the configured stages under one supervisor until ctx ends or
// a stage fails, then stops within the shutdown timeout: stop fetching,
// flush the sinks, commit, leave the groups. started (may be nil) is called
// once everything runs.
func serve(ctx context.Context, cfg serviceConfig, pol *correlate.Policy, log *slog.Logger, s stdio, started func(*service)) int {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	pm := pipeline.NewMetrics(reg)
	cm := correlate.NewMetrics(reg)

	parts, err := pipeline.EnsureTopics(ctx, cfg.Config, cfg.CreateTopics)
	if err != nil {
		log.Error("topics are not usable", "err", err)
		return 1
	}
	if n := parts[cfg.Topics.Keyed]; n != cfg.KeyedPartitions {
		log.Warn("the keyed topic exists with another partition count; using it (changing it remaps pods to partitions: migrate to a new keyed topic instead)",
			"topic", cfg.Topics.Keyed, "partitions", n, "keyed_partitions", cfg.KeyedPartitions)
	}
	sink, err := buildSinks(cfg, s.out, pm)
	if err != nil {
		log.Error("sinks are not usable", "err", err)
		return 1
	}
	defer sink.Close()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(runCtx)
	svc := &service{registry: reg, ready: func() bool { return true }}
	if cfg.Role == "all" || cfg.Role == "normalize" {
		n := pipeline.NewNormalizer(cfg.Config, pol, pm, log.With("stage", "normalize"))
		g.Go(func() error { return n.Run(gctx) })
	}
	if cfg.Role == "all" || cfg.Role == "correlate" {
		c := pipeline.NewCorrelator(cfg.Config, pol, cm, pm, sink, parts[cfg.Topics.Keyed], log.With("stage", "correlate"))
		svc.ready = c.Ready
		g.Go(func() error { return c.Run(gctx) })
	}
	g.Go(func() error {
		pipeline.WatchLag(gctx, cfg.Config, pm, 15*time.Second)
		return nil
	})
	if cfg.MetricsAddr != "" {
		srv, ln, err := listen(cfg.MetricsAddr, reg, svc)
		if err != nil {
			log.Error("cannot serve metrics", "addr", cfg.MetricsAddr, "err", err)
			cancel()
			_ = g.Wait()
			return 1
		}
		svc.addr = ln.Addr()
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer scancel()
			return srv.Shutdown(sctx)
		})
	}
	metricsAt := "off"
	if svc.addr != nil {
		metricsAt = svc.addr.String()
	}
	log.Info("escapewatch running", "version", schemas.ProductVersion, "role", cfg.Role, "brokers", strings.Join(cfg.Brokers, ","),
		"inputs", strings.Join(cfg.Topics.Inputs(), ","), "keyed_partitions", parts[cfg.Topics.Keyed], "metrics", metricsAt)
	if started != nil {
		started(svc)
	}

	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	var runErr error
	select {
	case runErr = <-done:
	case <-ctx.Done():
		log.Info("stopping", "deadline", cfg.ShutdownTimeout)
		select {
		case runErr = <-done:
		case <-time.After(cfg.ShutdownTimeout):
			log.Error("shutdown took longer than the deadline; exiting anyway", "deadline", cfg.ShutdownTimeout)
			return 1
		}
	}
	if runErr != nil && ctx.Err() == nil {
		log.Error("escapewatch stopped", "err", runErr)
		return 1
	}
	log.Info("escapewatch stopped")
	return 0
}

// listen serves /metrics, /healthz (alive) and /readyz (every owned
// partition rebuilt).
func listen(addr string, reg *prometheus.Registry, svc *service) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !svc.ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "rebuilding partition state\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln, nil
}

// buildSinks assembles the configured sinks behind one fanout.
func buildSinks(cfg serviceConfig, stdout io.Writer, pm *pipeline.Metrics) (*sinks.Fanout, error) {
	var list []sinks.Named
	sev := func(s string) schemas.Severity {
		v, _ := schemas.ParseSeverity(s)
		return v
	}
	if c := cfg.Sinks.Kafka; c.Enabled {
		list = append(list, sinks.Named{Name: "kafka", Sink: sinks.NewKafka(cfg.Brokers, cfg.Topics.Alerts, c.Format, sev(c.MinSeverity))})
	}
	if c := cfg.Sinks.Stdout; c.Enabled {
		list = append(list, sinks.Named{Name: "stdout", Sink: sinks.NewWriter(stdout, c.Format, sev(c.MinSeverity), true)})
	}
	if c := cfg.Sinks.File; c.Enabled {
		f, err := sinks.NewFile(c.Path, c.Format, sev(c.MinSeverity))
		if err != nil {
			return nil, err
		}
		list = append(list, sinks.Named{Name: "file", Sink: f})
	}
	return sinks.NewFanout(pm.SinkError, list...), nil
}
